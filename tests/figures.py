"""A parametric stick figure for the repetition, floor, upright and view rules.

Unlike :mod:`skeleton` (fixed protocols with known angles), every movement here is a
per-frame input, so a test can build exactly the situation a rule is about: a clip
that starts mid-descent, a free foot held up, both feet stepping in turn, a jump, a
seated rest, a zoom, a rolled camera, a rear view, a turn. Image pixels, x right, y
down. Facing the camera (``facing=+1``) the subject's left is on the image right and
the nose is nearer the camera than the shoulders (MediaPipe's depth ``z``: smaller =
nearer); from behind (``facing=-1``) the left is on the image left and the nose is
farther. ``yaw_deg`` turns the body about the vertical axis (model depth and width).
"""

from __future__ import annotations

import numpy as np

from hipcheck.landmarks import LANDMARK_NAMES, LM, LandmarkSeries

LEG = 400.0  # hip-ankle length, px
HALF_HIP = 45.0
HALF_SHOULDER = 85.0
TORSO = 280.0
HEAD = 90.0
FLOOR = 1100.0


def _arr(value: float | np.ndarray, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy()


def figure(
    t: np.ndarray,
    *,
    depth: float | np.ndarray = 0.0,
    lift_left: float | np.ndarray = 0.0,
    lift_right: float | np.ndarray = 0.0,
    forward_left: float | np.ndarray = 0.0,
    forward_right: float | np.ndarray = 0.0,
    travel: float | np.ndarray = 0.0,
    rise: float | np.ndarray = 0.0,
    facing: int = 1,
    yaw_deg: float = 0.0,
    zoom: float | np.ndarray = 1.0,
    zoom_about: tuple[float, float] | None = None,
    roll_deg: float = 0.0,
    size: tuple[int, int] = (720, 1280),
    with_depth: bool = True,
) -> LandmarkSeries:
    """Build a landmark series of the figure (all arrays per frame, leg lengths).

    Parameters
    ----------
    depth
        Pelvis descent; a foot on the floor keeps its place, so its leg shortens.
    lift_left, lift_right
        Foot raised above the floor (a free foot held up).
    forward_left, forward_right
        Foot brought toward the camera: it moves down the image (perspective),
        0.5 px per px of forward travel.
    travel
        Whole body moved sideways (walking across).
    rise
        Whole body raised off the floor (the flight of a jump).
    zoom, zoom_about
        Apparent size (camera zoom) about a point (default the image centre), 1 = none.
    roll_deg
        Camera roll: the image turned clockwise by this much.
    with_depth
        False leaves the model depth ``z`` NaN (landmark files without it).
    """
    n = t.size
    depth, rise, travel = _arr(depth, n), _arr(rise, n), _arr(travel, n)
    lift = {"left": _arr(lift_left, n), "right": _arr(lift_right, n)}
    fwd = {"left": _arr(forward_left, n), "right": _arr(forward_right, n)}
    zoom = _arr(zoom, n)
    yaw = np.radians(yaw_deg)
    cx = size[0] / 2.0 + travel * LEG
    # +1: the subject's left at image right (facing the camera, not mirrored).
    lr = {"left": float(facing), "right": -float(facing)}
    xy = np.full((n, 33, 2), np.nan)
    z = np.full((n, 33), np.nan)
    hip_y = FLOOR - LEG * (1.0 - depth) - rise * LEG
    for side in ("left", "right"):
        sgn = lr[side]
        hx = cx + sgn * HALF_HIP * np.cos(yaw)
        ankle_y = FLOOR - rise * LEG - lift[side] * LEG + 0.5 * fwd[side] * LEG
        knee_y = (hip_y + ankle_y) / 2.0
        xy[:, LM[f"{side.upper()}_HIP"]] = np.stack([hx, hip_y], 1)
        xy[:, LM[f"{side.upper()}_KNEE"]] = np.stack([hx, knee_y], 1)
        xy[:, LM[f"{side.upper()}_ANKLE"]] = np.stack([hx, ankle_y], 1)
        xy[:, LM[f"{side.upper()}_HEEL"]] = np.stack([hx, ankle_y + 12], 1)
        xy[:, LM[f"{side.upper()}_FOOT_INDEX"]] = np.stack([hx + sgn * 5, ankle_y + 30], 1)
        sh_x = cx + sgn * HALF_SHOULDER * np.cos(yaw)
        sh_y = hip_y - TORSO
        xy[:, LM[f"{side.upper()}_SHOULDER"]] = np.stack([sh_x, sh_y], 1)
        xy[:, LM[f"{side.upper()}_ELBOW"]] = np.stack([sh_x + sgn * 20, sh_y + 120], 1)
        xy[:, LM[f"{side.upper()}_WRIST"]] = np.stack([hx + sgn * 30, hip_y - 10], 1)
        ear = LANDMARK_NAMES.index(f"{side}_ear")
        xy[:, ear] = np.stack([cx + sgn * 30 * np.cos(yaw), sh_y - HEAD], 1)
        eye = LANDMARK_NAMES.index(f"{side}_eye")
        xy[:, eye] = np.stack([cx + sgn * 15 * np.cos(yaw), sh_y - HEAD - 10], 1)
        # model depth: turning the left side away puts it farther (larger z)
        for name, half in (("SHOULDER", HALF_SHOULDER), ("HIP", HALF_HIP)):
            z[:, LM[f"{side.upper()}_{name}"]] = sgn * facing * half * np.sin(yaw)
    xy[:, LM.NOSE] = np.stack([cx + 0 * t, hip_y - TORSO - HEAD], 1)
    # MediaPipe puts the nose about one torso length nearer than the shoulders
    z[:, LM.NOSE] = -facing * 250.0 * np.cos(yaw)
    # camera: zoom about the image centre, then roll about it
    centre = np.array([size[0] / 2.0, size[1] / 2.0])
    about = centre if zoom_about is None else np.asarray(zoom_about, dtype=float)
    xy = about + (xy - about) * zoom[:, None, None]
    z = z * zoom[:, None]
    if roll_deg:
        a = np.radians(roll_deg)
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        xy = centre + (xy - centre) @ rot.T
    series = LandmarkSeries.empty(n, size, model="figure", source="synthetic")
    series.t_s = t
    series.xy[:] = xy.astype(np.float32)
    if with_depth:
        series.z[:] = z.astype(np.float32)
    series.visibility[:] = np.where(np.isfinite(xy[..., 0]), 0.99, np.nan).astype(np.float32)
    series.video = {"fps": float(1.0 / np.median(np.diff(t))), "width": size[0], "height": size[1]}
    return series


def bumps(t: np.ndarray, centres: list[float], width_s: float, height: float) -> np.ndarray:
    """Raised-cosine bumps of ``height`` centred at ``centres`` (each ``width_s`` long)."""
    out = np.zeros_like(t, dtype=float)
    for c in centres:
        u = (t - c) / width_s + 0.5
        inside = (u >= 0) & (u <= 1)
        out[inside] = np.maximum(out[inside], height * (0.5 - 0.5 * np.cos(2 * np.pi * u[inside])))
    return out


def plateau(t: np.ndarray, start: float, end: float, ramp_s: float, height: float) -> np.ndarray:
    """0 -> ``height`` over ``ramp_s`` from ``start``, held, back to 0 by ``end``."""
    up = np.clip((t - start) / ramp_s, 0, 1)
    down = np.clip((end - t) / ramp_s, 0, 1)
    return height * np.minimum(up, down)
