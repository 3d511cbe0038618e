"""Standing references: the upright frames a rep's values (and its feet) are judged by."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hipcheck.kinematics.floor import Floor, estimate_floor
from hipcheck.kinematics.upright import Upright
from hipcheck.reps.common import bridge, runs
from hipcheck.reps.model import Baseline, RepWindow, make_baseline
from hipcheck.reps.thresholds import (
    BASELINE_MAX_S,
    BASELINE_MAX_SPEED,
    BASELINE_PELVIS_TOL,
    REFERENCE_BRIDGE_S,
    REFERENCE_MAX_GAP_S,
    REFERENCE_MIN_S,
)


def standing_level(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Return a per-frame standing level from the runs of ``mask``.

    The median of ``values`` over each run of ``mask``, interpolated linearly between
    runs and held constant before the first and after the last. NaN everywhere when
    ``mask`` has no finite value.
    """
    centres, levels = [], []
    for a, b in runs(mask & np.isfinite(values)):
        centres.append((a + b - 1) / 2.0)
        levels.append(float(np.median(values[a:b])))
    if not centres:
        return np.full(values.shape, np.nan)
    return np.interp(np.arange(values.size), centres, levels)


def _nearest_run(
    mask: np.ndarray,
    start: int,
    end: int,
    max_gap: int,
    before: bool,
    min_len: int = 1,
    earliest: bool = False,
) -> np.ndarray | None:
    """Return the frames of the nearest run of ``mask`` before (or after) a rep, or None.

    The run must reach up to ``start`` (or start from ``end`` on) with at least
    ``min_len`` frames there, within ``max_gap`` frames of the rep. ``earliest`` takes
    the first such run before the rep instead of the last.

    A run that overlaps the rep's edge (the legs are still nearly straight when the
    depth passes the rep's 10 % start) contributes only its frames outside the rep.
    """
    rs = runs(mask)
    if before:
        cands = [(a, min(b, start + 1)) for a, b in rs if a <= start]
        cands = [(a, b) for a, b in cands if b - a >= min_len and start - (b - 1) <= max_gap]
        return np.arange(*cands[0 if earliest else -1]) if cands else None
    cands = [(max(a, end), b) for a, b in rs if b - 1 >= end]
    cands = [(a, b) for a, b in cands if b - a >= min_len and a - end <= max_gap]
    return np.arange(*cands[0]) if cands else None


@dataclass(frozen=True)
class Spans:
    """The standing-reference durations in frames, at one frame rate.

    Attributes
    ----------
    gap
        ``REFERENCE_MAX_GAP_S``: farthest a reference may be from its rep.
    keep
        ``BASELINE_MAX_S`` (at least 2): most frames next to the rep that are used.
    min_len
        ``REFERENCE_MIN_S`` (at least 2): a run this long is preferred over a shorter one.
    bridge
        ``REFERENCE_BRIDGE_S``: longest gap bridged within a run of upright frames.
    """

    gap: int
    keep: int
    min_len: int
    bridge: int

    @classmethod
    def at(cls, fps: float) -> Spans:
        """Return the spans at ``fps`` frames per second."""
        return cls(
            gap=int(round(REFERENCE_MAX_GAP_S * fps)),
            keep=max(2, int(round(BASELINE_MAX_S * fps))),
            min_len=max(2, int(round(REFERENCE_MIN_S * fps))),
            bridge=int(round(REFERENCE_BRIDGE_S * fps)),
        )

    def next_to_rep(self, frames: np.ndarray, before: bool) -> np.ndarray:
        """Return the at most ``keep`` frames of a run that lie next to the rep."""
        return frames[-self.keep :] if before else frames[: self.keep]


def rep_reference(
    kin: pd.DataFrame,
    rep: RepWindow,
    up: Upright,
    fps: float,
    roll_deg: float = 0.0,
    shared: bool = True,
) -> Baseline | None:
    """Return the standing reference of one rep's values: upright frames before or after.

    Bilateral upright frames are preferred (2D frontal-plane values are relative to
    standing on both feet), quiet ones first (:func:`quiet_frames`: not the weight
    shift onto the stance leg), and of those the first standing before the rep (the
    protocol's standing baseline, also for later reps); a single-leg squatter who never
    puts the free foot down gets the nearest single-leg upright frames instead. Runs of
    at least
    ``REFERENCE_MIN_S`` are preferred over shorter ones; at most ``BASELINE_MAX_S`` of
    frames next to the rep are used, at most ``REFERENCE_MAX_GAP_S`` away.
    """
    spans = Spans.at(fps)
    quiet = quiet_frames(kin, fps, up.standing_leg_px)
    bil = bridge(up.bilateral, spans.bridge) & up.upright
    one = bridge(up.upright, spans.bridge) & up.upright
    masks = ((bil & quiet, True), (bil, True), (one & quiet, False), (one, False))
    for need in (spans.min_len, 1):
        for mask, bilateral in masks:
            for before in (True, False):
                frames = _nearest_run(mask, rep.start, rep.end, spans.gap, before, need, bilateral)
                if frames is None:
                    continue
                frames = spans.next_to_rep(frames, before)
                frames = frames[mask[frames]]
                note = (
                    None
                    if bilateral
                    else "The person did not stand on both feet near this repetition; "
                    "its values are relative to standing on the stance leg."
                )
                floor = estimate_floor(
                    kin, frames, up.standing_leg_px, roll_deg, shared=shared and not bilateral
                )
                return make_baseline(kin, frames, bilateral=bilateral, note=note, floor=floor)
    return None


