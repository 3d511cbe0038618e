"""Per-frame kinematics table: every frame of a landmark series, every measure.

:func:`frame_kinematics` returns a :class:`pandas.DataFrame` with one row per frame
and the columns below. Positions are image pixels (x right, y **down**); "left" and
"right" are the **subject's** sides (MediaPipe labels). Angles are degrees; for the
per-side columns the named side is the *stance* side of the formula, and medial /
"toward stance" directions come from geometry (the other hip), so a mirrored video
keeps every sign.

========================== ======== ==================================================
column                     unit     meaning and sign
========================== ======== ==================================================
``t_s``                    s        frame timestamp
``pelvis_y_px``            px       mid-hip y (down = larger)
``leg_length_px``          px       mean of the left and right hip-ankle distances
``depth``                  --       (pelvis_y - baseline pelvis_y) / baseline leg
                                    length; + = lower than baseline; NaN without a
                                    baseline
``pelvic_drop_left_deg``   deg      stance = left: + = right side of the pelvis lower
``pelvic_drop_right_deg``  deg      stance = right: + = left side lower
``fppa_left_deg``          deg      left knee FPPA; + = valgus (medial), - = varus
``fppa_right_deg``         deg      right knee FPPA; + = valgus
``trunk_lean_left_deg``    deg      trunk vs vertical; + = toward the subject's left
``trunk_lean_right_deg``   deg      trunk vs vertical; + = toward the subject's right
``trunk_pelvis_left_deg``  deg      trunk vs pelvis normal; + = flexed toward left
``trunk_pelvis_right_deg`` deg      trunk vs pelvis normal; + = flexed toward right
``kasr``                   --       knee / ankle separation (x); < 1 = knees closer
``khr``                    --       knee / hip separation (x)
``knee_disp_left``         --       left knee offset from hip-ankle line / leg
                                    length; + = medial
``knee_disp_right``        --       same for the right knee
``hip_width_px``           px       hip-hip distance (rotation guard)
``shoulder_width_px``      px       shoulder-shoulder distance (rotation guard)
``view_ratio``             --       shoulder width / torso length
``view``                   label    ``frontal`` / ``oblique`` / ``side`` / ``unknown``
``visibility_min``         0-1      lowest visibility of shoulders, hips, knees, ankles
``{left,right}_ankle_y_px`` px      ankle y (foot lift / step detection)
``{left,right}_heel_y_px``  px      heel y
``{left,right}_foot_y_px``  px      foot-index (toe) y
``{left,right}_ankle_x_px`` px      ankle x
``{left,right}_knee_x_px``  px      knee x
``{left,right}_foot_x_px``  px      foot-index x
``{left,right}_wrist_x_px`` px      wrist x
``{left,right}_wrist_y_px`` px      wrist y
``{left,right}_hip_x_px``   px      hip x
``{left,right}_hip_y_px``   px      hip y
``{left,right}_knee_y_px``  px      knee y
``{left,right}_heel_x_px``  px      heel x
``{left,right}_shoulder_x_px`` px   shoulder x
``{left,right}_shoulder_y_px`` px   shoulder y
``nose_x_px``, ``nose_y_px`` px     nose
``{left,right}_shoulder_z_px`` px   model depth of the shoulder (smaller = nearer the
                                    camera; MediaPipe's relative z scaled by the frame
                                    width), NaN when the model gives none
``{left,right}_hip_z_px``   px      model depth of the hip, as above
``nose_z_px``               px      model depth of the nose, as above
``{left,right}_leg_length_px`` px   hip-ankle distance of one leg
``{left,right}_thigh_length_px`` px hip-knee distance of one leg
``{left,right}_shank_length_px`` px knee-ankle distance of one leg
``torso_length_px``         px      mid-shoulder to mid-hip distance
``head_width_px``           px      ear-to-ear distance (apparent size of the head)
``quality_ok``             bool     shoulders, hips, knees and ankles all finite and
                                    the view frontal
========================== ======== ==================================================

Knee displacement is normalised by the baseline leg length when a baseline is given,
otherwise by the 95th percentile of ``leg_length_px`` over the clip (a standing-length
proxy: the legs are longest when straight). The table's ``attrs["log"]`` is the series
log plus one entry for this step (baseline values and the normaliser used).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hipcheck.kinematics.depth import depth, leg_length_px
from hipcheck.kinematics.geometry import distance, midpoint
from hipcheck.kinematics.knee import fppa_deg, kasr, khr, knee_medial_displacement
from hipcheck.kinematics.pelvis import pelvic_drop_deg
from hipcheck.kinematics.trunk import trunk_lean_deg, trunk_pelvis_angle_deg
from hipcheck.kinematics.view import VIEW_FRONTAL, classify_view, view_ratio
from hipcheck.landmarks import LANDMARK_NAMES, LM, LandmarkSeries

#: Landmarks every frontal measure uses; ``visibility_min`` and ``quality_ok`` use them.
CORE_LANDMARKS: tuple[LM, ...] = (
    LM.LEFT_SHOULDER,
    LM.RIGHT_SHOULDER,
    LM.LEFT_HIP,
    LM.RIGHT_HIP,
    LM.LEFT_KNEE,
    LM.RIGHT_KNEE,
    LM.LEFT_ANKLE,
    LM.RIGHT_ANKLE,
)

#: Raw coordinate columns: column name -> (landmark, axis 0 = x / 1 = y).
_COORD_COLUMNS: dict[str, tuple[LM, int]] = {
    f"{side}_{joint}_{axis}_px": (LM[f"{side.upper()}_{lm_name}"], 0 if axis == "x" else 1)
    for joint, lm_name, axis in (
        ("ankle", "ANKLE", "y"),
        ("heel", "HEEL", "y"),
        ("foot", "FOOT_INDEX", "y"),
        ("ankle", "ANKLE", "x"),
        ("knee", "KNEE", "x"),
        ("foot", "FOOT_INDEX", "x"),
        ("wrist", "WRIST", "x"),
        ("wrist", "WRIST", "y"),
        ("hip", "HIP", "x"),
        ("hip", "HIP", "y"),
        ("knee", "KNEE", "y"),
        ("heel", "HEEL", "x"),
        ("shoulder", "SHOULDER", "x"),
        ("shoulder", "SHOULDER", "y"),
    )
    for side in ("left", "right")
}

#: Model-depth columns (MediaPipe z, pixels): the view check reads which way the body faces.
_DEPTH_COLUMNS: dict[str, LM] = {
    "left_shoulder_z_px": LM.LEFT_SHOULDER,
    "right_shoulder_z_px": LM.RIGHT_SHOULDER,
    "left_hip_z_px": LM.LEFT_HIP,
    "right_hip_z_px": LM.RIGHT_HIP,
    "nose_z_px": LM.NOSE,
}

#: Percentile used for the standing leg-length proxy when no baseline is given.
_STANDING_LEG_PERCENTILE = 95.0


def _baseline_index(baseline: slice | np.ndarray, n: int) -> np.ndarray:
    """Return the frame indices selected by a slice, index array or boolean mask."""
    if isinstance(baseline, slice):
        return np.arange(n)[baseline]
    b = np.asarray(baseline)
    if b.dtype == bool:
        if b.shape != (n,):
            raise ValueError(f"A boolean baseline mask must have shape ({n},), got {b.shape}.")
        return np.flatnonzero(b)
    if not np.issubdtype(b.dtype, np.integer):
        raise ValueError("baseline must be a slice, integer indices or a boolean mask.")
    return b.reshape(-1)


def _nanmedian(values: np.ndarray) -> float:
    """Median of the finite values, NaN if there are none (no warning)."""
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else float("nan")


def _describe(baseline: slice | np.ndarray | None) -> dict[str, Any] | None:
    """JSON-friendly description of the baseline argument, for the log."""
    if baseline is None:
        return None
    if isinstance(baseline, slice):
        return {"start": baseline.start, "stop": baseline.stop, "step": baseline.step}
    b = np.asarray(baseline)
    return {"frames": int(b.sum() if b.dtype == bool else b.size)}


def frame_kinematics(
    series: LandmarkSeries, baseline: slice | np.ndarray | None = None
) -> pd.DataFrame:
    """Compute every per-frame measure of a landmark series (columns: module docstring).

    Parameters
    ----------
    series
        Landmarks in pixels, usually cleaned (:func:`hipcheck.filtering.clean_series`).
    baseline
        Frames of quiet bilateral standing (a slice, integer indices or a boolean
        mask). Its median pelvis y and leg length anchor ``depth``; without it ``depth``
        is NaN and the caller computes depth once it has found a baseline.

    Returns
    -------
    pandas.DataFrame
        One row per frame; ``attrs["log"]`` records the provenance.
    """
    xy = np.asarray(series.xy, dtype=np.float64)
    n = xy.shape[0]

    def p(lm: LM) -> np.ndarray:
        return xy[:, int(lm), :]

    ls, rs = p(LM.LEFT_SHOULDER), p(LM.RIGHT_SHOULDER)
    lh, rh = p(LM.LEFT_HIP), p(LM.RIGHT_HIP)
    lk, rk = p(LM.LEFT_KNEE), p(LM.RIGHT_KNEE)
    la, ra = p(LM.LEFT_ANKLE), p(LM.RIGHT_ANKLE)
    s_mid, h_mid = midpoint(ls, rs), midpoint(lh, rh)

    pelvis_y = h_mid[:, 1]
    leg = (leg_length_px(lh, la) + leg_length_px(rh, ra)) / 2.0

    base_y = base_leg = float("nan")
    if baseline is not None:
        idx = _baseline_index(baseline, n)
        base_y, base_leg = _nanmedian(pelvis_y[idx]), _nanmedian(leg[idx])
        normaliser, norm_source = base_leg, "baseline_leg_length"
    else:
        finite_leg = leg[np.isfinite(leg)]
        normaliser = (
            float(np.percentile(finite_leg, _STANDING_LEG_PERCENTILE))
            if finite_leg.size
            else float("nan")
        )
        norm_source = f"p{_STANDING_LEG_PERCENTILE:g}_leg_length"

    ratio = view_ratio(ls, rs, lh, rh)
    view = np.asarray(classify_view(ratio), dtype=object).reshape(n)
    core = xy[:, [int(lm) for lm in CORE_LANDMARKS], :]
    vis = np.asarray(series.visibility, dtype=np.float64)[:, [int(lm) for lm in CORE_LANDMARKS]]

    cols: dict[str, Any] = {
        "t_s": np.asarray(series.t_s, dtype=np.float64),
        "pelvis_y_px": pelvis_y,
        "leg_length_px": leg,
        "depth": depth(pelvis_y, base_y, base_leg),
        "pelvic_drop_left_deg": pelvic_drop_deg(lh, rh),
        "pelvic_drop_right_deg": pelvic_drop_deg(rh, lh),
        "fppa_left_deg": fppa_deg(lh, lk, la, rh),
        "fppa_right_deg": fppa_deg(rh, rk, ra, lh),
        "trunk_lean_left_deg": trunk_lean_deg(s_mid, h_mid, lh, rh),
        "trunk_lean_right_deg": trunk_lean_deg(s_mid, h_mid, rh, lh),
        "trunk_pelvis_left_deg": trunk_pelvis_angle_deg(s_mid, h_mid, lh, rh),
        "trunk_pelvis_right_deg": trunk_pelvis_angle_deg(s_mid, h_mid, rh, lh),
        "kasr": kasr(lk, rk, la, ra),
        "khr": khr(lk, rk, lh, rh),
        "knee_disp_left": knee_medial_displacement(lh, lk, la, rh, normaliser),
        "knee_disp_right": knee_medial_displacement(rh, rk, ra, lh, normaliser),
        "hip_width_px": distance(lh, rh),
        "shoulder_width_px": distance(ls, rs),
        "view_ratio": ratio,
        "view": view,
        "visibility_min": vis.min(axis=1),
    }
    for name, (lm, axis) in _COORD_COLUMNS.items():
        cols[name] = xy[:, int(lm), axis]
    cols["nose_x_px"], cols["nose_y_px"] = p(LM.NOSE)[:, 0], p(LM.NOSE)[:, 1]
    z = np.asarray(series.z, dtype=np.float64)
    for name, lm in _DEPTH_COLUMNS.items():
        cols[name] = z[:, int(lm)]
    cols["left_leg_length_px"] = leg_length_px(lh, la)
    cols["right_leg_length_px"] = leg_length_px(rh, ra)
    cols["left_thigh_length_px"] = distance(lh, lk)
    cols["right_thigh_length_px"] = distance(rh, rk)
    cols["left_shank_length_px"] = distance(lk, la)
    cols["right_shank_length_px"] = distance(rk, ra)
    cols["torso_length_px"] = distance(s_mid, h_mid)
    cols["head_width_px"] = distance(
        xy[:, LANDMARK_NAMES.index("left_ear"), :], xy[:, LANDMARK_NAMES.index("right_ear"), :]
    )
    cols["quality_ok"] = np.isfinite(core).all(axis=(1, 2)) & (view == VIEW_FRONTAL)

    df = pd.DataFrame(cols)
    df.attrs["log"] = [
        *series.log,
        {
            "operation": "frame_kinematics",
            "baseline": _describe(baseline),
            "baseline_pelvis_y_px": base_y,
            "baseline_leg_length_px": base_leg,
            "knee_disp_normaliser_px": normaliser,
            "knee_disp_normaliser": norm_source,
        },
    ]
    return df
