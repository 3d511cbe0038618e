"""Repetition rules on a parametric figure with known movements (no pose model).

Each row builds one situation the rules are about and states what the detection must
say: how many reps, which task and stance side, and, without reps, what was seen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from figures import bumps, figure, plateau
from hipcheck.config import AnalysisConfig
from hipcheck.filtering import clean_series
from hipcheck.kinematics import frame_kinematics
from hipcheck.landmarks import LM
from hipcheck.reps import (
    ACTIVITY_REASONS,
    RepDetection,
    classify_feet,
    detect_reps,
    edge_prominence,
    segment_reps,
)

FPS = 30.0
T = np.arange(0, 12, 1 / FPS)
BOTTOMS = [3.5, 6.0, 8.5]
DIPS = bumps(T, BOTTOMS, 1.6, 0.25)  # 0.25 leg lengths deep, 1.6 s reps
FREE_UP = plateau(T, 1.5, 10.5, 0.4, 0.15)  # free foot held up from 1.5 s to 10.5 s
STEPS = list(np.arange(1.0, 11, 0.7))


def detect(series, **options) -> tuple[RepDetection, pd.DataFrame]:
    kin = frame_kinematics(clean_series(series))
    fps = 1.0 / float(np.median(np.diff(kin["t_s"])))
    return detect_reps(kin, fps, AnalysisConfig().with_(**options)), kin


def cut(series, t0: float, t1: float = np.inf):
    """The part of a series between t0 and t1, re-timed to start at 0."""
    keep = (series.t_s >= t0 - 1e-9) & (series.t_s <= t1 + 1e-9)
    out = series.subset(keep) if hasattr(series, "subset") else None
    if out is None:
        from hipcheck.landmarks import LandmarkSeries

        out = LandmarkSeries(
            t_s=series.t_s[keep] - series.t_s[keep][0],
            xy=series.xy[keep],
            z=series.z[keep],
            visibility=series.visibility[keep],
            presence=series.presence[keep],
            frame_size=series.frame_size,
            model=series.model,
            source=series.source,
            video=dict(series.video),
        )
    return out


def lying(series):
    """The trunk horizontal the whole clip (shoulders level with the hips, to the side)."""
    for side in ("LEFT", "RIGHT"):
        hip = series.xy[:, LM[f"{side}_HIP"]]
        series.xy[:, LM[f"{side}_SHOULDER"], 0] = hip[:, 0] + 280
        series.xy[:, LM[f"{side}_SHOULDER"], 1] = hip[:, 1] + (40 if side == "LEFT" else -40)
    series.xy[:, LM.NOSE, 0] = series.xy[:, LM.LEFT_HIP, 0] + 370
    return series


def mirrored(series):
    """A selfie-mirrored image with the model keeping the subject's labels."""
    series.xy[..., 0] = series.frame_size[0] - series.xy[..., 0]
    return series


