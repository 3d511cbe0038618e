"""Floor model, upright frames, apparent size and view verdict on known geometry."""

from __future__ import annotations

import numpy as np
import pytest

from figures import FLOOR, LEG, bumps, figure, plateau
from hipcheck.filtering import clean_series
from hipcheck.kinematics import frame_kinematics
from hipcheck.kinematics.floor import (
    Floor,
    estimate_floor,
    estimate_roll,
    feet_level_difference,
    foot_heights,
    foot_points,
    roll_from_body,
)
from hipcheck.kinematics.upright import apparent_size, find_upright
from hipcheck.kinematics.view import (
    TURN_OBLIQUE_DEG,
    TURN_SIDE_DEG,
    facing,
    turn_deg,
    view_verdict,
)

T = np.arange(0, 6, 1 / 30)


def kin_of(series):
    return frame_kinematics(clean_series(series))


# --- floor ---------------------------------------------------------------------------


@pytest.mark.parametrize("roll", [-12.0, -5.0, 0.0, 5.0, 12.0])
def test_roll_from_body_reads_the_camera_roll(roll):
    kin = kin_of(figure(T, roll_deg=roll))
    assert roll_from_body(kin, np.arange(len(kin))) == pytest.approx(roll, abs=0.2)
    assert estimate_roll(kin, np.arange(len(kin)), np.arange(len(kin))).roll_deg == (
        pytest.approx(roll, abs=0.2)
    )


def test_roll_beyond_the_limit_or_without_frames_is_none():
    kin = kin_of(figure(T, roll_deg=45.0))
    assert roll_from_body(kin, np.arange(len(kin))) is None
    assert roll_from_body(kin, np.array([], dtype=int)) is None
    assert estimate_roll(kin, np.array([], int), np.array([], int)).source == "none"


@pytest.mark.parametrize("roll", [0.0, 5.0, -8.0])
@pytest.mark.parametrize("shared", [True, False])
def test_foot_heights_survive_roll(roll, shared):
    """A foot lifted 0.2 leg lengths reads 0.2, the planted one 0, on a rolled camera."""
    lift = plateau(T, 3.0, 6.5, 0.2, 0.2)
    kin = kin_of(figure(T, lift_right=lift, roll_deg=roll))
    standing = np.arange(0, 60)  # both feet down
    floor = estimate_floor(kin, standing, LEG, roll, shared=shared)
    h = foot_heights(kin, floor)
    late = slice(120, 170)
    assert np.nanmedian(h["left"][late]) == pytest.approx(0.0, abs=0.01)
    assert np.nanmedian(h["right"][late]) == pytest.approx(0.2, abs=0.01)


def test_shared_floor_takes_the_lower_foot_of_single_leg_stance():
    kin = kin_of(figure(T, lift_right=0.15))  # the free foot never comes down
    floor = estimate_floor(kin, np.arange(len(kin)), LEG, 0.0, shared=True)
    h = foot_heights(kin, floor)
    assert np.nanmedian(h["right"]) == pytest.approx(0.15, abs=0.01)
    per_foot = estimate_floor(kin, np.arange(len(kin)), LEG, 0.0, shared=False)
    assert np.nanmedian(foot_heights(kin, per_foot)["right"]) == pytest.approx(0.0, abs=0.01)


def test_feet_level_difference_sign_and_foot_points():
    kin = kin_of(figure(T, lift_left=0.1))
    assert np.nanmedian(feet_level_difference(kin, 0.0, LEG)) == pytest.approx(0.1, abs=0.01)
    # the lowest of ankle, heel and toe is the toe of the figure (30 px under the ankle)
    assert np.nanmedian(foot_points(kin, "right")[:, 1]) == pytest.approx(FLOOR + 30, abs=0.5)


def test_floor_vectors_are_perpendicular():
    f = Floor(roll_deg=7.0)
    assert float(f.down @ f.along) == pytest.approx(0.0, abs=1e-12)
    assert Floor(roll_deg=0.0).down == pytest.approx([0.0, 1.0])


# --- upright -------------------------------------------------------------------------


