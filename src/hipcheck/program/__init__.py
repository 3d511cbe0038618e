"""Exercise program: library, findings -> phased program, safety wording, rendering.

Typical use::

    from hipcheck.program import ProgramContext, attach_program, render_text

    assessment = attach_program(assessment, ProgramContext(equipment={"band"}))
    print(render_text(assessment.program))

Names are imported lazily, so ``hipcheck.program.model`` (part of the assessment model)
can be imported without the library and mapping modules.
"""

from __future__ import annotations

from hipcheck._lazy import lazy_getattr

_LAZY = {
    "Exercise": "hipcheck.program.library",
    "Library": "hipcheck.program.library",
    "LibraryError": "hipcheck.program.library",
    "load_library": "hipcheck.program.library",
    "attach_program": "hipcheck.program.mapping",
    "build_program": "hipcheck.program.mapping",
    "Phase": "hipcheck.program.model",
    "Program": "hipcheck.program.model",
    "ProgramContext": "hipcheck.program.model",
    "ProgramInputError": "hipcheck.program.model",
    "ProgramItem": "hipcheck.program.model",
    "Safety": "hipcheck.program.model",
    "render_markdown": "hipcheck.program.render",
    "render_text": "hipcheck.program.render",
    "disclaimer_text": "hipcheck.program.safety",
    "par_q": "hipcheck.program.safety",
    "red_flags": "hipcheck.program.safety",
    "screen": "hipcheck.program.safety",
}

__all__ = sorted(_LAZY)

__getattr__ = lazy_getattr(__name__, _LAZY)
