"""An output folder written as one set: staged, then committed with its marker file last.

:class:`OutputFolder` is entered *before* any heavy work, so an output folder that
cannot be created or written (a file in the way, a read-only disk, no permission, a
second run holding its lock) fails at once, before the pose model runs. Writers then
put complete files into a hidden staging folder inside it; :meth:`OutputFolder.commit`
moves them into place with renames only:

1. the completeness marker of the previous run (``assessment.json``) is removed first,
   so during the commit the folder never looks complete;
2. outputs of a previous run that this run does not rewrite (an old ``report.pdf`` or
   ``annotated.mp4``) are removed, so nothing stale sits beside the new results (only
   when the folder held a previous set, i.e. its marker: in any other folder a file
   that happens to be called ``report.pdf`` is the user's and stays);
3. every staged file is renamed into place, the marker last.

If anything fails before the commit (no person in the clip, a full disk, Ctrl-C), the
staging folder is removed, folders this run created are removed again, and the outputs
of the previous run stay as they were: complete and consistent. Files hipcheck does not
know are never touched.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType

from hipcheck.errors import OutputError
from hipcheck.outputs.atomic import _fsync_dir, is_temporary, output_error, temporary_name
from hipcheck.outputs.lock import FolderLock

STAGING_PREFIX = ".hipcheck-staging-"
#: the file written last: its presence means the output set is complete
MARKER = "assessment.json"


def make_folder(folder: Path, what: str = "the output folder") -> list[Path]:
    """Create ``folder`` and missing parents; return the folders created (outermost first).

    Raises
    ------
    hipcheck.errors.OutputError
        A file is in the way, or a folder cannot be created (permission, read-only disk).
    """
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            f"{folder} is a file, not a folder: {what} cannot be written there.",
            "Give the path of a folder (it is created if missing), not of a file.",
        )
    missing = []
    p = folder
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    if p.exists() and not p.is_dir():
        raise OutputError(
            f"{p} is a file, so {what} {folder} cannot be created.",
            "Choose an output path whose parent folders are folders.",
        )
    created = []
    try:
        for d in reversed(missing):
            d.mkdir()
            created.append(d)
    except FileExistsError:  # created by someone else meanwhile: fine if it is a folder
        if not folder.is_dir():
            raise OutputError(f"{folder} is not a folder.", "Choose another output path.") from None
    except OSError as exc:
        remove_empty(created)
        raise output_error(exc, folder, what) from exc
    return created


def remove_empty(folders: Iterable[Path]) -> None:
    """Remove the given folders, innermost first, if they are empty."""
    for d in reversed(list(folders)):
        with contextlib.suppress(OSError):
            d.rmdir()


def refuse_folder(path: Path, what: str = "the output", example: str = "output") -> None:
    """Raise an :class:`OutputError` if ``path`` (meant for a file) is a folder."""
    if Path(path).expanduser().is_dir():
        raise OutputError(
            f"{path} is a folder: {what} needs a file name.",
            f"Give a file name, e.g. {Path(path) / example}.",
        )


@contextlib.contextmanager
def output_file(
    path: str | os.PathLike[str],
    what: str = "the output",
    example: str = "output",
    *,
    create_parent: bool = False,
) -> Iterator[Path]:
    """Check that a single output file can be written, before the work that makes it.

    The file must not be a folder; its folder must exist (or, with ``create_parent``,
    is created, and removed again if the block fails before the file was written);
    and a probe file is created and removed there, so a read-only disk or a missing
    permission fails at once.

    Raises
    ------
    hipcheck.errors.OutputError
        The path is a folder, its folder is missing, a file is in the way, or the
        folder is not writable.
    """
    target = Path(path).expanduser()
    refuse_folder(target, what, example)
    if not create_parent and not target.parent.is_dir():
        raise OutputError(
            f"The folder {target.parent} for {what} does not exist.",
            "Create it first, or give a path in an existing folder.",
        )
    created = make_folder(target.parent, f"the folder of {what}")
    probe = temporary_name(target)
    try:
        try:
            probe.touch(exist_ok=False)
        except OSError as exc:
            raise output_error(exc, target, what) from exc
        probe.unlink(missing_ok=True)
        yield target
    except BaseException:
        with contextlib.suppress(OSError):
            probe.unlink(missing_ok=True)
        if not target.exists():
            remove_empty(created)
        raise


def remove_leftovers(folder: Path) -> None:
    """Remove staging folders and temporary files left by an interrupted run."""
    with contextlib.suppress(OSError):
        for p in folder.iterdir():
            if p.name.startswith(STAGING_PREFIX) and p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            elif is_temporary(p) and p.is_file():
                p.unlink(missing_ok=True)


class OutputFolder:
    """Write a set of output files into ``folder`` all at once (see the module docstring).

    Parameters
    ----------
    folder
        The output folder; created (with parents) if missing.
    managed
        File names this kind of output set may contain: those not rewritten by this
        run are removed at commit (other files in the folder are never touched).
    marker
        The file committed last (its presence means the set is complete).
    lock
        Take the folder's lock file for the whole run (a second run fails at once).
        Pass False when the caller already holds a lock that covers the folder.
    command
        Name of the run, shown to a second run that finds the folder locked.

    Examples
    --------
    >>> with OutputFolder("out") as folder:  # doctest: +SKIP
    ...     result = heavy_work()
    ...     (folder.path("reps.csv")).write_text(...)
    ...     folder.commit()
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        managed: Iterable[str] = (),
        marker: str = MARKER,
        lock: bool = True,
        command: str = "hipcheck",
    ) -> None:
        self.folder = Path(folder).expanduser()
        self.managed = frozenset(managed) | {marker}
        self.marker = marker
        self._lock = FolderLock(self.folder, command) if lock else None
        self._created: list[Path] = []
        self.staging: Path | None = None
        self.committed: dict[str, Path] = {}

    def __enter__(self) -> OutputFolder:
        self._created = make_folder(self.folder)
        try:
            if self._lock is not None:
                self._lock.acquire()
            remove_leftovers(self.folder)
            staging = self.folder / f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
            try:
                staging.mkdir()
            except OSError as exc:
                raise output_error(exc, self.folder, "the output folder") from exc
            self.staging = staging
        except BaseException:
            self._cleanup()
            raise
        return self

    def path(self, name: str) -> Path:
        """Path to write the file ``name`` to (inside the staging folder)."""
        if self.staging is None:
            raise RuntimeError("OutputFolder used outside its with block")
        if Path(name).name != name or name in ("", ".", ".."):
            raise ValueError(f"not a plain file name: {name!r}")
        return self.staging / name

    def commit(self) -> dict[str, Path]:
        """Move the staged files into the folder (marker last); return name -> final path.

        Raises
        ------
        hipcheck.errors.OutputError
            A rename failed (the folder then holds no marker: it does not look complete).
        """
        if self.staging is None:
            raise RuntimeError("OutputFolder.commit outside its with block")
        staged = {p.name: p for p in self.staging.iterdir() if not is_temporary(p)}
        order = sorted(n for n in staged if n != self.marker)
        if self.marker in staged:
            order.append(self.marker)
        previous = (self.folder / self.marker).is_file()
        try:
            (self.folder / self.marker).unlink(missing_ok=True)
            if previous:  # a folder without the marker holds no earlier set: touch nothing
                for name in self.managed - staged.keys():
                    (self.folder / name).unlink(missing_ok=True)
            for name in order:
                os.replace(staged[name], self.folder / name)
                self.committed[name] = self.folder / name
        except OSError as exc:
            raise output_error(exc, self.folder, "the output folder") from exc
        _fsync_dir(self.folder)
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging = None
        return dict(self.committed)

    def _cleanup(self) -> None:
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None
        if self._lock is not None:
            self._lock.release()
        if not self.committed:
            remove_empty(self._created)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._cleanup()
