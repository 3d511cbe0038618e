"""Camera view check and trunk/pelvis rotation guard (``design.md`` §7, ``clinical.md`` §1).

Frontal-plane metrics mean nothing in a side view, so hipcheck measures the view from
the skeleton itself: the apparent body width (shoulders and hips) over the torso
length. Facing the camera the shoulders and hips are far apart; turning away shrinks
their projected width by about cos(yaw) while the torso length stays.

The table below was measured with the shoulder-only ratio; with the hips added
(:func:`view_ratio`) the frontal clip reads p5 0.68, the side clips p95 0.36-0.42, and
rendered humans with crossed arms p5 0.56.

Thresholds (heuristic, [HEUR] in ``clinical.md`` terms: set from the real MediaPipe
landmark sequences in ``../shared/data/landmarks/sentinel_pose_detection1/references``,
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
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from hipcheck.kinematics.geometry import distance, midpoint, safe_ratio

#: [HEUR] view_ratio at or above this = frontal (frontal p5 0.56-0.68 incl. arms crossed).
FRONTAL_MIN_RATIO: float = 0.50
#: [HEUR] view_ratio below this = side (side-view medians about 0.05-0.1, p95 <= 0.42).
SIDE_MAX_RATIO: float = 0.30
#: [HEUR] relative change of apparent hip or shoulder width from baseline that flags
#: trunk/pelvis rotation (``clinical.md`` §1 rotation guard, "about 15%").
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

    ``clinical.md`` §1 rotation guard: frontal angles are invalid when the pelvis or
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
