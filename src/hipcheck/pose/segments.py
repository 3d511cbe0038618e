"""Splitting one clip into contiguous segments for parallel pose extraction (pure functions).

BlazePose tracks: each frame's region of interest comes from the previous frame's
landmarks, and the person detector runs only when tracking is lost. A segment that
starts in the middle of a clip therefore starts from a fresh detection, not from the
state the single-process run has there. Each segment after the first is run from
``WARMUP_FRAMES`` frames before its first kept frame and those frames are thrown
away, so tracking has settled onto the person by the seam.

Measured (``benchmarks/seams.py``): tracking from a fresh detection converges onto the
single-process run slowly and does not become bit-identical (the model maps slightly
different crops to slightly different landmarks); after 60 frames the median
difference at the seam is about 0.1-1 px on 720p and 1080p clips, the same size as
starting the single-process run one frame later. The tolerance of whole clips is
stated in VALIDATION.md and asserted by ``tests/test_pose_parallel.py``.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Frames run before each seam and discarded, so tracking settles (see module docstring).
WARMUP_FRAMES = 60
#: Automatic mode gives each worker at least this many kept frames: below that, a worker
#: process's start-up (interpreter, MediaPipe, graph: about 0.4 s of CPU, the time of
#: 30-40 full-model frames) and its warm-up frames cost more than the split saves.
MIN_FRAMES_PER_WORKER = 150
#: Automatic mode uses at most this many processes for one clip (memory: each runs its
#: own graph, about 150-250 MB).
MAX_AUTO_WORKERS = 8


@dataclass(frozen=True)
class Segment:
    """A contiguous run of frames for one worker.

    Attributes
    ----------
    warm
        First frame the worker runs the model on (tracking warm-up starts here).
    first
        First frame whose landmarks are kept.
    stop
        One past the last frame (run and kept).
    """

    warm: int
    first: int
    stop: int

    @property
    def n_run(self) -> int:
        """Frames the model runs on."""
        return self.stop - self.warm

    @property
    def n_kept(self) -> int:
        """Frames whose landmarks are kept."""
        return self.stop - self.first


def plan_segments(n_frames: int, workers: int, warmup: int = WARMUP_FRAMES) -> list[Segment]:
    """Split ``n_frames`` into ``workers`` contiguous segments with equal model work.

    The first segment needs no warm-up; the others run ``warmup`` extra frames, so the
    kept ranges are chosen to give every worker about the same number of frames to run.

    Parameters
    ----------
    n_frames
        Frames in the clip.
    workers
        Number of segments wanted (fewer are returned when the clip is too short for
        every segment to keep at least as many frames as it warms up:
        :func:`max_segments`).
    warmup
        Warm-up frames before each seam (capped at the frames available before it).

    Returns
    -------
    list of Segment
        Contiguous, in order, covering ``0..n_frames`` exactly once in their kept ranges.
    """
    if n_frames < 1:
        raise ValueError("no frames to split")
    warmup = max(0, int(warmup))
    workers = max(1, min(int(workers), max_segments(n_frames, warmup)))
    if workers == 1:
        return [Segment(0, 0, n_frames)]
    per_worker = (n_frames + (workers - 1) * warmup) / workers
    segments = []
    first = 0
    for k in range(workers):
        if k == workers - 1:
            stop = n_frames
        else:
            run = per_worker if k == 0 else per_worker - warmup
            stop = min(n_frames, first + max(1, round(run)))
        warm = max(0, first - warmup) if k else 0
        segments.append(Segment(warm, first, stop))
        first = stop
    return segments


def max_segments(n_frames: int, warmup: int = WARMUP_FRAMES) -> int:
    """Most segments for ``n_frames`` such that each keeps at least as many frames as it warms up.

    With ``W`` segments each runs ``(n + (W - 1) * warmup) / W`` frames; keeping at
    least ``warmup`` of them after the warm-up needs ``n >= (W + 1) * warmup``.
    """
    if warmup <= 0:
        return max(1, n_frames)
    return max(1, n_frames // warmup - 1)


def stitch(n_frames: int, parts: list[tuple[Segment, np.ndarray]]) -> np.ndarray:
    """Join per-segment results (kept frames only) into one ``(n_frames, ...)`` array.

    Raises
    ------
    ValueError
        The kept ranges do not cover every frame exactly once, or a part has the
        wrong length.
    """
    if not parts:
        raise ValueError("nothing to stitch")
    ordered = sorted(parts, key=lambda p: p[0].first)
    expected = 0
    for seg, arr in ordered:
        if seg.first != expected:
            raise ValueError(f"segments leave a gap or overlap at frame {expected}")
        if len(arr) != seg.n_kept:
            raise ValueError(f"segment {seg} returned {len(arr)} frames")
        expected = seg.stop
    if expected != n_frames:
        raise ValueError(f"segments end at frame {expected}, the clip has {n_frames}")
    return np.concatenate([arr for _, arr in ordered], axis=0)


def available_cpus() -> int:
    """CPUs this process may use: the affinity mask, capped by a cgroup CPU quota."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    quota = _cgroup_cpu_limit()
    if quota is not None:
        n = min(n, quota)
    return max(1, n)


def _cgroup_cpu_limit(path: Path = Path("/sys/fs/cgroup/cpu.max")) -> int | None:
    """CPU limit of a cgroup v2 quota (``"quota period"``), rounded up; None if unlimited."""
    try:
        quota, period = path.read_text().split()[:2]
    except (OSError, ValueError):
        return None
    if quota == "max":
        return None
    try:
        return max(1, math.ceil(int(quota) / int(period)))
    except (ValueError, ZeroDivisionError):
        return None


def in_worker_process() -> bool:
    """Whether this process is itself a pool worker (batch), so the cores are spoken for."""
    return multiprocessing.parent_process() is not None


def choose_workers(n_frames: int, requested: int | None, cpus: int | None = None) -> int:
    """Choose the number of processes for one clip.

    Parameters
    ----------
    n_frames
        Frames in the clip.
    requested
        None (automatic) or an explicit count (1 = single process). An explicit count
        is honoured up to :func:`max_segments`.
    cpus
        CPUs available (default :func:`available_cpus`).

    Returns
    -------
    int
        Automatic mode: one process per available CPU, at most ``MAX_AUTO_WORKERS``,
        each keeping at least ``MIN_FRAMES_PER_WORKER`` frames; 1 inside a pool worker
        (a batch run already spreads clips over the cores).
    """
    if requested is not None:
        if requested < 1:
            raise ValueError(f"workers must be at least 1, got {requested}")
        return min(int(requested), max_segments(n_frames))
    if in_worker_process():
        return 1
    cpus = available_cpus() if cpus is None else cpus
    return max(1, min(cpus, MAX_AUTO_WORKERS, n_frames // MIN_FRAMES_PER_WORKER))
