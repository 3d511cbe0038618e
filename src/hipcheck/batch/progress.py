"""Batch progress on stderr: one bar for clips, one line per clip the pose model is on."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from hipcheck.batch.discover import ClipJob


class BatchProgress:
    """A rich progress display fed by the batch runner (a no-op when disabled).

    Parameters
    ----------
    jobs
        All clips of the batch (the clip bar's total; names for the frame lines).
    enabled
        False draws nothing.
    """

    def __init__(self, jobs: Sequence[ClipJob], enabled: bool = True) -> None:
        self._names = {j.clip_id: j.rel for j in jobs}
        self._progress = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[unit]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=not enabled,
        )
        self._clips = self._progress.add_task("Clips", total=len(jobs), unit="clips")
        self._frames: dict[str, TaskID] = {}

    def __enter__(self) -> BatchProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def advance(self, n: int = 1) -> None:
        """Count ``n`` clips as finished (skipped ones at the start)."""
        self._progress.advance(self._clips, n)

    def frames(self, clip_id: str, done: int, total: int | None) -> None:
        """Show the pose model's progress on one clip (adds its line on first use)."""
        task = self._frames.get(clip_id)
        if task is None:
            name = self._names.get(clip_id, clip_id)
            task = self._progress.add_task(f"  {name}", total=total, unit="frames")
            self._frames[clip_id] = task
        ok_total = total if total is not None and total >= done else None
        self._progress.update(task, completed=done, total=ok_total)

    def finish(self, clip_id: str) -> None:
        """Mark a clip finished: drop its frame line and advance the clip bar."""
        task = self._frames.pop(clip_id, None)
        if task is not None:
            self._progress.remove_task(task)
        self.advance()
