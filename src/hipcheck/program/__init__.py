"""Exercise program: library, findings -> phased program, safety wording, rendering.

Typical use::

    from hipcheck.program import ProgramContext, build_program, render_text

    program = build_program(assessment.findings, ProgramContext(equipment={"band"}))
    assessment.program = program.to_dict()
    print(render_text(program))
"""

from __future__ import annotations

from hipcheck.program.library import Exercise, Library, LibraryError, load_library
from hipcheck.program.mapping import build_program
from hipcheck.program.model import (
    Phase,
    Program,
    ProgramContext,
    ProgramInputError,
    ProgramItem,
    Safety,
)
from hipcheck.program.render import render_markdown, render_text
from hipcheck.program.safety import disclaimer_text, par_q, red_flags, screen

__all__ = [
    "Exercise",
    "Library",
    "LibraryError",
    "Phase",
    "Program",
    "ProgramContext",
    "ProgramInputError",
    "ProgramItem",
    "Safety",
    "build_program",
    "disclaimer_text",
    "load_library",
    "par_q",
    "red_flags",
    "render_markdown",
    "render_text",
    "screen",
]
