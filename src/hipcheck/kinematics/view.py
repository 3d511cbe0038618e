"""Camera view: frontal, oblique, side or rear, and the trunk/pelvis rotation guard.

Frontal-plane metrics mean nothing in a side view, so hipcheck measures the view from
the skeleton itself: the apparent body width (shoulders and hips) over the torso
length. Facing the camera the shoulders and hips are far apart; turning away shrinks
their projected width by about cos(yaw) while the torso length stays.

The table below was measured with the shoulder-only ratio; with the hips added
(:func:`view_ratio`) the frontal clip reads p5 0.68, the side clips p95 0.36-0.42, and
rendered humans with crossed arms p5 0.56.

Thresholds (engineering heuristics, set from real MediaPipe landmark sequences: a
frontal single-leg squat set and side-view step-down and calibration sets,
converted to pixels of a 720x1280 portrait frame, the only aspect that gives a human
standing shoulder-width/torso-length ratio; 1280x720 gives 2.25):

=================================== ====== ===== ===== =====================
clip (view)                         min    p5    p50   p95
=================================== ====== ===== ===== =====================
single_leg_squat (frontal), 1061 f  0.576  0.632 0.740 1.060
lateral_step_down (side), 974 f     0.002  0.013 0.058 0.373
calibration 01-04 (side), 2848 f    ~0.01  0.02-0.05 0.04-0.12 0.13-0.23
=================================== ====== ===== ===== =====================

The frontal ratio rises above the standing value at the bottom of a squat (forward
trunk flexion shortens the projected torso), so the frontal threshold sits below the
standing value with margin for narrow-shouldered people; the side-view clips have a
few percent of frames (turning, walking in) above 0.3. Classify a clip or repetition
from the median over its frames, not from single frames. The absolute view check only
separates frontal from side views; moderate rotation within a frontal clip is caught
by :func:`rotation_guard` against the standing baseline.

The width ratio alone passes a person turned 35-45 deg as frontal (body shapes differ:
frontal clips read 0.57-0.77 for shoulder width / torso length, a 45 deg turn 0.56) and
cannot tell the back from the front. :func:`view_verdict` therefore also reads the
pose model's depth: which way the body faces (:func:`facing`: the model's left/right
order together with the nose in front of or behind the shoulders) and how far it is
turned (:func:`turn_deg`), validated on four synchronised cameras filming one person
from known directions and on the other labelled real clips (constants below).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from hipcheck.kinematics.geometry import distance, midpoint, safe_ratio

if TYPE_CHECKING:
    import pandas as pd

#: view_ratio at or above this = frontal (frontal p5 0.56-0.68 incl. arms crossed).
FRONTAL_MIN_RATIO: float = 0.50
#: view_ratio below this = side (side-view medians about 0.05-0.1, p95 <= 0.42).
SIDE_MAX_RATIO: float = 0.30
#: relative change of apparent hip or shoulder width from baseline that flags
#: trunk/pelvis rotation (a rotation guard of 2D frontal-plane work: "about 15%").
ROTATION_TOLERANCE: float = 0.15

VIEW_FRONTAL = "frontal"
VIEW_OBLIQUE = "oblique"
VIEW_SIDE = "side"
#: label for frames whose ratio is NaN (landmarks missing)
VIEW_UNKNOWN = "unknown"


def view_ratio(
    shoulder_l: ArrayLike,
    shoulder_r: ArrayLike,
    hip_l: ArrayLike,
    hip_r: ArrayLike,
) -> np.ndarray:
    """Return the body width / torso length (unitless), the view indicator.

    Body width is the mean of the shoulder width and twice the hip width (Euclidean
    pixel distances between the landmarks, so camera roll and lateral lean do not
    change them); torso length is the distance from mid-shoulder to mid-hip. The hips
    are in the mix because crossed arms pull BlazePose's shoulder landmarks inward
    (rendered humans with arms crossed: shoulder-only ratio 0.54 vs 0.68 with hands on
    hips, hip part unchanged). Frame: image pixels (x right, y down); labels are the
    subject's sides but the ratio is symmetric, so mirroring does not change it.
    Standing frontal adults read about 0.65-0.8, side views about 0-0.3.

    Returns
    -------
    numpy.ndarray
        Shape ``(n,)``; NaN where an input is NaN or the torso length is 0.
    """
    width = (distance(shoulder_l, shoulder_r) + 2.0 * distance(hip_l, hip_r)) / 2.0
    torso = distance(midpoint(shoulder_l, shoulder_r), midpoint(hip_l, hip_r))
    return safe_ratio(width, torso)


def classify_view(ratio: ArrayLike) -> str | np.ndarray:
    """Classify view ratios as ``"frontal"``, ``"oblique"`` or ``"side"``.

    ``ratio >= FRONTAL_MIN_RATIO`` is frontal, ``ratio < SIDE_MAX_RATIO`` is side, in
    between is oblique; NaN gives ``"unknown"``. Thresholds are heuristic (see the module
    docstring for how they were measured).

    Parameters
    ----------
    ratio
        A scalar or an array of :func:`view_ratio` values.

    Returns
    -------
    str or numpy.ndarray
        A label for a scalar, else an array of labels (dtype object) of the same shape.
    """
    r = np.asarray(ratio, dtype=np.float64)
    labels = np.full(r.shape, VIEW_UNKNOWN, dtype=object)
    labels[r >= FRONTAL_MIN_RATIO] = VIEW_FRONTAL
    labels[(r >= SIDE_MAX_RATIO) & (r < FRONTAL_MIN_RATIO)] = VIEW_OBLIQUE
    labels[r < SIDE_MAX_RATIO] = VIEW_SIDE
    return str(labels[()]) if r.ndim == 0 else labels


def rotation_guard(
    width: ArrayLike, baseline_width: ArrayLike, tol: float = ROTATION_TOLERANCE
) -> np.ndarray:
    """Return True where apparent width stays within ``tol`` of its baseline (frame OK).

    The rotation guard of 2D frontal-plane work: frontal angles are invalid when the pelvis or
    trunk turns toward or away from the camera, which changes the apparent hip or
    shoulder width. A frame fails (False) when ``|width / baseline_width - 1| > tol``.

    Parameters
    ----------
    width
        Apparent hip or shoulder width per frame, pixels, ``(n,)``.
    baseline_width
        The same width in quiet standing (scalar or ``(n,)``), pixels.
    tol
        Allowed relative change (default 0.15, heuristic).

    Returns
    -------
    numpy.ndarray
        Boolean ``(n,)``; NaN inputs or a zero baseline give False (not verifiable).
    """
    rel = safe_ratio(np.asarray(width, dtype=np.float64), baseline_width)
    with np.errstate(invalid="ignore"):
        return np.abs(rel - 1.0) <= tol


# --- facing and turn: which way the body faces, and how far it is turned ------------

#: [frontal, oblique, side, rear] labels of :func:`view_verdict` (plus ``unknown``).
VIEW_REAR = "rear"

#: The nose lies at least this many torso lengths nearer the camera than the shoulders
#: (MediaPipe's depth z) when the person faces the camera, and this much farther when
#: the camera sees the back. Measured (10th-90th percentile over frames): frontal clips
#: -1.1 to -3.7 (hyva2, hyva7, hyva_ja_paha, ucsd, sit-to-stand, hop test), rear views
#: +0.5 to +1.3 (pose2sim cam03, cam04), side views -0.1 to -0.9.
FACE_DEPTH_MIN = 0.4
#: Shoulders closer than this many torso lengths in x give no left/right order.
ORDER_MIN = 0.1
#: Turn from the camera, from MediaPipe's depth of the shoulders and hips:
#: ``atan2(|dz_shoulders| + |dz_hips|, |dx_shoulders| + |dx_hips|)``. The model's z
#: exaggerates a turn: median over upright frames (deg) frontal clips 3-20, pose2sim
#: cam02 (about 20 deg from frontal) 52, the hop test (20-30 deg) 48, cam01 (about 45
#: deg) 65, side views 76-87. At or above this a rep is turned about 30 deg or more.
TURN_OBLIQUE_DEG = 55.0
#: At or above this (model-z turn, deg) the view is a side view.
TURN_SIDE_DEG = 72.0
#: A verdict needs at least this share of frames with a usable cue.
MIN_CUE_SHARE = 0.5


@dataclass(frozen=True)
class ViewVerdict:
    """The camera's view of the person over a set of frames.

    Attributes
    ----------
    label
        ``frontal``, ``oblique``, ``side``, ``rear`` or ``unknown``.
    turn_deg
        Median turn from the camera from the model's depth (deg, exaggerated: see
        ``TURN_OBLIQUE_DEG``), NaN without depth.
    width_ratio
        Median :func:`view_ratio` (body width / torso length).
    rear_share
        Share of frames in which the camera sees the person's back.
    frontal_metrics
        True when knee valgus, pelvic drop and trunk lean can be measured.
    reason
        Plain-language reason when they cannot, else None.
    """

    label: str
    turn_deg: float
    width_ratio: float
    rear_share: float
    frontal_metrics: bool
    reason: str | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (NaN as None)."""

        def f(v: float) -> float | None:
            return float(v) if np.isfinite(v) else None

        return {
            "verdict": self.label,
            "turn_deg": f(self.turn_deg),
            "width_ratio": f(self.width_ratio),
            "rear_share": float(self.rear_share),
            "frontal_metrics": self.frontal_metrics,
            "reason": self.reason,
        }


