"""Floor contact: camera roll, where each foot rests, and how high each foot is.

Raw image heights mislead: a tilted phone puts one foot 20+ px higher than the other,
and in a side view the far foot sits higher in the image than the near one. So feet are
compared with a **floor model** estimated from the frames in which the person stands
upright (:mod:`hipcheck.kinematics.upright`):

- **roll**: the angle of the floor in the image, from the body axis (mid-ankle to
  mid-shoulder), which is vertical when a person stands upright (:func:`estimate_roll`);
- **levels**: where the feet rest on the floor in a repetition's standing reference,
  measured along the image direction that points *down* in the world (perpendicular
  to the floor line). In a frontal view both feet share one level, the floor line
  through where the standing foot rests; in a side or oblique view each foot keeps its
  own level, because perspective lifts the far foot.

Frame: image pixels, x right, y **down**. ``roll_deg`` is the floor line's angle from
the image horizontal, + = the line runs down to the right (the image is turned
clockwise). Heights are in standing leg lengths, + = above the foot's floor level.
Sides are the subject's (MediaPipe labels).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

SIDES = ("left", "right")

#: Largest camera roll accepted (deg); a larger estimate is a tracking error, not a tilt.
MAX_ROLL_DEG = 30.0


@dataclass(frozen=True)
class Floor:
    """Floor model of a clip (or of one repetition's standing reference).

    Attributes
    ----------
    roll_deg
        Floor line angle from the image horizontal (+ = down to the right).
    level
        Per foot, its floor level along the world-down image direction (pixels).
    leg_length_px
        Standing leg length used to express heights in leg lengths.
    shared
        True when both feet share one floor line (frontal view), False when each foot
        keeps its own level (side/oblique view: perspective lifts the far foot).
    source
        How the roll was found: ``feet``, ``body`` or ``none``.
    """

    roll_deg: float
    level: dict[str, float] = field(default_factory=dict)
    leg_length_px: float = float("nan")
    shared: bool = True
    source: str = "none"

    @property
    def down(self) -> np.ndarray:
        """Unit image vector pointing down in the world (``(0, 1)`` without roll)."""
        a = np.radians(self.roll_deg)
        return np.array([-np.sin(a), np.cos(a)])

    @property
    def along(self) -> np.ndarray:
        """Unit image vector along the floor line, toward image right without roll."""
        a = np.radians(self.roll_deg)
        return np.array([np.cos(a), np.sin(a)])


def foot_points(kin: pd.DataFrame, side: str, roll_deg: float = 0.0) -> np.ndarray:
    """Lowest visible point of one foot (ankle, heel or toe) per frame, ``(n, 2)`` pixels.

    "Lowest" is along the world-down direction of a camera rolled by ``roll_deg``.
    Frames where all three landmarks are missing are NaN.
    """
    pts = np.stack(
        [
            np.stack(
                [kin[f"{side}_{j}_x_px"].to_numpy(float), kin[f"{side}_{j}_y_px"].to_numpy(float)],
                axis=1,
            )
            for j in ("ankle", "heel", "foot")
        ],
        axis=1,
    )  # (n, 3, 2)
    a = np.radians(roll_deg)
    down = np.array([-np.sin(a), np.cos(a)])
    d = pts @ down
    d = np.where(np.isfinite(d), d, -np.inf)
    pick = np.argmax(d, axis=1)
    out = pts[np.arange(len(pts)), pick]
    out[~np.isfinite(d.max(axis=1))] = np.nan
    return out


def _down_coord(points: np.ndarray, roll_deg: float) -> np.ndarray:
    a = np.radians(roll_deg)
    return points @ np.array([-np.sin(a), np.cos(a)])


def roll_from_body(kin: pd.DataFrame, frames: np.ndarray) -> float | None:
    """Floor angle from the upright body axis (mid-ankle to mid-shoulder) in ``frames``.

    The axis is vertical in the world when a person stands upright; its angle from the
    image vertical is the camera roll. None without usable frames or beyond
    ``MAX_ROLL_DEG``.
    """
    if frames.size == 0:
        return None
    k = kin.iloc[frames]
    ax = (k["left_ankle_x_px"] + k["right_ankle_x_px"]).to_numpy(float) / 2
    ay = (k["left_ankle_y_px"] + k["right_ankle_y_px"]).to_numpy(float) / 2
    sx = (k["left_shoulder_x_px"] + k["right_shoulder_x_px"]).to_numpy(float) / 2
    sy = (k["left_shoulder_y_px"] + k["right_shoulder_y_px"]).to_numpy(float) / 2
    vx, vy = sx - ax, sy - ay
    ok = np.isfinite(vx) & np.isfinite(vy) & (vy < 0)
    if not ok.any():
        return None
    # Angle of "up" (the body axis) from the image up direction (0, -1); a clockwise
    # camera roll turns the world up toward the image right.
    roll = float(np.degrees(np.arctan2(np.median(vx[ok]), -np.median(vy[ok]))))
    return roll if abs(roll) <= MAX_ROLL_DEG else None


def estimate_roll(kin: pd.DataFrame, bilateral: np.ndarray, upright: np.ndarray) -> Floor:
    """Return the camera roll of a clip as a :class:`Floor` without levels.

    The roll comes from the upright body axis.

    The body axis of the bilateral upright frames (else of all upright frames) gives
    the roll; the line through both feet is not used for it: on the real clips it read
    4-21 deg where the camera was level (one foot a little ahead of the other lifts it
    in the image), while the body axis read 0.1-4 deg (hyva2, hyva7, ucsd, rohanx01,
    noquarter, sit-to-stand) including a person's own lateral lean of a few degrees.
    """
    roll = roll_from_body(kin, bilateral) if bilateral.size else None
    if roll is None:
        roll = roll_from_body(kin, upright)
    if roll is None:
        return Floor(roll_deg=0.0, source="none")
    return Floor(roll_deg=roll, source="body")


def estimate_floor(
    kin: pd.DataFrame,
    frames: np.ndarray,
    leg_px: float,
    roll_deg: float,
    *,
    shared: bool = True,
) -> Floor:
    """Return the floor model of reference (upright) frames.

    Parameters
    ----------
    kin
        Per-frame kinematics (foot columns).
    frames
        Frame indices where the person stands upright (on one or both legs).
    leg_px
        Standing leg length, pixels.
    roll_deg
        Camera roll (:func:`estimate_roll`).
    shared
        True for a frontal (or rear) view: both feet rest on one floor line through
        where the lower foot stands (in single-leg stance the other foot is the lifted
        free foot). False for side and oblique views: each foot keeps its own level
        (perspective lifts the far foot).

    Returns
    -------
    Floor
        Levels are NaN for a foot never seen in ``frames``.
    """
    frames = np.asarray(frames, dtype=int)
    sub = kin.iloc[frames]
    down = {s: _down_coord(foot_points(sub, s, roll_deg), roll_deg) for s in SIDES}
    if shared:
        lower = np.fmax(down["left"], down["right"])
        level = dict.fromkeys(SIDES, _median(lower))
    else:
        level = {s: _median(down[s]) for s in SIDES}
    return Floor(roll_deg=roll_deg, level=level, leg_length_px=leg_px, shared=shared, source="body")


def _median(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else float("nan")


def feet_level_difference(kin: pd.DataFrame, roll_deg: float, leg_px: float) -> np.ndarray:
    """Return how much higher the left foot stands than the right, per frame.

    Leg lengths, along the world vertical of a camera rolled by ``roll_deg``.
    """
    d = {s: _down_coord(foot_points(kin, s, roll_deg), roll_deg) for s in SIDES}
    return (d["right"] - d["left"]) / leg_px


def foot_heights(kin: pd.DataFrame, floor: Floor) -> dict[str, np.ndarray]:
    """Height of each foot above its floor level per frame, in leg lengths (+ = up).

    A lifted free foot reads positive, a foot lowered off a step negative, a planted
    foot about 0. NaN where the foot is not seen or the floor model has no level.
    """
    out = {}
    for s in SIDES:
        d = _down_coord(foot_points(kin, s, floor.roll_deg), floor.roll_deg)
        out[s] = (floor.level.get(s, np.nan) - d) / floor.leg_length_px
    return out


def foot_positions_along(kin: pd.DataFrame, floor: Floor) -> dict[str, np.ndarray]:
    """Position of each foot along the floor line per frame, in leg lengths."""
    out = {}
    for s in SIDES:
        out[s] = (foot_points(kin, s, floor.roll_deg) @ floor.along) / floor.leg_length_px
    return out
