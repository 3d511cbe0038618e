"""Progress bars on stderr for the commands that run the pose model or draw video."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.markup import escape
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
    """Yield a ``progress(done, total)`` callback drawing a rich progress bar of frames.

    The bar appears with the first update, so an input refused before any frame is
    read (a missing file, a still image) prints only its error. The description is
    shown as plain text (a file name with ``[...]`` or control characters is not
    interpreted).
    """
    from hipcheck.sanitize import clean_id

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("frames"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    bar = Progress(*columns, console=err, disable=not enabled, transient=False)
    task = bar.add_task(escape(clean_id(description)), total=None)

    def update(done: int, total: int | None) -> None:
        if not bar.live.is_started:
            bar.start()
        bar.update(task, completed=done, total=total if total and total >= done else None)

    try:
        yield update
    finally:
        bar.stop()
