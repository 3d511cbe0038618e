"""Repetitions: standing reference, segmentation, task and stance side, what was seen.

Works on the per-frame kinematics table (:func:`hipcheck.kinematics.frame_kinematics`)
of a cleaned, uniformly sampled landmark series. Image frame: x right, y **down**;
sides are the subject's.

Method (every threshold is a named constant below, with its reason and data):

1. **Upright frames** from the body itself, anywhere in the clip
   (:mod:`hipcheck.kinematics.upright`): a stance leg straight, the pelvis at its
   standing height, the trunk up, a foot on the floor, not in the air. No quiet start is
   needed; a single-leg squatter who never puts the free foot down still has upright
   (single-leg) frames between reps.
2. **Camera roll and view** from the upright frames
   (:func:`~hipcheck.kinematics.floor.estimate_roll`,
   :func:`~hipcheck.kinematics.view.view_verdict`).
3. **Depth** = pelvis descent below its standing level, along the world-down image
   direction, in standing leg lengths (+ = lower). The standing level is interpolated
   between upright stretches, so every rep is measured against the standing before and
   after it, and nothing before the first standing frame is thrown away.
4. **Candidates**: peaks of depth that stand out by ``min_prominence`` leg lengths and
   ``MIN_RELATIVE_PROMINENCE`` of their depth (the hysteresis: jitter at the bottom or the
   top never reaches it), at least ``min_rep_distance_s`` apart. A rep runs from where
   depth last rose above ``REP_EDGE_FRACTION`` of its excursion to where it falls below
   it again; a clip may start or end mid-rep (the rep is then ``partial``), but a bottom
   within ``EDGE_BOTTOM_S`` of the clip's edge, or ``GAP_EDGE_S`` of frames without a
   person, is not a rep (its bottom was not filmed).
5. **Task and stance side** from the feet (:func:`feet_at_bottom`, :func:`classify_feet`)
   against a floor model from the standing frames nearest the rep
   (:mod:`hipcheck.kinematics.floor`): the foot that moved from where it stood, stands
   higher than the other, or hides behind the stance leg is the free foot of a
   single-leg squat; a free foot that goes down below the stance foot after the person
   stood on both feet makes a step-down; both feet where they stood, a double-leg squat.
   Single-leg reps of one clip then take the majority task (one protocol per clip).
6. **A candidate is a squat** (:func:`rep_flags`) only if the pelvis goes down
   ``MIN_DEPTH`` of the task and the stance leg shortens with it (the knee flexes:
   ``KNEE_SHARE_MIN``), and it is not a flight (jump or hop), walking (the stance foot
   travels), stepping on the spot (brief lifts of the left and right foot in turn), camera
   motion (the person's apparent size changes), sitting (resting at the bottom), or
   across a change of the tracked person.
7. **Peak knee flexion** = the lowest pelvis frame of the rep (the "lowest point" of 2D
   single-leg squat protocols).
8. **Reference**: each rep carries the standing frames its values are relative to
   (:func:`rep_reference`: the first quiet standing on both feet before it, else after
   it, else single-leg standing).

Without reps, :class:`RepDetection` says what was seen instead (``activity`` and a plain
``no_reps_reason``): walking, stepping, hopping or jumping, sitting down and standing up,
standing or balancing, camera motion, hips hardly going down, or the person never seen
upright.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.signal import find_peaks

from hipcheck.config import AnalysisConfig
from hipcheck.kinematics.floor import (
    SIDES,
    Floor,
    estimate_floor,
    estimate_roll,
    foot_points,
    foot_positions_along,
)
from hipcheck.kinematics.upright import Upright, find_upright, runs
from hipcheck.kinematics.view import ViewVerdict, view_verdict

# --- thresholds (leg lengths unless stated) ------------------------------------------

#: Quiet stance: the pelvis slower than 0.1 leg lengths per second (standing references
#: prefer it: the weight shift onto the stance leg is not a reference). The live path
#: (hipcheck.online) also uses the legacy rest: both feet within 0.04 leg lengths of each
#: other for at least 0.3 s.
BASELINE_PELVIS_TOL = 0.03
BASELINE_MAX_SPEED = 0.1
BASELINE_FEET_TOL = 0.04
BASELINE_MIN_S = 0.3
#: Gaps in a run of upright frames up to this long (s) are bridged (a foot landmark
#: flickering behind a rack upright does not split a standing period).
REFERENCE_BRIDGE_S = 0.2
#: A standing reference of at least this long (s) is preferred over a shorter one.
REFERENCE_MIN_S = 0.2
#: Longest stretch of upright frames used as a rep's standing reference (s).
BASELINE_MAX_S = 1.5
#: A standing reference farther than this from its rep (s) is not "before/after" it
#: (protocol clips stand once at the start, then do 3-5 reps of 2-3 s each).
REFERENCE_MAX_GAP_S = 20.0
#: A depth peak must also stand out by this share of its own depth: a deep rep followed
#: by a small re-rise is one rep, not two (a seated person shifting on a chair rises
#: 0.05 from a 0.34 bottom; the slow single-leg descent of hyva7 rep 2 pauses with
#: re-rises of about 0.015).
MIN_RELATIVE_PROMINENCE = 0.25
#: A bottom this close (s) to the clip's first or last frame was not filmed as a bottom
#: (the clip began or ended there): the rep is not counted, so never measured as if
#: complete. hyva2 starts rising from a bottom before its first frame (the pose model
#: puts a peak 0.04 s in on a downscaled copy); its last, labelled rep bottoms out
#: 0.16-0.24 s before the end (depending on the resolution).
EDGE_BOTTOM_S = 0.1
#: Depth ripple (leg lengths) of the zero-lag filter at a clip edge: a clip cut
#: mid-descent can read its first frame a few thousandths deeper than its second.
EDGE_RIPPLE = 0.01
#: Nor is a bottom within this (s) of frames without a person: the tracker is locking on
#: (the walker entering the Sports2D clip reads a 0.23 "dip" in her first 0.1 s).
GAP_EDGE_S = 0.3
#: A rep starts/ends at this fraction of its excursion (the 10 % rule of 2D squat work).
REP_EDGE_FRACTION = 0.10
#: A foot at least this far above the floor is lifted: the free foot of a single-leg
#: squat. Standing feet jitter by 0.01-0.02; free feet of the labelled single-leg squats
#: are 0.05-0.45 above the floor at the bottom (hyva2, hyva7).
FOOT_LIFT_MIN = 0.05
#: A foot at least this far below the floor the person stood on is the free foot of a
#: step-down (a 15-20 cm step is about 0.2 leg lengths; the skeleton test step is 0.12).
#: A free foot held forward reads a little below the floor through perspective: -0.01
#: to -0.04 over the lower half of the labelled table squats (hyva_ja_paha).
FOOT_LOWER_MIN = 0.08
#: From the side, foot landmarks move more at the bottom of a deep squat (the shin
#: tilts over the foot): planted feet read up to 0.10 leg lengths off their level
#: (noquarter, rohanx01), so the lift and lowering thresholds are this many times larger.
SIDE_VIEW_FOOT_MARGIN = 2.0
#: The free foot moves at least this much more than the stance foot between the rep's
#: top and its lower half (leg lengths).
FOOT_MOVE_MIN = 0.08
#: A foot seen in less than this share of the rep's lower half is hidden.
FOOT_SEEN_MIN = 0.5
#: Length of the rep's "top" (s) at its start and end, where the feet are compared.
TOP_S = 0.15
#: Minimum pelvis descent of a rep below standing (leg lengths) per task. With equal
#: thigh and shank a knee flexion of k deg lowers the hip by about 1 - cos(k/2) leg
#: lengths: 0.03 at 30 deg, 0.076 at 45 deg, 0.13 at 60 deg. Single-leg squat and
#: step-down protocols go to 45-60 deg; the pose model reads the rendered single-leg
#: squats (46-54 deg, true descent 0.09-0.12) as 0.05-0.13. Double-leg squat protocols
#: go to 60-90 deg and deeper (real clips: 0.44-0.59).
MIN_DEPTH = {"single_leg_squat": 0.04, "step_down": 0.04, "double_leg_squat": 0.06}
#: The knees flex with the descent: the stance leg's hip-ankle distance shortens by at
#: least this share of the pelvis descent, and by ``MIN_KNEE_FLEXION`` at least. Real
#: squats shorten it by 0.75-1.15 of the descent (hyva2, hyva7, hyva_ja_paha, ucsd,
#: rohanx01, noquarter); the rendered character reads 0.35-1.2; a camera tilting or
#: panning moves the pelvis without shortening the legs at all.
KNEE_SHARE_MIN = 0.3
MIN_KNEE_FLEXION = 0.02
#: A planted foot moves less than this along the floor within a rep (leg lengths). A
#: foot that travels further is stepping; walking moves both. Foot landmarks wobble at
#: the bottom of deep squats close to the camera, so the travel is measured between the
#: standing references around the rep, not as the range of every frame.
PLANT_MAX_SHIFT = 0.2
#: Stepping or walking in place: the lifted foot changes sides at least this often
#: around one rep (left up, right up, left up), each lift ``STEP_MIN_S`` to
#: ``STEP_MAX_S`` long, the rep widened by ``STEP_PAD_S``.
STEP_SWITCHES_MIN = 3
STEP_MIN_S = 0.1
#: A step lifts a foot for at most this long (s); free feet of single-leg squats stay up
#: for 1-2 s (the frontal single-leg landmark set: 0.8-2.2 s).
STEP_MAX_S = 0.8
#: A step clears the floor by at least this much (leg lengths, about 9 cm); the planted
#: feet of the frontal single-leg landmark set wobble up to 0.09 off their floor level.
STEP_LIFT_MIN = 0.10
STEP_PAD_S = 1.2
#: A dip whose bottom lies this close (s) to a stepping dip is a step too.
STEP_CONTEXT_S = 1.5
#: Pelvis above its running median by this much (leg lengths) with both feet off the
#: floor: the flight phase of a jump or hop (the hop test's flights: 0.15-0.33).
JUMP_RISE_MIN = 0.05
#: Window (s) of the running median of the pelvis height for flights.
FLIGHT_WINDOW_S = 2.0
#: A clip without reps shows jumping or hopping with at least this many flights (the
#: hop test has 14, the jumper on the roof 6; a tracker locking on at the clip's start
#: can fake one or two).
JUMPS_MIN = 3
#: ... or at least this many rejected dips with a flight in them (walking across a side
#: view gives one at the clip's start, where the tracker locks on; the hop test has 5).
JUMP_DIPS_MIN = 2
#: In flight the pelvis rises with the feet: by at least this share of the lower foot's
#: lift. Hop test flights: pelvis up 0.15-0.33 with feet up 0.06-0.45 (vaila); walking
#: toward the camera: pelvis "up" 0.07 with feet "up" 0.3-0.4 (sit-to-stand walk-out).
FLIGHT_RISE_SHARE = 0.5
#: Seated: the pelvis rests within this of its lowest point (leg lengths; a seated
#: person shifting on the chair drifts by up to about 0.07)...
SIT_NEAR_BOTTOM = 0.08
#: ... moving slower than this (leg lengths per second) ...
SIT_MAX_SPEED = 0.15
#: ... for at least this long (s) in a double-leg rep. Squat protocols do not rest at
#: the bottom: the labelled double-leg squats stay there 0.07-0.3 s (ucsd, rohanx01,
#: noquarter); the chair sit-to-stand clip sits for 1.3 and 2.7 s.
SIT_MIN_S = 0.8
#: Apparent body size (:func:`hipcheck.kinematics.upright.apparent_size`) changing by
#: more than this fraction around a rep is camera zoom or the person walking toward or
#: away from the camera. The labelled real squats stay within 0.06.
SIZE_CHANGE_MAX = 0.2
#: A clip whose pelvis travels this far (leg lengths) along the floor over its upright
#: frames is a walking clip (one step is about 0.7 leg lengths).
WALK_TRAVEL_MIN = 1.0
#: Legacy: sideways travel of both feet within one rep that marks walking (live path).
WALK_MAX_SHIFT = 0.25


@dataclass
class Baseline:
    """A standing reference: the frames used and the levels they give.

    Attributes
    ----------
    frames
        Frame indices of the upright frames used.
    bilateral
        True when the person stood on both feet in these frames.
    pelvis_y_px, leg_length_px
        Median pelvis image y and standing leg length over ``frames``.
    foot_y_px
        Median lowest image y of each foot over ``frames``.
    note
        Plain-language caveat about this reference, if any.
    floor
        The clip's floor model (camera roll, foot levels), when known.
    """

    frames: np.ndarray
    bilateral: bool
    pelvis_y_px: float
    leg_length_px: float
    foot_y_px: dict[str, float]
    note: str | None = None
    floor: Floor | None = None

    @property
    def start_frame(self) -> int:
        """First reference frame."""
        return int(self.frames[0])

    @property
    def end_frame(self) -> int:
        """Last reference frame."""
        return int(self.frames[-1])


@dataclass
class RepWindow:
    """Frame indices of one repetition and what was detected in it.

    Attributes
    ----------
    start, bottom, end
        Frame indices (``start <= bottom <= end``).
    depth
        Pelvis descent from the rep's start to its bottom, leg lengths.
    task, side
        Detected (or forced) task and stance side (``both`` for double-leg work).
    flags
        Why a candidate was not counted (``walking``, ``jumping`` ...), or quality notes.
    reference
        The standing reference the rep's values are relative to: the nearest
        bilateral upright frames (before the rep, else after it), or the nearest
        single-leg upright frames when the person never stood on both feet.
    partial
        ``"start"`` when the rep was under way in the first frame, ``"end"`` when it
        was unfinished in the last, else None.
    knee_flexion
        Shortening of the stance leg's hip-ankle distance at the bottom (leg lengths).
    view
        The view of this rep (frontal, oblique, side, rear) and whether frontal
        metrics are measurable.
    floor
        The floor model its feet were judged against (from the nearest upright frames).
    evidence
        The numbers behind the decisions (for reports and benchmarks).
    """

    start: int
    bottom: int
    end: int
    depth: float
    task: str = "single_leg_squat"
    side: str = "left"
    flags: list[str] = field(default_factory=list)
    #: the standing reference this rep is measured against (None: the clip's baseline)
    reference: Baseline | None = None
    partial: str | None = None
    knee_flexion: float = float("nan")
    view: ViewVerdict | None = None
    floor: Floor | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class RepDetection:
    """Result of :func:`detect_reps`.

    Attributes
    ----------
    baseline
        The clip's first standing reference (for clip-level relative columns).
    depth
        Depth per frame (leg lengths, + = lower than standing).
    reps
        Counted repetitions, in time order.
    rejected
        Depth dips that were not counted, each with its ``flags``.
    activity
        What the clip shows: ``squats``, ``walking``, ``jumping``, ``sitting``,
        ``standing``, ``camera_motion``, ``not_upright`` or ``unclear``.
    no_reps_reason
        Plain sentence saying what was seen when no reps were counted, else None.
    view
        The clip's view verdict.
    floor
        The clip's floor model.
    upright
        Per-frame upright judgement.
    """

    baseline: Baseline
    depth: np.ndarray
    reps: list[RepWindow]
    rejected: list[RepWindow]
    activity: str = "squats"
    no_reps_reason: str | None = None
    view: ViewVerdict | None = None
    floor: Floor | None = None
    upright: Upright | None = None

    def __iter__(self) -> Iterator[Any]:
        """Unpack as ``baseline, depth, reps, rejected`` (the earlier tuple interface)."""
        return iter((self.baseline, self.depth, self.reps, self.rejected))


# --- small helpers -------------------------------------------------------------------


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) index pairs of consecutive True runs (stop exclusive)."""
    return runs(mask)


