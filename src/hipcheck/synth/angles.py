"""Frontal-plane angles of the drawn geometry (the truth), vectorised over frames.

All inputs are ``(..., 2)`` arrays of image pixels, x right, y **down**. Sides are the
subject's; "medial" and "toward the stance side" are taken from geometry (where the
other hip is), so a mirrored image gives the same signs. These are the formulas of
docs/EVIDENCE.md section 1, written independently of the analysis code so that
the synthetic truth can check it.
"""

from __future__ import annotations

import numpy as np


def pelvic_drop_deg(stance_hip: np.ndarray, other_hip: np.ndarray) -> np.ndarray:
    """Angle (deg) of the stance-hip -> other-hip line against the image horizontal.

    Positive when the other (non-stance) hip is lower in the image (larger y),
    whichever side of the image it is on.
    """
    d = np.asarray(other_hip, float) - np.asarray(stance_hip, float)
    return np.degrees(np.arctan2(d[..., 1], np.abs(d[..., 0])))


def fppa_deg(
    hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray, other_hip: np.ndarray
) -> np.ndarray:
    """Frontal-plane projection angle (deg) of one knee: 180 - hip-knee-ankle angle.

    Positive (valgus) when the knee lies on the same side of the hip-ankle line as
    ``other_hip`` (medial), negative (varus) otherwise; 0 when collinear.
    """
    hip, knee, ankle, other_hip = (np.asarray(a, float) for a in (hip, knee, ankle, other_hip))
    u = knee - hip
    v = ankle - knee
    cos = np.sum(u * v, axis=-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    theta = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    axis = ankle - hip
    cross_knee = axis[..., 0] * (knee - hip)[..., 1] - axis[..., 1] * (knee - hip)[..., 0]
    cross_med = axis[..., 0] * (other_hip - hip)[..., 1] - axis[..., 1] * (other_hip - hip)[..., 0]
    return np.where(cross_knee * cross_med >= 0, theta, -theta)


def trunk_lean_deg(
    stance_hip: np.ndarray,
    other_hip: np.ndarray,
    stance_shoulder: np.ndarray,
    other_shoulder: np.ndarray,
) -> np.ndarray:
    """Lateral trunk lean (deg): mid-hip -> mid-shoulder line against the image vertical.

    Positive when the mid-shoulder lies toward the stance side (the image direction
    from the other hip to the stance hip).
    """
    sh, oh, ss, os_ = (
        np.asarray(a, float) for a in (stance_hip, other_hip, stance_shoulder, other_shoulder)
    )
    t = 0.5 * (ss + os_) - 0.5 * (sh + oh)
    toward_stance = np.sign(sh[..., 0] - oh[..., 0])
    return np.degrees(np.arctan2(t[..., 0] * toward_stance, -t[..., 1]))


def depth(mid_hip_y: np.ndarray, baseline_y: float, leg_length: float) -> np.ndarray:
    """Pelvis descent (unitless): (mid-hip y - standing mid-hip y) / leg length.

    Image y points down, so a descent is positive.
    """
    return (np.asarray(mid_hip_y, float) - baseline_y) / leg_length
