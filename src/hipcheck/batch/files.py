"""The batch output layout, the clip status and the run log.

``DIR/clips/<clip-id>/status.json`` is written last and atomically: a clip folder is
done only when its status says ``ok``. Every other file goes through the output layer
(:mod:`hipcheck.outputs`): written to a unique temporary file or a staging folder and
renamed into place, so an interrupted or killed run never leaves a half-written file
under a final name; :func:`reset_clip_dir` removes what such a run left behind.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

from hipcheck.outputs.atomic import atomic_write_text, is_temporary
from hipcheck.outputs.folder import STAGING_PREFIX
from hipcheck.outputs.writers import OUTPUT_NAMES

STATUS = "status.json"
LANDMARKS = "landmarks.parquet"
#: per-clip files of the output layer, except the landmarks (kept for re-analysis)
ANALYSIS_FILES = tuple(sorted(OUTPUT_NAMES - {LANDMARKS}))
#: version of ``status.json``
STATUS_VERSION = 1


def clips_dir(out_dir: str | Path) -> Path:
    """Folder holding one sub-folder per clip."""
    return Path(out_dir) / "clips"


def write_status(clip_dir: Path, status: dict[str, Any]) -> None:
    """Write ``status.json`` atomically (the last file of a clip)."""
    atomic_write_text(clip_dir / STATUS, json.dumps(status, indent=2, default=str) + "\n")


def read_status(clip_dir: Path) -> dict[str, Any] | None:
    """Return the clip's status, or None if there is none (or it is unreadable)."""
    try:
        status = json.loads((clip_dir / STATUS).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return status if isinstance(status, dict) else None


def reset_clip_dir(clip_dir: Path, *, keep_landmarks: bool) -> None:
    """Prepare a clip folder for a fresh analysis.

    The status goes first (so a crash from here on leaves the clip not done), then
    leftovers of interrupted writes (temporary files, staging folders, ``*.part`` of
    older versions) and the previous results.
    """
    clip_dir.mkdir(parents=True, exist_ok=True)
    (clip_dir / STATUS).unlink(missing_ok=True)
    clean_leftovers(clip_dir)
    names = ANALYSIS_FILES if keep_landmarks else (*ANALYSIS_FILES, LANDMARKS)
    for name in names:
        (clip_dir / name).unlink(missing_ok=True)


def clean_leftovers(folder: Path) -> list[str]:
    """Remove temporary files and staging folders of interrupted writes; return their names."""
    removed: list[str] = []
    if not folder.is_dir():
        return removed
    for p in folder.iterdir():
        if p.name.startswith(STAGING_PREFIX) and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        elif p.is_file() and (is_temporary(p) or p.name.endswith(".part")):
            p.unlink(missing_ok=True)
        else:
            continue
        removed.append(p.name)
    return removed


def now_iso() -> str:
    """Local time with offset, second resolution (for logs and status files)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


class RunLog:
    """Append-only ``run.log``: one timestamped line per event, flushed at once."""

    def __init__(self, path: Path) -> None:
        from hipcheck.outputs.atomic import output_error

        self.path = path
        self.failed = False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 (closed in close())
        except OSError as exc:
            raise output_error(exc, path, "the run log") from exc

    def write(self, message: str) -> None:
        """Append one line (newlines in ``message`` are indented continuation lines).

        A failed write (disk full) does not stop the run: the clips' own files say what
        was done; the first failure is remembered in :attr:`failed`.
        """
        text = message.rstrip().replace("\n", "\n    ")
        try:
            self._fh.write(f"{now_iso()} {text}\n")
            self._fh.flush()
        except OSError:
            self.failed = True

    def close(self) -> None:
        """Close the file."""
        try:
            self._fh.close()
        except OSError:
            self.failed = True

    def __enter__(self) -> RunLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
