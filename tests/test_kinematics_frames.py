"""frame_kinematics on synthetic skeletons with known angles (and their mirror images)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hipcheck.kinematics import frame_kinematics
from hipcheck.landmarks import LM, N_LANDMARKS, LandmarkSeries

W, H = 720, 1280

EXPECTED_COLUMNS = [
    "t_s", "pelvis_y_px", "leg_length_px", "depth", "pelvic_drop_left_deg",
    "pelvic_drop_right_deg", "fppa_left_deg", "fppa_right_deg", "trunk_lean_left_deg",
    "trunk_lean_right_deg", "trunk_pelvis_left_deg", "trunk_pelvis_right_deg", "kasr", "khr",
    "knee_disp_left", "knee_disp_right", "hip_width_px", "shoulder_width_px", "view_ratio",
    "view", "visibility_min", "left_ankle_y_px", "right_ankle_y_px", "left_heel_y_px",
    "right_heel_y_px", "left_foot_y_px", "right_foot_y_px", "left_ankle_x_px",
    "right_ankle_x_px", "left_knee_x_px", "right_knee_x_px", "left_foot_x_px",
    "right_foot_x_px", "left_wrist_x_px", "right_wrist_x_px", "left_wrist_y_px",
    "right_wrist_y_px", "left_hip_x_px", "right_hip_x_px",
    # for the standing reference, floor model, view and repetition checks (hipcheck.reps)
    "left_hip_y_px", "right_hip_y_px", "left_knee_y_px", "right_knee_y_px",
    "left_heel_x_px", "right_heel_x_px", "left_shoulder_x_px", "right_shoulder_x_px",
    "left_shoulder_y_px", "right_shoulder_y_px", "nose_x_px", "nose_y_px",
    "left_shoulder_z_px", "right_shoulder_z_px", "left_hip_z_px", "right_hip_z_px",
    "nose_z_px", "left_leg_length_px", "right_leg_length_px", "left_thigh_length_px",
    "right_thigh_length_px", "left_shank_length_px", "right_shank_length_px",
    "torso_length_px", "head_width_px", "quality_ok",
]  # fmt: skip


def skeleton(
    drop_left_deg: float = 0.0,
    valgus_left_deg: float = 0.0,
    lean_left_deg: float = 0.0,
    descent_px: float = 0.0,
) -> np.ndarray:
    """(33, 2) frontal skeleton, subject facing the camera (their left on image right).

    The subject stands on the LEFT leg: the right hip is lower by ``drop_left_deg``, the
    left knee is in valgus by ``valgus_left_deg`` (thigh vertical, shank turned laterally),
    and the trunk leans toward the left by ``lean_left_deg``. The pelvis is lowered by
    ``descent_px``.
    """
    pts = np.full((N_LANDMARKS, 2), np.nan)
    c = np.array([W / 2, 640.0 + descent_px])
    a = math.radians(drop_left_deg)
    lh = c + 55.0 * np.array([math.cos(a), -math.sin(a)])
    rh = c - 55.0 * np.array([math.cos(a), -math.sin(a)])
    pts[LM.LEFT_HIP], pts[LM.RIGHT_HIP] = lh, rh
    # left leg: medial = toward the right hip = image -x
    phi = math.radians(valgus_left_deg)
    lk = lh + [0.0, 200.0]
    la = lk + 210.0 * np.array([math.sin(phi), math.cos(phi)])  # lateral = +x
    pts[LM.LEFT_KNEE], pts[LM.LEFT_ANKLE] = lk, la
    pts[LM.RIGHT_KNEE], pts[LM.RIGHT_ANKLE] = rh + [0.0, 200.0], rh + [0.0, 410.0]
    for side, ankle in (("LEFT", la), ("RIGHT", rh + [0.0, 410.0])):
        pts[LM[f"{side}_HEEL"]] = ankle + [0.0, 15.0]
        pts[LM[f"{side}_FOOT_INDEX"]] = ankle + [0.0, 40.0]
    lam = math.radians(lean_left_deg)
    s_mid = c + 240.0 * np.array([math.sin(lam), -math.cos(lam)])  # left = +x
    pts[LM.LEFT_SHOULDER], pts[LM.RIGHT_SHOULDER] = s_mid + [85.0, 0.0], s_mid - [85.0, 0.0]
    pts[LM.LEFT_WRIST], pts[LM.RIGHT_WRIST] = lh + [30.0, 10.0], rh - [30.0, -10.0]
    return pts


def series_of(frames: list[np.ndarray], fps: float = 30.0) -> LandmarkSeries:
    xy = np.stack(frames)
    n = xy.shape[0]
    vis = np.where(np.isfinite(xy[..., 0]), 0.9, np.nan)
    return LandmarkSeries(
        t_s=np.arange(n) / fps,
        xy=xy,
        z=np.zeros((n, N_LANDMARKS)),
        visibility=vis,
        presence=vis.copy(),
        frame_size=(W, H),
        model="synthetic",
        log=[{"operation": "synthetic"}],
    )


def mirror(frames: list[np.ndarray]) -> list[np.ndarray]:
    """Flip the image left-right; landmark labels (subject's sides) stay."""
    return [np.column_stack([W - f[:, 0], f[:, 1]]) for f in frames]


FRAMES = [
    skeleton(),
    skeleton(drop_left_deg=10.0, valgus_left_deg=12.0, lean_left_deg=6.0, descent_px=60.0),
    skeleton(drop_left_deg=-4.0, valgus_left_deg=-8.0, lean_left_deg=-3.0, descent_px=30.0),
]


@pytest.fixture(scope="module", params=[False, True], ids=["camera", "mirrored"])
def table(request: pytest.FixtureRequest):
    frames = mirror(FRAMES) if request.param else FRAMES
    return frame_kinematics(series_of(frames), baseline=slice(0, 1))


def test_columns_exact(table) -> None:
    assert list(table.columns) == EXPECTED_COLUMNS
    assert len(table) == len(FRAMES)


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        pytest.param("pelvic_drop_left_deg", [0.0, 10.0, -4.0], id="drop-left"),
        pytest.param("pelvic_drop_right_deg", [0.0, -10.0, 4.0], id="drop-right"),
        pytest.param("fppa_left_deg", [0.0, 12.0, -8.0], id="fppa-left"),
        pytest.param("fppa_right_deg", [0.0, 0.0, 0.0], id="fppa-right"),
        pytest.param("trunk_lean_left_deg", [0.0, 6.0, -3.0], id="lean-left"),
        pytest.param("trunk_lean_right_deg", [0.0, -6.0, 3.0], id="lean-right"),
        pytest.param("trunk_pelvis_left_deg", [0.0, 16.0, -7.0], id="trunk-pelvis-left"),
        pytest.param("depth", [0.0, 60.0 / 410.0, 30.0 / 410.0], id="depth"),
        pytest.param("hip_width_px", [110.0, 110.0, 110.0], id="hip-width"),
        pytest.param("shoulder_width_px", [170.0, 170.0, 170.0], id="shoulder-width"),
    ],
)
def test_known_values_and_mirror_safe(table, column: str, expected: list[float]) -> None:
    np.testing.assert_allclose(table[column].to_numpy(), expected, atol=1e-9)