def _col(kin: pd.DataFrame, name: str) -> np.ndarray:
    return kin[name].to_numpy(float) if name in kin else np.full(len(kin), np.nan)


def facing(kin: pd.DataFrame) -> np.ndarray:
    """Which way the body faces per frame: +1 the camera, -1 away (back), 0 unknown.

    Two cues must agree: the model's left/right order in x (MediaPipe labels the
    landmark on the image right "left" when it sees a face, the image left when it sees
    a back) and the nose's depth relative to the shoulders (nearer the camera than the
    shoulders when facing it, farther when the camera sees the back). The order alone
    cannot tell a mirrored selfie from a back view; the depth cue can. Without depth
    (landmark files without z) the result is 0.
    """
    torso = _col(kin, "torso_length_px")
    dx = _col(kin, "left_shoulder_x_px") - _col(kin, "right_shoulder_x_px")
    with np.errstate(invalid="ignore"):
        order = np.where(np.abs(dx) >= ORDER_MIN * torso, np.sign(dx), 0.0)
        face = (
            _col(kin, "nose_z_px")
            - (_col(kin, "left_shoulder_z_px") + _col(kin, "right_shoulder_z_px")) / 2
        ) / torso
        front = (face <= -FACE_DEPTH_MIN) & (order >= 0)
        back = (face >= FACE_DEPTH_MIN) & (order <= 0)
    return np.where(front, 1, np.where(back, -1, 0)).astype(int)