def quiet_frames(kin: pd.DataFrame, fps: float, leg_px: float) -> np.ndarray:
    """Return True where the pelvis moves slower than ``BASELINE_MAX_SPEED``.

    Leg lengths per second, from the mid-hip's frame-to-frame motion; quiet stance, not
    a weight shift or a step.
    """
    x = (kin["left_hip_x_px"] + kin["right_hip_x_px"]).to_numpy(float) / 2
    y = kin["pelvis_y_px"].to_numpy(float)
    if x.size < 2:
        return np.ones(x.size, dtype=bool)
    speed = np.hypot(np.gradient(x), np.gradient(y)) * fps
    with np.errstate(invalid="ignore"):
        return speed <= BASELINE_MAX_SPEED * leg_px


def rep_floor(
    kin: pd.DataFrame,
    rep: RepWindow,
    up: Upright,
    fps: float,
    roll_deg: float = 0.0,
    shared: bool = True,
) -> Baseline | None:
    """Return the upright frames (with their floor model) to judge one rep's feet by.

    From the upright frames nearest the rep (the closer of the runs just before and just
    after it; runs of ``REFERENCE_MIN_S`` preferred): people shuffle their feet between
    reps, so a far reference misplaces them. When both feet were down there, each foot
    keeps its own level (a constant offset between the feet, e.g. one a little ahead,
    cancels); in single-leg stance (frontal view) both feet are judged against the
    stance foot's level.
    """
    spans = Spans.at(fps)
    mask = bridge(up.upright, spans.bridge) & up.upright
    for need in (spans.min_len, 1):
        found = []
        for before in (True, False):
            frames = _nearest_run(mask, rep.start, rep.end, spans.gap, before, need)
            if frames is not None:
                frames = spans.next_to_rep(frames, before)
                distance = rep.start - frames[-1] if before else frames[0] - rep.end
                found.append((distance, frames[mask[frames]]))
        if found:
            frames = min(found, key=lambda f: f[0])[1]
            bilateral = bool(np.mean(up.bilateral[frames]) >= 0.5)
            floor = estimate_floor(
                kin, frames, up.standing_leg_px, roll_deg, shared=shared and not bilateral
            )
            return make_baseline(kin, frames, bilateral=bilateral, floor=floor)
    return None


def clip_baseline(kin: pd.DataFrame, up: Upright, floor: Floor, fps: float) -> Baseline:
    """Return the clip's first standing reference.

    Its first bilateral upright run (up to ``BASELINE_MAX_S``), else its first upright
    run.
    """
    spans = Spans.at(fps)
    quiet = quiet_frames(kin, fps, up.standing_leg_px)
    masks = (
        (up.bilateral & quiet, True),
        (up.bilateral, True),
        (up.upright & quiet, False),
        (up.upright, False),
    )
    for need in (spans.min_len, 1):
        for mask, bilateral in masks:
            rs = [(a, b) for a, b in runs(mask) if b - a >= need]
            if not rs:
                continue
            a, b = rs[0]
            note = (
                None
                if bilateral
                else "The person was not seen standing on both feet; values are relative "
                "to standing on the stance leg."
            )
            frames = np.arange(a, min(b, a + spans.keep))
            return make_baseline(kin, frames, bilateral=bilateral, note=note, floor=floor)
    return fallback_baseline(kin)


def fallback_baseline(kin: pd.DataFrame) -> Baseline:
    """Return the highest-pelvis frames as a baseline, when nobody stood upright."""
    pelvis = kin["pelvis_y_px"].to_numpy(float)
    leg = kin["leg_length_px"].to_numpy(float)
    valid = np.isfinite(pelvis) & np.isfinite(leg)
    stand_y = float(np.nanpercentile(pelvis[valid], 5))
    leg_ref = float(np.nanpercentile(leg[valid], 90))
    near_top = valid & (pelvis <= stand_y + BASELINE_PELVIS_TOL * leg_ref)
    start, stop = max(runs(near_top), key=lambda r: r[1] - r[0])
    frames = np.arange(start, min(stop, start + max(2, int(stop - start))))
    return make_baseline(
        kin,
        frames,
        bilateral=False,
        note=(
            "No upright standing was found; values are relative to the highest frames. "
            "Stand upright on both feet for a moment before or after the repetitions."
        ),
    )
