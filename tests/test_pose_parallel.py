"""One clip on several processes: segment plan, segment decoding, the seam, worker lifetime.

The seam test compares the segmented run of a real 27 s clip with the single-process
run. Tolerances come from ``benchmarks/seams.py`` (VALIDATION.md, "Parallel
landmark extraction"): after a seam, tracking restarts from a fresh detection and
settles onto the single-process run over its warm-up frames, but never becomes
bit-identical.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from hipcheck.io.video import index_frames, open_video
from hipcheck.pose import compare
from hipcheck.pose.segments import (
    MIN_FRAMES_PER_WORKER,
    WARMUP_FRAMES,
    Segment,
    _cgroup_cpu_limit,
    choose_workers,
    plan_segments,
    stitch,
)

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_videos" / "sls_left_valgus_drop.mp4"
SEAM_CLIP = "data/videos/real/tuxotiikeri_hyva7.mp4"  # 27 s, 1280x720, 4 single-leg squats

# The stated tolerance of the segmented run against the single-process run (VALIDATION.md,
# "Parallel landmark extraction"), measured with benchmarks/seams.py on 7 clips (1 seam,
# 60 warm-up frames): landmark medians up to 0.21 % and 95th percentiles up to 0.55 % of
# the frame height on frontal clips; per-rep angles up to 1.4 deg apart, rep bottoms up
# to 4 frames and rep ends up to 10 frames apart (flat signals there), same reps found.
SEAM_MEDIAN_OF_HEIGHT = 0.0025
SEAM_P95_OF_HEIGHT = 0.0075
SEAM_ANGLE_DEG = 2.0  # every per-rep angle the assessment reports
SEAM_BOTTOM_S = 0.2
SEAM_EDGE_S = 0.4  # rep start and end
#: clips whose reps both runs find alike (a real one and a rendered human)
ANGLE_CLIPS = ["data/videos/real/tuxotiikeri_hyva_ja_paha.mp4", "data/rendered/dev06.mp4"]


# --- plan (pure) ------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 61, 150, 301, 673, 5000])
@pytest.mark.parametrize("workers", [1, 2, 3, 8])
def test_segments_cover_every_frame_once_with_warmup(n, workers):
    segs = plan_segments(n, workers, WARMUP_FRAMES)
    assert segs[0].warm == segs[0].first == 0
    assert segs[-1].stop == n
    for prev, seg in zip(segs, segs[1:], strict=False):
        assert seg.first == prev.stop  # contiguous, no gap, no overlap in kept frames
        assert seg.warm == seg.first - WARMUP_FRAMES
        assert seg.n_kept >= WARMUP_FRAMES  # never mostly warm-up
    assert sum(s.n_kept for s in segs) == n
    if len(segs) > 1:  # balanced model work (within a frame of rounding per segment)
        runs = [s.n_run for s in segs]
        assert max(runs) - min(runs) <= len(segs)


def test_short_clip_gets_fewer_segments():
    assert len(plan_segments(200, 4, 60)) == 2  # 200 >= 3 x 60, not 5 x 60
    assert plan_segments(10, 3, 60) == [Segment(0, 0, 10)]
    assert len(plan_segments(10, 3, 0)) == 3


def test_stitch_rejects_gaps_and_wrong_lengths():
    a, b = Segment(0, 0, 5), Segment(3, 5, 9)
    out = stitch(9, [(b, np.ones((4, 2))), (a, np.zeros((5, 2)))])
    assert out.shape == (9, 2) and out[:5].sum() == 0 and out[5:].sum() == 8
    with pytest.raises(ValueError, match="gap"):
        stitch(9, [(a, np.zeros((5, 2))), (Segment(4, 6, 9), np.zeros((3, 2)))])
    with pytest.raises(ValueError, match="returned"):
        stitch(9, [(a, np.zeros((4, 2))), (b, np.zeros((4, 2)))])
    with pytest.raises(ValueError, match="end at"):
        stitch(10, [(a, np.zeros((5, 2))), (b, np.zeros((4, 2)))])


@pytest.mark.parametrize(
    ("n", "requested", "cpus", "expected"),
    [
        pytest.param(86, None, 2, 1, id="3s-clip-one-process"),
        pytest.param(2 * MIN_FRAMES_PER_WORKER, None, 2, 2, id="long-enough-for-two"),
        pytest.param(900, None, 1, 1, id="one-cpu"),
        pytest.param(900, None, 16, 6, id="capped-by-length"),
        pytest.param(100_000, None, 64, 8, id="capped-at-max"),
        pytest.param(900, 1, 8, 1, id="explicit-single"),
        pytest.param(900, 3, 2, 3, id="explicit-more-than-cpus"),
        pytest.param(100, 4, 2, 1, id="explicit-but-too-short"),
    ],
)
def test_choose_workers(n, requested, cpus, expected):
    assert choose_workers(n, requested, cpus) == expected


def test_cgroup_quota_parsing(tmp_path):
    f = tmp_path / "cpu.max"
    f.write_text("max 100000\n")
    assert _cgroup_cpu_limit(f) is None
    f.write_text("150000 100000\n")
    assert _cgroup_cpu_limit(f) == 2
    assert _cgroup_cpu_limit(tmp_path / "missing") is None


# --- segment decoding (no model) --------------------------------------------------------


@pytest.mark.parametrize(
    "clip",
    [
        "data/videos/real/tuxotiikeri_hyva2.mp4",  # H.264 with B-frames, pts offset
        "data/videos/pose2sim_balancing_single_leg_cam02.mp4",  # VP9 portrait 60 fps
        "data/videos/real/vaila_single_leg_hop_test_front.mp4",  # HEVC
        "data/videos/mukundan_bodypose3d_cam0_sit_to_stand_front.mp4",  # MPEG-4 Part 2
    ],
)
def test_segment_decoding_equals_a_full_pass(shared_dir, clip):
    path = shared_dir / clip
    index = index_frames(path)
    assert index.usable, index.reason
    with open_video(path, max_side=320) as reader:
        full = [(f.index, f.t_s, f.image) for f in reader]
    n = len(full)
    assert index.n_frames == n
    for first, stop in [(0, n // 3), (n // 3, 2 * n // 3), (n - 7, n), (n // 2, n // 2 + 1)]:
        with open_video(path, max_side=320) as reader:
            part = list(reader.segment(index, first, stop))
        assert [f.index for f in part] == list(range(first, stop))
        assert [f.t_s for f in part] == [t for _, t, _ in full[first:stop]]
        for f, (_, _, image) in zip(part, full[first:stop], strict=True):
            np.testing.assert_array_equal(f.image, image)


def test_damaged_file_is_not_split(tmp_path):
    data = SAMPLE.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 2 // 3])  # truncated while copying
    index = index_frames(cut)
    # either the index sees it cannot trust the packets, or it lists only what is there
    if index.usable:
        with open_video(cut) as reader:
            assert index.n_frames == sum(1 for _ in reader)


# --- the seam ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seam_runs(shared_dir):
    from hipcheck.pose import extract_landmarks

    path = shared_dir / SEAM_CLIP
    single = extract_landmarks(path, workers=1)
    multi = extract_landmarks(path, workers=3)
    return single, multi


@pytest.mark.slow
def test_seam_landmarks_within_tolerance(seam_runs):
    single, multi = seam_runs
    log = multi.log[0]
    assert log["workers"] == 3 and multi.video["pose_workers"] == 3
    segs = log["segments"]
    assert [s[1] for s in segs[1:]] == [s[2] for s in segs[:-1]]  # contiguous
    assert all(s[1] - s[0] == WARMUP_FRAMES for s in segs[1:])
    # same frames, same times, same video facts
    np.testing.assert_array_equal(single.t_s, multi.t_s)
    for key in ("width", "height", "fps", "rotation", "n_frames", "vfr", "frames_decoded"):
        assert single.video[key] == multi.video[key], key
    first_seam = segs[1][1]
    np.testing.assert_array_equal(single.xy[:first_seam], multi.xy[:first_seam])
    d = compare.summarise_distances(
        compare.landmark_distances(single, multi, slice(first_seam, None))
    )
    height = single.frame_size[1]
    assert d["n"] > 10_000
    assert 0 < d["median_px"] <= SEAM_MEDIAN_OF_HEIGHT * height, d
    assert d["p95_px"] <= SEAM_P95_OF_HEIGHT * height, d


@pytest.mark.slow
@pytest.mark.parametrize("clip", ANGLE_CLIPS)
def test_seam_every_reported_angle_within_tolerance(shared_dir, clip):
    from hipcheck.config import AnalysisConfig
    from hipcheck.pipeline import analyze_landmarks
    from hipcheck.pose import extract_landmarks

    single = extract_landmarks(shared_dir / clip, workers=1)
    multi = extract_landmarks(shared_dir / clip, workers=2)
    assert multi.video["pose_workers"] == 2
    config = AnalysisConfig(markers="off")
    a = analyze_landmarks(single, config).assessment.to_dict()
    b = analyze_landmarks(multi, config).assessment.to_dict()
    assert len(a["reps"]) == len(b["reps"]) >= 1
    assert [r["side"] for r in a["reps"]] == [r["side"] for r in b["reps"]]
    worst = compare.metric_summary(compare.rep_metric_differences(a, b))
    angles = {k: v for k, v in worst.items() if k.split(".")[0].endswith("_deg")}
    fppa_measured = any(
        m.get("value") is not None
        for r in a["reps"]
        for m in r["metrics"]["knee_valgus_deg"].values()
    )  # the real clip's deep reps are beyond the FPPA's knee-flexion limit in both runs
    assert any(k.startswith("knee_valgus_deg") for k in angles) == fppa_measured
    assert any(k.startswith("trunk_lean_deg") for k in angles)
    for key, value in angles.items():
        assert value <= SEAM_ANGLE_DEG, (key, value)
    assert worst["timing.bottom_s"] <= SEAM_BOTTOM_S
    assert worst["timing.start_s"] <= SEAM_EDGE_S
    assert worst["timing.end_s"] <= SEAM_EDGE_S


# --- worker lifetime --------------------------------------------------------------------

_PARENT = """
import sys
from hipcheck.pose import extract_landmarks
extract_landmarks(sys.argv[1], workers=2)
print("finished", flush=True)
"""


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid and b"hipcheck.pose.worker" in cmd:
            kids.append(int(entry.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie is dead, only not yet reaped


def _start_parent(shared_dir: Path) -> tuple[subprocess.Popen, list[int]]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT, str(shared_dir / SEAM_CLIP)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, like a job in a terminal
    )
    deadline = time.monotonic() + 60
    kids: list[int] = []
    while time.monotonic() < deadline and len(kids) < 2:
        assert parent.poll() is None, "parent ended before starting its workers"
        time.sleep(0.1)
        kids = _children(parent.pid)
    assert len(kids) == 2, "workers did not start"
    return parent, kids


def _wait_gone(pids: list[int], timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [p for p in pids if _alive(p)]
        if not alive:
            return []
        time.sleep(0.05)
    return [p for p in pids if _alive(p)]


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_when_the_parent_is_killed(shared_dir):
    parent, kids = _start_parent(shared_dir)
    time.sleep(1.0)  # let them load the model and start working
    assert all(_alive(k) for k in kids)
    parent.kill()  # SIGKILL: no cleanup code runs in the parent
    parent.wait()
    survivors = _wait_gone(kids, 5.0)
    for pid in survivors:  # do not leave them behind if the test fails
        os.kill(pid, signal.SIGKILL)
    assert survivors == []


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_stops_parent_and_workers_promptly(shared_dir):
    parent, kids = _start_parent(shared_dir)
    time.sleep(1.0)
    started = time.monotonic()
    os.killpg(parent.pid, signal.SIGINT)  # Ctrl-C: SIGINT to the whole foreground group
    parent.wait(timeout=10)
    survivors = _wait_gone(kids, 5.0)
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert survivors == []
    assert parent.returncode != 0
    assert b"finished" not in parent.stdout.read()
    assert time.monotonic() - started < 5.0


@pytest.mark.slow
def test_parallel_sample_matches_single_process_run_in_analysis(tmp_path):
    """End to end on a bundled clip: same reps and ratings from either run."""
    from hipcheck.pipeline import analyze_video

    single = analyze_video(SAMPLE, workers=1)
    multi = analyze_video(SAMPLE, workers=2)
    assert multi.landmarks.video["pose_workers"] == 2
    a, b = single.assessment, multi.assessment
    assert len(a.reps) == len(b.reps) > 0
    assert [r.side for r in a.reps] == [r.side for r in b.reps]
    worst = compare.metric_summary(compare.rep_metric_differences(a.to_dict(), b.to_dict()))
    assert max(v for k, v in worst.items() if k.endswith("bottom_rel")) <= SEAM_ANGLE_DEG
