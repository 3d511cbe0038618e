"""``hipcheck synth``: write a synthetic clip and its truth file from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hipcheck.cli.present import echo, present_errors
from hipcheck.errors import UsageError
from hipcheck.model import TASKS


def _parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError as exc:
        raise typer.BadParameter(f"expected WIDTHxHEIGHT (e.g. 480x640), got {text!r}") from exc
    return w, h


@present_errors
def synth(
    output: Annotated[Path, typer.Option("-o", "--output", help="Output video (.mp4).")],
    task: Annotated[str, typer.Option(help=f"One of {', '.join(TASKS)}.")] = "single_leg_squat",
    side: Annotated[str, typer.Option(help="Stance side (subject's): left or right.")] = "left",
    reps: Annotated[int, typer.Option(min=0, help="Number of repetitions.")] = 5,
    fppa: Annotated[
        float, typer.Option(help="Peak FPPA of the stance knee, deg (+ = valgus).")
    ] = 0.0,
    pelvic_drop: Annotated[
        float, typer.Option(help="Peak pelvic drop, deg (+ = other side lower).")
    ] = 0.0,
    trunk_lean: Annotated[
        float, typer.Option(help="Peak trunk lean, deg (+ = toward stance side).")
    ] = 0.0,
    depth: Annotated[
        float | None, typer.Option(help="Pelvis descent / leg length (task default).")
    ] = None,
    tempo: Annotated[float, typer.Option(help="Seconds per repetition.")] = 2.0,
    fps: Annotated[float, typer.Option(help="Frame rate.")] = 30.0,
    vfr: Annotated[bool, typer.Option(help="Jitter frame times (variable frame rate).")] = False,
    size: Annotated[str, typer.Option(help="Display size WIDTHxHEIGHT.")] = "480x640",
    seed: Annotated[int, typer.Option(help="Random seed (same seed = identical clip).")] = 0,
    mirrored: Annotated[bool, typer.Option(help="Mirror the image (selfie view).")] = False,
    rotation: Annotated[
        int, typer.Option(help="Rotation metadata, degrees clockwise (0/90/180/270).")
    ] = 0,
    markers: Annotated[
        bool, typer.Option(help="Draw skin markers (ASIS, patellae, ankles, sternum).")
    ] = False,
    yaw: Annotated[float, typer.Option(help="Turn the figure away from the camera, deg.")] = 0.0,
    jitter: Annotated[float, typer.Option(help="Per-rep relative variation of the targets.")] = 0.1,
) -> None:
    """Write a synthetic clip of a drawn figure with known angles, plus CLIP.truth.json."""
    from hipcheck.outputs.folder import OutputFolder
    from hipcheck.synth.generate import ClipSpec, generate_clip
    from hipcheck.synth.truth import truth_path

    try:
        spec = ClipSpec(
            task=task,
            side=side,
            reps=reps,
            fppa_deg=fppa,
            pelvic_drop_deg=pelvic_drop,
            trunk_lean_deg=trunk_lean,
            depth=depth,
            tempo_s=tempo,
            fps=fps,
            vfr=vfr,
            size=_parse_size(size),
            mirrored=mirrored,
            rotation=rotation,
            markers=markers,
            yaw_deg=yaw,
            jitter=jitter,
        )
    except ValueError as exc:
        raise UsageError(str(exc), "See hipcheck synth --help for the allowed values.") from None
    if output.is_dir():
        raise UsageError(f"{output} is a folder.", "Give the clip's file name, e.g. clip.mp4.")
    # the clip and its truth file appear together (staged, then renamed), or not at all
    with OutputFolder(
        output.parent, marker=truth_path(output).name, lock=False, command="hipcheck synth"
    ) as folder:
        try:
            truth = generate_clip(folder.path(output.name), spec, seed=seed)
        except ValueError as exc:  # e.g. an output suffix no container matches
            raise UsageError(str(exc), "Use a file name ending in .mp4 (or .webm).") from None
        folder.commit()
    echo(
        f"Wrote {output} ({truth.n_frames} frames, {truth.size[0]}x{truth.size[1]}) "
        f"and {truth_path(output)}"
    )
    for rep in truth.reps:
        b = rep["bottom"]
        fppa_text = (
            f"FPPA L {b['fppa_left_deg']:.1f} / R {b['fppa_right_deg']:.1f}"
            if truth.side == "both"
            else f"FPPA {b['fppa_deg']:.1f}"
        )
        echo(
            f"  rep {rep['index'] + 1} ({rep['side']}) bottom {rep['bottom_s']:.2f} s: "
            f"{fppa_text}, pelvic drop {b['pelvic_drop_deg']:.1f}, "
            f"trunk lean {b['trunk_lean_deg']:.1f} deg, depth {b['depth']:.2f}"
        )


def register(app: typer.Typer) -> None:
    """Add the ``synth`` command to ``app``."""
    app.command("synth")(synth)
