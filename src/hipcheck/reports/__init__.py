"""Outputs: plots, skeleton drawings, the annotated video and the clinician report.

Report formats come from a small writer registry (the whisper pattern): each writer
takes an assessment, an output path and keyword options, and returns the path.

>>> from hipcheck.reports import write_report  # doctest: +SKIP
>>> write_report(assessment, "report.pdf", kinematics=kin, patient_id="A-12")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hipcheck.model import Assessment

ReportWriter = Callable[..., Path]


def _write_html(assessment: Assessment, out_path: str | os.PathLike[str], **kw: Any) -> Path:
    from hipcheck.reports.report_html import render_html

    out = Path(out_path)
    out.write_text(render_html(assessment, **kw), encoding="utf-8")
    return out


def _write_pdf(assessment: Assessment, out_path: str | os.PathLike[str], **kw: Any) -> Path:
    from hipcheck.reports.report_pdf import render_pdf

    return render_pdf(assessment, out_path, **kw)


#: format name -> writer(assessment, out_path, **kw) -> Path
WRITERS: dict[str, ReportWriter] = {"html": _write_html, "pdf": _write_pdf}
#: file suffix -> format name
SUFFIXES: dict[str, str] = {".html": "html", ".htm": "html", ".pdf": "pdf"}


def report_format(out_path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """Return the report format: ``fmt`` if given, else from the suffix of ``out_path``.

    Raises
    ------
    ValueError
        For an unknown format or suffix.
    """
    if fmt is None:
        suffix = Path(out_path).suffix.lower()
        if suffix not in SUFFIXES:
            raise ValueError(
                f"Cannot tell the report format from {Path(out_path).name!r}; "
                f"use a name ending in {', '.join(sorted(SUFFIXES))} or give fmt."
            )
        return SUFFIXES[suffix]
    fmt = fmt.lower().lstrip(".")
    if fmt not in WRITERS:
        raise ValueError(f"Unknown report format {fmt!r}; choose one of {sorted(WRITERS)}.")
    return fmt


def write_report(
    assessment: Assessment,
    out_path: str | os.PathLike[str],
    fmt: str | None = None,
    **kw: Any,
) -> Path:
    """Write the clinician report and return its path.

    Parameters
    ----------
    assessment
        The analysis to report.
    out_path
        Output file.
    fmt
        ``html`` or ``pdf``; default from the suffix of ``out_path``.
    **kw
        ``kinematics``, ``key_frames``, ``patient_id``, ``session_date``, ``sex``
        (see :func:`hipcheck.reports.report_html.render_html`).
    """
    return WRITERS[report_format(out_path, fmt)](assessment, out_path, **kw)


__all__ = ["SUFFIXES", "WRITERS", "report_format", "write_report"]
