"""Keep the pose libraries' start-up chatter off the terminal (the ``hipcheck`` command only).

MediaPipe and TensorFlow Lite write to the process's standard error from C++ whenever a
pose graph starts: "INFO: Created TensorFlow Lite XNNPACK delegate for CPU.", a line
about absl logging, and "W0000 ... Feedback manager requires a model with a single
signature inference ..." warnings. They say nothing a user can act on and look like
errors. :func:`filter_native_stderr` routes file descriptor 2 through a pipe whose reader
drops exactly those known lines (:data:`HARMLESS`) and passes every other line on
(a native crash message still reaches the terminal); Python's own ``sys.stderr`` (error
messages, progress bars) writes to the terminal directly. Set ``HIPCHECK_NATIVE_LOGS=1``
to see everything.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import re
import sys
import threading

#: Lines the pose libraries print on every start, harmless (matched at the line's start).
HARMLESS = (
    re.compile(rb"INFO: Created TensorFlow Lite XNNPACK delegate for CPU\."),
    re.compile(rb"WARNING: All log messages before absl::InitializeLog\(\) is called"),
    re.compile(rb"W0000 [\d:. ]+\d+ inference_feedback_manager\.cc:\d+\] Feedback manager"),
    re.compile(rb"W0000 [\d:. ]+\d+ landmark_projection_calculator\.cc:\d+\] Using NORM_RECT"),
    re.compile(rb"I0000 [\d:. ]+\d+ gl_context\.cc:\d+\]"),
)
#: Environment variable that turns the filter off.
SHOW_ALL = "HIPCHECK_NATIVE_LOGS"
#: Seconds the exit waits for the last lines to be passed on.
DRAIN_S = 0.5

_active: list[bool] = []  # set once the filter is in place (one per process)


def harmless(line: bytes) -> bool:
    """Return True for a line of the pose libraries' known start-up chatter."""
    return any(p.match(line) for p in HARMLESS)


def pump(read_fd: int, terminal_fd: int) -> None:
    """Thread body: pass every line but the harmless ones from the pipe to the terminal.

    The pipe is read to its end whatever happens to the terminal (a reader that went
    away): a full pipe would block every library writing to standard error.
    """

    def show(data: bytes) -> None:
        with contextlib.suppress(OSError):  # nowhere to show it: keep draining the pipe
            os.write(terminal_fd, data)

    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        pending = b""
        while chunk := pipe.read(65536):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if not harmless(line):
                    show(line + b"\n")
        if pending and not harmless(pending):
            show(pending)


def filter_native_stderr() -> None:
    """Route file descriptor 2 through the filter (module docstring); idempotent.

    Does nothing when ``HIPCHECK_NATIVE_LOGS`` is set or standard error is not file
    descriptor 2 (a test runner's capture).
    """
    if os.environ.get(SHOW_ALL) or _active:
        return
    try:
        if sys.stderr.fileno() != 2:
            return
        sys.stderr.flush()
        terminal = os.dup(2)
        read_fd, write_fd = os.pipe()
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return
    os.set_inheritable(terminal, False)
    os.dup2(write_fd, 2)
    os.close(write_fd)
    sys.stderr = io.TextIOWrapper(
        os.fdopen(terminal, "wb", closefd=False),
        encoding=sys.stderr.encoding or "utf-8",
        errors="backslashreplace",
        line_buffering=True,
    )
    reader = threading.Thread(target=pump, args=(read_fd, terminal), daemon=True)
    reader.start()

    def drain() -> None:
        # closing this process's write end lets the pump see the end of the pipe (child
        # processes that still hold it are gone by now, or the wait is short)
        sys.stderr.flush()
        os.dup2(terminal, 2)
        reader.join(DRAIN_S)

    atexit.register(drain)
    _active.append(True)
