"""``hipcheck program``: print the exercise program for an assessment.

The main CLI calls :func:`register` to add the command.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from hipcheck.cli.present import echo, present_errors
from hipcheck.errors import UsageError
from hipcheck.model import Assessment
from hipcheck.program.mapping import attach_program
from hipcheck.program.model import EQUIPMENT, LEVELS, ProgramContext, ProgramInputError
from hipcheck.program.render import render_markdown, render_text

FORMATS: tuple[str, ...] = ("text", "markdown", "json")


def read_assessment_for_program(path: Path) -> Assessment:
    """Read and validate the ``assessment.json`` (or its folder) a program is built for.

    Raises
    ------
    hipcheck.errors.HipcheckError
        If the file is missing, is not JSON, or is not a valid assessment (the message
        names the field).
    """
    from hipcheck.assessment.load import read_assessment

    return read_assessment(path / "assessment.json" if path.is_dir() else path)


def parse_equipment(text: str | None) -> set[str]:
    """Parse ``"band,dumbbell"`` into a set (``"none"`` always included)."""
    items = {t.strip().replace("-", "_") for t in (text or "").split(",") if t.strip()}
    return items | {"none"}


@present_errors
def program_command(
    source: Annotated[
        Path,
        typer.Option(
            "--from", help="assessment.json written by `hipcheck analyze` (or its folder)."
        ),
    ],
    equipment: Annotated[
        str,
        typer.Option(help=f"Comma-separated equipment you have: {', '.join(EQUIPMENT[1:])}."),
    ] = "",
    level: Annotated[str, typer.Option(help=f"Training level: {', '.join(LEVELS)}.")] = (
        "intermediate"
    ),
    lateral_hip_pain: Annotated[
        bool, typer.Option("--lateral-hip-pain", help="Pain on the side of the hip.")
    ] = False,
    athlete: Annotated[bool, typer.Option("--athlete", help="Add landing and hop drills.")] = False,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help=f"Output format: {', '.join(FORMATS)}.")
    ] = "text",
    output: Annotated[
        Optional[Path],  # noqa: UP045 - typer needs Optional on Python 3.10
        typer.Option("--output", "-o", help="Write to this file instead of printing."),
    ] = None,
) -> None:
    """Print a phased exercise program for the findings of an assessment.

    Only what was measured shapes the program: when nothing could be measured there is
    no program (the message says why and what to film); a leg that was not tested gets
    no side-specific dose.
    """
    if fmt not in FORMATS:
        raise UsageError(f"Unknown format {fmt!r}.", f"Choose one of: {', '.join(FORMATS)}.")
    assessment = read_assessment_for_program(source)
    context = ProgramContext(
        equipment=frozenset(parse_equipment(equipment)),
        level=level,
        lateral_hip_pain=lateral_hip_pain,
        athlete=athlete,
    )
    with_program = attach_program(assessment, context)
    program = with_program.program
    if program is None:
        raise ProgramInputError(
            with_program.program_note or "No program could be built for this assessment.",
            hint=assessment.coverage.advice,
        )
    if fmt == "json":
        text = json.dumps(program.to_dict(), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "markdown":
        text = render_markdown(program)
    else:
        text = render_text(program)
    if output is None:
        echo(text, nl=False)
        return
    from hipcheck.outputs.atomic import atomic_write_text
    from hipcheck.outputs.folder import output_file

    with output_file(output, "the program", f"program.{'md' if fmt == 'markdown' else fmt}"):
        atomic_write_text(output, text, "the program")
    typer.echo(f"Program written to {output}", err=True)


def register(app: typer.Typer) -> None:
    """Add the ``program`` command to a Typer app."""
    app.command("program")(program_command)
