"""Self-contained HTML report (Jinja2, autoescaped; images inlined as data URIs).

The page has no external references (no CDN, fonts, scripts or remote images), so it
can be archived or e-mailed as one file. Every piece of text from the assessment or
the user (patient id, file names, notes) is escaped by Jinja2's autoescape.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from functools import lru_cache

import cv2
import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined

from hipcheck.model import Assessment
from hipcheck.reports.bands import RATING_COLOURS, UNRATED_COLOUR
from hipcheck.reports.plots import figure_to_png, plot_timeseries
from hipcheck.reports.tables import build_report


def _rating_class(value: object) -> str:
    """CSS class for a rating; anything unexpected maps to ``none``."""
    return value if value in RATING_COLOURS else "none"  # type: ignore[return-value]


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


def render_html(
    assessment: Assessment,
    *,
    kinematics: pd.DataFrame | None = None,
    key_frames: Sequence[np.ndarray] | None = None,
    patient_id: str | None = None,
    session_date: str | None = None,
) -> str:
    """Return the report as one self-contained HTML document.

    Parameters
    ----------
    assessment
        The analysis to report.
    kinematics
        Per-frame kinematics; when given, the time-series plot is included.
    key_frames
        Annotated RGB frames (e.g. from :func:`hipcheck.reports.draw.key_frame`).
    patient_id, session_date
        Shown as entered; both optional.
    """
    from hipcheck import __version__

    report = build_report(assessment, patient_id=patient_id, session_date=session_date)
    sex = assessment.sex
    plots = []
    if kinematics is not None and len(kinematics):
        plots.append(png_data_uri(figure_to_png(plot_timeseries(kinematics, assessment, sex=sex))))
    frames = [png_data_uri(image_png(f)) for f in key_frames or []]
    colours = {**RATING_COLOURS, "none": UNRATED_COLOUR}
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            r=report,
            plots=plots,
            frames=frames,
            patient_id=patient_id,
            colours=colours,
            version=__version__,
        )
    )