def turn_deg(kin: pd.DataFrame) -> np.ndarray:
    """Turn of the body from the camera per frame, from the model's depth (deg, 0-90).

    ``atan2(|dz_s| + |dz_h|, |dx_s| + |dx_h|)`` over the shoulders (s) and hips (h):
    0 square to the camera, 90 side on. The model's z exaggerates the turn (see
    ``TURN_OBLIQUE_DEG``). NaN without depth.
    """
    dxs = np.abs(_col(kin, "left_shoulder_x_px") - _col(kin, "right_shoulder_x_px"))
    dxh = np.abs(_col(kin, "left_hip_x_px") - _col(kin, "right_hip_x_px"))
    dzs = np.abs(_col(kin, "left_shoulder_z_px") - _col(kin, "right_shoulder_z_px"))
    dzh = np.abs(_col(kin, "left_hip_z_px") - _col(kin, "right_hip_z_px"))
    with np.errstate(invalid="ignore"):
        return np.degrees(np.arctan2(dzs + dzh, dxs + dxh))


_REASONS = {
    VIEW_REAR: (
        "The camera sees the person from behind: knee valgus, pelvic drop and trunk lean "
        "are not measurable from this view (they are measured from the front). Film from "
        "the front, camera square to the person."
    ),
    VIEW_SIDE: (
        "The camera sees the person from the side: knee valgus, pelvic drop and trunk "
        "lean are frontal-plane angles, not measurable without a frontal view. Film from "
        "the front, camera square to the person."
    ),
    VIEW_OBLIQUE: (
        "The person is turned away from the camera (about 30 deg or more): knee valgus, "
        "pelvic drop and trunk lean are not measurable, their 2D angles would be "
        "distorted without a frontal view. Film from the front, camera square to the person."
    ),
    VIEW_UNKNOWN: (
        "The shoulders and hips were not seen well enough to tell the camera's view: "
        "frontal-plane angles are not measurable without the whole body seen in a "
        "frontal view."
    ),
}


