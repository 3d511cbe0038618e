"""``hipcheck batch``: analyse folders, globs or a manifest of clips into tidy tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hipcheck.cli.present import EXIT_INTERRUPTED, err, out, present_errors
from hipcheck.errors import UsageError
from hipcheck.sanitize import clean_id


def _print_summary(result: object, console: Console) -> None:
    from hipcheck.batch.runner import BatchResult

    assert isinstance(result, BatchResult)
    r = result
    console.print(
        f"[bold]{r.total} clips[/]: {r.done} analysed, {r.skipped} skipped (already done), "
        f"[{'red' if r.failed else 'green'}]{r.failed} failed[/]  ({r.elapsed_s:.1f} s)",
        highlight=False,
    )
    if r.no_reps:
        console.print(
            f"[yellow]{len(r.no_reps)} clip(s) analysed without a measurable repetition[/] "
            "(see the quality column of clips.csv): " + escape(", ".join(r.no_reps)),
            highlight=False,
        )
    if r.failures:
        table = Table(title="Failed clips", show_lines=False)
        for col in ("clip", "code", "reason", "what to do"):
            table.add_column(col, overflow="fold")
        for f in r.failures:
            cells = (Path(f["path"]).name, f["code"], f["message"], f["hint"] or "")
            table.add_row(*(escape(clean_id(c or "")) for c in cells))
        console.print(table)
    tables = r.tables
    if tables:
        console.print(
            f"Tables: {tables['reps_csv']}, {tables['clips_csv']} (+ .parquet); "
            f"log: {r.out_dir / 'run.log'}",
            highlight=False,
            markup=False,
        )


@present_errors
def batch(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(help="Video files, folders (searched recursively) or glob patterns."),
    ] = None,
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder (clips/, tables, run.log).")
    ] = Path("hipcheck-batch"),
    manifest: Annotated[
        Path | None,
        typer.Option(
            help="CSV with a 'path' column (relative to the CSV) and metadata columns; "
            "task/side/sex cells override the defaults per clip."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Worker processes (default: min(CPUs, clips)); 1 = no pool."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Dask scheduler address (tcp://host:8786), or 'local' for a local Dask "
            "cluster. Workers need the videos and --out at the same paths."
        ),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Re-analyse clips already done.")] = False,
    reanalyze: Annotated[
        bool,
        typer.Option(help="Recompute every clip from its stored landmarks (no pose model)."),
    ] = False,
    task: Annotated[
        str, typer.Option(help="Default task: auto, single_leg_squat, step_down, double_leg_squat.")
    ] = "auto",
    side: Annotated[str, typer.Option(help="Default stance side: auto, left or right.")] = "auto",
    sex: Annotated[
        str, typer.Option(help="Default sex for the FPPA bands: unspecified, female, male.")
    ] = "unspecified",
    max_side: Annotated[
        int | None,
        typer.Option(min=64, help="Downscale frames for the pose model (speed)."),
    ] = None,
    model: Annotated[
        Path | None, typer.Option(help="MediaPipe .task bundle instead of the bundled model.")
    ] = None,
    annotate: Annotated[
        bool, typer.Option(help="Also write each clip's annotated.mp4 (skeleton and angles).")
    ] = False,
    report: Annotated[
        str | None, typer.Option(help="Also write each clip's report: pdf or html.")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Analyse many clips: one folder per clip, reps and clips tables (CSV + Parquet).

    Re-running skips clips already done and retries failed ones; the exit status is 1
    when any clip failed. The output folder is locked while a batch runs. Ctrl-C stops
    starting clips at once; finished clips are kept.
    """
    from hipcheck.batch.runner import run_batch
    from hipcheck.config import AnalysisConfig

    try:
        config = AnalysisConfig(task=task, side=side, sex=sex)  # type: ignore[arg-type]
    except ValueError as exc:
        raise UsageError(str(exc), "See hipcheck batch --help.") from None
    try:
        result = run_batch(
            inputs or None,
            out_dir,
            manifest=manifest,
            config=config,
            workers=workers,
            scheduler=scheduler,
            overwrite=overwrite,
            reanalyze=reanalyze,
            max_side=max_side,
            model=model,
            annotate=annotate,
            report=report,
            progress=progress,
        )
    except KeyboardInterrupt:
        err.print("Interrupted: finished clips are kept; run the same command again to resume.")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    _print_summary(result, out)
    if not result.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``batch`` command to a Typer app."""
    app.command("batch")(batch)
