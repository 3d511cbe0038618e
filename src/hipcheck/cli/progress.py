"""Progress bars on stderr for the commands that run the pose model or draw video."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from hipcheck.cli.present import err


@contextmanager
def frame_progress(
    description: str, enabled: bool = True
) -> Iterator[Callable[[int, int | None], None]]:
    """Yield a ``progress(done, total)`` callback drawing a rich progress bar of frames."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("frames"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, disable=not enabled, transient=False) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total if total and total >= done else None)

        yield update
