"""The batch output layout, atomic writes and the run log.

``DIR/clips/<clip-id>/status.json`` is written last and atomically: a clip folder is
done only when its status says ``ok``. Every other file is also written to a ``.part``
file and renamed into place, so an interrupted run never leaves a half-written file
under a final name.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

STATUS = "status.json"
#: per-clip files written by :meth:`hipcheck.pipeline.Analysis.save`
ANALYSIS_FILES = ("assessment.json", "reps.csv", "kinematics.parquet")
LANDMARKS = "landmarks.parquet"
#: version of ``status.json``
STATUS_VERSION = 1


def clips_dir(out_dir: str | Path) -> Path:
    """Folder holding one sub-folder per clip."""
    return Path(out_dir) / "clips"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file renamed into place."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def write_status(clip_dir: Path, status: dict[str, Any]) -> None:
    """Write ``status.json`` atomically (the last file of a clip)."""
    atomic_write_text(clip_dir / STATUS, json.dumps(status, indent=2, default=str) + "\n")


def read_status(clip_dir: Path) -> dict[str, Any] | None:
    """Return the clip's status, or None if there is none (or it is unreadable)."""
    try:
        status = json.loads((clip_dir / STATUS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return status if isinstance(status, dict) else None


def reset_clip_dir(clip_dir: Path, *, keep_landmarks: bool) -> None:
    """Prepare a clip folder for a fresh analysis.

    The status goes first (so a crash from here on leaves the clip not done), then
    leftovers of interrupted writes and the previous results.
    """
    clip_dir.mkdir(parents=True, exist_ok=True)
    (clip_dir / STATUS).unlink(missing_ok=True)
    for p in clip_dir.glob("*.part"):
        p.unlink(missing_ok=True)
    names = ANALYSIS_FILES if keep_landmarks else (*ANALYSIS_FILES, LANDMARKS)
    for name in names:
        (clip_dir / name).unlink(missing_ok=True)


def now_iso() -> str:
    """Local time with offset, second resolution (for logs and status files)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


class RunLog:
    """Append-only ``run.log``: one timestamped line per event, flushed at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 (closed in close())

    def write(self, message: str) -> None:
        """Append one line (newlines in ``message`` are indented continuation lines)."""
        text = message.rstrip().replace("\n", "\n    ")
        self._fh.write(f"{now_iso()} {text}\n")
        self._fh.flush()

    def close(self) -> None:
        """Close the file."""
        self._fh.close()

    def __enter__(self) -> RunLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
