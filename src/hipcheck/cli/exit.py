"""End the ``hipcheck`` process without the interpreter's module teardown.

When a command has finished, Python still tears down every module it loaded before the
shell prompt returns: 0.3-0.45 s after ``hipcheck analyze`` (pandas, SciPy and
MediaPipe are the slow ones; measured on a 2-core machine as the time from the last
line printed to the process's end). :func:`exit_process` ends the process the way the
interpreter would (``atexit`` callbacks run, logging and the standard streams flushed)
and then skips that teardown with :func:`os._exit`. When another non-daemon thread is
still running, the normal exit is used, so no work is cut short.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
from typing import NoReturn

#: The status Python itself uses when flushing standard output fails at exit.
FLUSH_FAILED = 120


def exit_status(code: str | int | None) -> int:
    """Return the process status for a :class:`SystemExit` code (None: 0; text: 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def exit_process(code: str | int | None = 0) -> NoReturn:
    """End the process with ``code`` (a :class:`SystemExit` code), skipping module teardown.

    Falls back to :func:`sys.exit` while another non-daemon thread is alive.
    """
    main = threading.main_thread()
    if any(t is not main and not t.daemon and t.is_alive() for t in threading.enumerate()):
        sys.exit(code)
    status = exit_status(code)
    atexit._run_exitfuncs()  # what the interpreter runs at exit (multiprocessing, tempfile)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            status = status or FLUSH_FAILED
    os._exit(status)
