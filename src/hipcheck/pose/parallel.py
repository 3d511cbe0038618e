"""Run the pose model on one clip in several processes, one contiguous segment each.

:class:`SegmentWorkers` starts one worker process per segment
(``python -m hipcheck.pose.worker``, see :mod:`hipcheck.pose.worker`), each with its
own pose graph, its own decoder seeking to its segment, and its own warm-up frames
before the seam (:mod:`hipcheck.pose.segments`). It gathers progress while they run
and stitches their landmarks. The parent never loads the model itself.

Lifetime: workers are killed when the call ends for any reason (an error, Ctrl-C, a
timeout); they also die on their own when this process dies (see the worker module).
Any worker failure raises :class:`ParallelFailed`; the caller then runs the clip in one
process, so a clip the segment decoder cannot handle still gets analysed.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from hipcheck.io.video import FrameIndex, VideoInfo
from hipcheck.pose.models import PoseModel
from hipcheck.pose.segments import Segment, stitch
from hipcheck.pose.worker import decode_result, read_message

logger = logging.getLogger(__name__)

#: Seconds to wait for a worker to exit after its result (it closes at once).
_EXIT_WAIT_S = 5.0
#: Poll interval of the parent's wait loop (how fast Ctrl-C and crashes are seen).
_POLL_S = 0.1
#: Lines of a worker's stderr kept for the error message.
_STDERR_LINES = 30

ProgressFn = Callable[[int, "int | None"], None]


class ParallelFailed(Exception):
    """A worker could not do its segment (the caller falls back to one process)."""


@dataclass
class SegmentResult:
    """What one worker returned."""

    segment: Segment
    raw: np.ndarray
    model: str
    load_s: float
    run_s: float


@dataclass
class _Worker:
    proc: subprocess.Popen
    stderr: collections.deque
    segment: Segment | None = None
    done: int = 0
    result: SegmentResult | None = None


def _child_env() -> dict[str, str]:
    """Return the parent's environment, with this hipcheck first on the module path."""
    import hipcheck

    env = dict(os.environ)
    src = str(Path(hipcheck.__file__).resolve().parent.parent)
    parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([src, *[p for p in parts if p != src]])
    return env


def _pump_messages(wid: int, stream: IO[bytes], q: queue.Queue) -> None:
    """Thread body: forward a worker's messages to ``q`` until its stdout closes."""
    try:
        while (msg := read_message(stream)) is not None:
            q.put((wid, *msg))
    except (OSError, ValueError):
        pass
    q.put((wid, b"", b""))  # end of stream


def _pump_stderr(stream: IO[bytes], keep: collections.deque) -> None:
    """Thread body: keep the last lines of a worker's stderr (MediaPipe's log)."""
    try:
        for line in stream:
            keep.append(line.decode("utf-8", "replace").rstrip())
    except (OSError, ValueError):
        pass


