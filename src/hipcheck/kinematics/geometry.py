"""Small vector helpers shared by the kinematics modules.

Points are pixel coordinates in the image frame (x right, y **down**), as ``(..., 2)``
arrays: ``(n, 2)`` for a track, ``(2,)`` for a single point; inputs broadcast against
each other. Helpers that compute angles flip y to point **up** first (``Y = -y``), as
docs/EVIDENCE.md does, so every formula reads like the textbook one. Any NaN in an
input gives NaN in the output.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def points(*arrays: ArrayLike) -> list[np.ndarray]:
    """Return the inputs as float arrays of points broadcast to one shape ``(..., 2)``.

    Raises
    ------
    ValueError
        If an input does not end in a coordinate axis of length 2.
    """
    arrs = [np.asarray(a, dtype=np.float64) for a in arrays]
    for a in arrs:
        if a.ndim == 0 or a.shape[-1] != 2:
            raise ValueError(f"Expected points of shape (..., 2), got {a.shape}.")
    return list(np.broadcast_arrays(*arrs))


def y_up(p: np.ndarray) -> np.ndarray:
    """Return points with y flipped to point up (``(x, -y)``)."""
    return np.stack([p[..., 0], -p[..., 1]], axis=-1)


def midpoint(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Return the midpoint of two point arrays, ``(..., 2)``."""
    pa, pb = points(a, b)
    return (pa + pb) / 2.0


def distance(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Return the Euclidean distance between two point arrays (pixels), shape ``(...)``."""
    pa, pb = points(a, b)
    return np.hypot(pb[..., 0] - pa[..., 0], pb[..., 1] - pa[..., 1])


def medial_sign(hip: ArrayLike, other_hip: ArrayLike) -> np.ndarray:
    """Return ``m = sign(other_hip.x - hip.x)``: the image-x direction that is medial.

    Medial for a limb points toward the other hip (docs/EVIDENCE.md), which keeps
    signs right in mirrored images. Coincident hips (side view) give NaN, not 0, so
    that nothing downstream silently reads a sign from them.
    """
    ph, po = points(hip, other_hip)
    m = np.sign(po[..., 0] - ph[..., 0])
    return np.where(m == 0, np.nan, m)


def angle_between_deg(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Return the unsigned angle between vectors ``u`` and ``v`` (degrees, 0-180).

    Zero-length vectors give NaN.
    """
    nu = np.hypot(u[..., 0], u[..., 1])
    nv = np.hypot(v[..., 0], v[..., 1])
    denom = nu * nv
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = (u[..., 0] * v[..., 0] + u[..., 1] * v[..., 1]) / denom
    cos = np.where(denom > 0, cos, np.nan)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def safe_ratio(num: ArrayLike, den: ArrayLike) -> np.ndarray:
    """Return ``num / den`` with NaN where ``den`` is 0 or not finite (arrays or scalars)."""
    n, d = np.broadcast_arrays(np.asarray(num, float), np.asarray(den, float))
    out = np.full(n.shape, np.nan)
    ok = np.isfinite(d) & (d != 0)
    np.divide(n, d, out=out, where=ok)
    return out