def test_upright_standing_squat_flight_and_single_leg():
    t = np.arange(0, 10, 1 / 30)
    series = figure(
        t,
        depth=bumps(t, [3.0], 1.6, 0.3),
        rise=bumps(t, [6.0], 0.4, 0.2),
        lift_left=plateau(t, 7.5, 9.5, 0.2, 0.15),
    )
    kin = kin_of(series)
    up = find_upright(kin, 30.0)
    at = {s: int(round(s * 30)) for s in (1.0, 3.0, 6.0, 8.5)}
    assert up.upright[at[1.0]] and up.bilateral[at[1.0]]  # standing on both feet
    assert not up.upright[at[3.0]]  # squat bottom
    assert up.airborne[at[6.0]] and not up.upright[at[6.0]]  # flight
    assert up.upright[at[8.5]] and not up.bilateral[at[8.5]]  # single-leg stance
    assert up.standing_leg_px == pytest.approx(LEG, rel=0.01)


@pytest.mark.parametrize(
    ("zoom", "expected"),
    [
        pytest.param(1.0, 1.0, id="none"),
        pytest.param(1.3, 1.3, id="zoom-in"),
        pytest.param(0.7, 0.7, id="zoom-out"),
    ],
)
def test_apparent_size_follows_a_zoom_but_not_a_squat(zoom, expected):
    t = np.arange(0, 8, 1 / 30)
    change = np.where(t > 4, zoom, 1.0)
    kin = kin_of(figure(t, depth=bumps(t, [2.0], 1.6, 0.3), zoom=change))
    size = apparent_size(kin, 30.0)
    before, after = np.median(size[(t > 0.5) & (t < 3.5)]), np.median(size[t > 4.5])
    assert after / before == pytest.approx(expected, rel=0.02)
    # the squat itself (0.3 deep, torso and shanks unchanged here, widths unchanged)
    assert np.abs(size[(t > 1.2) & (t < 2.8)] / before - 1).max() < 0.02


# --- view ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param({"facing": 1}, 1, id="front"),
        pytest.param({"facing": -1}, -1, id="rear"),
        pytest.param({"facing": 1, "with_depth": False}, 0, id="front-without-depth"),
    ],
)
def test_facing(kwargs, expected):
    kin = kin_of(figure(T, **kwargs))
    assert set(np.unique(facing(kin))) == {expected}


def test_facing_of_a_mirrored_selfie_is_not_rear():
    series = figure(T)
    series.xy[..., 0] = series.frame_size[0] - series.xy[..., 0]  # labels kept, x flipped
    kin = kin_of(series)
    assert set(np.unique(facing(kin))) == {0}  # order and face disagree: not "rear"
    assert view_verdict(kin).label == "frontal"


@pytest.mark.parametrize("yaw", [0.0, 20.0, 45.0, 70.0, 85.0])
def test_turn_from_model_depth_is_the_yaw(yaw):
    kin = kin_of(figure(T, yaw_deg=yaw))
    assert np.nanmedian(turn_deg(kin)) == pytest.approx(yaw, abs=0.5)


@pytest.mark.parametrize(
    ("kwargs", "label", "measurable"),
    [
        pytest.param({}, "frontal", True, id="frontal"),
        pytest.param({"yaw_deg": TURN_OBLIQUE_DEG - 5}, "frontal", True, id="slightly-turned"),
        pytest.param({"yaw_deg": TURN_OBLIQUE_DEG + 5}, "oblique", False, id="turned"),
        pytest.param({"yaw_deg": TURN_SIDE_DEG + 5}, "side", False, id="side"),
        pytest.param({"facing": -1}, "rear", False, id="rear"),
        pytest.param({"with_depth": False}, "frontal", True, id="no-depth-frontal"),
        pytest.param({"with_depth": False, "yaw_deg": 80.0}, "side", False, id="no-depth-side"),
        pytest.param({"roll_deg": 5.0}, "frontal", True, id="rolled"),
    ],
)
def test_view_verdict_table(kwargs, label, measurable):
    verdict = view_verdict(kin_of(figure(T, **kwargs)))
    assert verdict.label == label
    assert verdict.frontal_metrics is measurable
    assert (verdict.reason is None) is measurable
    if not measurable:
        assert "not measurable" in verdict.reason
    d = verdict.to_dict()
    assert d["verdict"] == label and d["frontal_metrics"] is measurable


def test_view_verdict_without_landmarks_is_unknown():
    series = figure(T)
    series.xy[:, 11:25] = np.nan
    verdict = view_verdict(frame_kinematics(series))
    assert verdict.label == "unknown" and not verdict.frontal_metrics
    assert view_verdict(kin_of(figure(T)), np.array([], dtype=int)).label == "unknown"
