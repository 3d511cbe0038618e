"""Leg length and squat depth.

Depth is the pelvis descent relative to leg length, ``(P.y - P.y_baseline) / L_leg``,
the usual ``depth(t)`` signal of 2D squat work written for image y pointing down.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from hipcheck.kinematics.geometry import distance, safe_ratio


def leg_length_px(hip: ArrayLike, ankle: ArrayLike) -> np.ndarray:
    """Return the hip-ankle distance in pixels, shape ``(n,)`` (NaN if an input is NaN).

    Measured in standing it is the limb length used to normalise depth and knee
    displacement; during a squat it shortens with knee flexion.
    """
    return distance(hip, ankle)


def depth(pelvis_y: ArrayLike, baseline_pelvis_y: ArrayLike, leg_length: ArrayLike) -> np.ndarray:
    """Return pelvis descent as a fraction of leg length (unitless).

    Frame: image y in pixels, pointing **down**. Sign: **+ = pelvis lower than the
    baseline** (descending), - = higher.

    Parameters
    ----------
    pelvis_y
        Mid-hip image y, ``(n,)`` pixels.
    baseline_pelvis_y
        Mid-hip y in quiet standing (scalar or ``(n,)``), pixels.
    leg_length
        Standing leg length in pixels (scalar or ``(n,)``).

    Returns
    -------
    numpy.ndarray
        ``(pelvis_y - baseline_pelvis_y) / leg_length``; NaN where an input is NaN or
        the leg length is 0.
    """
    py = np.asarray(pelvis_y, dtype=np.float64)
    return safe_ratio(py - np.asarray(baseline_pelvis_y, dtype=np.float64), leg_length)
