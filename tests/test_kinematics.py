"""Known-geometry tests for the per-frame angle and ratio functions.

Points are built in realistic pixel coordinates of portrait (720x1280) and landscape
(1280x720) frames, x right, y down. "mirrored" means the image is flipped left-right,
so the subject's left hip is on the image left instead of the image right.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hipcheck.kinematics import (
    classify_view,
    depth,
    fppa_deg,
    kasr,
    khr,
    knee_medial_displacement,
    leg_length_px,
    pelvic_drop_deg,
    rotation_guard,
    trunk_lean_deg,
    trunk_pelvis_angle_deg,
    view_ratio,
)
from hipcheck.kinematics.view import FRONTAL_MIN_RATIO, SIDE_MAX_RATIO

NAN = float("nan")
FRAMES = {"portrait": (720, 1280), "landscape": (1280, 720)}


def centre(frame: str) -> np.ndarray:
    w, h = FRAMES[frame]
    return np.array([w / 2, h / 2])


def pelvis(frame: str, drop_deg: float, other_dir: int, half_width: float = 55.0):
    """Stance and other hip; other hip toward image x ``other_dir``, lower by drop_deg."""
    a = math.radians(drop_deg)
    u = np.array([other_dir * math.cos(a), math.sin(a)])  # y down: + sin = lower
    c = centre(frame)
    return c - half_width * u, c + half_width * u


# --- pelvic drop -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "drop", "other_dir"),
    [
        pytest.param("portrait", 10.0, +1, id="portrait-drop10-stance-image-left"),
        pytest.param("portrait", 10.0, -1, id="portrait-drop10-stance-image-right"),
        pytest.param("landscape", 10.0, +1, id="landscape-drop10-stance-image-left"),
        pytest.param("landscape", 10.0, -1, id="landscape-drop10-stance-image-right"),
        pytest.param("portrait", -10.0, +1, id="portrait-hike10"),
        pytest.param("landscape", -10.0, -1, id="landscape-hike10-mirrored"),
        pytest.param("portrait", 0.0, +1, id="level"),
        pytest.param("portrait", 25.0, -1, id="drop25"),
    ],
)
def test_pelvic_drop_known_tilt(frame: str, drop: float, other_dir: int) -> None:
    hs, hc = pelvis(frame, drop, other_dir)
    assert float(pelvic_drop_deg(hs, hc)) == pytest.approx(drop, abs=1e-9)
    # swapping the stance side reverses the sign
    assert float(pelvic_drop_deg(hc, hs)) == pytest.approx(-drop, abs=1e-9)


@pytest.mark.parametrize(
    ("hs", "hc"),
    [
        pytest.param([NAN, 600.0], [420.0, 610.0], id="stance-hip-nan"),
        pytest.param([300.0, 600.0], [420.0, NAN], id="other-hip-nan"),
        pytest.param([300.0, 600.0], [300.0, 600.0], id="coincident-hips"),
    ],
)
def test_pelvic_drop_missing_is_nan(hs: list[float], hc: list[float]) -> None:
    assert np.isnan(pelvic_drop_deg(hs, hc))


def test_pelvic_drop_vectorised_with_nan_row() -> None:
    hs = np.array([[300.0, 600.0], [300.0, 600.0], [NAN, NAN]])
    hc = np.array([[400.0, 600.0], [400.0, 600.0 + 100 * math.tan(math.radians(10))], [1, 1]])
    out = pelvic_drop_deg(hs, hc)
    assert out.shape == (3,)
    np.testing.assert_allclose(out[:2], [0.0, 10.0], atol=1e-9)
    assert np.isnan(out[2])


# --- FPPA and knee displacement ------------------------------------------------------


def leg(hip: np.ndarray, m: int, valgus_deg: float, alpha_deg: float = 4.0):
    """Hip, knee, ankle with a known FPPA; ``m`` = image-x direction of the other hip.

    The thigh runs down and ``alpha_deg`` medially; the shank turns laterally by
    ``valgus_deg`` relative to the thigh (valgus = knee medial of the hip-ankle line).
    """
    l1, l2 = 190.0, 200.0
    a, b = math.radians(alpha_deg), math.radians(alpha_deg - valgus_deg)
    knee = hip + l1 * np.array([m * math.sin(a), math.cos(a)])
    ankle = knee + l2 * np.array([m * math.sin(b), math.cos(b)])
    return hip, knee, ankle


def other_hip_of(hip: np.ndarray, m: int) -> np.ndarray:
    return hip + np.array([m * 110.0, 3.0])


# In a non-mirrored frontal view the subject's left leg is on the image right, so its
# other hip (the right one) is toward image -x: m = -1; the right leg has m = +1.
# A mirrored image swaps them.
FPPA_CASES = [
    pytest.param("portrait", "left", False, 15.0, id="left-valgus15"),
    pytest.param("portrait", "right", False, 15.0, id="right-valgus15"),
    pytest.param("portrait", "left", True, 15.0, id="left-valgus15-mirrored"),
    pytest.param("landscape", "right", True, 15.0, id="right-valgus15-mirrored-landscape"),
    pytest.param("portrait", "left", False, -12.0, id="left-varus12"),
    pytest.param("landscape", "right", True, -12.0, id="right-varus12-mirrored"),
    pytest.param("portrait", "left", False, 0.0, id="collinear"),
    pytest.param("landscape", "right", False, 35.0, id="right-valgus35"),
]


def medial_dir(side: str, mirrored: bool) -> int:
    m = -1 if side == "left" else +1
    return -m if mirrored else m


@pytest.mark.parametrize(("frame", "side", "mirrored", "fppa"), FPPA_CASES)
def test_fppa_known_triangles(frame: str, side: str, mirrored: bool, fppa: float) -> None:
    m = medial_dir(side, mirrored)
    hip, knee, ankle = leg(centre(frame) + [-m * 55.0, 0.0], m, fppa)
    got = float(fppa_deg(hip, knee, ankle, other_hip_of(hip, m)))
    assert got == pytest.approx(fppa, abs=1e-9)


@pytest.mark.parametrize(("frame", "side", "mirrored", "fppa"), FPPA_CASES)
def test_knee_medial_displacement_known(frame: str, side: str, mirrored: bool, fppa: float) -> None:
    m = medial_dir(side, mirrored)
    hip, knee, ankle = leg(centre(frame), m, fppa, alpha_deg=0.0)
    # thigh vertical: offset*m = l1*l2*sin(phi) / (l1 + l2*cos(phi))
    phi = math.radians(fppa)
    expected = 190.0 * 200.0 * math.sin(phi) / (190.0 + 200.0 * math.cos(phi)) / 400.0
    got = float(knee_medial_displacement(hip, knee, ankle, other_hip_of(hip, m), 400.0))
    assert got == pytest.approx(expected, abs=1e-12)
    assert np.sign(got) == np.sign(fppa)


@pytest.mark.parametrize(
    ("hip", "knee", "ankle", "other"),
    [
        pytest.param([300, 600], [NAN, 800], [300, 1000], [410, 600], id="knee-nan"),
        pytest.param([300, 600], [300, 800], [300, NAN], [410, 600], id="ankle-nan"),
        pytest.param([300, 600], [300, 600], [300, 1000], [410, 600], id="zero-thigh"),
        pytest.param([300, 600], [310, 800], [300, 1000], [300, 600], id="hips-coincide"),
    ],
)
def test_fppa_and_kmd_missing_is_nan(hip, knee, ankle, other) -> None:
    assert np.isnan(fppa_deg(hip, knee, ankle, other))
    if not np.allclose(hip, knee):  # zero thigh still has a knee offset (0)
        assert np.isnan(knee_medial_displacement(hip, knee, ankle, other, 400.0))


def test_kmd_zero_leg_length_is_nan() -> None:
    hip, knee, ankle = leg(np.array([300.0, 600.0]), 1, 10.0)
    assert np.isnan(knee_medial_displacement(hip, knee, ankle, [410, 600], 0.0))


def test_fppa_broadcasts_single_points_against_tracks() -> None:
    hip = np.array([300.0, 600.0])
    tracks = [leg(hip, 1, v) for v in (0.0, 10.0, -10.0)]
    knees = np.array([t[1] for t in tracks])
    ankles = np.array([t[2] for t in tracks])
    out = fppa_deg(hip, knees, ankles, [410.0, 600.0])
    assert out.shape == (3,)
    np.testing.assert_allclose(out, [0.0, 10.0, -10.0], atol=1e-9)


def test_fppa_rejects_wrong_shape() -> None:
    with pytest.raises(ValueError, match=r"\(\.\.\., 2\)"):
        fppa_deg([1.0, 2.0, 3.0], [1, 2], [1, 2], [1, 2])


# --- KASR / KHR ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kl", "kr", "al", "ar", "expected"),
    [
        pytest.param([420, 900], [300, 900], [440, 1100], [280, 1100], 0.75, id="knees-in"),
        pytest.param([300, 900], [420, 900], [280, 1100], [440, 1100], 0.75, id="mirrored"),
        pytest.param([450, 900], [270, 900], [440, 1100], [280, 1100], 1.125, id="knees-out"),
        pytest.param([420, 900], [300, 900], [360, 1100], [360, 1100], NAN, id="ankles-same-x"),
        pytest.param([NAN, 900], [300, 900], [440, 1100], [280, 1100], NAN, id="knee-nan"),
    ],
)
def test_kasr(kl, kr, al, ar, expected) -> None:
    got = float(kasr(kl, kr, al, ar))
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(expected)


@pytest.mark.parametrize(
    ("kl", "kr", "hl", "hr", "expected"),
    [
        pytest.param([400, 900], [320, 900], [420, 640], [300, 640], 80 / 120, id="narrow"),
        pytest.param([320, 900], [400, 900], [300, 640], [420, 640], 80 / 120, id="mirrored"),
        pytest.param([400, 900], [320, 900], [360, 640], [360, 640], NAN, id="hips-same-x"),
    ],
)
def test_khr(kl, kr, hl, hr, expected) -> None:
    got = float(khr(kl, kr, hl, hr))
    assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected)


# --- trunk ---------------------------------------------------------------------------


def trunk(frame: str, lean_deg: float, stance_dir: int, drop_deg: float = 0.0):
    """Shoulder mid, hip mid, stance hip, other hip; stance hip toward image x stance_dir."""
    hs, hc = pelvis(frame, drop_deg, -stance_dir)
    hip_mid = (hs + hc) / 2
    a = math.radians(lean_deg)
    shoulder_mid = hip_mid + 240.0 * np.array([stance_dir * math.sin(a), -math.cos(a)])
    return shoulder_mid, hip_mid, hs, hc


@pytest.mark.parametrize(
    ("frame", "lean", "stance_dir"),
    [
        pytest.param("portrait", 8.0, -1, id="toward-stance-image-left"),
        pytest.param("portrait", 8.0, +1, id="toward-stance-image-right"),
        pytest.param("landscape", -8.0, -1, id="away-from-stance-landscape"),
        pytest.param("landscape", -8.0, +1, id="away-from-stance-mirrored"),
        pytest.param("portrait", 0.0, +1, id="upright"),
        pytest.param("portrait", 30.0, +1, id="lean30"),
    ],
)
def test_trunk_lean_known(frame: str, lean: float, stance_dir: int) -> None:
    s, p, hs, hc = trunk(frame, lean, stance_dir)
    assert float(trunk_lean_deg(s, p, hs, hc)) == pytest.approx(lean, abs=1e-9)
    assert float(trunk_lean_deg(s, p, hc, hs)) == pytest.approx(-lean, abs=1e-9)


@pytest.mark.parametrize(
    ("lean", "drop", "stance_dir", "expected"),
    [
        pytest.param(0.0, 0.0, +1, 0.0, id="neutral"),
        pytest.param(8.0, 0.0, -1, 8.0, id="lean-level-pelvis"),
        pytest.param(-10.0, 10.0, +1, 0.0, id="trunk-perpendicular-to-dropped-pelvis"),
        pytest.param(-10.0, 10.0, -1, 0.0, id="perpendicular-mirrored"),
        pytest.param(5.0, 6.0, +1, 11.0, id="lean-plus-drop"),
        pytest.param(5.0, -6.0, -1, -1.0, id="lean-with-hike"),
    ],
)
def test_trunk_pelvis_angle(lean: float, drop: float, stance_dir: int, expected: float) -> None:
    s, p, hs, hc = trunk("portrait", lean, stance_dir, drop_deg=drop)
    assert float(pelvic_drop_deg(hs, hc)) == pytest.approx(drop, abs=1e-9)
    assert float(trunk_pelvis_angle_deg(s, p, hs, hc)) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    "fn", [pytest.param(trunk_lean_deg, id="lean"), pytest.param(trunk_pelvis_angle_deg, id="rel")]
)
@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(0, id="shoulder-nan"),
        pytest.param(1, id="hipmid-nan"),
        pytest.param(2, id="stance-hip-nan"),
        pytest.param("coincident", id="hips-coincide"),
    ],
)
def test_trunk_missing_is_nan(fn, broken) -> None:
    args = list(trunk("portrait", 5.0, 1))
    if broken == "coincident":
        args[3] = args[2].copy()
    else:
        args[broken] = np.array([NAN, 100.0])
    assert np.isnan(fn(*args))


# --- depth and leg length ------------------------------------------------------------


@pytest.mark.parametrize(
    ("pelvis_y", "base_y", "leg_len", "expected"),
    [
        pytest.param(700.0, 640.0, 300.0, 0.2, id="descended"),
        pytest.param(610.0, 640.0, 300.0, -0.1, id="above-baseline"),
        pytest.param(640.0, 640.0, 300.0, 0.0, id="at-baseline"),
        pytest.param(700.0, NAN, 300.0, NAN, id="no-baseline"),
        pytest.param(700.0, 640.0, 0.0, NAN, id="zero-leg"),
    ],
)
def test_depth(pelvis_y, base_y, leg_len, expected) -> None:
    got = float(depth(pelvis_y, base_y, leg_len))
    assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected)


def test_depth_vectorised_and_leg_length() -> None:
    assert float(leg_length_px([300, 600], [330, 640])) == pytest.approx(50.0)
    out = depth(np.array([640.0, 670.0, NAN]), 640.0, 300.0)
    np.testing.assert_allclose(out[:2], [0.0, 0.1])
    assert np.isnan(out[2])


# --- view ----------------------------------------------------------------------------


def torso(yaw_deg: float, frame: str = "portrait"):
    """Shoulders (+-85 px) and hips (+-50 px) of a torso turned by yaw about the vertical."""
    c = centre(frame)
    k = math.cos(math.radians(yaw_deg))
    sl, sr = c + [85 * k, -230], c + [-85 * k, -230]
    hl, hr = c + [50 * k, 0], c + [-50 * k, 0]
    return sl, sr, hl, hr


@pytest.mark.parametrize(
    ("yaw", "frame", "expected"),
    [
        pytest.param(0.0, "portrait", "frontal", id="frontal"),
        pytest.param(0.0, "landscape", "frontal", id="frontal-landscape"),
        pytest.param(180.0, "portrait", "frontal", id="facing-away"),
        pytest.param(55.0, "portrait", "oblique", id="oblique55"),
        pytest.param(85.0, "portrait", "side", id="side85"),
        pytest.param(90.0, "landscape", "side", id="side90"),
    ],
)
def test_view_ratio_and_class(yaw: float, frame: str, expected: str) -> None:
    sl, sr, hl, hr = torso(yaw, frame)
    r = float(view_ratio(sl, sr, hl, hr))
    # body width = mean(shoulder width, 2 x hip width) = (170 + 200) / 2 at yaw 0
    assert r == pytest.approx(185 * abs(math.cos(math.radians(yaw))) / 230, abs=1e-9)
    assert classify_view(r) == expected


def test_classify_view_array_thresholds_and_nan() -> None:
    r = np.array([FRONTAL_MIN_RATIO, FRONTAL_MIN_RATIO - 1e-6, SIDE_MAX_RATIO, 0.01, NAN])
    np.testing.assert_array_equal(
        classify_view(r), ["frontal", "oblique", "oblique", "side", "unknown"]
    )


def test_view_ratio_missing_is_nan() -> None:
    sl, sr, hl, hr = torso(0.0)
    assert np.isnan(view_ratio(sl, [NAN, NAN], hl, hr))


@pytest.mark.parametrize(
    ("width", "baseline", "ok"),
    [
        pytest.param(100.0, 100.0, True, id="same"),
        pytest.param(86.0, 100.0, True, id="minus14pc"),
        pytest.param(84.0, 100.0, False, id="minus16pc-rotated"),
        pytest.param(116.0, 100.0, False, id="plus16pc"),
        pytest.param(NAN, 100.0, False, id="nan"),
        pytest.param(100.0, 0.0, False, id="zero-baseline"),
    ],
)
def test_rotation_guard(width: float, baseline: float, ok: bool) -> None:
    assert bool(rotation_guard(np.array([width]), baseline)[0]) is ok
