"""Command-line interface: a thin typer layer over the library.

User errors (:class:`hipcheck.errors.HipcheckError`) are printed as a message and a
hint, never as a traceback, with exit status 1. Heavy modules (MediaPipe, PyAV) are
imported inside the commands so that ``hipcheck --help`` stays fast.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from hipcheck import __version__
from hipcheck.errors import HipcheckError

app = typer.Typer(
    name="hipcheck",
    help=(
        "Screen single-leg squats, step-downs and squats from video: contralateral pelvic "
        "drop, knee valgus (FPPA) and lateral trunk lean per repetition, rated against "
        "published reference values, with a phased glute program. Runs offline."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err = Console(stderr=True)
out = Console()

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """Turn :class:`HipcheckError` into a readable message and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except HipcheckError as exc:
            err.print(f"[bold red]Error:[/] {exc.message}", highlight=False)
            if exc.hint:
                err.print(f"[yellow]What to do:[/] {exc.hint}", highlight=False)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


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


def _version(value: bool) -> None:
    if value:
        out.print(f"hipcheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


ModelOption = Annotated[
    str | None,
    typer.Option(
        help="Pose model: full (bundled), heavy (more accurate, slower; install it once with "
        "'hipcheck models install heavy') or the path of a MediaPipe .task bundle. "
        "Default: full."
    ),
]
WorkersOption = Annotated[
    int | None,
    typer.Option(
        min=1,
        help="Processes for the pose model on this clip. Default: one per CPU for clips long "
        "enough to gain (about 5 s and more), else 1 (this process only).",
    ),
]


@app.command()
@user_errors
def landmarks(
    video: Annotated[Path, typer.Argument(help="Video file (mp4, mov, webm, avi, mkv).")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Landmark file to write (.parquet).")
    ] = Path("landmarks.parquet"),
    model: ModelOption = None,
    max_side: Annotated[
        int | None,
        typer.Option(help="Downscale frames so the longer side is at most this (speed)."),
    ] = None,
    workers: WorkersOption = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Extract pose landmarks (pixels, per frame, with timestamps) from a video."""
    from hipcheck.io.landmarks import save_landmarks
    from hipcheck.pose import extract_landmarks, resolve_model

    resolve_model(model)  # a model that is not installed fails before the progress bar
    with frame_progress(f"Pose {video.name}", progress) as update:
        series = extract_landmarks(
            video, model=model, max_side=max_side, progress=update, workers=workers
        )
    save_landmarks(series, output)
    v = series.video
    lost = f", {v['frames_lost']} lost to damage" if v.get("frames_lost") else ""
    out.print(
        f"{video.name}: {series.n_frames} frames{lost}, {v['frames_with_person']} with a person, "
        f"{v['pose_fps']:.1f} fps -> {output}",
        highlight=False,
    )


@app.command()
@user_errors
def analyze(
    video: Annotated[
        Path | None, typer.Argument(help="Video file; omit when using --landmarks.")
    ] = None,
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder (assessment.json, reps.csv, ...).")
    ] = Path("hipcheck-out"),
    landmarks_file: Annotated[
        Path | None,
        typer.Option("--landmarks", help="Re-analyse a saved landmarks.parquet (no pose model)."),
    ] = None,
    task: Annotated[
        str, typer.Option(help="auto, single_leg_squat, step_down or double_leg_squat.")
    ] = "auto",
    side: Annotated[str, typer.Option(help="Stance side: auto, left or right.")] = "auto",
    sex: Annotated[
        str, typer.Option(help="female, male or unspecified (selects the FPPA rating bands).")
    ] = "unspecified",
    markers: Annotated[
        str, typer.Option(help="Skin markers: auto (use when found), off, or a colour.")
    ] = "auto",
    model: ModelOption = None,
    max_side: Annotated[
        int | None, typer.Option(help="Downscale frames for the pose model (speed).")
    ] = None,
    workers: WorkersOption = None,
    cutoff_hz: Annotated[float, typer.Option(help="Low-pass filter cut-off (Hz).")] = 6.0,
    annotate: Annotated[
        bool, typer.Option(help="Also write annotated.mp4 (skeleton and angles burnt in).")
    ] = False,
    report_file: Annotated[
        str | None, typer.Option("--report", help="Also write a report: pdf or html.")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Analyse a clip: reps, pelvic drop, knee valgus, trunk lean, ratings, program."""
    from hipcheck.config import AnalysisConfig
    from hipcheck.console import print_assessment
    from hipcheck.errors import HipcheckError as _Err
    from hipcheck.pipeline import analyze_landmarks, analyze_video

    try:
        config = AnalysisConfig(task=task, side=side, sex=sex, markers=markers, cutoff_hz=cutoff_hz)  # type: ignore[arg-type]
    except ValueError as exc:
        raise _Err(str(exc), "See hipcheck analyze --help for the allowed values.") from exc
    if landmarks_file is not None:
        result = analyze_landmarks(landmarks_file, config)
    elif video is not None:
        from hipcheck.pose import resolve_model

        resolve_model(model)  # a model that is not installed fails before the progress bar
        with frame_progress(f"Pose {video.name}", progress) as update:
            result = analyze_video(
                video, config, model=model, max_side=max_side, progress=update, workers=workers
            )
    else:
        raise _Err("No input given.", "Pass a video file, or --landmarks FILE.")
    paths = result.save(out_dir)
    video_path = video or Path(str(result.assessment.video.get("path", "")))
    if annotate and video_path.is_file():
        from hipcheck.reports.annotate import write_annotated_video

        with frame_progress("Annotating", progress) as update:
            paths["annotated"] = write_annotated_video(
                video_path,
                result.landmarks,
                result.kinematics,
                result.assessment,
                out_dir / "annotated.mp4",
                progress=update,
            )
    if report_file:
        from hipcheck.outputs import load_analysis_folder
        from hipcheck.reports import write_report

        bundle = load_analysis_folder(out_dir, video=video_path if video_path.is_file() else None)
        paths["report"] = write_report(
            result.assessment,
            out_dir / f"report.{report_file.lower().lstrip('.')}",
            kinematics=result.kinematics,
            key_frames=bundle.key_frames(),
        )
    print_assessment(result.assessment, out)
    program = result.assessment.program
    if program:
        out.print(
            f"[bold]Exercise program:[/] {program.get('kind', '')}, "
            f"{len(program.get('phases', []))} phase(s). Read it with: "
            f"hipcheck program --from {out_dir / 'assessment.json'}",
            highlight=False,
        )
    out.print(f"Wrote {', '.join(p.name for p in paths.values())} to {out_dir}", highlight=False)


@app.command()
@user_errors
def report(
    assessment_file: Annotated[
        Path, typer.Argument(help="assessment.json (or its folder) written by hipcheck analyze.")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="report.pdf or report.html.")
    ] = Path("report.pdf"),
    patient: Annotated[
        str | None, typer.Option(help="Patient or athlete identifier, as you want it printed.")
    ] = None,
    date: Annotated[str | None, typer.Option(help="Session date, as you want it printed.")] = None,
    video: Annotated[
        Path | None,
        typer.Option(
            help="The analysed clip, for key frames (default: the path in the assessment)."
        ),
    ] = None,
) -> None:
    """Write the clinician report (PDF or self-contained HTML) for an assessment."""
    from hipcheck.outputs import load_analysis_folder
    from hipcheck.reports import write_report

    bundle = load_analysis_folder(assessment_file, video=video)
    path = write_report(
        bundle.assessment,
        output,
        kinematics=bundle.kinematics,
        key_frames=bundle.key_frames(),
        patient_id=patient,
        session_date=date,
    )
    out.print(f"Report written to {path}", highlight=False)


def _register_subcommands() -> None:
    """Attach the commands that live next to their modules (imports stay light)."""
    from hipcheck.batch.cli import register as batch
    from hipcheck.history.cli import register as history
    from hipcheck.pose.cli import register as models
    from hipcheck.program.cli import register as program
    from hipcheck.synth.cli import register as synth

    for register in (synth, program, history, batch, models):
        register(app)


def main() -> None:
    """Console-script entry point."""
    _register_subcommands()
    app()


if __name__ == "__main__":
    main()