def _foot_y(kin: pd.DataFrame, side: str) -> np.ndarray:
    """Lowest visible point of one foot (largest y of ankle, heel, toe), pixels."""
    cols = [f"{side}_ankle_y_px", f"{side}_heel_y_px", f"{side}_foot_y_px"]
    # fmax ignores NaN (a hidden heel) without warning; all-NaN rows stay NaN.
    return np.fmax.reduce(kin[cols].to_numpy(float), axis=1)


def _median(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else float("nan")


def _pelvis_down(kin: pd.DataFrame, floor: Floor) -> np.ndarray:
    """Mid-hip position along the world-down image direction (pixels)."""
    if "left_hip_y_px" in kin and "left_hip_x_px" in kin:
        x = (kin["left_hip_x_px"] + kin["right_hip_x_px"]).to_numpy(float) / 2
        y = (kin["left_hip_y_px"] + kin["right_hip_y_px"]).to_numpy(float) / 2
        return np.stack([x, y], axis=1) @ floor.down
    return kin["pelvis_y_px"].to_numpy(float) * floor.down[1]


def make_baseline(
    kin: pd.DataFrame,
    frames: np.ndarray,
    *,
    bilateral: bool,
    note: str | None = None,
    floor: Floor | None = None,
) -> Baseline:
    """Build a :class:`Baseline` from reference frames."""
    frames = np.asarray(frames, dtype=int)
    return Baseline(
        frames=frames,
        bilateral=bilateral,
        pelvis_y_px=_median(kin["pelvis_y_px"].to_numpy(float)[frames]),
        leg_length_px=_median(kin["leg_length_px"].to_numpy(float)[frames]),
        foot_y_px={s: _median(_foot_y(kin.iloc[frames], s)) for s in SIDES},
        note=note,
        floor=floor,
    )


# --- legacy baseline (kept for callers that need quiet bilateral standing) -----------


def find_baseline(kin: pd.DataFrame, fps: float) -> Baseline:
    """Return the clip's first standing reference (see :func:`detect_reps`).

    Raises
    ------
    ValueError
        If no frame has a usable pelvis and leg length.
    """
    return detect_reps(kin, fps).baseline


# --- segmentation --------------------------------------------------------------------


def segment_reps(
    depth: np.ndarray,
    fps: float,
    *,
    min_prominence: float = 0.05,
    min_distance_s: float = 1.0,
    min_duration_s: float = 0.5,
) -> list[RepWindow]:
    """Find repetition candidates as prominent peaks of the depth signal.

    A peak next to the clip's start or end is measured against its other side only
    (the clip may begin or end mid-rep); a peak within ``EDGE_BOTTOM_S`` of the first or
    last frame, or of a frame without a person (walking into view), is not a candidate
    (its bottom was not filmed).

    Parameters
    ----------
    depth
        Depth per frame (leg lengths, + = lower); NaN where unknown.
    fps
        Sampling rate.
    min_prominence
        Prominence in leg lengths.
    min_distance_s
        Minimum time between bottoms.
    min_duration_s
        Repetitions shorter than this are dropped.

    Returns
    -------
    list of RepWindow
        In time order, ``start <= bottom <= end``, non-overlapping, ``partial`` set for
        reps cut by the clip's start or end.
    """
    finite = np.isfinite(depth)
    if finite.sum() < 3:
        return []
    # Peaks need finite neighbours; fill NaN with the lowest finite depth for detection.
    d = np.where(finite, depth, np.nanmin(depth))
    n = d.size
    peaks, _ = find_peaks(d, distance=max(1, int(round(min_distance_s * fps))))
    edge = int(round(EDGE_BOTTOM_S * fps))
    # a bottom next to frames without a person was not filmed as a bottom either
    near_gap = near_missing(depth, fps)
    keep = [
        int(p)
        for p in peaks
        if edge_prominence(d, int(p)) >= max(min_prominence, MIN_RELATIVE_PROMINENCE * d[p])
        and edge <= p <= n - 1 - edge
        and not near_gap[p]
    ]
    windows: list[RepWindow] = []
    for i, p in enumerate(keep):
        lo = windows[-1].end if windows else 0
        hi = keep[i + 1] if i + 1 < len(keep) else n - 1
        start = _edge(d, p, lo, -1)
        end = _edge(d, p, hi, +1)
        left_floor, right_floor = float(d[lo : p + 1].min()), float(d[p : hi + 1].min())
        # A side whose lowest point is the clip's first (last) frame was cut by the clip:
        # the person was still down there. It is measured against the other side.
        cut_start = lo == 0 and _cut(d[: p + 1])
        cut_end = hi == n - 1 and _cut(d[p:][::-1])
        partial = None
        base = float(d[start])
        if cut_start and not cut_end:
            base = right_floor
            if d[0] - base > REP_EDGE_FRACTION * (d[p] - base):
                start, partial = 0, "start"
        elif cut_end and not cut_start:  # noqa: SIM102 - one rule per side
            if d[-1] - left_floor > REP_EDGE_FRACTION * (d[p] - left_floor):
                end, partial = n - 1, "end"
        if (end - start) / fps < min_duration_s - 1e-9 and partial is None:
            continue
        windows.append(
            RepWindow(start=start, bottom=p, end=end, depth=float(d[p] - base), partial=partial)
        )
    return windows


def near_missing(values: np.ndarray, fps: float) -> np.ndarray:
    """Return True for frames within ``GAP_EDGE_S`` of a frame without a value."""
    gap = ~np.isfinite(values)
    k = int(round(GAP_EDGE_S * fps))
    if k and gap.any():
        gap = np.convolve(gap.astype(int), np.ones(2 * k + 1, int), "same") > 0
    return gap


def edge_prominence(d: np.ndarray, p: int) -> float:
    """Return the prominence of the peak ``p`` of ``d``, a side cut by the clip ignored.

    The base on each side is the lowest point between the peak and the nearest higher
    point (or the clip's end). A side whose lowest point is the clip's first (last)
    frame was cut short: the person was already (still) down there, so only the other
    side tells how far they came up. Both sides cut: the higher base.
    """
    n = d.size
    higher_l = np.flatnonzero(d[:p] > d[p])
    # an equal peak further right (after a dip) counts as higher: two equal bottoms with
    # a small re-rise between them are one rep, measured at the later one
    r = d[p + 1 :]
    dipped = np.minimum.accumulate(r) < d[p] - 1e-12 if r.size else np.zeros(0, bool)
    higher_r = np.flatnonzero((r > d[p]) | ((r >= d[p]) & dipped))
    lo = int(higher_l[-1]) + 1 if higher_l.size else 0
    hi = p + 1 + int(higher_r[0]) if higher_r.size else n
    left, right = d[lo : p + 1], d[p:hi]
    cut_left = lo == 0 and _cut(left)
    cut_right = hi == n and _cut(right[::-1])
    if cut_left and not cut_right:
        return float(d[p] - right.min())
    if cut_right and not cut_left:
        return float(d[p] - left.min())
    return float(d[p] - max(left.min(), right.min()))


def _cut(side: np.ndarray) -> bool:
    """Return True when a side of a peak (first element at the clip edge) was cut.

    Cut: the person is still down at the clip's edge frame, by more than
    ``REP_EDGE_FRACTION`` of the peak's depth (where a rep starts and ends), and that
    frame is the side's lowest point (within ``EDGE_RIPPLE``, the zero-lag filter's
    ripple at a clip edge), so they were still going down (or already coming up). A
    standing edge is not cut, even when the ripple makes its last frame the lowest: a
    clip of hyva7 trimmed to start mid-descent (0.26 down) ends standing with a last
    frame 0.011 "above" standing, which made both sides look cut and hid the rep.
    """
    if side.size < 2:
        return False
    edge, peak = float(side[0]), float(side[-1])
    return edge > REP_EDGE_FRACTION * peak and edge <= float(np.min(side[1:])) + EDGE_RIPPLE


def _edge(d: np.ndarray, peak: int, limit: int, step: int) -> int:
    """Walk from the peak toward ``limit`` to where the rep starts (or ends).

    The edge is where depth falls below ``REP_EDGE_FRACTION`` of the rep's excursion
    above the lowest depth between the peak and ``limit``, which also works when the
    person does not stand fully up between reps.
    """
    idx = np.arange(peak, limit + step, step) if step > 0 else np.arange(peak, limit - 1, -1)
    idx = idx[(idx >= 0) & (idx < d.size)]
    if idx.size == 0:
        return peak
    floor = float(np.min(d[idx]))
    level = floor + REP_EDGE_FRACTION * (d[peak] - floor)
    below = idx[d[idx] <= level]
    return int(below[0]) if below.size else int(idx[-1])


# --- standing references -------------------------------------------------------------


def standing_level(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Return a per-frame standing level from the runs of ``mask``.

    The median of ``values`` over each run of ``mask``, interpolated linearly between
    runs and held constant before the first and after the last. NaN everywhere when
    ``mask`` has no finite value.
    """
    centres, levels = [], []
    for a, b in _runs(mask & np.isfinite(values)):
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
    rs = _runs(mask)
    if before:
        cands = [(a, min(b, start + 1)) for a, b in rs if a <= start]
        cands = [(a, b) for a, b in cands if b - a >= min_len and start - (b - 1) <= max_gap]
        return np.arange(*cands[0 if earliest else -1]) if cands else None
    cands = [(max(a, end), b) for a, b in rs if b - 1 >= end]
    cands = [(a, b) for a, b in cands if b - a >= min_len and a - end <= max_gap]
    return np.arange(*cands[0]) if cands else None


def bridge(mask: np.ndarray, max_gap: int) -> np.ndarray:
    """``mask`` with False gaps of up to ``max_gap`` frames between True runs filled."""
    out = np.asarray(mask, bool).copy()
    rs = _runs(out)
    for (_, b), (a, _) in zip(rs[:-1], rs[1:], strict=True):
        if a - b <= max_gap:
            out[b:a] = True
    return out


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
    gap = int(round(REFERENCE_MAX_GAP_S * fps))
    keep = max(2, int(round(BASELINE_MAX_S * fps)))
    min_len = max(2, int(round(REFERENCE_MIN_S * fps)))
    bridge_n = int(round(REFERENCE_BRIDGE_S * fps))
    quiet = quiet_frames(kin, fps, up.standing_leg_px)
    bil = bridge(up.bilateral, bridge_n) & up.upright
    one = bridge(up.upright, bridge_n) & up.upright
    masks = ((bil & quiet, True), (bil, True), (one & quiet, False), (one, False))
    for need in (min_len, 1):
        for mask, bilateral in masks:
            for before in (True, False):
                frames = _nearest_run(mask, rep.start, rep.end, gap, before, need, bilateral)
                if frames is None:
                    continue
                frames = frames[-keep:] if before else frames[:keep]
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
    gap = int(round(REFERENCE_MAX_GAP_S * fps))
    keep = max(2, int(round(BASELINE_MAX_S * fps)))
    min_len = max(2, int(round(REFERENCE_MIN_S * fps)))
    mask = bridge(up.upright, int(round(REFERENCE_BRIDGE_S * fps))) & up.upright
    for need in (min_len, 1):
        found = []
        for before in (True, False):
            frames = _nearest_run(mask, rep.start, rep.end, gap, before, need)
            if frames is not None:
                frames = frames[-keep:] if before else frames[:keep]
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


# --- feet: task and stance side ------------------------------------------------------


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
    pelvis = _median(_pelvis_along(kin, floor)[lower]) * leg
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
        heights = _foot_y(kin.iloc[window], side)
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


# --- is it a squat? ------------------------------------------------------------------


def _stance_legs(side: str) -> tuple[str, ...]:
    return SIDES if side == "both" else (side,)


def knee_flexion(up: Upright, rep: RepWindow) -> float:
    """Return the shortening of the stance leg(s) hip-ankle distance at the bottom.

    ``1 - L_bottom / L_standing`` (mean over both legs of a double-leg squat), with
    ``L_standing`` the leg's own standing length in the person's scale
    (:class:`~hipcheck.kinematics.upright.Upright` ``leg_ratio``: a reference frame of
    single-leg stance on the other leg would catch this leg bent). The knee flexion
    proxy that works from the front (the knee bends toward the camera, so its 2D angle
    hardly changes) and from the side.
    """
    values = []
    for s in _stance_legs(rep.side):
        lo, hi = max(0, rep.bottom - 1), min(up.upright.size, rep.bottom + 2)
        values.append(1.0 - _median(up.leg_ratio[s][lo:hi]))
    values = [v for v in values if np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")


def size_change(up: Upright, rep: RepWindow, reference: Baseline | None, fps: float) -> float:
    """Return the largest change of the person's apparent size around the rep.

    Relative to the size in the rep's standing reference (fraction, + = larger), over
    the rep and ``0.3 s`` on each side (:func:`hipcheck.kinematics.upright.apparent_size`:
    a zoom or a walk toward the camera changes every segment together; squatting never
    does).
    """
    pad = int(round(0.3 * fps))
    lo, hi = max(0, rep.start - pad), min(up.size.size, rep.end + pad + 1)
    ref = _median(up.size[reference.frames]) if reference is not None else 1.0
    if not np.isfinite(ref) or ref <= 0:
        ref = 1.0
    rel = up.size[lo:hi] / ref - 1.0
    if not np.isfinite(rel).any():
        return 0.0
    return float(rel[np.nanargmax(np.abs(rel))])


def _seated_s(depth: np.ndarray, rep: RepWindow, fps: float) -> float:
    """Return the longest time (s) the pelvis rests at the bottom of the rep.

    Resting: within ``SIT_NEAR_BOTTOM`` of its lowest point and slower than
    ``SIT_MAX_SPEED`` (gaps of up to 0.1 s bridged).
    """
    d = depth[rep.start : rep.end + 1]
    if d.size < 3 or not np.isfinite(d).any():
        return 0.0
    speed = np.abs(np.gradient(d)) * fps
    with np.errstate(invalid="ignore"):
        still = (d >= np.nanmax(d) - SIT_NEAR_BOTTOM) & (speed <= SIT_MAX_SPEED)
    still = bridge(still, int(round(0.1 * fps)))
    longest = max((b - a for a, b in _runs(still)), default=0)
    return longest / fps


def _stance_travel(kin: pd.DataFrame, rep: RepWindow, floor: Floor, fps: float) -> float:
    """Return how far the stance foot moves along the floor across the rep (leg lengths).

    Either foot of a double-leg squat; from just before the rep to just after it; NaN
    if unknown.

    Medians over up to 0.5 s on each side, so the wobble of foot landmarks at the
    bottom of a deep squat close to the camera does not count.
    """
    along = foot_positions_along(kin, floor)
    half = max(2, int(round(0.5 * fps)))
    before = np.arange(max(0, rep.start - half), rep.start + 1)
    after = np.arange(rep.end, min(len(kin), rep.end + half + 1))
    moves = [
        abs(_median(along[s][after]) - _median(along[s][before])) for s in _stance_legs(rep.side)
    ]
    moves = [m for m in moves if np.isfinite(m)]
    return float(max(moves)) if moves else float("nan")


def lift_switches(up: Upright, rep: RepWindow, fps: float) -> int:
    """Return how often the lifted foot changes sides around the rep.

    A foot is lifted when it stands at least ``STEP_LIFT_MIN`` above its own floor level
    (:class:`~hipcheck.kinematics.upright.Upright` ``foot_lift``: the lowest place it
    reaches nearby, so a step-down's lowered free foot is not the other foot "lifted");
    only lifts of ``STEP_MIN_S`` to ``STEP_MAX_S`` while the other foot stands count (a
    step lifts one foot briefly; a single-leg squatter holds the free foot up for the
    whole rep), and the rep is widened by
    ``STEP_PAD_S`` on each side (a step's dip is short, the steps around it are not). A
    single-leg squat lifts one foot only, a double-leg squat neither; stepping or walking
    in place lifts the left and the right foot in turn.
    """
    pad = int(round(STEP_PAD_S * fps))
    lo, hi = max(0, rep.start - pad), min(up.upright.size, rep.end + pad + 1)
    min_len = max(2, int(round(STEP_MIN_S * fps)))
    max_len = int(round(STEP_MAX_S * fps))
    with np.errstate(invalid="ignore"):
        lifted = {s: up.foot_lift[s][lo:hi] >= STEP_LIFT_MIN for s in SIDES}
    events = []
    for sign, s, o in ((1, "left", "right"), (-1, "right", "left")):
        for a, b in _runs(lifted[s]):
            # a step lifts one foot briefly while the other stands
            if min_len <= b - a <= max_len and np.mean(lifted[o][a:b]) < 0.5:
                events.append((a, sign))
    order = [sign for _, sign in sorted(events)]
    merged = [v for i, v in enumerate(order) if i == 0 or v != order[i - 1]]
    return max(0, len(merged) - 1)


def flight_frames(kin: pd.DataFrame, up: Upright, fps: float) -> np.ndarray:
    """Return the frames in the air: both feet off the floor and the body up with them.

    Both feet at least ``FLIGHT_MIN`` above their floor levels with a leg nearly
    straight (:class:`~hipcheck.kinematics.upright.Upright` ``airborne``), and the
    pelvis at least ``JUMP_RISE_MIN`` leg lengths above its running median over
    ``FLIGHT_WINDOW_S``, by at least ``FLIGHT_RISE_SHARE`` of the lower foot's lift.
    Feet that only seem to rise (walking toward the camera moves them down the image:
    perspective) fail the last test: the pelvis hardly rises with them.
    """
    height = -kin["pelvis_y_px"].to_numpy(float) / up.standing_leg_px
    win = max(3, int(round(FLIGHT_WINDOW_S * fps)) | 1)
    rise = height - pd.Series(height).rolling(win, center=True, min_periods=1).median().to_numpy()
    lift = np.fmin(up.foot_lift["left"], up.foot_lift["right"])
    with np.errstate(invalid="ignore"):
        return up.airborne & (rise >= JUMP_RISE_MIN) & (rise >= FLIGHT_RISE_SHARE * lift)


def _airborne_near(flight: np.ndarray, rep: RepWindow, fps: float) -> bool:
    """Return True when the person leaves the floor within or right around the rep."""
    pad = int(round(0.3 * fps))
    lo, hi = max(0, rep.start - pad), min(flight.size, rep.end + pad + 1)
    return bool(any(b - a >= 2 for a, b in _runs(flight[lo:hi])))


def rep_flags(
    kin: pd.DataFrame,
    rep: RepWindow,
    depth: np.ndarray,
    up: Upright,
    floor: Floor,
    fps: float,
    frontal: bool = True,
) -> list[str]:
    """Why a depth dip is not a squat (empty list: it is one). Fills ``rep.evidence``."""
    flags: list[str] = []
    ev = rep.evidence
    ev["knee_flexion"] = rep.knee_flexion
    ev["pelvis_descent"] = float(depth[rep.bottom])
    minimum = MIN_DEPTH.get(rep.task, MIN_DEPTH["single_leg_squat"])
    descent = float(depth[rep.bottom])
    pelvis = np.isfinite(descent) and descent >= minimum
    knees = np.isfinite(rep.knee_flexion) and rep.knee_flexion >= max(
        MIN_KNEE_FLEXION, KNEE_SHARE_MIN * descent
    )
    if not pelvis:
        flags.append("shallow")
    elif not knees:
        flags.append("knees_straight")
    ev["airborne"] = _airborne_near(flight_frames(kin, up, fps), rep, fps)
    if ev["airborne"]:
        flags.append("jumping")
    # From the side the feet overlap and swap labels: lifts cannot be told apart.
    ev["lift_switches"] = lift_switches(up, rep, fps) if frontal else 0
    if ev["lift_switches"] >= STEP_SWITCHES_MIN:
        flags.append("stepping")
    ev["stance_travel"] = _stance_travel(kin, rep, floor, fps)
    if np.isfinite(ev["stance_travel"]) and ev["stance_travel"] > PLANT_MAX_SHIFT:
        flags.append("walking")
    ev["size_change"] = size_change(up, rep, rep.reference, fps)
    if abs(ev["size_change"]) > SIZE_CHANGE_MAX:
        flags.append("camera_motion")
    if "person_change" in kin and bool(kin["person_change"].iloc[rep.start : rep.end + 1].any()):
        flags.append("person_changed")
    ev["seated_s"] = _seated_s(depth, rep, fps)
    if rep.task == "double_leg_squat" and ev["seated_s"] >= SIT_MIN_S:
        flags.append("sitting")
    return flags


# --- the whole clip ------------------------------------------------------------------

ACTIVITY_REASONS = {
    "walking": "no squats found: the person seems to be walking",
    "stepping": "no squats found: the person seems to be stepping or walking on the spot",
    "jumping": "no squats found: the person seems to be hopping or jumping",
    "sitting": (
        "no squats found: the person seems to sit down on a chair and stand up again, "
        "which is not a squat"
    ),
    "camera_motion": (
        "no squats found: the camera zoomed or moved (the person's apparent size changed)"
    ),
    "shallow": "no squats found: the hips hardly go down (less than about 35 deg of knee bend)",
    "knees_straight": (
        "no squats found: the hips moved down in the image but the knees did not bend "
        "(a forward bend, or the camera moving)"
    ),
    "standing": "no squats found: the person stays upright (the hips never go down)",
    "balance": "no squats found: the person stands on one leg without squatting",
    "not_upright": (
        "no squats found: the person is never seen standing upright with a straight leg "
        "and a foot on the floor, which every repetition starts from"
    ),
}


def _fallback_baseline(kin: pd.DataFrame) -> Baseline:
    """Return the highest-pelvis frames as a baseline, when nobody stood upright."""
    pelvis = kin["pelvis_y_px"].to_numpy(float)
    leg = kin["leg_length_px"].to_numpy(float)
    valid = np.isfinite(pelvis) & np.isfinite(leg)
    stand_y = float(np.nanpercentile(pelvis[valid], 5))
    leg_ref = float(np.nanpercentile(leg[valid], 90))
    near_top = valid & (pelvis <= stand_y + BASELINE_PELVIS_TOL * leg_ref)
    start, stop = max(_runs(near_top), key=lambda r: r[1] - r[0])
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


def _clip_activity(
    kin: pd.DataFrame,
    up: Upright,
    floor: Floor | None,
    depth: np.ndarray,
    rejected: list[RepWindow],
    fps: float = 30.0,
) -> str:
    """Return what a clip without reps shows (key of ``ACTIVITY_REASONS``).

    The most telling reason its depth dips were rejected for (in the order sitting,
    jumping, walking, stepping, camera motion, straight knees; dips too shallow to be a
    squat, and dips during which the tracked person changed, say little and are
    skipped), else: the pelvis
    travels ``WALK_TRAVEL_MIN`` along the floor (walking); two or more flights
    (jumping); mostly single-leg upright stance (balance); otherwise standing.
    """
    if not up.upright.any():
        return "not_upright"
    counts: dict[str, int] = {}
    for r in rejected:
        if "shallow" in r.flags or "person_changed" in r.flags:
            # hardly a dip, or a dip stitched from two people: its other flags say
            # little about what the person does
            continue
        for f in r.flags:
            if f in ACTIVITY_REASONS:
                counts[f] = counts.get(f, 0) + 1
    if counts.get("jumping", 0) < JUMP_DIPS_MIN:
        counts.pop("jumping", None)  # one "flight" can be the tracker locking on
    if counts:
        order = ("sitting", "jumping", "walking", "stepping", "camera_motion", "knees_straight")
        return next(f for f in order if counts.get(f, 0))
    if floor is not None:
        along = _pelvis_along(kin, floor)[up.upright]
        along = along[np.isfinite(along)]
        if along.size and np.percentile(along, 95) - np.percentile(along, 5) >= WALK_TRAVEL_MIN:
            return "walking"
    if sum(1 for a, b in _runs(flight_frames(kin, up, fps)) if b - a >= 2) >= JUMPS_MIN:
        return "jumping"
    if any("shallow" in r.flags for r in rejected) and np.nanmax(depth) >= 0.1:
        return "shallow"
    single = up.upright & ~up.bilateral
    if single.sum() > up.bilateral.sum():
        return "balance"
    return "standing"


def _pelvis_along(kin: pd.DataFrame, floor: Floor) -> np.ndarray:
    """Mid-hip position along the floor line (leg lengths)."""
    x = (kin["left_hip_x_px"] + kin["right_hip_x_px"]).to_numpy(float) / 2
    y = (kin["left_hip_y_px"] + kin["right_hip_y_px"]).to_numpy(float) / 2
    return (np.stack([x, y], axis=1) @ floor.along) / floor.leg_length_px


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
            baseline=_fallback_baseline(kin),
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
            config, task, side, functools.partial(_lower_of, feet)
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
        rejected += _harmonise_single_leg_tasks(reps)
    rejected.sort(key=lambda r: r.bottom)
    baseline = _clip_baseline(kin, up, floor, fps)
    activity, reason = "squats", None
    if not reps:
        activity = _clip_activity(kin, up, floor, depth, rejected, fps)
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


def _clip_baseline(kin: pd.DataFrame, up: Upright, floor: Floor, fps: float) -> Baseline:
    """Return the clip's first standing reference.

    Its first bilateral upright run (up to ``BASELINE_MAX_S``), else its first upright
    run.
    """
    keep = max(2, int(round(BASELINE_MAX_S * fps)))
    quiet = quiet_frames(kin, fps, up.standing_leg_px)
    min_len = max(2, int(round(REFERENCE_MIN_S * fps)))
    masks = (
        (up.bilateral & quiet, True),
        (up.bilateral, True),
        (up.upright & quiet, False),
        (up.upright, False),
    )
    for need in (min_len, 1):
        for mask, bilateral in masks:
            rs = [(a, b) for a, b in _runs(mask) if b - a >= need]
            if not rs:
                continue
            a, b = rs[0]
            note = (
                None
                if bilateral
                else "The person was not seen standing on both feet; values are relative "
                "to standing on the stance leg."
            )
            frames = np.arange(a, min(b, a + keep))
            return make_baseline(kin, frames, bilateral=bilateral, note=note, floor=floor)
    return _fallback_baseline(kin)


def _lower_of(feet: dict[str, dict[str, float]]) -> str:
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


def _harmonise_single_leg_tasks(reps: list[RepWindow]) -> list[RepWindow]:
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
