"""Small helpers the repetition rules share (image frame: x right, y down)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hipcheck.kinematics.floor import SIDES, Floor
from hipcheck.kinematics.upright import runs

__all__ = ["bridge", "foot_y", "median", "pelvis_along", "runs", "stance_legs"]


def foot_y(kin: pd.DataFrame, side: str) -> np.ndarray:
    """Lowest visible point of one foot (largest y of ankle, heel, toe), pixels."""
    cols = [f"{side}_ankle_y_px", f"{side}_heel_y_px", f"{side}_foot_y_px"]
    # fmax ignores NaN (a hidden heel) without warning; all-NaN rows stay NaN.
    return np.fmax.reduce(kin[cols].to_numpy(float), axis=1)


def median(values: np.ndarray) -> float:
    """Return the median of the finite values (NaN when there are none)."""
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else float("nan")


def pelvis_along(kin: pd.DataFrame, floor: Floor) -> np.ndarray:
    """Mid-hip position along the floor line (leg lengths)."""
    x = (kin["left_hip_x_px"] + kin["right_hip_x_px"]).to_numpy(float) / 2
    y = (kin["left_hip_y_px"] + kin["right_hip_y_px"]).to_numpy(float) / 2
    return (np.stack([x, y], axis=1) @ floor.along) / floor.leg_length_px


def bridge(mask: np.ndarray, max_gap: int) -> np.ndarray:
    """``mask`` with False gaps of up to ``max_gap`` frames between True runs filled."""
    out = np.asarray(mask, bool).copy()
    rs = runs(out)
    for (_, b), (a, _) in zip(rs[:-1], rs[1:], strict=True):
        if a - b <= max_gap:
            out[b:a] = True
    return out


def stance_legs(side: str) -> tuple[str, ...]:
    """Return the stance leg(s) of a rep's side (both legs for ``both``)."""
    return SIDES if side == "both" else (side,)
