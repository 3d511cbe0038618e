"""Lateral trunk lean, globally and relative to the pelvis (docs/EVIDENCE.md).

Source: the 2D lateral trunk angle of DiCesare 2014 (IJSPT 9(4):420-7, PMC4127504;
shoulder centre - pelvis centre line against the vertical) and Dingenen 2014. The
"toward the stance side positive" convention follows docs/EVIDENCE.md: ipsilateral
lean is the classic compensation for weak hip abductors.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from hipcheck.kinematics.geometry import medial_sign, points, y_up


def _lean_toward_stance_deg(vec_up: np.ndarray, toward_stance: np.ndarray) -> np.ndarray:
    """Angle of a y-up vector from the vertical, + toward the stance side (degrees)."""
    with np.errstate(invalid="ignore"):
        return np.degrees(np.arctan2(vec_up[..., 0] * toward_stance, vec_up[..., 1]))


def _toward_stance(hip_stance: np.ndarray, hip_other: np.ndarray) -> np.ndarray:
    """Image-x direction toward the stance side: ``-m``, ``m = sign(Hc.x - Hs.x)``."""
    return -medial_sign(hip_stance, hip_other)


def trunk_lean_deg(
    shoulder_mid: ArrayLike,
    hip_mid: ArrayLike,
    hip_stance: ArrayLike,
    hip_other: ArrayLike,
) -> np.ndarray:
    """Return lateral trunk lean: the mid-hip -> mid-shoulder line vs the vertical (degrees).

    Frame: image pixels, x right, y down; y is flipped up internally and the angle is
    ``atan2(t.x * d, t.Y)`` with ``t = S - P`` and ``d = -sign(Hc.x - Hs.x)``
    (docs/EVIDENCE.md), i.e. measured against the image vertical.
    Sign: **+ = the shoulders are displaced toward the stance side** (ipsilateral lean),
    - = toward the other side. Sides: ``hip_stance`` / ``hip_other`` only define which
    image direction is the stance side, so the value is mirror-safe.

    Parameters
    ----------
    shoulder_mid, hip_mid
        Midpoints of the shoulders and of the hips, ``(n, 2)`` or ``(2,)`` pixels.
    hip_stance, hip_other
        Stance-limb hip and the other hip, ``(n, 2)`` or ``(2,)`` pixels.

    Returns
    -------
    numpy.ndarray
        Degrees, shape ``(n,)``; NaN where any input is NaN or the hips coincide.
    """
    s, p, hs, hc = points(shoulder_mid, hip_mid, hip_stance, hip_other)
    return _lean_toward_stance_deg(y_up(s - p), _toward_stance(hs, hc))


def trunk_pelvis_angle_deg(
    shoulder_mid: ArrayLike,
    hip_mid: ArrayLike,
    hip_stance: ArrayLike,
    hip_other: ArrayLike,
) -> np.ndarray:
    """Return the trunk's lateral flexion relative to the pelvis (degrees).

    The angle from the pelvis "up" normal (perpendicular to the stance -> other hip
    line, pointing up) to the trunk line (mid-hip -> mid-shoulder), docs/EVIDENCE.md
    §2.4 ``lean_rel_pelvis``. It equals :func:`trunk_lean_deg` plus the pelvic drop
    (:func:`~hipcheck.kinematics.pelvis.pelvic_drop_deg`): a trunk that stays
    perpendicular to a dropping pelvis reads 0.

    Frame: image pixels, x right, y down (flipped up internally).
    Sign: **+ = trunk flexed toward the stance side** relative to the pelvis.
    Mirror-safe.

    Parameters
    ----------
    shoulder_mid, hip_mid, hip_stance, hip_other
        As in :func:`trunk_lean_deg`.

    Returns
    -------
    numpy.ndarray
        Degrees in (-180, 180], shape ``(n,)``; NaN where any input is NaN or the hips
        coincide.
    """
    s, p, hs, hc = points(shoulder_mid, hip_mid, hip_stance, hip_other)
    d = _toward_stance(hs, hc)
    pel = y_up(hc - hs)
    normal = np.stack([-pel[..., 1], pel[..., 0]], axis=-1)
    # orient the normal upward (n.Y > 0); the hip line is never vertical in a frontal view
    normal = normal * np.where(normal[..., 1] < 0, -1.0, 1.0)[..., None]
    diff = _lean_toward_stance_deg(y_up(s - p), d) - _lean_toward_stance_deg(normal, d)
    return (diff + 180.0) % 360.0 - 180.0
