"""View thresholds and the cleaning + kinematics chain on real MediaPipe landmarks.

The sentinel_pose_detection1 sequences (``../shared/data/MANIFEST.md``) store
normalised x, y; their image size is unknown. A 720x1280 portrait frame is the aspect
that gives a human standing shoulder-width / torso-length ratio (see
``hipcheck.kinematics.view``), so the pixels here assume it. The CSVs are read with
pandas directly (``hipcheck.io.landmarks`` is the product's reader).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hipcheck.filtering import clean_series
from hipcheck.kinematics import (
    FRONTAL_MIN_RATIO,
    SIDE_MAX_RATIO,
    classify_view,
    frame_kinematics,
    view_ratio,
)
from hipcheck.landmarks import LM, N_LANDMARKS, LandmarkSeries

REFS = Path("data/landmarks/sentinel_pose_detection1/references")
PORTRAIT = (720, 1280)
SIDE_CLIPS = [
    "lateral_step_down",
    "calibration/01_left_sls",
    "calibration/02_right_sls",
    "calibration/03_left_lsd",
    "calibration/04_right_lsd",
]


def load(path: Path, frame_size: tuple[int, int] = PORTRAIT) -> LandmarkSeries:
    df = pd.read_csv(path)
    w, h = frame_size
    cols = range(N_LANDMARKS)
    x = np.column_stack([df[f"lm{i}_x"] for i in cols]) * w
    y = np.column_stack([df[f"lm{i}_y"] for i in cols]) * h
    vis = np.column_stack([df[f"lm{i}_v"] for i in cols]).astype(np.float64)
    return LandmarkSeries(
        t_s=df["t"].to_numpy(dtype=np.float64) / 1000.0,
        xy=np.stack([x, y], axis=-1),
        z=np.column_stack([df[f"lm{i}_z"] for i in cols]) * w,
        visibility=vis,
        presence=np.full_like(vis, np.nan),
        frame_size=frame_size,
        model="mediapipe PoseLandmarker full (sentinel_pose_detection1)",
        source=str(path),
    )


def ratios(series: LandmarkSeries) -> np.ndarray:
    p = series.point
    return view_ratio(p(LM.LEFT_SHOULDER), p(LM.RIGHT_SHOULDER), p(LM.LEFT_HIP), p(LM.RIGHT_HIP))


@pytest.fixture(scope="module")
def frontal(shared_dir: Path) -> LandmarkSeries:
    return load(shared_dir / REFS / "single_leg_squat/frames.csv")


def test_portrait_aspect_gives_human_proportions(shared_dir: Path, frontal) -> None:
    standing = float(np.median(ratios(frontal)))
    assert 0.6 < standing < 0.95  # shoulder-joint width / torso length of an adult
    landscape = load(shared_dir / REFS / "single_leg_squat/frames.csv", (1280, 720))
    assert float(np.median(ratios(landscape))) > 1.5  # shoulders wider than the torso is long


def test_frontal_clip_classified_frontal(frontal) -> None:
    r = ratios(frontal)
    assert np.mean(classify_view(r) == "frontal") >= 0.99
    assert np.min(r) >= FRONTAL_MIN_RATIO


@pytest.mark.parametrize("clip", [pytest.param(c, id=c.split("/")[-1]) for c in SIDE_CLIPS])
def test_side_clips_classified_side(shared_dir: Path, clip: str) -> None:
    r = ratios(load(shared_dir / REFS / clip / "frames.csv"))
    labels = classify_view(r)
    assert float(np.median(r)) < SIDE_MAX_RATIO
    assert np.mean(labels == "side") > 0.9
    assert np.mean(labels == "frontal") < 0.05


def test_clean_and_kinematics_on_frontal_clip(frontal) -> None:
    cleaned = clean_series(frontal)
    df = frame_kinematics(cleaned, baseline=slice(0, 30))
    again = frame_kinematics(clean_series(frontal), baseline=slice(0, 30))
    pd.testing.assert_frame_equal(df, again)  # deterministic
    assert [e["operation"] for e in df.attrs["log"]] == [
        "gate_by_visibility",
        "fill_gaps",
        "resample_uniform",
        "butterworth_filter",
        "frame_kinematics",
    ]
    assert df["quality_ok"].mean() > 0.9
    ok = df[df["quality_ok"]]
    # plausible magnitudes for a bodyweight single-leg squat seen from the front
    for col in ("fppa_left_deg", "fppa_right_deg", "trunk_lean_left_deg", "pelvic_drop_left_deg"):
        assert ok[col].abs().max() < 40, col
    assert 0.1 < df["depth"].max() < 0.6
    # smoothing: frame-to-frame jitter of a knee drops
    raw_x = frontal.point(LM.LEFT_KNEE)[:, 0]
    assert np.nanstd(np.diff(df["left_knee_x_px"], 2)) < 0.5 * np.nanstd(np.diff(raw_x, 2))
