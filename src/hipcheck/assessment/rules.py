"""The validity and rating policy: when a value is measured, indicative or not measurable.

One policy for the offline assessment and the live view (:mod:`hipcheck.live` calls
:func:`judge` for every value it shows). In order of precedence:

1. **Not measurable** when the repetition cannot support frontal-plane angles (camera
   not frontal, body points hidden, the skeleton jumped to someone else, the pelvis
   turned away: :func:`rep_problem`), when the value is missing, or when it lies outside
   the metric's valid domain (:attr:`hipcheck.metrics.MetricSpec.domain`).
2. **Indicative** when its source is not validated for the metric (pelvic drop from the
   pose model: :attr:`hipcheck.metrics.MetricSpec.rated_sources`); shown with the reason,
   never rated.
3. **Measured** otherwise, rated good/fair/poor against the rubric.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from hipcheck.config import AnalysisConfig
from hipcheck.metrics import MetricSpec
from hipcheck.model import MetricValue, Rating, Status

#: Relative change of the apparent hip width from the standing reference that flags
#: pelvis rotation (the 2D "rotation guard": about 15 %, a heuristic) and beyond which
#: frontal angles are refused (twice that).
ROTATION_FLAG = 0.15
ROTATION_REJECT = 0.30

#: Per-rep quality flags (``Rep.quality``) and what they mean, in plain words.
QUALITY_FLAGS: dict[str, str] = {
    "frontal_view": "filmed from the front",
    "oblique_view": "filmed at an angle, not square to the person",
    "side_view": "filmed from the side",
    "rear_view": "filmed from behind",
    "unknown_view": "the camera angle could not be told",
    "low_visibility": "hips, knees or ankles were hidden in part of the repetition",
    "tracking_jump": "the skeleton jumped (possibly to another person)",
    "pelvis_rotation": "the pelvis turned away from the camera",
    "walking": "the feet moved as in walking",
    "stepping": "stepping on the spot, not a squat",
    "jumping": "a hop or jump (both feet left the floor)",
    "sitting": "sitting down on something and standing up again",
    "camera_motion": "the camera moved or zoomed (the person's apparent size changed)",
    "shallow": "too shallow to be a squat",
    "knees_straight": "the pelvis moved but the knees did not bend",
    "person_changed": "the skeleton switched to another person",
    "setup": "a set-up movement, not a repetition",
}


def flag_text(flag: str) -> str:
    """Plain words for a quality flag (the flag itself, spaced, if unknown)."""
    return QUALITY_FLAGS.get(flag, flag.replace("_", " "))


def judge(
    m: MetricSpec,
    value: float | None,
    *,
    source: str = "landmarks",
    sex: str = "unspecified",
    bottom: float | None = None,
) -> tuple[Status, Rating | None, str | None]:
    """Status, rating and reason of one headline value (rules 1-3 above, value level).

    ``bottom`` is the absolute value at the bottom, checked against the domain too.
    """
    if value is None or not np.isfinite(value):
        return "not_measurable", None, "No value could be computed."
    for v in (value, bottom):
        if v is not None and not m.domain.contains(v):
            return (
                "not_measurable",
                None,
                f"{m.label} read {m.format(v)}: {m.domain.reason}, so it is not used.",
            )
    if not m.rated_from(source):
        return "indicative", None, m.unrated_reason
    return "measured", m.rate(value, sex), None


def apply_rules(m: MetricSpec, mv: MetricValue, *, rep_reason: str | None, sex: str) -> MetricValue:
    """Return ``mv`` with its status, rating and reason set by the policy."""
    if rep_reason is not None:
        return MetricValue.not_measurable(rep_reason, mv.source)
    if mv.status == "not_measurable":
        return mv
    status, rating, reason = judge(m, mv.value, source=mv.source, sex=sex, bottom=mv.bottom)
    if status == "not_measurable":
        return MetricValue.not_measurable(reason or "", mv.source)
    return replace(mv, status=status, rating=rating, reason=reason)


def visible_share(window: pd.DataFrame, side: str) -> float:
    """Share of a rep's frames in which the points its metrics use are all visible.

    Shoulders, hips and the stance leg's knee and ankle (both legs for a double-leg
    squat): the free leg of a single-leg squat, often hidden behind the stance leg, does
    not count.
    """
    if not len(window):
        return 0.0
    ok = np.isfinite(window["shoulder_width_px"].to_numpy(float))
    ok &= np.isfinite(window["hip_width_px"].to_numpy(float))
    for limb in ("left", "right") if side == "both" else (side,):
        for joint in ("knee", "ankle"):
            ok &= np.isfinite(window[f"{limb}_{joint}_x_px"].to_numpy(float))
    return float(ok.mean())


#: Per-frame marker validity column of each marker-sourced metric (the marker pass
#: adds them: True where the markers that metric needs have a position).
MARKER_OK: dict[str, str] = {
    "pelvic_drop_deg": "markers_ok_pelvic_drop",
    "trunk_lean_deg": "markers_ok_trunk_lean",
    "knee_valgus_deg": "markers_ok_fppa_{limb}",
}
#: Marker pelvis width (ASIS distance), the rotation guard of marker-sourced metrics.
MARKER_PELVIS_WIDTH = "markers_pelvis_width_px"


def marker_column(metric: str, limb: str) -> str | None:
    """Return the marker validity column of ``metric`` (of ``limb``), or None if none."""
    template = MARKER_OK.get(metric)
    return template.format(limb=limb) if template else None


def rep_problem(
    kin: pd.DataFrame,
    start: int,
    bottom: int,
    end: int,
    reference_frames: np.ndarray,
    config: AnalysisConfig,
    side: str = "both",
    *,
    markers: str | None = None,
) -> tuple[list[str], str | None]:
    """Quality flags of a rep, and a reason if its frontal metrics cannot be measured.

    Checks, over the rep's frames: the camera view (must be frontal), the share of
    frames with the points the metrics use visible (:func:`visible_share`, at most
    ``config.max_missing_fraction`` missing), skeleton jumps (another person taking
    over), and the apparent hip width at the bottom against the standing reference
    (pelvis turned away). With ``markers`` (a marker validity column, for a metric
    measured from skin markers) visibility and the pelvis width are the markers', not
    the pose landmarks': a marker-measured angle is not refused because a landmark is
    poorly seen while its markers are.
    """
    window = kin.iloc[start : end + 1]
    flags: list[str] = []
    reason = None
    if markers is not None:
        missing = 1.0 - float(window[markers].astype(float).mean()) if len(window) else 1.0
        width_column = MARKER_PELVIS_WIDTH
    else:
        missing = 1.0 - visible_share(window, side)
        width_column = "hip_width_px"
    views = window["view"].value_counts()
    view = str(views.index[0]) if len(views) else "unknown"
    if view != "frontal":
        flags.append(f"{view}_view")
        reason = (
            f"The camera sees the person from the {view} in this repetition; these angles "
            "need a frontal view. Film from the front, camera square to the person."
        )
    elif missing > config.max_missing_fraction:
        flags.append("low_visibility")
        reason = (
            f"{missing:.0%} of this repetition's frames lacked the skin markers this "
            "measure needs. Keep the markers in view (arms and clothing off them)."
            if markers is not None
            else f"{missing:.0%} of this repetition's frames lacked clearly visible hips, "
            "knees or ankles. Film the whole body, well lit, in tight clothing."
        )
    if "tracking_jump" in window.columns and window["tracking_jump"].any():
        flags.append("tracking_jump")
        reason = reason or (
            "The skeleton jumped between frames (a second person in view?). Film with only "
            "the person being tested in frame."
        )
    widths = kin[width_column].to_numpy(float)
    ref = widths[np.asarray(reference_frames, dtype=int)]
    ref = ref[np.isfinite(ref)]
    width = float(widths[bottom])
    if ref.size and np.median(ref) > 0 and np.isfinite(width):
        change = abs(width / float(np.median(ref)) - 1)
        if change > ROTATION_FLAG:
            flags.append("pelvis_rotation")
        if change > ROTATION_REJECT:
            reason = reason or (
                "The pelvis turned away from the camera at the bottom of this repetition "
                f"(hip width changed {change:.0%}); frontal angles are not valid. Keep the "
                "hips facing the camera."
            )
    return flags, reason
