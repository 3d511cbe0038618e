"""Landmark series: Parquet round trip and CSV import."""

from __future__ import annotations

import numpy as np
import pytest

from hipcheck.errors import LandmarkFileError
from hipcheck.io.landmarks import load_landmark_csv, load_landmarks, save_landmarks
from hipcheck.landmarks import LM, N_LANDMARKS, LandmarkSeries


def _series(rng, n=50) -> LandmarkSeries:
    s = LandmarkSeries.empty(n, (720, 1280), model="test-model", source="clip.mp4")
    s.t_s = np.cumsum(rng.uniform(0.01, 0.05, n))
    s.xy[:] = rng.uniform(0, 700, (n, N_LANDMARKS, 2)).astype(np.float32)
    s.z[:] = rng.normal(0, 50, (n, N_LANDMARKS)).astype(np.float32)
    s.visibility[:] = rng.uniform(0, 1, (n, N_LANDMARKS)).astype(np.float32)
    s.xy[10:13] = np.nan  # frames without a person stay on the time axis
    s.visibility[10:13] = np.nan
    s.video = {"fps": 29.97, "rotation": 90}
    s.log.append({"operation": "test", "cutoff_hz": 6.0})
    return s


def test_parquet_round_trip_is_lossless(tmp_path, rng):
    s = _series(rng)
    path = save_landmarks(s, tmp_path / "lm.parquet")
    back = load_landmarks(path)
    np.testing.assert_array_equal(back.t_s, s.t_s)
    for name in ("xy", "z", "visibility", "presence"):
        np.testing.assert_array_equal(getattr(back, name), getattr(s, name))
    assert back.frame_size == s.frame_size
    assert back.model == s.model and back.source == s.source
    assert back.video == s.video
    assert back.log[: len(s.log)] == s.log
    assert not (tmp_path / "lm.parquet.part").exists()


@pytest.mark.parametrize(
    ("content", "match"),
    [
        pytest.param(None, "not found", id="missing"),
        pytest.param(b"not parquet at all", "not a readable Parquet", id="garbage"),
    ],
)
def test_load_errors(tmp_path, content, match):
    path = tmp_path / "lm.parquet"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(LandmarkFileError, match=match):
        load_landmarks(path)


def test_parquet_without_metadata_is_rejected(tmp_path):
    import pandas as pd

    path = tmp_path / "other.parquet"
    pd.DataFrame({"a": [1, 2]}).to_parquet(path)
    with pytest.raises(LandmarkFileError, match="no hipcheck metadata"):
        load_landmarks(path)


def test_sentinel_csv_import_in_pixels(shared_dir):
    path = (
        shared_dir
        / "data/landmarks/sentinel_pose_detection1/references/single_leg_squat/frames.csv"
    )
    s = load_landmark_csv(path, frame_size=(720, 1280))
    assert s.n_frames == 1061
    assert np.all(np.diff(s.t_s) > 0)
    # Normalised -> pixels: hips inside the frame, a plausible portrait standing person.
    hips = s.xy[:, [LM.LEFT_HIP, LM.RIGHT_HIP]]
    assert np.nanmax(hips[..., 0]) < 720 and np.nanmax(hips[..., 1]) < 1280
    fps = s.video["fps"]
    assert 10 < fps < 120


def test_named_csv_subset_import(shared_dir):
    path = shared_dir / "data/landmarks/ngoquocbao_exercise_correction/squat/test.csv"
    s = load_landmark_csv(path, frame_size=(1280, 720), fps=30)
    assert np.isfinite(s.xy[:, LM.LEFT_KNEE]).all()
    assert np.isnan(s.xy[:, 1]).all()  # left_eye_inner is not in that file
    assert s.log[-1]["time"].startswith("frame index")
