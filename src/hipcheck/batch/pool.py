"""Local worker processes for a batch: one clip at a time each, never orphaned.

The coordinator hands a worker its next clip only when the worker reports the last
one done, so stopping (Ctrl-C, a full disk) stops *starting* clips at once; nothing is
queued inside the workers. Each worker

- dies with the coordinator: on Linux the kernel sends it SIGKILL when its parent
  dies (``prctl(PR_SET_PDEATHSIG)``), elsewhere a thread notices the new parent id
  within a second; Python's multiprocessing resource tracker then sees its last user
  gone and ends too, so ``kill -9`` of ``hipcheck batch`` leaves no process behind;
- ignores SIGINT: Ctrl-C in a terminal reaches the whole process group, and the
  coordinator alone decides what happens (it terminates the running clips, whose
  half-written folders hold no status and are redone on the next run).

Workers are started with the ``spawn`` method (MediaPipe is not fork-safe).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

#: (clip_id, frames done, frames expected or None)
FrameProgress = Callable[[str, int, "int | None"], None]
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
#: seconds a terminated worker gets to exit before it is killed
STOP_GRACE_S = 2.0
_PROGRESS_EVERY_S = 0.2  # workers report frames at most this often (pipe traffic)


def die_with_parent(parent_pid: int) -> None:
    """Make this process end when the process ``parent_pid`` (its parent) ends."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0:
            if os.getppid() != parent_pid:  # the parent died before the prctl call
                os._exit(1)
            return

    def watch() -> None:  # pragma: no cover - non-Linux fallback
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _throttled(clip: str, send: Callable[[tuple], None]) -> Callable[[int, int | None], None]:
    last = [0.0]

    def report(done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - last[0] >= _PROGRESS_EVERY_S or (total is not None and done >= total):
            last[0] = now
            send((clip, done, total))

    return report


def _send_or_exit(conn: Connection, message: tuple) -> None:
    """Send to the coordinator; if it is gone, end this worker at once (write nothing)."""
    try:
        conn.send(message)
    except (OSError, EOFError, ValueError):
        os._exit(1)


def _worker(conn: Connection, parent_pid: int) -> None:
    """Worker loop: receive (function, job, out_dir, config, kw), run it, send the result."""
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        function, job, out_dir, config, kw = task
        progress = _throttled(job.clip_id, lambda m: _send_or_exit(conn, ("frames", *m)))
        status = function(job, out_dir, config, progress=progress, **kw)
        _send_or_exit(conn, ("done", status))


@dataclass
class _Slot:
    process: Any
    conn: Connection
    job: Any = None


@dataclass
class LocalPool:
    """Run clip jobs on ``workers`` local processes (see the module docstring).

    Attributes
    ----------
    running
        Clip ids being analysed right now (for the interrupt message).
    """

    workers: int
    running: set[str] = field(default_factory=set)

    def run(
        self,
        function: Callable[..., dict[str, Any]],
        work: Sequence[tuple[Any, dict]],
        out_dir: str,
        config: Any,
        on_frames: FrameProgress | None,
        crashed: Callable[[Any, BaseException], dict[str, Any]],
    ) -> Generator[dict[str, Any], None, None]:
        """Yield each clip's status as it finishes; stop all workers when closed.

        Each worker calls ``function(job, out_dir, config, progress=..., **kw)`` (a
        module-level function: it is sent to the worker by reference) and
        ``crashed(job, exc)`` makes the status of a clip whose worker died.
        """
        ctx = mp.get_context("spawn")
        todo = deque(work)
        slots: list[_Slot] = []
        try:
            for _ in range(min(self.workers, len(todo))):
                slots.append(self._start(ctx))
            for slot in slots:
                self._assign(slot, todo, function, out_dir, config)
            while any(s.job is not None for s in slots):
                busy = [s for s in slots if s.job is not None]
                ready = wait([s.conn for s in busy] + [s.process.sentinel for s in busy], 0.5)
                for slot in busy:
                    status = None
                    if slot.conn in ready:
                        status = self._receive(slot, on_frames)
                    if status is None and slot.process.sentinel in ready and slot.job:
                        with contextlib.suppress(EOFError, OSError):
                            while slot.conn.poll():  # the last message before it died
                                status = self._receive(slot, on_frames) or status
                        if status is None:  # it died: record the clip, start a new worker
                            code = slot.process.exitcode
                            status = crashed(slot.job, RuntimeError(f"exit code {code}"))
                            self.running.discard(slot.job.clip_id)
                            slot.job = None
                            with contextlib.suppress(OSError):
                                slot.conn.close()
                            fresh = self._start(ctx) if todo else _Slot(slot.process, slot.conn)
                            slots[slots.index(slot)] = slot = fresh
                    if status is not None:
                        yield status
                        self._assign(slot, todo, function, out_dir, config)
        finally:
            self._stop(slots)

    def _start(self, ctx: Any) -> _Slot:
        parent, child = ctx.Pipe()
        process = ctx.Process(
            target=_worker, args=(child, os.getpid()), name="hipcheck-batch-worker"
        )
        process.start()
        child.close()
        return _Slot(process, parent)

    def _assign(
        self, slot: _Slot, todo: deque, function: Callable, out_dir: str, config: Any
    ) -> None:
        if not todo:
            slot.job = None
            return
        job, kw = todo.popleft()
        slot.job = job
        self.running.add(job.clip_id)
        slot.conn.send((function, job, out_dir, config, kw))

    def _receive(self, slot: _Slot, on_frames: FrameProgress | None) -> dict[str, Any] | None:
        try:
            message = slot.conn.recv()
        except (EOFError, OSError):
            return None
        if message[0] == "frames":
            if on_frames is not None:
                on_frames(*message[1:])
            return None
        self.running.discard(slot.job.clip_id)
        slot.job = None
        return message[1]

    @staticmethod
    def _stop(slots: list[_Slot]) -> None:
        """Stop every worker: idle ones are told to leave, busy ones are terminated."""
        for slot in slots:
            with contextlib.suppress(OSError, ValueError):
                if slot.job is None:
                    slot.conn.send(None)
                elif slot.process.is_alive():
                    slot.process.terminate()
        deadline = time.monotonic() + STOP_GRACE_S
        for slot in slots:
            slot.process.join(max(0.0, deadline - time.monotonic()))
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join(1.0)
            with contextlib.suppress(OSError):
                slot.conn.close()
