"""The whole clip: upright frames, floor and view, depth, reps and what was seen."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from hipcheck.config import AnalysisConfig
from hipcheck.kinematics.floor import Floor, estimate_floor, estimate_roll
from hipcheck.kinematics.upright import find_upright
from hipcheck.kinematics.view import view_verdict
from hipcheck.reps.activity import ACTIVITY_REASONS, clip_activity, knee_flexion, rep_flags
from hipcheck.reps.feet import (
    classify_feet,
    feet_at_bottom,
    harmonise_single_leg_tasks,
    lower_foot,
    resolve_task_side,
)
from hipcheck.reps.model import Baseline, RepDetection, RepWindow
from hipcheck.reps.reference import (
    clip_baseline,
    fallback_baseline,
    rep_floor,
    rep_reference,
    standing_level,
)
from hipcheck.reps.segment import near_missing, segment_reps
from hipcheck.reps.thresholds import SIDE_VIEW_FOOT_MARGIN, SIT_MIN_S, STEP_CONTEXT_S


def detect_reps(
    kin: pd.DataFrame, fps: float, config: AnalysisConfig | None = None
) -> RepDetection:
    """Standing references, depth, repetitions and what was seen (module docstring).

    Parameters
    ----------
    kin
        Per-frame kinematics (:func:`hipcheck.kinematics.frame_kinematics`).
    fps
        Sampling rate of ``kin`` (uniform grid).
    config
        Analysis options (prominence, spacing, forced task/side).

    Returns
    -------
    RepDetection
        Unpacks as ``baseline, depth, reps, rejected`` too.

    Raises
    ------
    ValueError
        If no frame has both hips and ankles.
    """
    config = config or AnalysisConfig()
    pelvis = kin["pelvis_y_px"].to_numpy(float)
    leg = kin["leg_length_px"].to_numpy(float)
    if not (np.isfinite(pelvis) & np.isfinite(leg)).any():
        raise ValueError("no frame has both hips and ankles")
    # Camera roll and view from frames with both legs straight, then upright frames.
    pre = find_upright(kin, fps, level_feet=False)
    straight = np.flatnonzero(pre.bilateral) if pre.bilateral.any() else np.flatnonzero(pre.upright)
    roll = estimate_roll(kin, straight, np.flatnonzero(pre.upright)).roll_deg
    clip_view = view_verdict(kin, straight if straight.size else None)
    shared = clip_view.label in ("frontal", "rear", "unknown")
    up = find_upright(kin, fps, roll_deg=roll, level_feet=shared)
    upright_idx = np.flatnonzero(up.upright)
    if upright_idx.size == 0:
        return RepDetection(
            baseline=fallback_baseline(kin),
            depth=np.full(len(kin), np.nan),
            reps=[],
            rejected=[],
            activity="not_upright",
            no_reps_reason=ACTIVITY_REASONS["not_upright"],
            view=clip_view,
            upright=up,
        )
    clip_view = view_verdict(kin, upright_idx)
    leg_px = up.standing_leg_px
    floor = estimate_floor(kin, upright_idx, leg_px, roll, shared=shared)
    pelvis_down = _pelvis_down(kin, floor)
    depth = (pelvis_down - standing_level(pelvis_down, up.upright)) / leg_px
    windows = segment_reps(
        depth,
        fps,
        min_prominence=config.min_prominence,
        min_distance_s=config.min_rep_distance_s,
        min_duration_s=config.min_rep_duration_s,
    )
    reps: list[RepWindow] = []
    rejected: list[RepWindow] = []
    locking = near_missing(depth, fps)
    for rep in windows:
        # Peak knee flexion = the lowest pelvis point of the rep (along the world down;
        # the standing level under the depth peak may slope a little), away from frames
        # where the tracker was locking on.
        seg = np.where(
            locking[rep.start : rep.end + 1], np.nan, pelvis_down[rep.start : rep.end + 1]
        )
        if np.isfinite(seg).any():
            rep.bottom = rep.start + int(np.nanargmax(seg))
        rep.reference = rep_reference(kin, rep, up, fps, roll, shared)
        near = rep_floor(kin, rep, up, fps, roll, shared)
        rep.floor = near.floor if near is not None and near.floor is not None else floor
        feet = feet_at_bottom(kin, rep, rep.floor, depth, fps=fps, frontal=shared, reference=near)
        bilateral_ref = (near is not None and near.bilateral) or (
            rep.reference is not None and rep.reference.bilateral
        )
        margin = 1.0 if shared else SIDE_VIEW_FOOT_MARGIN
        task, side = classify_feet(
            feet, step_allowed=bilateral_ref, margin=margin, use_motion=shared
        )
        rep.evidence["feet"] = feet
        rep.task, rep.side = resolve_task_side(
            config, task, side, functools.partial(lower_foot, feet)
        )
        rep.knee_flexion = knee_flexion(up, rep)
        rep.view = view_verdict(kin, np.arange(rep.start, rep.end + 1))
        rep.flags = rep_flags(kin, rep, depth, up, rep.floor, fps, frontal=shared)
        (rejected if rep.flags else reps).append(rep)
    # A dip right next to steps is a step too (the first and last of a series of steps
    # have no step on one side within their own window).
    stepping = [kin["t_s"].iloc[r.bottom] for r in rejected if "stepping" in r.flags]
    for rep in list(reps):
        t_b = kin["t_s"].iloc[rep.bottom]
        if any(abs(t_b - ts) <= STEP_CONTEXT_S for ts in stepping):
            rep.flags.append("stepping")
            reps.remove(rep)
            rejected.append(rep)
    # One protocol per clip: once a rep is clearly sitting on a chair, other reps that
    # rest as long at the bottom are sitting too (whatever the feet did on the way).
    if any("sitting" in r.flags for r in rejected):
        for rep in list(reps):
            if rep.evidence.get("seated_s", 0.0) >= SIT_MIN_S:
                rep.flags.append("sitting")
                reps.remove(rep)
                rejected.append(rep)
    if config.task == "auto":
        rejected += harmonise_single_leg_tasks(reps)
    rejected.sort(key=lambda r: r.bottom)
    baseline = clip_baseline(kin, up, floor, fps)
    activity, reason = "squats", None
    if not reps:
        activity = clip_activity(kin, up, floor, depth, rejected, fps)
        reason = ACTIVITY_REASONS[activity]
        baseline.note = None  # no values to be relative to anything
    return RepDetection(
        baseline=baseline,
        depth=depth,
        reps=reps,
        rejected=rejected,
        activity=activity,
        no_reps_reason=reason,
        view=clip_view,
        floor=floor,
        upright=up,
    )


def find_baseline(kin: pd.DataFrame, fps: float) -> Baseline:
    """Return the clip's first standing reference (see :func:`detect_reps`).

    Raises
    ------
    ValueError
        If no frame has a usable pelvis and leg length.
    """
    return detect_reps(kin, fps).baseline


def _pelvis_down(kin: pd.DataFrame, floor: Floor) -> np.ndarray:
    """Mid-hip position along the world-down image direction (pixels)."""
    if "left_hip_y_px" in kin and "left_hip_x_px" in kin:
        x = (kin["left_hip_x_px"] + kin["right_hip_x_px"]).to_numpy(float) / 2
        y = (kin["left_hip_y_px"] + kin["right_hip_y_px"]).to_numpy(float) / 2
        return np.stack([x, y], axis=1) @ floor.down
    return kin["pelvis_y_px"].to_numpy(float) * floor.down[1]
