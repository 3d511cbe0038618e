"""The ``hipcheck`` command: ``landmarks``, ``analyze``, ``report`` and the subcommands.

Every command reports failures through :func:`hipcheck.cli.present.present_errors`:
a message and a hint, never a traceback, with the exit statuses of
:data:`hipcheck.cli.present.EXIT_CODES`. Options and outputs are checked before any
heavy work (the pose model runs only when the outputs can be written). Heavy modules
(MediaPipe, PyAV) are imported inside the commands so that ``hipcheck --help`` stays fast.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hipcheck import __version__
from hipcheck.cli.present import (
    exit_codes_text,
    out,
    present_errors,
    set_verbose,
    show_warning,
)
from hipcheck.cli.progress import frame_progress
from hipcheck.errors import UsageError

if TYPE_CHECKING:
    from hipcheck.config import AnalysisConfig
    from hipcheck.outputs.writers import AnalysisData

app = typer.Typer(
    name="hipcheck",
    help=(
        "Screen single-leg squats, step-downs and squats from video: contralateral pelvic "
        "drop, knee valgus (FPPA) and lateral trunk lean per repetition, rated against "
        "published reference values, with a phased glute program. Runs offline."
    ),
    epilog=exit_codes_text(),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

#: smallest --max-side accepted: BlazePose's detector looks at 224x224 and its landmark
#: model at 256x256 pixels, so a frame shrunk below 64 px on its longer side leaves the
#: person a few dozen pixels tall, too few for the model to place joints.
MIN_MAX_SIDE = 64


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
    set_verbose(verbose)


ModelOption = Annotated[
    str | None,
    typer.Option(
        help="Pose model: full (bundled), heavy (closer knee and trunk angles, about twice "
        "as slow, places a lifted foot less well: give --side if the stance side is wrong; "
        "install it once with 'hipcheck models install heavy') or the path of a MediaPipe "
        ".task bundle. Default: full."
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
@present_errors
def landmarks(
    video: Annotated[Path, typer.Argument(help="Video file (mp4, mov, webm, avi, mkv).")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Landmark file to write (.parquet).")
    ] = Path("landmarks.parquet"),
    model: ModelOption = None,
    max_side: Annotated[
        int | None,
        typer.Option(
            min=MIN_MAX_SIDE, help="Downscale frames so the longer side is at most this (speed)."
        ),
    ] = None,
    workers: WorkersOption = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Extract pose landmarks (pixels, per frame, with timestamps) from a video."""
    from hipcheck.io.landmarks import save_landmarks
    from hipcheck.outputs.folder import output_file, refuse_folder
    from hipcheck.pose import extract_landmarks, resolve_model

    refuse_folder(output, "the landmark file", "landmarks.parquet")
    if output.suffix.lower() != ".parquet":
        raise UsageError(
            f"Landmarks are written as Parquet; {output.name!r} does not end in .parquet.",
            "Give a file name ending in .parquet, e.g. -o landmarks.parquet.",
        )
    resolve_model(model)  # a model that is not installed fails before any work
    with output_file(output, "the landmark file", "landmarks.parquet", create_parent=True):
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
        markup=False,
    )


def _config(**fields: object) -> AnalysisConfig:
    """Return the :class:`AnalysisConfig` of the options, or a usage error."""
    from hipcheck.config import AnalysisConfig

    try:
        return AnalysisConfig(**fields)  # type: ignore[arg-type]
    except ValueError as exc:
        raise UsageError(str(exc), "See hipcheck analyze --help for the allowed values.") from None


