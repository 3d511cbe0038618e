"""Knee measures: FPPA, knee medial displacement, KASR, KHR (docs/EVIDENCE.md, section 1).

Sources: FPPA after Willson 2006 / Munro, Herrington & Carolan 2012 (J Sport Rehabil
21:7-11), positive = valgus; knee medial displacement after ``mocapr`` FPKD
(steenharsted/mocapr ``R/frontal_plane_kinematics.R``); KASR after Mizner et al. 2012
(Clin J Sport Med); KHR after Noyes 2005. Medial is derived from geometry (toward the
other hip, docs/EVIDENCE.md), never from left/right labels, so mirrored images keep
their signs.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from hipcheck.kinematics.geometry import angle_between_deg, medial_sign, points, safe_ratio


def knee_offset_px(hip: ArrayLike, knee: ArrayLike, ankle: ArrayLike) -> np.ndarray:
    """Return the knee's horizontal offset from the hip-ankle line, in image pixels.

    The hip-ankle line is evaluated at the knee's height: ``x_line = H.x + (A.x - H.x)
    * (K.y - H.y) / (A.y - H.y)``; the result is ``K.x - x_line`` (+ = knee to the
    image right). NaN where the hip and ankle are at the same height.
    """
    h, k, a = points(hip, knee, ankle)
    dy = a[..., 1] - h[..., 1]
    frac = safe_ratio(k[..., 1] - h[..., 1], dy)
    x_line = h[..., 0] + (a[..., 0] - h[..., 0]) * frac
    return k[..., 0] - x_line


def fppa_deg(hip: ArrayLike, knee: ArrayLike, ankle: ArrayLike, other_hip: ArrayLike) -> np.ndarray:
    """Return the frontal plane projection angle (FPPA) of one knee, in degrees.

    FPPA = 180 - the interior angle at the knee = the angle between the thigh vector
    (hip -> knee) and the shank vector (knee -> ankle); 0 when hip, knee and ankle are
    collinear (Herrington/Munro; docs/EVIDENCE.md).

    Frame: image pixels, x right, y down (the angle is unsigned geometry, so the y flip
    of docs/EVIDENCE.md does not change it).
    Sign: **+ = valgus** (the knee is medial of the hip-ankle line), - = varus.
    Sides: all landmarks belong to the measured limb except ``other_hip``, the other
    limb's hip, which defines medial: ``m = sign(other_hip.x - hip.x)``. Mirror-safe.

    Parameters
    ----------
    hip, knee, ankle
        Landmarks of the measured limb, ``(n, 2)`` or ``(2,)`` pixels.
    other_hip
        The contralateral hip, ``(n, 2)`` or ``(2,)`` pixels.

    Returns
    -------
    numpy.ndarray
        FPPA in degrees, shape ``(n,)``; NaN where any input is NaN, a segment has zero
        length, or the hips coincide (no medial direction).
    """
    h, k, a, o = points(hip, knee, ankle, other_hip)
    theta = angle_between_deg(k - h, a - k)
    side = np.sign(knee_offset_px(h, k, a) * medial_sign(h, o))
    return side * theta


def knee_medial_displacement(
    hip: ArrayLike,
    knee: ArrayLike,
    ankle: ArrayLike,
    other_hip: ArrayLike,
    leg_length: ArrayLike,
) -> np.ndarray:
    """Return the knee's signed offset from the hip-ankle line / leg length (unitless).

    ``KMD = offset * m / L_leg`` (docs/EVIDENCE.md, after ``mocapr`` FPKD), where
    ``offset`` is the horizontal knee offset from the hip-ankle line at knee height
    (:func:`knee_offset_px`) and ``m = sign(other_hip.x - hip.x)``.

    Frame: image pixels, x right, y down. Sign: **+ = knee medial** (toward the other
    hip, valgus direction), - = lateral. Mirror-safe.

    Parameters
    ----------
    hip, knee, ankle, other_hip
        As in :func:`fppa_deg`.
    leg_length
        Leg length in pixels (standing hip-ankle distance), scalar or ``(n,)``.

    Returns
    -------
    numpy.ndarray
        Fraction of leg length, shape ``(n,)``; NaN where inputs are NaN or leg length
        is 0.
    """
    h, k, a, o = points(hip, knee, ankle, other_hip)
    offset = knee_offset_px(h, k, a) * medial_sign(h, o)
    return safe_ratio(offset, leg_length)


def kasr(
    knee_left: ArrayLike,
    knee_right: ArrayLike,
    ankle_left: ArrayLike,
    ankle_right: ArrayLike,
) -> np.ndarray:
    """Return the knee-to-ankle separation ratio ``|Kl.x - Kr.x| / |Al.x - Ar.x|``.

    Frame: image x (pixels). Unsigned and side-symmetric, so mirroring does not change
    it. Below 1 = knees closer together than the ankles (valgus pattern; Mizner 2012).
    NaN where inputs are NaN or the ankles share an x.
    """
    kl, kr, al, ar = points(knee_left, knee_right, ankle_left, ankle_right)
    return safe_ratio(np.abs(kl[..., 0] - kr[..., 0]), np.abs(al[..., 0] - ar[..., 0]))


def khr(
    knee_left: ArrayLike,
    knee_right: ArrayLike,
    hip_left: ArrayLike,
    hip_right: ArrayLike,
) -> np.ndarray:
    """Return the knee separation normalised to hip separation ``|Kl.x-Kr.x| / |Hl.x-Hr.x|``.

    Frame: image x (pixels). Unsigned, mirror-safe (Noyes 2005). MediaPipe hips are hip
    joint centres, narrower than the markers Noyes used, so values are not directly
    comparable with the published percentages. NaN where inputs are NaN or the hips
    share an x.
    """
    kl, kr, hl, hr = points(knee_left, knee_right, hip_left, hip_right)
    return safe_ratio(np.abs(kl[..., 0] - kr[..., 0]), np.abs(hl[..., 0] - hr[..., 0]))
