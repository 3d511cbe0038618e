"""``hipcheck program``: print the exercise program for an assessment.

The main CLI calls :func:`register` to add the command.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from hipcheck.errors import HipcheckError
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
    if path.is_dir():
        path = path / "assessment.json"
    if not path.is_file():
        raise ProgramInputError(
            f"No assessment file at {path}.",
            hint="Run `hipcheck analyze VIDEO --out DIR` first and pass DIR/assessment.json.",
        )
    try:
        doc: Any = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProgramInputError(
            f"{path} is not valid JSON ({exc}).",
            hint="Pass the assessment.json written by `hipcheck analyze`.",
        ) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
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


def _fail(err: HipcheckError) -> typer.Exit:
    typer.echo(f"Error: {err.message}", err=True)
    if err.hint:
        typer.echo(f"Hint: {err.hint}", err=True)
    return typer.Exit(code=1)


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
    try:
        if fmt not in FORMATS:
            raise ProgramInputError(
                f"Unknown format {fmt!r}.", hint=f"Choose one of: {', '.join(FORMATS)}."
            )
        findings = read_findings(source)
        context = ProgramContext(
            equipment=frozenset(parse_equipment(equipment)),
            level=level,
            lateral_hip_pain=lateral_hip_pain,
            athlete=athlete,
        )
    except HipcheckError as err:
        raise _fail(err) from None
    program = build_program(findings, context)
    if fmt == "json":
        text = json.dumps(program.to_dict(), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "markdown":
        text = render_markdown(program)
    else:
        text = render_text(program)
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _fail(
            ProgramInputError(f"Cannot write {output} ({exc.strerror}).", hint="Check the path.")
        ) from None
    typer.echo(f"Program written to {output}", err=True)


def register(app: typer.Typer) -> None:
    """Add the ``program`` command to a Typer app."""
    app.command("program")(program_command)
