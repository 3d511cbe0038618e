"""Pose backends and landmark extraction on real clips."""

from __future__ import annotations

import numpy as np
import pytest

from hipcheck.errors import ModelError, NoPersonError, VideoError
from hipcheck.landmarks import LM
from hipcheck.pose import extract_landmarks, make_backend

pytestmark = pytest.mark.slow

CLIP = "data/videos/pose2sim_balancing_single_leg_cam02.mp4"  # VP9, 1080x1920, 60 fps, 100 frames


@pytest.fixture(scope="module")
def series_pair(shared_dir):
    path = shared_dir / CLIP
    return extract_landmarks(path), extract_landmarks(path)


def test_landmarks_plausible_on_real_standing_person(series_pair):
    series, _ = series_pair
    assert series.n_frames == 100
    assert series.frame_size == (1080, 1920)
    assert series.detected.all()
    xy = series.xy
    w, h = series.frame_size
    assert np.all((xy[..., 0] > -0.05 * w) & (xy[..., 0] < 1.05 * w))
    assert np.all((xy[..., 1] > -0.05 * h) & (xy[..., 1] < 1.05 * h))
    # y grows downward: shoulders above hips above knees above ankles (stance leg).
    for side in ("LEFT", "RIGHT"):
        sh, hip = xy[:, LM[f"{side}_SHOULDER"], 1], xy[:, LM[f"{side}_HIP"], 1]
        assert np.all(sh < hip)
    lowest_ankle = np.maximum(xy[:, LM.LEFT_ANKLE, 1], xy[:, LM.RIGHT_ANKLE, 1])
    lowest_knee = np.maximum(xy[:, LM.LEFT_KNEE, 1], xy[:, LM.RIGHT_KNEE, 1])
    hips = np.maximum(xy[:, LM.LEFT_HIP, 1], xy[:, LM.RIGHT_HIP, 1])
    assert np.all(hips < lowest_knee) and np.all(lowest_knee < lowest_ankle)
    core = [LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, LM.LEFT_HIP, LM.RIGHT_HIP]
    assert np.median(series.visibility[:, core]) > 0.9
    # Real presentation timestamps: 60 fps stream.
    assert np.allclose(np.diff(series.t_s), 1 / 60, atol=1e-3)


def test_landmarks_identical_across_runs(series_pair):
    a, b = series_pair
    np.testing.assert_array_equal(a.xy, b.xy)
    np.testing.assert_array_equal(a.visibility, b.visibility)
    np.testing.assert_array_equal(a.t_s, b.t_s)


def test_tasks_backend_with_lite_model(shared_dir, series_pair):
    model = shared_dir / "models" / "pose_landmarker_lite.task"
    series = extract_landmarks(shared_dir / CLIP, model=model)
    assert series.model.startswith("tasks:pose_landmarker_lite")
    assert series.detected.mean() > 0.95
    assert np.isfinite(series.presence[series.detected]).all()
    # The lite model finds the same person: hips within a few percent of the frame.
    full, _ = series_pair
    both = series.detected & full.detected
    diff = np.abs(series.xy[both][:, LM.LEFT_HIP] - full.xy[both][:, LM.LEFT_HIP])
    assert np.median(diff) < 0.03 * series.frame_size[1]


def test_missing_task_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        make_backend(tmp_path / "nope.task")
    with pytest.raises(ModelError, match="Unsupported"):
        make_backend(tmp_path / "model.tflite")


def test_video_without_person_raises(tmp_path):
    from hipcheck.io.writer import write_video

    frames = [np.full((240, 320, 3), 90 + i, dtype=np.uint8) for i in range(15)]
    path = write_video(tmp_path / "empty_room.mp4", frames, fps=15)
    with pytest.raises(NoPersonError, match="No person"):
        extract_landmarks(path)


def test_not_a_video_raises(tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("this is not a video")
    with pytest.raises(VideoError):
        extract_landmarks(bad)


def test_reused_backend_gives_fresh_results():
    from pathlib import Path

    samples = Path(__file__).resolve().parents[1] / "sample_videos"
    first, second = samples / "sls_right_good.mp4", samples / "double_leg_squat.mp4"
    backend = make_backend()
    try:
        a = extract_landmarks(first, backend=backend)
        extract_landmarks(second, backend=backend)
        again = extract_landmarks(first, backend=backend)
    finally:
        backend.close()
    np.testing.assert_array_equal(a.xy, again.xy)
