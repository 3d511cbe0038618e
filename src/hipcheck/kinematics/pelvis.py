"""Pelvic obliquity / contralateral pelvic drop (docs/EVIDENCE.md).

Source: Straub & Powers 2022 (IJSPT 17(2):139-147) define contralateral pelvic drop
(CPD) as the frontal-plane drop of the non-stance side; the 2D formula is
docs/EVIDENCE.md. Pose landmarks alone follow a true pelvic drop poorly
(VALIDATION.md): callers must present this as indicative unless validated.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from hipcheck.kinematics.geometry import points


def pelvic_drop_deg(hip_stance: ArrayLike, hip_other: ArrayLike) -> np.ndarray:
    """Return the contralateral pelvic drop: hip line vs the image horizontal (degrees).

    Frame: image pixels, x right, y down (flipped to y up internally, so the formula is
    ``CPD = -atan2(Hc.Y - Hs.Y, |Hc.x - Hs.x|)`` of docs/EVIDENCE.md).
    Sign: **+ = the other (non-stance) hip is lower in the image** than the stance hip
    (contralateral drop); - = the other side is higher (hip hike).
    Sides: ``hip_stance`` is the hip of the stance limb, ``hip_other`` the other hip.
    The horizontal distance is taken as an absolute value, so the result does not
    depend on which side of the image the stance hip is on (mirror-safe).

    Parameters
    ----------
    hip_stance, hip_other
        Hip landmarks, ``(n, 2)`` or ``(2,)`` pixels.

    Returns
    -------
    numpy.ndarray
        Angle in degrees, shape ``(n,)`` (``()`` for single points); NaN where any input
        is NaN or the hips coincide.
    """
    hs, hc = points(hip_stance, hip_other)
    dx = np.abs(hc[..., 0] - hs[..., 0])
    dy_down = hc[..., 1] - hs[..., 1]  # + = other hip lower in the image
    with np.errstate(invalid="ignore"):
        angle = np.degrees(np.arctan2(dy_down, dx))
    return np.where((dx == 0) & (dy_down == 0), np.nan, angle)
