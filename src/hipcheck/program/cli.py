"""``hipcheck program``: print the exercise program for an assessment.

The main CLI calls :func:`register` to add the command.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from hipcheck.cli.present import echo, present_errors
from hipcheck.errors import HipcheckError, UsageError
from hipcheck.model import SCHEMA_VERSION, Finding
from hipcheck.program.mapping import build_program
from hipcheck.program.model import EQUIPMENT, LEVELS, ProgramContext, ProgramInputError
from hipcheck.program.render import render_markdown, render_text

FORMATS: tuple[str, ...] = ("text", "markdown", "json")


def read_findings(path: Path) -> list[Finding]:
    """Read the ``findings`` of an ``assessment.json``.

    Raises
    ------
    ProgramInputError
        If the file is missing, is not JSON, or has no usable ``findings`` list.
    """
    from hipcheck.outputs.load import assessment_file, read_json_document

    path = assessment_file(path)
    if not path.is_file():
        raise ProgramInputError(
            f"No assessment file at {path}.",
            hint="Run `hipcheck analyze VIDEO --out DIR` first and pass DIR/assessment.json.",
        )
    try:
        doc: Any = read_json_document(path)
    except HipcheckError as exc:
        raise ProgramInputError(exc.message, hint=exc.hint) from None
    if not isinstance(doc.get("findings"), list):
        raise ProgramInputError(
            f"{path} has no 'findings' list, so it is not a hipcheck assessment.",
            hint="Pass the assessment.json written by `hipcheck analyze`.",
        )
    version = doc.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise ProgramInputError(
            f"{path} has assessment schema_version {version!r}; this hipcheck reads "
            f"version {SCHEMA_VERSION}.",
            hint="Re-run `hipcheck analyze` with this version of hipcheck.",
        )
    findings = []
    for k, f in enumerate(doc["findings"]):
        try:
            if not isinstance(f, dict):
                raise TypeError(f"expected an object, got {type(f).__name__}")
            findings.append(Finding(**f))
        except TypeError as exc:
            raise ProgramInputError(
                f"{path}: finding {k} is not a valid finding ({exc}).",
                hint="Each finding needs at least 'id', 'side' and 'severity'.",
            ) from exc
    return findings


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
    """Print a phased exercise program for the findings of an assessment."""
    if fmt not in FORMATS:
        raise UsageError(f"Unknown format {fmt!r}.", f"Choose one of: {', '.join(FORMATS)}.")
    findings = read_findings(source)
    context = ProgramContext(
        equipment=frozenset(parse_equipment(equipment)),
        level=level,
        lateral_hip_pain=lateral_hip_pain,
        athlete=athlete,
    )
    program = build_program(findings, context)
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