def test_view_quality_and_raw_columns(table) -> None:
    assert (table["view"] == "frontal").all()
    assert table["quality_ok"].all()
    np.testing.assert_allclose(table["visibility_min"], 0.9)
    np.testing.assert_allclose(table["left_heel_y_px"] - table["left_ankle_y_px"], 15.0)
    np.testing.assert_allclose(table["knee_disp_right"], 0.0, atol=1e-12)
    assert (table["knee_disp_left"].to_numpy()[1:] * [1, -1] > 0).all()


def test_log_copied_and_extended() -> None:
    df = frame_kinematics(series_of(FRAMES), baseline=np.array([True, False, False]))
    log = df.attrs["log"]
    assert log[0] == {"operation": "synthetic"}
    assert log[-1]["operation"] == "frame_kinematics"
    assert log[-1]["baseline"] == {"frames": 1}
    assert log[-1]["baseline_leg_length_px"] == pytest.approx(410.0)


def test_no_baseline_leaves_depth_nan() -> None:
    df = frame_kinematics(series_of(FRAMES))
    assert df["depth"].isna().all()
    assert np.isfinite(df["knee_disp_left"]).all()
    assert df.attrs["log"][-1]["knee_disp_normaliser"] == "p95_leg_length"


def test_missing_knee_and_side_view_fail_quality() -> None:
    broken = skeleton()
    broken[LM.LEFT_KNEE] = np.nan
    side = skeleton()
    mid = (side[LM.LEFT_SHOULDER] + side[LM.RIGHT_SHOULDER]) / 2
    side[LM.LEFT_SHOULDER], side[LM.RIGHT_SHOULDER] = mid + [8.0, 0.0], mid - [8.0, 0.0]
    hip_mid = (side[LM.LEFT_HIP] + side[LM.RIGHT_HIP]) / 2
    side[LM.LEFT_HIP], side[LM.RIGHT_HIP] = hip_mid + [5.0, 0.0], hip_mid - [5.0, 0.0]
    df = frame_kinematics(series_of([skeleton(), broken, side]))
    assert df["quality_ok"].tolist() == [True, False, False]
    assert np.isnan(df.loc[1, "fppa_left_deg"])
    assert np.isfinite(df.loc[1, "fppa_right_deg"])
    assert df.loc[2, "view"] == "side"


@pytest.mark.parametrize(
    "baseline",
    [
        pytest.param(np.array([0.5]), id="float-indices"),
        pytest.param(np.array([True, False]), id="mask-wrong-length"),
    ],
)
def test_bad_baseline_raises(baseline) -> None:
    with pytest.raises(ValueError, match="baseline"):
        frame_kinematics(series_of(FRAMES), baseline=baseline)
