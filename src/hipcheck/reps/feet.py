"""The feet decide the task and the stance side of a rep (and the task/side options)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from hipcheck.config import AnalysisConfig
from hipcheck.kinematics.floor import SIDES, Floor, foot_points
from hipcheck.reps.common import foot_y, median, pelvis_along
from hipcheck.reps.model import Baseline, RepWindow
from hipcheck.reps.thresholds import (
    FOOT_LIFT_MIN,
    FOOT_LOWER_MIN,
    FOOT_MOVE_MIN,
    FOOT_SEEN_MIN,
    TOP_S,
    WALK_MAX_SHIFT,
)


def _lower_half(rep: RepWindow, depth: np.ndarray | None) -> np.ndarray:
    """Frames of the rep where depth is at least half way from its start to its bottom."""
    frames = np.arange(rep.start, rep.end + 1)
    if depth is None:
        return np.arange(max(rep.start, rep.bottom - 2), min(rep.end, rep.bottom + 2) + 1)
    d = depth[frames]
    base = depth[rep.start] if np.isfinite(depth[rep.start]) else 0.0
    with np.errstate(invalid="ignore"):
        lower = d >= base + 0.5 * (depth[rep.bottom] - base)
    return frames[lower] if lower.any() else np.array([rep.bottom])


def _top_frames(rep: RepWindow, n: int, fps: float) -> list[np.ndarray]:
    """Return the frames at the rep's top: its first and last ``TOP_S``.

    A side cut by the clip is left out.
    """
    k = max(1, int(round(TOP_S * fps)))
    out = []
    if rep.partial not in ("start", "both"):
        out.append(np.arange(rep.start, min(n, rep.start + k)))
    if rep.partial not in ("end", "both"):
        out.append(np.arange(max(0, rep.end - k + 1), rep.end + 1))
    return out


def _world(points: np.ndarray, floor: Floor) -> np.ndarray:
    """Image points as (along the floor, up) coordinates, pixels."""
    return np.stack([points @ floor.along, -(points @ floor.down)], axis=-1)


def _median2(points: np.ndarray) -> np.ndarray:
    ok = np.isfinite(points).all(axis=1)
    return np.median(points[ok], axis=0) if ok.any() else np.full(2, np.nan)


def _spread(points: np.ndarray) -> float:
    """Robust size of a point cloud: the 10-90 % range along each axis, combined."""
    ok = np.isfinite(points).all(axis=1)
    if ok.sum() < 2:
        return float("nan")
    lo, hi = np.percentile(points[ok], [10, 90], axis=0)
    return float(np.hypot(*(hi - lo)))


def feet_at_bottom(
    kin: pd.DataFrame,
    rep: RepWindow,
    floor: Floor,
    depth: np.ndarray | None = None,
    *,
    fps: float = 30.0,
    frontal: bool = True,
    reference: Baseline | None = None,
) -> dict[str, dict[str, float]]:
    """How each foot behaves in a rep (leg lengths): the basis of task and stance side.

    Per foot, in world-aligned image coordinates (along the floor, up):

    - ``move``: how far it is, over the rep's lower half, from where it stood in the
      ``reference`` frames (without a reference, or from the side: the 10-90 % range of
      its positions over the rep). "Foot contact decides": the stance foot stays where
      it stood, the free foot is lifted, swung forward or back, slid, or lowered off a
      step. The knees cannot decide: in a frontal single-leg squat the stance knee bends
      toward the camera and keeps a straight 2D angle while the free knee shows the
      large 2D flexion;
    - ``height``: how much higher it is than the other foot over the rep's lower half
      (depth at least half way down), less the same difference in the standing
      ``reference`` when both feet were down there (one foot a little ahead, or the far
      foot of a side view, sits higher without being lifted). A single-leg reference
      (the free foot never put down) is compared with the floor line itself;
    - ``drop``: how far it went down from the rep's top (its first ``TOP_S``, else last).

    From the side (``frontal`` False) the near and far foot overlap and the model swaps
    their labels now and then, so the feet are followed as a pair instead: the lower
    foot of each frame and the higher one (:func:`_feet_side_view`).
    """
    n = len(kin)
    lower = _lower_half(rep, depth)
    tops = _top_frames(rep, n, fps)
    window = np.arange(rep.start, rep.end + 1)
    leg = floor.leg_length_px
    if frontal:
        slots = {s: _world(foot_points(kin, s, floor.roll_deg), floor) for s in SIDES}
        names = {s: s for s in SIDES}
    else:
        slots, names = _feet_side_view(kin, floor, lower)
    keys = list(slots)
    bottom = {k: _median2(slots[k][lower]) for k in keys}
    offset = dict.fromkeys(keys, 0.0)
    if reference is not None and (reference.bilateral or not frontal):
        ref = {k: _median2(slots[k][reference.frames]) for k in keys}
        for k, o in ((keys[0], keys[1]), (keys[1], keys[0])):
            value = float(ref[k][1] - ref[o][1])
            offset[k] = value if np.isfinite(value) else 0.0
    pelvis = median(pelvis_along(kin, floor)[lower]) * leg
    out: dict[str, dict[str, float]] = {}
    for k, o in ((keys[0], keys[1]), (keys[1], keys[0])):
        top = _median2(slots[k][tops[0]]) if tops else np.full(2, np.nan)
        if reference is not None and frontal:
            stood = _median2(slots[k][reference.frames])
            move = float(np.hypot(*(bottom[k] - stood))) / leg
        else:
            move = _spread(slots[k][window]) / leg
        out[names[k]] = {
            "move": move,
            "height": (float(bottom[k][1] - bottom[o][1]) - offset[k]) / leg,
            "drop": float(top[1] - bottom[k][1]) / leg,
            "under": abs(float(bottom[k][0]) - pelvis) / leg,
            "seen": float(np.isfinite(slots[k][lower]).all(axis=1).mean()),
        }
    return out


def _feet_side_view(
    kin: pd.DataFrame, floor: Floor, lower: np.ndarray
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Feet as a pair for side and oblique views, immune to left/right label swaps.

    Each frame's lower foot (world-down) goes to one slot and the higher to the other
    (the noquarter clip's standing feet trade a 0.25 leg-length offset back and forth
    as their labels swap). The lower slot is reported under the label the lower foot
    has most often in the rep's lower half, the higher slot under the other.
    """
    pts = {s: _world(foot_points(kin, s, floor.roll_deg), floor) for s in SIDES}
    with np.errstate(invalid="ignore"):
        left_lower = pts["left"][:, 1] <= pts["right"][:, 1]
    lo = np.where(left_lower[:, None], pts["left"], pts["right"])
    hi = np.where(left_lower[:, None], pts["right"], pts["left"])
    lo_label = "left" if np.mean(left_lower[lower]) >= 0.5 else "right"
    hi_label = "right" if lo_label == "left" else "left"
    return {"lo": lo, "hi": hi}, {"lo": lo_label, "hi": hi_label}


