"""Landmark-level synthetic skeletons with known angles (no video, no pose model).

A frontal stick figure in image pixels (x right, y down; the subject's left on the
image right unless ``mirrored``): quiet bilateral standing, then the free foot lifts
(single-leg squat) or steps down off a box, and reps with raised-cosine profiles of
depth, contralateral pelvic drop, stance-knee FPPA and ipsilateral trunk lean peaking
at each rep's bottom. Used to test segmentation, task/side detection and metrics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hipcheck.landmarks import LM, LandmarkSeries

LEG = 400.0  # hip-ankle length, px
HALF_HIP = 45.0
HALF_SHOULDER = 85.0
TORSO = 280.0


@dataclass
class Plan:
    task: str = "single_leg_squat"
    side: str = "left"
    reps: int = 4
    depth: float = 0.12
    drop_deg: float = 6.0
    fppa_deg: float = 12.0
    lean_deg: float = 8.0
    fps: float = 30.0
    rep_s: float = 2.0
    pause_s: float = 0.6
    baseline_s: float = 1.5
    mirrored: bool = False
    walk_in_s: float = 0.0
    size: tuple[int, int] = (720, 1280)


def _profile(plan: Plan, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Rep phase 0..1..0 per frame, lift 0..1 for the free foot, bottom times."""
    start = plan.walk_in_s + plan.baseline_s + 0.8  # 0.8 s to lift the foot
    period = plan.rep_s + plan.pause_s
    rep = np.zeros_like(t)
    bottoms = []
    for i in range(plan.reps):
        t0 = start + i * period
        local = (t - t0) / plan.rep_s
        inside = (local >= 0) & (local <= 1)
        rep[inside] = 0.5 - 0.5 * np.cos(2 * np.pi * local[inside])
        bottoms.append(t0 + plan.rep_s / 2)
    lift_start = plan.walk_in_s + plan.baseline_s
    lift = np.clip((t - lift_start) / 0.6, 0, 1)
    end = start + plan.reps * period
    lift = np.where(t > end + 0.3, np.clip(1 - (t - end - 0.3) / 0.6, 0, 1), lift)
    return rep, lift, bottoms


def make_series(plan: Plan) -> tuple[LandmarkSeries, list[float]]:
    """Return the landmark series and the true bottom times of the reps."""
    duration = (
        plan.walk_in_s + plan.baseline_s + 0.8 + plan.reps * (plan.rep_s + plan.pause_s) + 1.5
    )
    t = np.arange(0, duration, 1 / plan.fps)
    n = t.size
    rep, lift, bottoms = _profile(plan, t)
    single = plan.task != "double_leg_squat"
    if not single:
        lift = np.zeros_like(lift)
    s_sign = 1.0 if plan.side == "left" else -1.0  # subject's left = image right (+x)
    cx = np.full(n, plan.size[0] / 2.0)
    if plan.walk_in_s:
        walking = t < plan.walk_in_s
        cx[walking] = cx[walking] - 300 * (1 - t[walking] / plan.walk_in_s)
    floor = 1050.0
    box = 0.12 * LEG if plan.task == "step_down" else 0.0
    series = LandmarkSeries.empty(n, plan.size, model="skeleton", source="synthetic")
    series.t_s = t
    xy = np.full((n, 33, 2), np.nan)
    # Stance foot and hip (stance side s, other side o).
    xs_hip = cx + s_sign * HALF_HIP
    ankle_s = np.stack([xs_hip, np.full(n, floor - box)], axis=1)
    pelvis_y = floor - box - LEG + rep * plan.depth * LEG
    hip_s = np.stack([xs_hip, pelvis_y], axis=1)
    drop = np.radians(plan.drop_deg * rep) if single else np.zeros(n)
    hip_o = hip_s + np.stack(
        [-s_sign * 2 * HALF_HIP * np.cos(drop), 2 * HALF_HIP * np.sin(drop)], axis=1
    )
    # Stance knee: midpoint of hip-ankle moved medially (toward the other hip) for FPPA.
    fppa = np.radians((plan.fppa_deg if single else plan.fppa_deg) * rep)
    half = np.linalg.norm(ankle_s - hip_s, axis=1) / 2
    knee_s = (hip_s + ankle_s) / 2 + np.stack(
        [-s_sign * half * np.tan(fppa / 2), np.zeros(n)], axis=1
    )
    # Other leg: on the floor when standing; lifted (SLS) or lowered toward the floor (step-down).
    ankle_o_floor = np.stack([hip_o[:, 0], np.full(n, floor - box)], axis=1)
    if plan.task == "step_down":
        ankle_o = ankle_o_floor + np.stack(
            [np.zeros(n), lift * rep * box * 1.0 + lift * 0.03 * LEG], axis=1
        )
    else:
        ankle_o = ankle_o_floor - np.stack([np.zeros(n), lift * 0.25 * LEG], axis=1)
    if not single:
        ankle_o = ankle_o_floor
        half_o = np.linalg.norm(ankle_o - hip_o, axis=1) / 2
        knee_o = (hip_o + ankle_o) / 2 + np.stack(
            [s_sign * half_o * np.tan(fppa / 2), np.zeros(n)], axis=1
        )
    else:
        knee_o = (hip_o + ankle_o) / 2 + np.stack([np.zeros(n), -lift * 0.05 * LEG], axis=1)
    # Trunk: rotate mid-hip -> mid-shoulder toward the stance side.
    mid_hip = (hip_s + hip_o) / 2
    lean = np.radians(plan.lean_deg * rep) if single else np.zeros(n)
    up = np.stack([s_sign * np.sin(lean), -np.cos(lean)], axis=1)
    mid_sh = mid_hip + TORSO * up
    perp = np.stack([np.cos(lean), np.sin(lean) * s_sign], axis=1)
    sh_l = mid_sh + HALF_SHOULDER * perp * 1.0
    sh_r = mid_sh - HALF_SHOULDER * perp * 1.0
    side_xy = {}
    for side, hip, knee, ankle in (
        (plan.side, hip_s, knee_s, ankle_s),
        ("right" if plan.side == "left" else "left", hip_o, knee_o, ankle_o),
    ):
        side_xy[side] = (hip, knee, ankle)
    for side in ("left", "right"):
        hip, knee, ankle = side_xy[side]
        up_side = side.upper()
        xy[:, LM[f"{up_side}_HIP"]] = hip
        xy[:, LM[f"{up_side}_KNEE"]] = knee
        xy[:, LM[f"{up_side}_ANKLE"]] = ankle
        xy[:, LM[f"{up_side}_HEEL"]] = ankle + [0, 15]
        xy[:, LM[f"{up_side}_FOOT_INDEX"]] = ankle + [0, 35]
        sgn = 1.0 if side == "left" else -1.0
        xy[:, LM[f"{up_side}_WRIST"]] = hip + [sgn * 30, -10]  # hands on hips
        xy[:, LM[f"{up_side}_SHOULDER"]] = sh_l if side == "left" else sh_r
    xy[:, LM.NOSE] = mid_sh + [0, -90]
    if plan.mirrored:
        xy[..., 0] = plan.size[0] - xy[..., 0]
    series.xy[:] = xy.astype(np.float32)
    series.visibility[:] = np.where(np.isfinite(xy[..., 0]), 0.99, np.nan).astype(np.float32)
    series.video = {"fps": plan.fps, "width": plan.size[0], "height": plan.size[1]}
    return series, bottoms
