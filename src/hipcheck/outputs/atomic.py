"""The one atomic-write helper: a unique temporary file renamed into place.

Every file hipcheck writes goes through :func:`atomic_path` (or the two shortcuts
below it): the content goes to a hidden temporary file beside the target, named with
the writer's process id and a random token (two writers never share a temporary
file), is flushed to disk, and is then renamed over the target. A reader therefore
sees either the old file or the complete new one, never a half-written file; a crash
or a full disk leaves only the hidden temporary file, which the next run removes.

:func:`output_error` turns the ``OSError`` of a failed write into an
:class:`~hipcheck.errors.OutputError` that says what happened and what to do.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

from hipcheck.errors import OutputError

#: marks every temporary file; the name also starts with a dot (hidden)
PART = ".part"
_TEMPORARY = re.compile(r"^\..+\.\d+-[0-9a-f]{8}\.part(\.[^.]*)?$")


def temporary_name(path: Path) -> Path:
    """Return a unique hidden temporary path beside ``path`` (pid + random token).

    The file suffix is kept at the end (``.report.4242-1a2b3c4d.part.pdf``), so
    libraries that pick a format from the suffix (video containers) write the right one.
    """
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    return path.with_name(f".{path.stem}.{token}{PART}{path.suffix}")


def is_temporary(path: Path) -> bool:
    """Return True for a temporary file of :func:`atomic_path` (hidden, pid, token)."""
    return bool(_TEMPORARY.match(path.name))


def output_error(exc: OSError, path: str | os.PathLike[str], what: str = "") -> OutputError:
    """Return a user-facing error for an ``OSError`` raised while writing ``path``.

    Parameters
    ----------
    exc
        The error of the failed write (or folder creation).
    path
        The file or folder that was being written.
    what
        What the file is, for the message (e.g. ``"the report"``); default the file name.
    """
    p = Path(path)
    name = what or str(p)
    reason = exc.strerror or str(exc) or type(exc).__name__
    code = exc.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return OutputError(
            f"The disk is full: {name} could not be written ({reason}). Nothing partial "
            "was left under the final name.",
            "Free some disk space, or write to a folder on another disk.",
        )
    if code == errno.EROFS:
        return OutputError(
            f"Cannot write {name}: {p.parent if p.suffix else p} is on a read-only file system.",
            "Choose an output folder on a writable disk.",
        )
    if code in (errno.EACCES, errno.EPERM):
        return OutputError(
            f"Cannot write {name}: permission denied.",
            "Choose an output folder you can write to, or fix its permissions.",
        )
    if code == errno.EISDIR:
        return OutputError(
            f"Cannot write {name}: {p} is a folder.",
            "Give a file name (e.g. report.pdf), or remove the folder.",
        )
    if code in (errno.ENOTDIR, errno.EEXIST):
        return OutputError(
            f"Cannot write {name}: a file is in the way of {p} (a folder is needed there).",
            "Choose another output path, or move that file.",
        )
    if code == errno.ENAMETOOLONG:
        return OutputError(f"Cannot write {name}: the path is too long.", "Use a shorter path.")
    if code == errno.EFBIG:
        return OutputError(
            f"Cannot write {name}: the file is too large for this file system.",
            "Write to a disk with another file system (e.g. not FAT32).",
        )
    return OutputError(f"Cannot write {name} ({reason}).", "Check the output path and the disk.")


def _fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (the renames) to disk, where the platform allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], what: str = "") -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path`` atomically.

    The caller writes the complete file to the yielded path (by any means: a library
    writing to a file name is fine). On normal exit the file is flushed to disk and
    renamed over ``path``; on any exception the temporary file is removed and ``path``
    keeps its old content (or stays absent).

    Raises
    ------
    hipcheck.errors.OutputError
        The temporary file could not be written, flushed or renamed (disk full,
        read-only file system, permission denied ...).
    """
    target = Path(path)
    tmp = temporary_name(target)
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise output_error(exc, target, what) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, what: str = "") -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`); return the path."""
    with atomic_path(path, what) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str, what: str = "") -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically; return the path."""
    return atomic_write_bytes(path, text.encode("utf-8"), what)
