"""Whether a depth dip is a squat, and what a clip without reps shows."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hipcheck.kinematics.floor import SIDES, Floor, foot_positions_along
from hipcheck.kinematics.upright import Upright
from hipcheck.reps.common import bridge, median, pelvis_along, runs, stance_legs
from hipcheck.reps.model import Baseline, RepWindow
from hipcheck.reps.thresholds import (
    FLIGHT_MIN_S,
    FLIGHT_RISE_SHARE,
    FLIGHT_WINDOW_S,
    JUMP_DIPS_MIN,
    JUMP_RISE_MIN,
    JUMPS_MIN,
    KNEE_SHARE_MIN,
    MIN_DEPTH,
    MIN_KNEE_FLEXION,
    PLANT_MAX_SHIFT,
    SIT_MAX_SPEED,
    SIT_MIN_S,
    SIT_NEAR_BOTTOM,
    SIZE_CHANGE_MAX,
    STEP_LIFT_MIN,
    STEP_MAX_S,
    STEP_MIN_S,
    STEP_PAD_S,
    STEP_SWITCHES_MIN,
    WALK_TRAVEL_MIN,
)


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
    for s in stance_legs(rep.side):
        lo, hi = max(0, rep.bottom - 1), min(up.upright.size, rep.bottom + 2)
        values.append(1.0 - median(up.leg_ratio[s][lo:hi]))
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
    ref = median(up.size[reference.frames]) if reference is not None else 1.0
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
    longest = max((b - a for a, b in runs(still)), default=0)
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
    moves = [abs(median(along[s][after]) - median(along[s][before])) for s in stance_legs(rep.side)]
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
        for a, b in runs(lifted[s]):
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


def flight_min_frames(fps: float) -> int:
    """Return the fewest consecutive frames in the air that make a flight (``FLIGHT_MIN_S``)."""
    return max(1, math.ceil(FLIGHT_MIN_S * fps - 1e-6))


def _airborne_near(flight: np.ndarray, rep: RepWindow, fps: float) -> bool:
    """Return True when the person leaves the floor within or right around the rep."""
    pad = int(round(0.3 * fps))
    lo, hi = max(0, rep.start - pad), min(flight.size, rep.end + pad + 1)
    return bool(any(b - a >= flight_min_frames(fps) for a, b in runs(flight[lo:hi])))


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


def clip_activity(
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
        along = pelvis_along(kin, floor)[up.upright]
        along = along[np.isfinite(along)]
        if along.size and np.percentile(along, 95) - np.percentile(along, 5) >= WALK_TRAVEL_MIN:
            return "walking"
    flights = runs(flight_frames(kin, up, fps))
    if sum(1 for a, b in flights if b - a >= flight_min_frames(fps)) >= JUMPS_MIN:
        return "jumping"
    if any("shallow" in r.flags for r in rejected) and np.nanmax(depth) >= 0.1:
        return "shallow"
    single = up.upright & ~up.bilateral
    if single.sum() > up.bilateral.sum():
        return "balance"
    return "standing"
