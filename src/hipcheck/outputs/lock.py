"""A lock file that keeps a second hipcheck run out of an output folder.

The lock is an advisory ``flock`` on ``FOLDER/.hipcheck.lock``, which holds the owner's
process id, host, command and start time (for the message the second run prints). The
operating system releases the lock when its process ends in any way (even ``kill -9``),
so a crashed run never leaves a folder locked; the file itself is removed on release.
On platforms without ``fcntl`` (Windows) no lock is taken.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from pathlib import Path
from types import TracebackType

from hipcheck.errors import OutputError

logger = logging.getLogger(__name__)

LOCK_NAME = ".hipcheck.lock"

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def _describe(info: dict[str, object]) -> str:
    pid = info.get("pid", "?")
    host = info.get("host")
    parts = [f"PID {pid}" + (f" on {host}" if host and host != socket.gethostname() else "")]
    if info.get("command"):
        parts.append(f"'{info['command']}'")
    if info.get("started"):
        parts.append(f"started {info['started']}")
    return ", ".join(parts)


class FolderLock:
    """Exclusive lock of an output folder (a context manager).

    Parameters
    ----------
    folder
        The output folder (must exist).
    command
        What holds the lock, for the other run's message (e.g. ``"hipcheck batch"``).

    Raises
    ------
    hipcheck.errors.OutputError
        Another process holds the lock (the message names it and the lock file), or the
        lock file cannot be created.
    """

    def __init__(self, folder: str | os.PathLike[str], command: str = "hipcheck") -> None:
        self.path = Path(folder) / LOCK_NAME
        self.command = command
        self._fd: int | None = None

    def acquire(self) -> FolderLock:
        """Take the lock (see the class docstring); return self."""
        if fcntl is None:  # pragma: no cover - Windows
            logger.info("no fcntl: %s is not locked", self.path.parent)
            return self
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                from hipcheck.outputs.atomic import output_error

                raise output_error(exc, self.path, "the lock file") from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                info = _read_info(fd)
                os.close(fd)
                raise OutputError(
                    f"{self.path.parent} is in use by another hipcheck run "
                    f"({_describe(info)}); lock file {self.path}.",
                    "Wait until that run has finished, or write to another folder.",
                ) from None
            # The holder before us may have removed the file after we opened it: then we
            # locked a file nobody else will look at; try again on the new one.
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": self.command,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        try:  # who holds it, for the other run's message (a full disk leaves it empty)
            os.ftruncate(fd, 0)
            os.pwrite(fd, (json.dumps(info) + "\n").encode("utf-8"), 0)
        except OSError:
            logger.info("could not record the lock owner in %s", self.path)
        self._fd = fd
        return self

    def release(self) -> None:
        """Remove the lock file and release the lock (idempotent)."""
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            logger.warning("could not remove %s", self.path)
        os.close(self._fd)  # closing releases the flock
        self._fd = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_info(fd: int) -> dict[str, object]:
    try:
        data = os.pread(fd, 4096, 0)
        info = json.loads(data.decode("utf-8"))
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}