class SegmentWorkers:
    """Worker processes, started at once so they load while the parent indexes the clip.

    Use as a context manager: leaving it kills and reaps every worker still running.

    Parameters
    ----------
    n
        Number of worker processes to start.
    """

    def __init__(self, n: int) -> None:
        self._q: queue.Queue = queue.Queue()
        self.workers: list[_Worker] = []
        env = _child_env()
        try:
            for wid in range(n):
                self.workers.append(self._spawn(wid, env))
        except BaseException:
            self.close()
            raise

    def _spawn(self, wid: int, env: dict[str, str]) -> _Worker:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hipcheck.pose.worker", str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        worker = _Worker(proc, collections.deque(maxlen=_STDERR_LINES))
        threading.Thread(
            target=_pump_messages, args=(wid, proc.stdout, self._q), daemon=True
        ).start()
        threading.Thread(
            target=_pump_stderr, args=(proc.stderr, worker.stderr), daemon=True
        ).start()
        return worker

    @property
    def pids(self) -> list[int]:
        """Process ids of the workers."""
        return [w.proc.pid for w in self.workers]

    def run(
        self,
        info: VideoInfo,
        index: FrameIndex,
        model: PoseModel,
        segments: list[Segment],
        *,
        max_side: int | None = None,
        progress: ProgressFn | None = None,
    ) -> tuple[np.ndarray, list[SegmentResult]]:
        """Give each worker one segment; wait; return the stitched raw landmarks.

        Workers beyond ``len(segments)`` are stopped unused.

        Returns
        -------
        raw, results
            ``(n_frames, 33, 5)`` float32 normalised landmarks, and per-segment details.

        Raises
        ------
        ParallelFailed
            A worker reported an error or died; the message says which and why.
        """
        if not index.usable:
            raise ParallelFailed(f"frame index not usable: {index.reason}")
        if len(segments) > len(self.workers):
            raise ValueError(f"{len(segments)} segments for {len(self.workers)} workers")
        base = {"info": info.to_dict(), "index": index.to_dict(), "model": model.to_dict(),
                "max_side": max_side}  # fmt: skip
        active = self.workers[: len(segments)]
        for w in self.workers[len(segments) :]:
            self._close_worker(w)
        for w, seg in zip(active, segments, strict=True):
            w.segment = seg
            job = {**base, "warm": seg.warm, "first": seg.first, "stop": seg.stop}
            assert w.proc.stdin is not None
            try:
                w.proc.stdin.write((json.dumps(job) + "\n").encode())
                w.proc.stdin.flush()  # stdin stays open: closing it tells the worker to stop
            except OSError as exc:
                raise ParallelFailed(_died(w, w.proc.poll())) from exc
        _collect(active, self._q, index.n_frames, progress)
        results = [w.result for w in active if w.result is not None]
        raw = stitch(index.n_frames, [(r.segment, r.raw) for r in results])
        return raw, results

    @staticmethod
    def _close_worker(w: _Worker) -> None:
        if w.proc.poll() is None:
            w.proc.kill()

    def close(self) -> None:
        """Kill and reap every worker still running; close the pipes."""
        _stop_all(self.workers)

    def __enter__(self) -> SegmentWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _stop_all(workers: list[_Worker]) -> None:
    """Kill and reap every worker still running; close the pipes."""
    for w in workers:
        if w.proc.poll() is None:
            w.proc.kill()
    for w in workers:
        try:
            w.proc.wait(timeout=_EXIT_WAIT_S)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not ignorable
            logger.warning("pose worker %d did not exit", w.proc.pid)
        for pipe in (w.proc.stdin, w.proc.stdout, w.proc.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


def run_segments(
    info: VideoInfo,
    index: FrameIndex,
    model: PoseModel,
    segments: list[Segment],
    *,
    max_side: int | None = None,
    progress: ProgressFn | None = None,
) -> tuple[np.ndarray, list[SegmentResult]]:
    """Run every segment in its own (new) process; return the stitched raw landmarks.

    See :meth:`SegmentWorkers.run`.
    """
    with SegmentWorkers(len(segments)) as pool:
        return pool.run(info, index, model, segments, max_side=max_side, progress=progress)


def _collect(workers: list[_Worker], q: queue.Queue, n: int, progress: ProgressFn | None) -> None:
    """Wait for every worker's result, forwarding progress; raise on any failure."""
    pending = set(range(len(workers)))
    while pending:
        try:
            # a worker's end of stream always follows its last message, so a crash is
            # seen as an end of stream without a result
            wid, kind, payload = q.get(timeout=_POLL_S)
        except queue.Empty:
            continue
        if wid >= len(workers):  # a worker stopped unused
            continue
        w = workers[wid]
        assert w.segment is not None
        if kind == b"P":
            w.done = int.from_bytes(payload[:4], "little")
            if progress is not None:
                progress(sum(x.done for x in workers), n)
        elif kind == b"R":
            header, raw = decode_result(payload)
            w.result = SegmentResult(
                w.segment, raw, header["model"], header["load_s"], header["run_s"]
            )
            w.done = w.segment.n_kept
            pending.discard(wid)
            if progress is not None:
                progress(sum(x.done for x in workers), n)
        elif kind == b"E":
            err = json.loads(payload)
            raise ParallelFailed(
                f"pose worker for frames {w.segment.first}-{w.segment.stop - 1}: "
                f"{err.get('type')}: {err.get('message')}"
            )
        elif kind == b"" and w.result is None:
            code = w.proc.wait(timeout=_EXIT_WAIT_S)
            raise ParallelFailed(_died(w, code))


def _died(w: _Worker, code: int | None) -> str:
    tail = " | ".join(list(w.stderr)[-5:])
    what = f"for frames {w.segment.first}-{w.segment.stop - 1} " if w.segment else ""
    return f"pose worker {what}exited with status {code} before finishing" + (
        f" ({tail})" if tail else ""
    )