def view_verdict(kin: pd.DataFrame, frames: np.ndarray | None = None) -> ViewVerdict:
    """Decide the view over ``frames`` (default all): frontal, oblique, side or rear.

    Rules, in order: the back is seen in most frames -> ``rear``; the median model-depth
    turn is at least ``TURN_SIDE_DEG`` -> ``side``, at least ``TURN_OBLIQUE_DEG`` ->
    ``oblique``; without model depth the median :func:`view_ratio` decides with
    ``SIDE_MAX_RATIO`` / ``FRONTAL_MIN_RATIO``. A width ratio below ``SIDE_MAX_RATIO``
    is a side view whatever the depth says. Only ``frontal`` allows frontal metrics.
    """
    sub = kin if frames is None else kin.iloc[np.asarray(frames, dtype=int)]
    if len(sub) == 0:
        return ViewVerdict(VIEW_UNKNOWN, np.nan, np.nan, 0.0, False, _REASONS[VIEW_UNKNOWN])
    face = facing(sub)
    turn = turn_deg(sub)
    ratio = _col(sub, "view_ratio")
    if not np.isfinite(ratio).any():
        ratio = view_ratio(
            np.stack([_col(sub, "left_shoulder_x_px"), _col(sub, "left_shoulder_y_px")], 1),
            np.stack([_col(sub, "right_shoulder_x_px"), _col(sub, "right_shoulder_y_px")], 1),
            np.stack([_col(sub, "left_hip_x_px"), _col(sub, "left_hip_y_px")], 1),
            np.stack([_col(sub, "right_hip_x_px"), _col(sub, "right_hip_y_px")], 1),
        )
    n = len(sub)
    rear_share = float(np.mean(face == -1))
    med_ratio = float(np.nanmedian(ratio)) if np.isfinite(ratio).any() else np.nan
    has_turn = np.isfinite(turn).sum() >= MIN_CUE_SHARE * n
    med_turn = float(np.nanmedian(turn)) if has_turn else np.nan
    if rear_share > 0.5:
        label = VIEW_REAR
    elif np.isfinite(med_ratio) and med_ratio < SIDE_MAX_RATIO:
        label = VIEW_SIDE
    elif has_turn:
        label = (
            VIEW_SIDE
            if med_turn >= TURN_SIDE_DEG
            else VIEW_OBLIQUE
            if med_turn >= TURN_OBLIQUE_DEG
            else VIEW_FRONTAL
        )
    elif np.isfinite(med_ratio):
        label = str(classify_view(med_ratio))
    else:
        label = VIEW_UNKNOWN
    ok = label == VIEW_FRONTAL
    return ViewVerdict(label, med_turn, med_ratio, rear_share, ok, None if ok else _REASONS[label])