def classify_feet(
    feet: dict[str, dict[str, float]],
    *,
    step_allowed: bool = True,
    margin: float = 1.0,
    use_motion: bool = True,
) -> tuple[str, str]:
    """Task and stance side from the feet of a rep (:func:`feet_at_bottom`).

    - The free foot is the one not seen in most of the rep's lower half while the other
      is (from the front, a free foot held behind hides behind the stance leg; planted
      feet side by side do not hide each other); else the one that moved at least
      ``FOOT_MOVE_MIN`` more than the other; failing that, the one standing at least
      ``FOOT_LIFT_MIN`` higher (a free foot held up behind hardly moves); failing all,
      it is a double-leg squat.
      Movement comes first because a free foot held forward looks *lower* than the
      stance foot in a frontal image (perspective).
    - A step-down when the free foot also went down at least ``FOOT_LOWER_MIN`` from the
      top and ends that much below the stance foot, and ``step_allowed`` (the person was
      seen standing on both feet, on the step); otherwise a single-leg squat.

    ``margin`` scales the thresholds (``SIDE_VIEW_FOOT_MARGIN`` in side views);
    ``use_motion`` False skips the movement cue (side views: the far foot's landmarks
    jump between heel and toe as it hides behind the near leg, 0.25 leg lengths in the
    deep barbell squats of rohanx01, while the feet stay planted).
    """

    def val(s: str, key: str) -> float:
        v = feet[s][key]
        return float(v) if np.isfinite(v) else 0.0

    other = {"left": "right", "right": "left"}
    mover = max(SIDES, key=lambda s: val(s, "move"))
    higher = max(SIDES, key=lambda s: val(s, "height"))
    hidden = [s for s in SIDES if feet[s].get("seen", 1.0) < FOOT_SEEN_MIN]
    if len(hidden) == 1 and use_motion:
        free = hidden[0]  # gone behind the stance leg
    elif use_motion and val(mover, "move") - val(other[mover], "move") >= margin * FOOT_MOVE_MIN:
        free = mover
    elif val(higher, "height") >= margin * FOOT_LIFT_MIN:
        free = higher
    else:
        return "double_leg_squat", "both"
    lowered = (
        step_allowed
        and val(free, "height") <= -margin * FOOT_LOWER_MIN
        and val(free, "drop") >= margin * FOOT_LOWER_MIN
    )
    return ("step_down" if lowered else "single_leg_squat"), other[free]


