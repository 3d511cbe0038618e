"""Self-contained HTML report (Jinja2, autoescaped; images inlined as data URIs).

The page has no external references (no CDN, fonts, scripts or remote images), so it
can be archived or e-mailed as one file. Every piece of text from the assessment or
the user (patient id, file names, notes) is escaped by Jinja2's autoescape.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from typing import TYPE_CHECKING

import cv2
import numpy as np
from jinja2 import Environment, PackageLoader, StrictUndefined

from hipcheck.model import Assessment
from hipcheck.reports.bands import RATING_COLOURS, UNRATED_COLOUR
from hipcheck.reports.plots import figure_to_png, plot_timeseries
from hipcheck.reports.tables import build_report

if TYPE_CHECKING:
    from hipcheck.reports import ReportOptions


def _rating_class(value: object) -> str:
    """CSS class for a rating; anything unexpected maps to ``none``."""
    return value if value in RATING_COLOURS else "none"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("hipcheck.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["rating_class"] = _rating_class
    return env


def png_data_uri(png: bytes) -> str:
    """Return ``data:image/png;base64,...`` for PNG bytes."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def image_png(image: np.ndarray) -> bytes:
    """Encode an RGB uint8 image as PNG bytes."""
    rgb = np.ascontiguousarray(image, dtype=np.uint8)
    ok, buf = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("could not encode the image as PNG")
    return buf.tobytes()


def render_html(assessment: Assessment, options: ReportOptions | None = None) -> str:
    """Return the report as one self-contained HTML document.

    Parameters
    ----------
    assessment
        The analysis to report (texts longer than
        :data:`hipcheck.reports.MAX_TEXT_CHARS` are cut).
    options
        Kinematics (time-series plot), key frames, patient id, date and notes. The
        FPPA bands follow the assessment's sex.
    """
    from hipcheck import __version__
    from hipcheck.reports import ReportOptions, bounded

    opts = options or ReportOptions()
    assessment = bounded(assessment)
    report = build_report(assessment, patient_id=opts.patient_id, session_date=opts.session_date)
    sex = assessment.sex
    plots = []
    kinematics = opts.kinematics
    if kinematics is not None and len(kinematics):
        plots.append(png_data_uri(figure_to_png(plot_timeseries(kinematics, assessment, sex=sex))))
    frames = [png_data_uri(image_png(f)) for f in opts.key_frames]
    colours = {**RATING_COLOURS, "none": UNRATED_COLOUR}
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            r=report,
            plots=plots,
            frames=frames,
            frame_notes=list(opts.notes),
            patient_id=opts.patient_id,
            colours=colours,
            version=__version__,
        )
    )