@app.command()
@present_errors
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
        int | None,
        typer.Option(min=MIN_MAX_SIDE, help="Downscale frames for the pose model (speed)."),
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
    """Analyse a clip: reps, pelvic drop, knee valgus, trunk lean, ratings, program.

    The output folder is written as one set: files of an earlier run there that this
    run does not write again (an old report or annotated video) are removed, and
    assessment.json is written last (no assessment.json: the folder is incomplete).
    """
    from hipcheck.outputs.folder import OutputFolder
    from hipcheck.outputs.writers import (
        OUTPUT_NAMES,
        OutputOptions,
        select_formats,
        write_outputs,
    )

    # 1. options, before anything is read or written
    if video is not None and landmarks_file is not None:
        raise UsageError(
            f"Both a video ({video}) and --landmarks ({landmarks_file}) were given.",
            "Give one: the video to run the pose model, or --landmarks to re-analyse saved "
            "landmarks.",
        )
    if video is None and landmarks_file is None:
        raise UsageError("No input given.", "Pass a video file, or --landmarks FILE.")
    config = _config(task=task, side=side, sex=sex, markers=markers, cutoff_hz=cutoff_hz)
    formats = select_formats(annotate=annotate, report=report_file)
    if video is not None:
        from hipcheck.errors import HipcheckError
        from hipcheck.markers import check_marker_option

        try:
            check_marker_option(config.markers)
        except HipcheckError as exc:  # an option value: a usage error
            raise UsageError(exc.message, exc.hint) from None
        from hipcheck.pose import resolve_model

        resolve_model(model)  # a model that is not installed fails before any work
    # 2. the output folder (created, writable, not in use), then the work
    with OutputFolder(out_dir, managed=OUTPUT_NAMES, command="hipcheck analyze") as folder:
        data = _analysis(video, landmarks_file, config, model, max_side, workers, progress)
        if "annotated" in formats and data.video is None:
            raise UsageError(
                f"--annotate needs the analysed clip. {data.video_note or ''}".strip(),
                "Analyse the video itself (hipcheck analyze VIDEO --annotate).",
            )
        if report_file and data.video is None and data.video_note:
            show_warning(data.video_note)
        with frame_progress("Annotating", progress and annotate) as update:
            write_outputs(folder, data, formats, OutputOptions(progress=update))
        paths = folder.commit()
    # imported after the work: the analysis modules they need loaded during the pose pass
    from hipcheck.console import print_assessment
    from hipcheck.reports import bounded

    print_assessment(bounded(data.assessment), out)  # no control characters reach the terminal
    program = data.assessment.program
    if program is not None:
        out.print(
            f"[bold]Exercise program:[/] {program.kind}, {len(program.phases)} "
            f"phase{'s' if len(program.phases) != 1 else ''}. "
            f"Read it with: hipcheck program --from {out_dir / 'assessment.json'}",
            highlight=False,
            markup=True,
        )
    elif data.assessment.program_note:
        out.print(
            f"Exercise program: {data.assessment.program_note}", highlight=False, markup=False
        )
    names = ", ".join(sorted(paths, key=lambda n: n == "assessment.json"))
    out.print(f"Wrote {names} to {out_dir}", highlight=False, markup=False)


def _prepare_outputs() -> None:
    """Load what printing the results needs (run in the background while the pose model runs)."""
    import importlib

    from hipcheck.model import Assessment, validator

    for name in ("hipcheck.console", "hipcheck.reports"):
        importlib.import_module(name)
    validator(Assessment)  # built once (0.15 s); bounding the printed texts validates


def _analysis(
    video: Path | None,
    landmarks_file: Path | None,
    config: AnalysisConfig,
    model: str | None,
    max_side: int | None,
    workers: int | None,
    progress: bool,
) -> AnalysisData:
    """Run the analysis of a video (pose model) or of saved landmarks; return AnalysisData."""
    from hipcheck.outputs.writers import AnalysisData
    from hipcheck.pipeline import analyze_landmarks, analyze_video

    if video is not None:
        with frame_progress(f"Pose {video.name}", progress) as update:
            result = analyze_video(
                video,
                config,
                model=model,
                max_side=max_side,
                progress=update,
                workers=workers,
                prepare=_prepare_outputs,
            )
        return AnalysisData.of(result, video)
    from hipcheck.io.landmarks import load_landmarks
    from hipcheck.outputs.load import pick_video

    assert landmarks_file is not None
    series = load_landmarks(landmarks_file)
    result = analyze_landmarks(series, config)
    clip, note = pick_video(series.video)
    data = AnalysisData.of(result, clip)
    data.video_note = note
    return data


@app.command()
@present_errors
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
            help="The analysed clip, for key frames (default: the path in the assessment). "
            "It must be the clip the assessment was made from (same size, duration and "
            "frame count)."
        ),
    ] = None,
) -> None:
    """Write the clinician report (PDF or self-contained HTML) for an assessment."""
    from hipcheck.outputs.folder import output_file, refuse_folder
    from hipcheck.outputs.load import load_analysis
    from hipcheck.reports import ReportOptions, report_format, write_report

    refuse_folder(output, "the report", "report.pdf")
    fmt = report_format(output)
    options = ReportOptions(patient_id=patient, session_date=date)
    with output_file(output, "the report", f"report.{fmt}"):
        data = load_analysis(assessment_file, video=video)
        if data.video is None and data.video_note:
            show_warning(data.video_note)
        path = write_report(data.assessment, output, fmt, data.report_options(options))
    out.print(f"Report written to {path}", highlight=False, markup=False)


def _register_subcommands() -> None:
    """Attach the commands that live next to their modules (imports stay light)."""
    from hipcheck.batch.cli import register as batch
    from hipcheck.cli.serve import register as serve
    from hipcheck.history.cli import register as history
    from hipcheck.pose.cli import register as models
    from hipcheck.program.cli import register as program
    from hipcheck.synth.cli import register as synth

    for register in (synth, program, history, batch, serve, models):
        register(app)


def main() -> None:
    """Console-script entry point (``hipcheck`` and ``python -m hipcheck``).

    The pose libraries' start-up chatter is kept off the terminal
    (:mod:`hipcheck.cli.native_log`), and the process ends through
    :func:`hipcheck.cli.exit.exit_process`, which skips the interpreter's module teardown
    once the command is done.
    """
    from hipcheck.cli.exit import exit_process
    from hipcheck.cli.native_log import filter_native_stderr

    filter_native_stderr()
    _register_subcommands()
    try:
        app()
    except SystemExit as done:  # typer ends every command this way
        exit_process(done.code)
    exit_process(0)


if __name__ == "__main__":
    main()
