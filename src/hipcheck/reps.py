"""Standing baseline, repetition segmentation, task and stance-side detection.

Works on the per-frame kinematics table (:func:`hipcheck.kinematics.frame_kinematics`)
of a cleaned, uniformly sampled landmark series. Image frame: y grows **down**, so a
larger ``pelvis_y_px`` is a lower pelvis.

Method (``../shared/reference/clinical.md`` §2.5, [HEUR] parts marked):

1. **Baseline**: the first run of at least 0.3 s with both feet at the same height and
   a still pelvis (slower than 0.1 leg lengths per second: bilateral quiet stance)
   [HEUR]. Without one, the highest standing frames are used and the assessment
   says so.
2. **Depth** = (pelvis y - baseline pelvis y) / standing leg length (+ = lower).
3. **Repetitions**: peaks of depth with a prominence of at least 0.05 leg lengths and
   at least ``min_rep_distance_s`` apart (the prominence acts as hysteresis: jitter at
   the bottom or at the top never reaches it); a rep runs from where depth last rose
   above 10 % of its peak to where it falls below it again, or from the lowest point
   between reps when the person does not stand fully up.
   Depth peaks during which both feet travel (walking in or out, set-up steps) are
   rejected.
4. **Task and stance side** per rep, from the feet relative to their baseline heights
   at the bottom frame: a foot lifted above its floor level -> single-leg squat on
   the other foot; a foot lowered below its baseline (stepping down off a box) ->
   step-down on the other foot; neither -> double-leg squat. Single-leg reps of one
   clip then take the majority task (one protocol per clip).
5. **Peak knee flexion** = the lowest pelvis frame (Herrington/Munro "lowest point").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
from scipy.signal import find_peaks

from hipcheck.config import AnalysisConfig

#: [HEUR] thresholds, in leg lengths unless stated.
BASELINE_PELVIS_TOL = 0.03
BASELINE_MAX_SPEED = 0.1  # pelvis speed in quiet stance, leg lengths per second
BASELINE_FEET_TOL = 0.04
BASELINE_MIN_S = 0.3
BASELINE_MAX_S = 1.5
FOOT_LIFT_MIN = 0.05  # foot above its floor level: free foot of a single-leg squat
FOOT_LOWER_MIN = 0.05  # foot below its baseline level: free foot of a step-down
WALK_MAX_SHIFT = 0.25  # sideways travel of the planted foot within one rep
REP_EDGE_FRACTION = 0.10  # a rep starts/ends at 10 % of its excursion (§2.5)


@dataclass
class Baseline:
    """The standing reference: frames used and the reference levels they give."""

    frames: np.ndarray
    bilateral: bool
    pelvis_y_px: float
    leg_length_px: float
    foot_y_px: dict[str, float]
    note: str | None = None

    @property
    def start_frame(self) -> int:
        """First baseline frame."""
        return int(self.frames[0])

    @property
    def end_frame(self) -> int:
        """Last baseline frame."""
        return int(self.frames[-1])


@dataclass
class RepWindow:
    """Frame indices of one repetition and what was detected in it."""

    start: int
    bottom: int
    end: int
    depth: float
    task: str = "single_leg_squat"
    side: str = "left"
    flags: list[str] = field(default_factory=list)
    #: the standing reference this rep is measured against (None: the clip's baseline)
    reference: Baseline | None = None


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Return (start, stop) index pairs of consecutive True runs (stop exclusive)."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2], edges[1::2], strict=True))


def _foot_y(kin: pd.DataFrame, side: str) -> np.ndarray:
    """Lowest visible point of one foot (largest y of ankle, heel, toe), pixels."""
    cols = [f"{side}_ankle_y_px", f"{side}_heel_y_px", f"{side}_foot_y_px"]
    # fmax ignores NaN (a hidden heel) without warning; all-NaN rows stay NaN.
    return np.fmax.reduce(kin[cols].to_numpy(float), axis=1)


def find_baseline(kin: pd.DataFrame, fps: float) -> Baseline:
    """Find the standing baseline (bilateral quiet stance) near the start of the clip.

    The first run of at least ``BASELINE_MIN_S`` in which both feet are at the same
    height and the pelvis moves slower than ``BASELINE_MAX_SPEED`` [HEUR]. Without
    one, the longest run of frames with the pelvis near its highest level is used and
    the baseline carries a note saying so.

    Parameters
    ----------
    kin
        Per-frame kinematics (needs ``pelvis_y_px``, ``leg_length_px`` and foot columns).
    fps
        Sampling rate of ``kin`` (uniform grid).

    Raises
    ------
    ValueError
        If no frame has a usable pelvis and leg length.
    """
    pelvis = kin["pelvis_y_px"].to_numpy(float)
    leg = kin["leg_length_px"].to_numpy(float)
    valid = np.isfinite(pelvis) & np.isfinite(leg)
    if not valid.any():
        raise ValueError("no frame has both hips and ankles")
    leg_ref = float(np.nanpercentile(leg[valid], 90))
    left, right = _foot_y(kin, "left"), _foot_y(kin, "right")
    level_feet = valid & (np.abs(left - right) <= BASELINE_FEET_TOL * leg_ref)
    min_len = max(2, int(round(BASELINE_MIN_S * fps)))
    max_len = max(min_len, int(round(BASELINE_MAX_S * fps)))
    hip_x = (kin["left_hip_x_px"].to_numpy(float) + kin["right_hip_x_px"].to_numpy(float)) / 2
    speed = np.hypot(np.gradient(hip_x), np.gradient(pelvis)) * fps
    quiet = level_feet & (speed <= BASELINE_MAX_SPEED * leg_ref)
    for start, stop in _runs(quiet):
        if stop - start >= min_len:
            frames = np.arange(start, min(stop, start + max_len))
            return _make_baseline(kin, frames, bilateral=True, left=left, right=right)
    stand_y = float(np.nanpercentile(pelvis[valid], 5))
    near_top = valid & (pelvis <= stand_y + BASELINE_PELVIS_TOL * leg_ref)
    start, stop = max(_runs(near_top), key=lambda r: min(r[1] - r[0], max_len) - 1e-6 * r[0])
    frames = np.arange(start, min(stop, start + max_len))
    return _make_baseline(
        kin,
        frames,
        bilateral=False,
        left=left,
        right=right,
        note=(
            "No quiet bilateral standing was found before the repetitions; values are "
            "relative to the highest standing frames. Stand still on both feet for 1-2 s "
            "before the first repetition."
        ),
    )


def _make_baseline(
    kin: pd.DataFrame,
    frames: np.ndarray,
    *,
    bilateral: bool,
    left: np.ndarray,
    right: np.ndarray,
    note: str | None = None,
) -> Baseline:
    return Baseline(
        frames=frames,
        bilateral=bilateral,
        pelvis_y_px=float(np.nanmedian(kin["pelvis_y_px"].to_numpy(float)[frames])),
        leg_length_px=float(np.nanmedian(kin["leg_length_px"].to_numpy(float)[frames])),
        foot_y_px={
            "left": float(np.nanmedian(left[frames])),
            "right": float(np.nanmedian(right[frames])),
        },
        note=note,
    )


def depth_signal(kin: pd.DataFrame, baseline: Baseline) -> np.ndarray:
    """Pelvis descent below the baseline in standing leg lengths (+ = lower, clinical.md §2.5)."""
    return (kin["pelvis_y_px"].to_numpy(float) - baseline.pelvis_y_px) / baseline.leg_length_px


def segment_reps(
    depth: np.ndarray,
    fps: float,
    *,
    min_prominence: float = 0.05,
    min_distance_s: float = 1.0,
    min_duration_s: float = 0.5,
) -> list[RepWindow]:
    """Find repetitions as prominent peaks of the depth signal.

    Parameters
    ----------
    depth
        Depth per frame (leg lengths, + = lower); NaN where unknown.
    fps
        Sampling rate.
    min_prominence
        Absolute prominence in leg lengths (clinical.md §2.5: 0.05).
    min_distance_s
        Minimum time between bottoms.
    min_duration_s
        Repetitions shorter than this are dropped.

    Returns
    -------
    list of RepWindow
        In time order, with ``start <= bottom <= end`` and non-overlapping windows.
    """
    d = np.where(np.isfinite(depth), depth, -np.inf)
    finite = np.isfinite(depth)
    if finite.sum() < 3:
        return []
    # Peaks need finite neighbours; fill NaN with the lowest finite depth for detection only.
    d = np.where(finite, depth, np.nanmin(depth))
    peaks, _ = find_peaks(
        d,
        prominence=min_prominence,
        distance=max(1, int(round(min_distance_s * fps))),
    )
    windows: list[RepWindow] = []
    for i, p in enumerate(peaks):
        lo = windows[-1].end if windows else 0
        hi = peaks[i + 1] if i + 1 < len(peaks) else len(d) - 1
        start = _edge(d, p, lo, -1)
        end = _edge(d, p, hi, +1)
        if (end - start) / fps < min_duration_s - 1e-9:
            continue
        # Depth of the rep: descent from where it started (the single-leg stance level
        # differs from bilateral standing, where the hip landmarks sit lower).
        windows.append(RepWindow(start=start, bottom=int(p), end=end, depth=float(d[p] - d[start])))
    return windows


def _edge(d: np.ndarray, peak: int, limit: int, step: int) -> int:
    """Walk from the peak toward ``limit`` to where the rep starts (or ends).

    The edge is where depth falls below 10 % of the rep's excursion above the lowest
    depth between the peak and ``limit`` (clinical.md §2.5 uses 10 % of the peak; the
    excursion form also works when the standing level between reps is not the
    baseline, e.g. the higher hip landmarks of single-leg stance).
    """
    idx = np.arange(peak, limit + step, step) if step > 0 else np.arange(peak, limit - 1, -1)
    idx = idx[(idx >= 0) & (idx < d.size)]
    if idx.size == 0:
        return peak
    floor = float(np.min(d[idx]))
    level = floor + REP_EDGE_FRACTION * (d[peak] - floor)
    below = idx[d[idx] <= level]
    return int(below[0]) if below.size else int(idx[np.argmin(d[idx])])


def classify_rep(kin: pd.DataFrame, rep: RepWindow, baseline: Baseline) -> tuple[str, str]:
    """Detect the task and stance side of one repetition from the feet at its bottom.

    Returns
    -------
    (task, side)
        ``side`` is the subject's stance side, or ``both`` for a double-leg squat.
    """
    leg = baseline.leg_length_px
    # The feet around the bottom frame decide: a weight shift or a foot lifted only
    # after a dip is set-up, not a single-leg repetition.
    window = slice(max(rep.start, rep.bottom - 2), min(rep.end, rep.bottom + 2) + 1)
    change = {}
    for side in ("left", "right"):
        heights = _foot_y(kin.iloc[window], side)
        heights = heights[np.isfinite(heights)]
        foot = float(np.median(heights)) if heights.size else np.nan
        # + = raised above its baseline level, - = lowered below it (y grows down).
        raised = (baseline.foot_y_px[side] - foot) / leg
        lowered = (foot - baseline.foot_y_px[side]) / leg
        change[side] = (raised, lowered)
    raised_side = max(("left", "right"), key=lambda s: change[s][0])
    lowered_side = max(("left", "right"), key=lambda s: change[s][1])
    other = {"left": "right", "right": "left"}
    # A lifted foot is the free foot of a single-leg squat. Only when neither foot is
    # lifted does a foot below its standing level mean a step-down (the stance foot
    # stays on the box at its baseline height).
    if change[raised_side][0] >= FOOT_LIFT_MIN:
        return "single_leg_squat", other[raised_side]
    if change[lowered_side][1] >= FOOT_LOWER_MIN:
        return "step_down", other[lowered_side]
    return "double_leg_squat", "both"


def movement_flags(kin: pd.DataFrame, rep: RepWindow, baseline: Baseline) -> list[str]:
    """Quality flags that make a depth peak something other than a repetition.

    In a squat or step-down at least one foot stays planted; when both ankles travel
    sideways by more than ``WALK_MAX_SHIFT`` leg lengths the person is walking or
    stepping (set-up, walking in or out of frame) [HEUR].
    """
    window = kin.iloc[rep.start : rep.end + 1]
    travel = []
    for side in ("left", "right"):
        x = window[f"{side}_ankle_x_px"].to_numpy(float)
        travel.append(np.nanmax(x) - np.nanmin(x) if np.isfinite(x).any() else np.inf)
    if min(travel) > WALK_MAX_SHIFT * baseline.leg_length_px:
        return ["walking"]
    return []


def detect_reps(
    kin: pd.DataFrame, fps: float, config: AnalysisConfig | None = None
) -> tuple[Baseline, np.ndarray, list[RepWindow], list[RepWindow]]:
    """Baseline, depth and repetitions of a clip, with task/side per rep.

    Returns
    -------
    baseline, depth, reps, rejected
        ``rejected`` holds depth peaks that were not counted (walking, moving toward the
        camera), each with its flags.
    """
    config = config or AnalysisConfig()
    baseline = find_baseline(kin, fps)
    depth = depth_signal(kin, baseline)
    # Depth peaks before the baseline ends are set-up, not repetitions.
    masked = depth.copy()
    masked[: baseline.end_frame + 1] = np.nan
    windows = segment_reps(
        masked,
        fps,
        min_prominence=config.min_prominence,
        min_distance_s=config.min_rep_distance_s,
        min_duration_s=config.min_rep_duration_s,
    )
    reps: list[RepWindow] = []
    rejected: list[RepWindow] = []
    for rep in windows:
        rep.flags = movement_flags(kin, rep, baseline)
        task, side = classify_rep(kin, rep, baseline)
        rep.task, rep.side = resolve_task_side(config, task, side, partial(_lower_foot, kin, rep))
        (rejected if rep.flags else reps).append(rep)
    if config.task == "auto":
        rejected += _harmonise_single_leg_tasks(reps)
    return baseline, depth, reps, rejected


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


def _harmonise_single_leg_tasks(reps: list[RepWindow]) -> list[RepWindow]:
    """Make a clip one protocol (in place); return the reps that do not belong to it.

    Single-leg reps take the majority task (ties: single-leg squat): a free foot held
    forward can look lower than the floor in a frontal image, which mimics a
    step-down. When most reps are single-leg, a dip with both feet down is the weight
    shift before lifting the free foot (set-up), not a double-leg squat [HEUR].
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


def _lower_foot(kin: pd.DataFrame, rep: RepWindow) -> str:
    bottom = kin.iloc[rep.bottom : rep.bottom + 1]
    left, right = _foot_y(bottom, "left")[0], _foot_y(bottom, "right")[0]
    return "right" if right > left else "left"
