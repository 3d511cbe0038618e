"""Outputs: plots, skeleton drawings, the annotated video and the clinician report.

Report formats come from a small writer registry (the whisper pattern): each writer
takes an assessment, an output path and one :class:`ReportOptions`, writes the file
atomically and returns its path.

>>> from hipcheck.reports import ReportOptions, write_report  # doctest: +SKIP
>>> options = ReportOptions(kinematics=kin, patient_id="A-12")  # doctest: +SKIP
>>> write_report(assessment, "report.pdf", options=options)  # doctest: +SKIP

Text in a report is bounded: the patient id and date are refused above
:data:`MAX_FIELD_CHARS`, and any text of the assessment longer than
:data:`MAX_TEXT_CHARS` is cut (a report of a hostile file with a 50 MB field would
otherwise take the PDF layout engine many minutes).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hipcheck.errors import UsageError
from hipcheck.model import Assessment
from hipcheck.sanitize import clean_id, strip_control

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

#: longest patient id or session date accepted (characters)
MAX_FIELD_CHARS = 200
#: longest single text of an assessment shown in a report; longer ones are cut. The
#: longest text hipcheck itself writes (a quality note or finding) is under 600.
MAX_TEXT_CHARS = 2000


@dataclass(frozen=True)
class ReportOptions:
    """Everything a report writer needs besides the assessment.

    Attributes
    ----------
    kinematics
        Per-frame kinematics; when given, the time-series plot is included.
    key_frames
        Annotated RGB frames (at most three are shown in the PDF).
    patient_id, session_date
        Shown as entered (control characters removed); both optional, at most
        :data:`MAX_FIELD_CHARS` characters.
    notes
        Plain-language notes about the report itself (e.g. why key frames are missing).

    Raises
    ------
    hipcheck.errors.UsageError
        The patient id or date is longer than :data:`MAX_FIELD_CHARS`.
    """

    kinematics: pd.DataFrame | None = None
    key_frames: Sequence[np.ndarray] = ()
    patient_id: str | None = None
    session_date: str | None = None
    notes: Sequence[str] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for name in ("patient_id", "session_date"):
            value = getattr(self, name)
            if value is None:
                continue
            text = clean_id(value)
            if len(text) > MAX_FIELD_CHARS:
                label = "patient id" if name == "patient_id" else "session date"
                raise UsageError(
                    f"The {label} is {len(text):,} characters long; a report takes at most "
                    f"{MAX_FIELD_CHARS}.",
                    f"Shorten the {label}.",
                )
            object.__setattr__(self, name, text or None)
        object.__setattr__(self, "key_frames", tuple(self.key_frames))
        object.__setattr__(self, "notes", tuple(strip_control(n) for n in self.notes))


def _cap(value: Any) -> Any:
    if isinstance(value, str):
        text = strip_control(value)
        return text if len(text) <= MAX_TEXT_CHARS else text[: MAX_TEXT_CHARS - 1] + "\u2026"
    if isinstance(value, list | tuple):
        return type(value)(_cap(v) for v in value)
    if isinstance(value, dict):
        return {k: _cap(v) for k, v in value.items()}
    return value


def bounded(assessment: Assessment) -> Assessment:
    """Return a copy of ``assessment`` whose texts are at most :data:`MAX_TEXT_CHARS` long.

    Control characters are removed too. Works through the public
    ``to_dict``/``from_dict`` round trip, so it holds whatever shape the model has.
    """
    return Assessment.from_dict(_cap(assessment.to_dict()))


def render_report_bytes(
    assessment: Assessment, fmt: str, options: ReportOptions | None = None
) -> bytes:
    """Return the report as bytes: ``html`` (UTF-8) or ``pdf``."""
    fmt = report_format("", fmt)
    if fmt == "html":
        from hipcheck.reports.report_html import render_html

        return render_html(assessment, options).encode("utf-8")
    from hipcheck.reports.report_pdf import render_pdf_bytes

    return render_pdf_bytes(assessment, options)[0]


def _writer(fmt: str) -> Callable[[Assessment, str | os.PathLike[str], ReportOptions], Path]:
    def write(
        assessment: Assessment, out_path: str | os.PathLike[str], options: ReportOptions
    ) -> Path:
        from hipcheck.outputs.atomic import atomic_write_bytes

        return atomic_write_bytes(
            out_path, render_report_bytes(assessment, fmt, options), "the report"
        )

    return write


ReportWriter = Callable[[Assessment, str | os.PathLike[str], ReportOptions], Path]
#: format name -> writer(assessment, out_path, options) -> Path (writes atomically)
WRITERS: dict[str, ReportWriter] = {"html": _writer("html"), "pdf": _writer("pdf")}
#: file suffix -> format name
SUFFIXES: dict[str, str] = {".html": "html", ".htm": "html", ".pdf": "pdf"}


def report_format(out_path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """Return the report format: ``fmt`` if given, else from the suffix of ``out_path``.

    Raises
    ------
    hipcheck.errors.UsageError
        For an unknown format or suffix (a ``ValueError`` too).
    """
    if fmt is None:
        suffix = Path(out_path).suffix.lower()
        if suffix not in SUFFIXES:
            raise ReportFormatError(
                f"Cannot tell the report format from {Path(out_path).name!r}.",
                f"Use a file name ending in {', '.join(sorted(SUFFIXES))}.",
            )
        return SUFFIXES[suffix]
    fmt = fmt.lower().lstrip(".")
    if fmt not in WRITERS:
        raise ReportFormatError(
            f"Unknown report format {fmt!r}.", f"Choose one of: {', '.join(sorted(WRITERS))}."
        )
    return fmt


class ReportFormatError(UsageError, ValueError):
    """An unknown report format (a usage error, and a ValueError for library callers)."""


def write_report(
    assessment: Assessment,
    out_path: str | os.PathLike[str],
    fmt: str | None = None,
    options: ReportOptions | None = None,
) -> Path:
    """Write the clinician report atomically and return its path.

    Parameters
    ----------
    assessment
        The analysis to report.
    out_path
        Output file.
    fmt
        ``html`` or ``pdf``; default from the suffix of ``out_path``.
    options
        Kinematics, key frames, patient id, date, sex and notes (:class:`ReportOptions`).

    Raises
    ------
    hipcheck.errors.UsageError
        Unknown format.
    hipcheck.errors.OutputError
        The file cannot be written (nothing partial is left under its name).
    """
    return WRITERS[report_format(out_path, fmt)](assessment, out_path, options or ReportOptions())


__all__ = [
    "MAX_FIELD_CHARS",
    "MAX_TEXT_CHARS",
    "SUFFIXES",
    "WRITERS",
    "ReportFormatError",
    "ReportOptions",
    "bounded",
    "render_report_bytes",
    "report_format",
    "write_report",
]
