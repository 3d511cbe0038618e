"""Repetitions: standing reference, segmentation, task and stance side, what was seen.

Works on the per-frame kinematics table (:func:`hipcheck.kinematics.frame_kinematics`)
of a cleaned, uniformly sampled landmark series. Image frame: x right, y **down**;
sides are the subject's.

Method (every threshold is a named constant in :mod:`hipcheck.reps.thresholds`,
with its reason and data):

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

Modules, in pipeline order: :mod:`~hipcheck.reps.thresholds` (every threshold),
:mod:`~hipcheck.reps.model` (:class:`Baseline`, :class:`RepWindow`,
:class:`RepDetection`), :mod:`~hipcheck.reps.segment` (candidates, clip edges),
:mod:`~hipcheck.reps.reference` (standing references), :mod:`~hipcheck.reps.feet`
(task and stance side), :mod:`~hipcheck.reps.activity` (is it a squat; what a clip
without reps shows) and :mod:`~hipcheck.reps.detect` (:func:`detect_reps`, the whole
clip). Everything below is importable from ``hipcheck.reps``.
"""

from __future__ import annotations

from hipcheck.reps.activity import (
    ACTIVITY_REASONS,
    flight_frames,
    knee_flexion,
    lift_switches,
    rep_flags,
    size_change,
)
from hipcheck.reps.detect import detect_reps, find_baseline
from hipcheck.reps.feet import (
    classify_feet,
    classify_rep,
    feet_at_bottom,
    movement_flags,
    resolve_task_side,
)
from hipcheck.reps.model import Baseline, RepDetection, RepWindow, make_baseline
from hipcheck.reps.reference import quiet_frames, rep_floor, rep_reference, standing_level
from hipcheck.reps.segment import edge_prominence, near_missing, segment_reps
from hipcheck.reps.thresholds import (
    BASELINE_FEET_TOL,
    BASELINE_MAX_SPEED,
    BASELINE_MIN_S,
    FOOT_LIFT_MIN,
    FOOT_LOWER_MIN,
    MIN_DEPTH,
    REP_EDGE_FRACTION,
)

__all__ = [
    "ACTIVITY_REASONS",
    "BASELINE_FEET_TOL",
    "BASELINE_MAX_SPEED",
    "BASELINE_MIN_S",
    "FOOT_LIFT_MIN",
    "FOOT_LOWER_MIN",
    "MIN_DEPTH",
    "REP_EDGE_FRACTION",
    "Baseline",
    "RepDetection",
    "RepWindow",
    "classify_feet",
    "classify_rep",
    "detect_reps",
    "edge_prominence",
    "feet_at_bottom",
    "find_baseline",
    "flight_frames",
    "knee_flexion",
    "lift_switches",
    "make_baseline",
    "movement_flags",
    "near_missing",
    "quiet_frames",
    "rep_flags",
    "rep_floor",
    "rep_reference",
    "resolve_task_side",
    "segment_reps",
    "size_change",
    "standing_level",
]