def classify_rep(kin: pd.DataFrame, rep: RepWindow, baseline: Baseline) -> tuple[str, str]:
    """Detect the task and stance side of one repetition from the feet.

    With a floor model on ``baseline`` (offline analysis) the feet's motion decides
    (:func:`feet_at_bottom`, :func:`classify_feet`); without one (the live path, which
    sees a rep only when it ends), the feet at the bottom against their heights in the
    baseline frames: a foot raised ``FOOT_LIFT_MIN`` is the free foot of a single-leg
    squat, a foot lowered ``FOOT_LOWER_MIN`` the free foot of a step-down.

    Returns
    -------
    (task, side)
        ``side`` is the subject's stance side, or ``both`` for a double-leg squat.
    """
    if baseline.floor is not None:
        return classify_feet(feet_at_bottom(kin, rep, baseline.floor))
    leg = baseline.leg_length_px
    window = slice(max(rep.start, rep.bottom - 2), min(rep.end, rep.bottom + 2) + 1)
    change = {}
    for side in SIDES:
        heights = foot_y(kin.iloc[window], side)
        heights = heights[np.isfinite(heights)]
        foot = float(np.median(heights)) if heights.size else np.nan
        change[side] = (
            (baseline.foot_y_px[side] - foot) / leg,
            (foot - baseline.foot_y_px[side]) / leg,
        )
    other = {"left": "right", "right": "left"}
    raised = max(SIDES, key=lambda s: change[s][0])
    lowered = max(SIDES, key=lambda s: change[s][1])
    if change[raised][0] >= FOOT_LIFT_MIN:
        return "single_leg_squat", other[raised]
    if change[lowered][1] >= FOOT_LOWER_MIN:
        return "step_down", other[lowered]
    return "double_leg_squat", "both"


def movement_flags(kin: pd.DataFrame, rep: RepWindow, baseline: Baseline) -> list[str]:
    """Return ``["walking"]`` when both ankles travel sideways within the rep, else ``[]``.

    The legacy check of the live path: more than ``WALK_MAX_SHIFT`` leg lengths each.
    """
    window = kin.iloc[rep.start : rep.end + 1]
    travel = []
    for side in SIDES:
        x = window[f"{side}_ankle_x_px"].to_numpy(float)
        travel.append(np.nanmax(x) - np.nanmin(x) if np.isfinite(x).any() else np.inf)
    if min(travel) > WALK_MAX_SHIFT * baseline.leg_length_px:
        return ["walking"]
    return []


def lower_foot(feet: dict[str, dict[str, float]]) -> str:
    """Return the lower foot (the stance side of a forced single-leg task on a flat rep)."""
    h = {s: feet[s]["height"] for s in SIDES}
    return min(SIDES, key=lambda s: h[s] if np.isfinite(h[s]) else np.inf)


def resolve_task_side(
    config: AnalysisConfig, task: str, side: str, lower_foot: Callable[[], str]
) -> tuple[str, str]:
    """Apply the task/side options to a detected task and stance side (offline and live).

    A forced side applies to single-leg tasks; a forced double-leg squat has side
    ``both``; a forced single-leg task on a rep that looked double-leg takes the lower
    foot (``lower_foot()``) as the stance side.
    """
    out_task = task if config.task == "auto" else config.task
    if config.side != "auto" and out_task != "double_leg_squat":
        return out_task, config.side
    if config.task != "auto" and out_task == "double_leg_squat":
        return out_task, "both"
    if config.task != "auto" and task == "double_leg_squat":
        return out_task, lower_foot()
    return out_task, side


def harmonise_single_leg_tasks(reps: list[RepWindow]) -> list[RepWindow]:
    """Make a clip one protocol (in place); return the reps that do not belong to it.

    Single-leg reps take the majority task (ties: single-leg squat): a free foot held
    forward can look lower than the floor in a frontal image, which mimics a
    step-down. When most reps are single-leg, a dip with both feet down is the weight
    shift before lifting the free foot (set-up), not a double-leg squat.
    """
    single = [r for r in reps if r.task in ("single_leg_squat", "step_down")]
    if not single:
        return []
    n_step = sum(r.task == "step_down" for r in single)
    task = "step_down" if n_step > len(single) / 2 else "single_leg_squat"
    for r in single:
        r.task = task
    setup = [r for r in reps if r.task == "double_leg_squat"] if len(single) > len(reps) / 2 else []
    for r in setup:
        r.flags.append("setup")
        reps.remove(r)
    return setup