# id, series builder, reps, task, side, activity
CASES = [
    ("sls-left", lambda: figure(T, depth=DIPS, lift_right=FREE_UP), 3, "single_leg_squat", "left", "squats"),
    ("sls-right", lambda: figure(T, depth=DIPS, lift_left=FREE_UP), 3, "single_leg_squat", "right", "squats"),
    ("sls-left-selfie-mirror", lambda: mirrored(figure(T, depth=DIPS, lift_right=FREE_UP)), 3, "single_leg_squat", "left", "squats"),
    # the free foot held up, swung toward the camera in each rep (it moves down the image)
    ("sls-free-foot-forward", lambda: figure(T, depth=DIPS, lift_right=FREE_UP, forward_right=bumps(T, BOTTOMS, 1.8, 0.2)), 3, "single_leg_squat", "left", "squats"),
    # from the front, a free foot brought toward the camera from standing level moves
    # down the image like a foot lowered off a step: it reads as a step-down (the
    # clip's majority decides a mixed clip's task)
    ("free-foot-forward-from-the-floor", lambda: figure(T, depth=DIPS, forward_right=bumps(T, BOTTOMS, 1.8, 0.3)), 3, "step_down", "left", "squats"),
    ("double-leg", lambda: figure(T, depth=DIPS), 3, "double_leg_squat", "both", "squats"),
    ("step-down-right", lambda: figure(T, depth=bumps(T, BOTTOMS, 1.6, 0.15), lift_left=-bumps(T, BOTTOMS, 1.6, 0.2) + plateau(T, 1.5, 10.5, 0.3, 0.03)), 3, "step_down", "right", "squats"),
    ("camera-rolled-5-deg", lambda: figure(T, depth=DIPS, lift_right=FREE_UP, roll_deg=5.0), 3, "single_leg_squat", "left", "squats"),
    ("camera-rolled-minus-8-deg", lambda: figure(T, depth=DIPS, lift_right=FREE_UP, roll_deg=-8.0), 3, "single_leg_squat", "left", "squats"),
    ("rear-view", lambda: figure(T, depth=DIPS, lift_right=FREE_UP, facing=-1), 3, "single_leg_squat", "left", "squats"),
    ("one-squat", lambda: figure(T, depth=bumps(T, [6.0], 2.0, 0.3)), 1, "double_leg_squat", "both", "squats"),
    ("free-foot-never-down", lambda: figure(T, depth=DIPS, lift_right=0.15), 3, "single_leg_squat", "left", "squats"),
    ("shallow-dips", lambda: figure(T, depth=bumps(T, BOTTOMS, 1.6, 0.03)), 0, None, None, None),
    ("jumps", lambda: figure(T, depth=bumps(T, [3, 6, 9], 0.8, 0.3), rise=bumps(T, [3.7, 6.7, 9.7], 0.35, 0.25)), 0, None, None, "jumping"),
    ("sit-to-stand", lambda: figure(T, depth=plateau(T, 3, 7, 0.5, 0.4)), 0, None, None, "sitting"),
    ("camera-tilt", lambda: figure(T, rise=-bumps(T, [4, 8], 1.5, 0.15)), 0, None, None, "knees_straight"),
    ("camera-zoom", lambda: figure(T, zoom=1 - bumps(T, [4, 8], 2.0, 0.3), zoom_about=(360, 1250)), 0, None, None, "camera_motion"),
    ("walking-on-the-spot", lambda: figure(T, depth=bumps(T, STEPS, 0.7, 0.1), lift_left=bumps(T, STEPS[::2], 0.6, 0.15), lift_right=bumps(T, STEPS[1::2], 0.6, 0.15)), 0, None, None, "stepping"),
    ("walking-across", lambda: figure(T, travel=np.clip((T - 1) / 8, 0, 1) * 4 - 2, depth=bumps(T, STEPS, 0.7, 0.08), lift_left=bumps(T, STEPS[::2], 0.6, 0.15), lift_right=bumps(T, STEPS[1::2], 0.6, 0.15)), 0, None, None, "walking"),
    ("standing-still", lambda: figure(T), 0, None, None, "standing"),
    ("lying-throughout", lambda: lying(figure(T, depth=DIPS)), 0, None, None, "not_upright"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("build", "n_reps", "task", "side", "activity"),
    [pytest.param(*c[1:], id=c[0]) for c in CASES],
)
def test_detection_table(build, n_reps, task, side, activity):
    det, kin = detect(build())
    assert len(det.reps) == n_reps, [(r.bottom, r.flags) for r in det.rejected]
    for rep in det.reps:
        assert (rep.task, rep.side) == (task, side)
        assert rep.start <= rep.bottom <= rep.end
        assert rep.reference is not None
    if n_reps:
        assert det.no_reps_reason is None and det.activity == "squats"
    else:
        assert det.no_reps_reason and det.no_reps_reason.startswith("no squats found")
        if activity is not None:
            assert det.activity == activity
            assert det.no_reps_reason == ACTIVITY_REASONS[activity]


def test_bottoms_are_the_lowest_pelvis_frames():
    det, kin = detect(figure(T, depth=DIPS, lift_right=FREE_UP))
    assert [round(float(kin["t_s"].iloc[r.bottom]), 2) for r in det.reps] == pytest.approx(
        BOTTOMS, abs=1 / FPS
    )


@pytest.mark.parametrize(
    ("t0", "t1", "n_reps", "partial_first", "partial_last"),
    [
        pytest.param(2.9, 12, 3, "start", None, id="starts-mid-descent"),
        pytest.param(3.1, 12, 3, "start", None, id="starts-just-before-the-bottom"),
        pytest.param(3.5, 12, 2, None, None, id="starts-at-the-bottom-not-counted"),
        pytest.param(0, 9.0, 3, None, "end", id="ends-mid-ascent"),
        pytest.param(0, 8.5, 2, None, None, id="ends-at-the-bottom-not-counted"),
        pytest.param(2.9, 9.0, 3, "start", "end", id="cut-both-ends"),
    ],
)
def test_clips_cut_mid_rep(t0, t1, n_reps, partial_first, partial_last):
    """A clip may start or end mid-rep: counted when its bottom is filmed, and nothing
    before the first standing frame is thrown away."""
    det, kin = detect(cut(figure(T, depth=DIPS, lift_right=FREE_UP), t0, t1))
    assert len(det.reps) == n_reps
    assert det.reps[0].partial == partial_first
    assert det.reps[-1].partial == partial_last
    assert all(r.side == "left" for r in det.reps)


def test_rep_reference_is_standing_before_else_after():
    det, kin = detect(cut(figure(T, depth=DIPS), 2.9))  # double-leg, starts mid-descent
    first, second = det.reps[0], det.reps[1]
    t = kin["t_s"].to_numpy()
    # no standing before the first rep: its reference comes after it
    assert t[first.reference.start_frame] >= t[first.end] - 1e-9
    assert first.reference.bilateral
    # later reps: the first standing before them
    assert t[second.reference.end_frame] <= t[second.start] + 1e-9


def test_forced_task_and_side():
    det, _ = detect(figure(T, depth=DIPS, lift_right=FREE_UP), task="step_down", side="right")
    assert {(r.task, r.side) for r in det.reps} == {("step_down", "right")}
    det, _ = detect(figure(T, depth=DIPS), task="double_leg_squat")
    assert {(r.task, r.side) for r in det.reps} == {("double_leg_squat", "both")}


def test_detection_unpacks_as_the_earlier_tuple():
    det, _ = detect(figure(T, depth=DIPS))
    baseline, depth, reps, rejected = det
    assert baseline is det.baseline and reps is det.reps and rejected is det.rejected
    assert depth.shape == (len(T),)


def test_no_hips_is_an_error():
    series = figure(T, depth=DIPS)
    series.xy[:, 23:25] = np.nan
    kin = frame_kinematics(series)
    with pytest.raises(ValueError, match="hips"):
        detect_reps(kin, FPS)


# --- segmentation on depth traces ----------------------------------------------------


def _trace(*parts: np.ndarray) -> np.ndarray:
    return np.concatenate(parts)


HALF = np.sin(np.linspace(0, np.pi / 2, 30))  # 0 -> 1


@pytest.mark.parametrize(
    ("depth", "n", "partials"),
    [
        pytest.param(_trace(np.zeros(20), 0.3 * HALF, 0.3 * HALF[::-1], np.zeros(20)), 1, [None], id="one-rep"),
        pytest.param(_trace(0.3 * HALF[10:], 0.3 * HALF[::-1], np.zeros(20)), 1, ["start"], id="starts-mid-descent"),
        pytest.param(_trace(0.3 * HALF[::-1], np.zeros(20)), 0, [], id="bottom-at-first-frame"),
        pytest.param(_trace(np.zeros(20), 0.3 * HALF, 0.3 * HALF[::-1][:20]), 1, ["end"], id="ends-mid-ascent"),
        pytest.param(_trace(np.zeros(20), 0.3 * HALF, 0.25 + 0.05 * HALF[::-1], 0.25 + 0.05 * HALF, 0.3 * HALF[::-1], np.zeros(20)), 1, [None], id="small-re-rise-is-one-rep"),
        pytest.param(np.full(60, 0.02) + 0.01 * np.sin(np.arange(60)), 0, [], id="jitter"),
        pytest.param(np.full(60, np.nan), 0, [], id="all-missing"),
    ],
)  # fmt: skip
def test_segment_reps_table(depth, n, partials):
    windows = segment_reps(depth, 30.0, min_distance_s=0.5, min_duration_s=0.3)
    assert len(windows) == n
    assert [w.partial for w in windows] == partials


def test_edge_prominence_measures_a_cut_side_against_the_other():
    d = _trace(0.3 * HALF[10:], 0.3 * HALF[::-1], np.zeros(10))  # from 0.16 at the start
    p = int(np.argmax(d))
    assert edge_prominence(d, p) == pytest.approx(0.3, abs=1e-6)


def test_a_standing_edge_with_filter_ripple_is_not_cut():
    """Clip starts 0.26 down (cut), ends standing with its last frame 0.011 'above'."""
    ripple = np.r_[np.zeros(30), -0.004, -0.011]
    d = _trace(0.26 + 0.09 * HALF, 0.35 * HALF[::-1], ripple)
    p = int(np.argmax(d))
    assert edge_prominence(d, p) == pytest.approx(0.35 + 0.011, abs=1e-6)
    windows = segment_reps(d, 30.0)
    assert len(windows) == 1 and windows[0].partial == "start"


# --- feet ----------------------------------------------------------------------------


def _feet(left: dict[str, float], right: dict[str, float]) -> dict[str, dict[str, float]]:
    base = {"move": 0.0, "height": 0.0, "drop": 0.0, "seen": 1.0}
    return {"left": {**base, **left}, "right": {**base, **right}}


@pytest.mark.parametrize(
    ("feet", "options", "expected"),
    [
        pytest.param(_feet({}, {}), {}, ("double_leg_squat", "both"), id="both-planted"),
        pytest.param(_feet({}, {"height": 0.2}), {}, ("single_leg_squat", "left"), id="right-lifted"),
        pytest.param(_feet({"move": 0.3, "height": -0.2}, {}), {}, ("single_leg_squat", "right"), id="left-forward-looks-lower"),
        pytest.param(_feet({"move": 0.3, "height": -0.2, "drop": 0.2}, {}), {}, ("step_down", "right"), id="left-lowered-off-step"),
        pytest.param(_feet({"move": 0.3, "height": -0.2, "drop": 0.2}, {}), {"step_allowed": False}, ("single_leg_squat", "right"), id="no-step-without-standing-on-it"),
        pytest.param(_feet({"seen": 0.1}, {}), {}, ("single_leg_squat", "right"), id="left-hidden-behind"),
        pytest.param(_feet({"move": 0.12}, {"move": 0.1}), {}, ("double_leg_squat", "both"), id="both-wobble"),
        pytest.param(_feet({}, {"height": 0.08}), {"margin": 2.0}, ("double_leg_squat", "both"), id="side-view-margin"),
        pytest.param(_feet({"move": float("nan"), "height": float("nan")}, {}), {}, ("double_leg_squat", "both"), id="missing-values"),
    ],
)  # fmt: skip
def test_classify_feet_table(feet, options, expected):
    assert classify_feet(feet, **options) == expected
