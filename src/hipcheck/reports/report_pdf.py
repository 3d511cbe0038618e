"""PDF report (reportlab platypus, A4, one to three pages).

Text is set in DejaVu Sans, the TrueType font that ships with matplotlib, so names
such as "Zoë Łukasz" render (DejaVu has no CJK glyphs: such characters print as
empty boxes rather than failing). Every string from the assessment or the user is
escaped for reportlab's paragraph markup.

The layout is tried at decreasing levels of detail until it fits in
:data:`MAX_PAGES` pages (smaller figures, then shorter program entries).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from hipcheck.model import Assessment
from hipcheck.reports.bands import RATING_COLOURS, UNRATED_COLOUR
from hipcheck.reports.plots import figure_to_png, plot_timeseries
from hipcheck.reports.report_html import image_png
from hipcheck.reports.tables import Cell, Report, build_report

if TYPE_CHECKING:
    from hipcheck.reports import ReportOptions

MAX_PAGES = 3
#: usable width: A4 minus 15 mm margins minus the frame's 6 pt padding on each side
CONTENT_W = A4[0] - 30 * mm - 12
FONT = "HipcheckSans"
FONT_BOLD = "HipcheckSans-Bold"
_TINTS = {"good": "#e8f5e9", "fair": "#fff3e0", "poor": "#ffebee", "indicative": "#f2f2f2"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@lru_cache(maxsize=1)
def register_fonts() -> tuple[str, str]:
    """Register DejaVu Sans (regular, bold) from matplotlib's data; return their names."""
    import matplotlib

    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(ttf / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(ttf / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )
    return FONT, FONT_BOLD


def esc(text: object) -> str:
    """Escape ``text`` for reportlab paragraph markup (and drop control characters)."""
    return escape(_CONTROL.sub("", str(text)))


@dataclass(frozen=True)
class _Level:
    """How much detail one layout attempt includes."""

    plot_width_mm: float
    frame_height_mm: float
    cues: bool
    why: bool
    #: all program notes (False: only progression and re-test rules, not substitutions)
    notes: bool = True


_LEVELS = (
    _Level(180, 85, True, True),
    _Level(180, 70, True, False),
    _Level(165, 60, False, False),
    _Level(140, 50, False, False),
    _Level(130, 45, False, False, notes=False),
    _Level(110, 38, False, False, notes=False),
)


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = register_fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=8.8, leading=11.2, alignment=TA_LEFT)
    return {
        "base": base,
        "small": ParagraphStyle(
            "small", parent=base, fontSize=7.6, leading=9.4, textColor="#555555"
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=9.6),
        "cellb": ParagraphStyle("cellb", parent=base, fontName=bold, fontSize=8, leading=9.6),
        "title": ParagraphStyle("title", parent=base, fontName=bold, fontSize=17, leading=21),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=bold,
            fontSize=11.5,
            leading=14,
            spaceBefore=7,
            spaceAfter=3,
            textColor="#263238",
        ),  # fmt: skip
        "h3": ParagraphStyle(
            "h3", parent=base, fontName=bold, fontSize=9.5, leading=12, spaceBefore=4
        ),
    }


def _badge(rating: str | None, text: str | None = None) -> str:
    colour = RATING_COLOURS.get(rating or "", UNRATED_COLOUR)
    return f'<font color="{colour}"><b>{esc(text or rating or "not rated")}</b></font>'


def _bullets(items: Sequence[str], style: ParagraphStyle) -> ListFlowable:
    return ListFlowable(
        [ListItem(Paragraph(esc(t), style), leftIndent=10) for t in items],
        bulletType="bullet",
        start="\u2022",
        leftIndent=10,
        bulletFontName=style.fontName,
        bulletFontSize=style.fontSize,
    )


def _image(png: bytes, width_mm: float | None = None, height_mm: float | None = None) -> Image:
    img = Image(io.BytesIO(png))
    w, h = img.imageWidth, img.imageHeight
    scale = width_mm * mm / w if width_mm is not None else (height_mm or 60) * mm / h
    img.drawWidth, img.drawHeight = w * scale, h * scale
    return img


def _header(r: Report, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    out: list[Flowable] = [Paragraph(esc(r.title), st["title"]), Spacer(1, 2 * mm)]
    pairs = [*r.header, ("Task", r.task)]
    cells = [[Paragraph(esc(k), st["small"]), Paragraph(esc(v), st["cell"])] for k, v in pairs]
    # two key/value pairs per row
    rows = []
    for i in range(0, len(cells), 2):
        right = cells[i + 1] if i + 1 < len(cells) else ["", ""]
        rows.append([*cells[i], *right])
    key_w = 26 * mm
    table = Table(rows, colWidths=[key_w, CONTENT_W / 2 - key_w] * 2)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    overall = _badge(r.overall_rating) if r.overall_rating else "not rated"
    out += [
        table,
        Spacer(1, 2 * mm),
        Paragraph(f"<b>Overall:</b> {overall}", st["base"]),
        Paragraph(f"<b>Protocol.</b> {esc(r.protocol)} {esc(r.filming)}", st["small"]),
    ]
    return out


def _findings(r: Report, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    out: list[Flowable] = [Paragraph("Findings", st["h2"])]
    out.append(Paragraph(esc(r.coverage), st["base"]))
    if r.advice:
        out.append(Paragraph(f"<b>What to film:</b> {esc(r.advice)}", st["base"]))
    if not r.findings:
        return out + (
            [Paragraph(esc(r.no_findings_text), st["base"])] if r.no_findings_text else []
        )
    for f in r.findings:
        value = f" <font color='#555555'>mean {esc(f.value)}" if f.value else ""
        if value and f.n_reps:
            value += f" over {esc(f.n_reps)} reps"
        value += "</font>" if value else ""
        out.append(
            Paragraph(
                f"{_badge(f.severity, f.severity_text)} <b>{esc(f.title)}</b>{value}: "
                f"{esc(f.summary)}",
                st["base"],
            )
        )
    return out


def _cell_para(cell: Cell, st: dict[str, ParagraphStyle]) -> Paragraph:
    if cell.status == "not_measurable":
        text = "<i>not measurable</i>" + (f": {esc(cell.sub)}" if cell.sub else "")
        return Paragraph(text, st["small"])
    text = esc(cell.text)
    if cell.sub:
        text += f" <font size='6.8' color='#666666'>{esc(cell.sub)}</font>"
    if cell.status == "indicative":
        text += " <font size='6.8' color='#666666'>indicative</font>"
    elif cell.rating:
        text += f" {_badge(cell.rating)}"
    return Paragraph(text, st["cell"])


def _rep_table(r: Report, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    out: list[Flowable] = [Paragraph("Repetitions", st["h2"])]
    if not r.rows:
        return [*out, Paragraph("No repetitions were found in the clip.", st["base"])]
    head = ["Rep", "Stance", "Depth", *r.columns, "Quality"]
    data = [[Paragraph(esc(h), st["cellb"]) for h in head]]
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eceff1")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#cfd8dc")),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for i, row in enumerate(r.rows, 1):
        label_style = st["cellb"] if row.is_mean else st["cell"]
        cells = [Paragraph(esc(row.label), label_style), Paragraph(esc(row.side), label_style),
                 Paragraph(esc(row.depth), label_style)]  # fmt: skip
        for j, cell in enumerate(row.cells):
            cells.append(_cell_para(cell, st))
            tint = (
                _TINTS.get(cell.rating or "")
                if cell.status == "measured"
                else _TINTS.get(cell.status)
            )
            if tint:
                style.append(("BACKGROUND", (3 + j, i), (3 + j, i), colors.HexColor(tint)))
        cells.append(Paragraph(esc(row.quality), st["small"]))
        data.append(cells)
        if row.is_mean:
            style.append(("LINEBELOW", (0, i), (-1, i), 0.8, colors.HexColor("#90a4ae")))
    n_metric = len(r.columns)
    fixed = [11 * mm, 13 * mm, 12 * mm]
    quality_w = 30 * mm
    metric_w = (CONTENT_W - sum(fixed) - quality_w) / max(n_metric, 1)
    table = Table(data, colWidths=[*fixed, *([metric_w] * n_metric), quality_w], repeatRows=1)
    table.setStyle(TableStyle(style))
    out.append(table)
    out.append(Spacer(1, 1.5 * mm))
    out.append(
        Paragraph(
            "Values at the deepest point of each repetition, relative to quiet standing "
            "(absolute in brackets). Pelvic drop + = the other side of the pelvis drops; knee "
            "valgus (FPPA) + = knee moves inward; trunk lean + = toward the standing leg.",
            st["small"],
        )
    )
    out += [Paragraph(esc(n), st["small"]) for n in r.table_notes]
    return out


def _program(r: Report, st: dict[str, ParagraphStyle], level: _Level) -> list[Flowable]:
    heading = Paragraph("Exercise program", st["h2"])
    out: list[Flowable] = []
    if not r.phases:
        note = r.program_note or "No program was generated for this assessment."
        out += [heading, Paragraph(esc(note), st["base"])]
    for k, phase in enumerate(r.phases):
        rows = []
        for item in phase.items:
            name = f"<b>{esc(item.name)}</b>"
            if item.side:
                name += f" <font color='#666666'>({esc(item.side)} emphasis)</font>"
            detail = esc(item.dosage)
            if item.sides_note:
                detail += f"<br/><font color='#666666'>{esc(item.sides_note)}</font>"
            if level.cues and item.cues:
                detail += "<br/><font color='#37474f'>" + esc("; ".join(item.cues)) + "</font>"
            if level.why and item.why:
                detail += f"<br/><font size='7' color='#666666'>Why: {esc(item.why)}</font>"
            rows.append([Paragraph(name, st["cell"]), Paragraph(detail, st["cell"])])
        head = Paragraph(esc(phase.title), st["h3"])
        goal = Paragraph(esc(phase.goal), st["small"]) if phase.goal else Spacer(1, 0)
        # the section heading travels with the first phase (never orphaned)
        block: list[Flowable] = [heading, head, goal] if k == 0 else [head, goal]
        if phase.retraining and level.cues:
            text = "Movement retraining: " + "; ".join(phase.retraining)
            block.append(Paragraph(esc(text), st["small"]))
        if rows:
            table = Table(rows, colWidths=[58 * mm, CONTENT_W - 58 * mm])
            table.setStyle(TableStyle([
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#e0e0e0")),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ]))  # fmt: skip
            block.append(table)
        out.append(KeepTogether(block))
    notes = r.program_notes
    if not level.notes:
        notes = [n for n in notes if n.startswith(("Progression:", "Re-test:"))]
    if notes:
        out.append(Spacer(1, 1 * mm))
        out.append(_bullets(notes, st["small"]))
    return out


def _safety(r: Report, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    out: list[Flowable] = [
        Paragraph(esc(r.red_flags_title), st["h2"]),
        _bullets(r.red_flags, st["cell"]),
    ]
    if r.screening:
        out += [Paragraph(esc(r.screening_title), st["h3"]), _bullets(r.screening, st["cell"])]
    out += [Paragraph(esc(n), st["small"]) for n in r.safety_notes]
    out.append(Paragraph("About these results", st["h2"]))
    out.append(Paragraph(esc(r.disclaimer), st["small"]))
    return out


def _figures(
    frames_png: list[bytes],
    plot_png: bytes | None,
    notes: Sequence[str],
    st: dict[str, ParagraphStyle],
    level: _Level,
) -> list[Flowable]:
    out: list[Flowable] = []
    if plot_png is not None:
        plot = _image(plot_png, width_mm=min(level.plot_width_mm, CONTENT_W / mm))
        out.append(KeepTogether([Paragraph("Over time", st["h2"]), plot]))
    block: list[Flowable] = []
    if frames_png:
        images = [_image(p, height_mm=level.frame_height_mm) for p in frames_png[:3]]
        row = Table([images], hAlign="LEFT")
        row.setStyle(
            TableStyle(
                [("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 4)]
            )
        )
        block.append(row)
    block += [Paragraph(esc(n), st["small"]) for n in notes]
    if block:
        out.append(KeepTogether([Paragraph("Key frames", st["h2"]), *block]))
    return out


def _story(
    r: Report,
    plot_png: bytes | None,
    frames_png: list[bytes],
    notes: Sequence[str],
    level: _Level,
) -> list[Flowable]:
    st = _styles()
    story = _header(r, st) + _findings(r, st)
    story.append(Paragraph("Camera and quality notes", st["h2"]))
    story.append(_bullets(r.quality_notes, st["cell"]) if r.quality_notes else
                 Paragraph("No quality problems were flagged.", st["base"]))  # fmt: skip
    story += _rep_table(r, st)
    story += _figures(frames_png, plot_png, notes, st, level)
    story += _program(r, st, level)
    story += _safety(r, st)
    return story


def _footer(patient_id: str | None):
    def draw(canvas, doc) -> None:  # noqa: ANN001 - reportlab callback signature
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(colors.HexColor("#777777"))
        left = "hipcheck - a movement-quality screen, not a diagnosis"
        if patient_id:
            left += f" - {_CONTROL.sub('', str(patient_id))[:60]}"
        canvas.drawString(15 * mm, 9 * mm, left)
        canvas.drawRightString(A4[0] - 15 * mm, 9 * mm, f"page {doc.page}")
        canvas.restoreState()

    return draw


def _build(story: list[Flowable], patient_id: str | None, title: str) -> tuple[bytes, int]:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=13 * mm,
        bottomMargin=15 * mm,
        title=title,
        author="hipcheck",
        subject="Movement screen report",
    )
    footer = _footer(patient_id)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue(), doc.page


def render_pdf_bytes(
    assessment: Assessment, options: ReportOptions | None = None
) -> tuple[bytes, int]:
    """Return the report as an A4 PDF of one to three pages, and its page count.

    Parameters
    ----------
    assessment
        The analysis to report (texts longer than
        :data:`hipcheck.reports.MAX_TEXT_CHARS` are cut).
    options
        Kinematics (time-series plot), key frames (at most three are shown), patient
        id, date and notes. The FPPA bands follow the assessment's sex.
    """
    from hipcheck.reports import ReportOptions, bounded

    opts = options or ReportOptions()
    assessment = bounded(assessment)
    patient_id = opts.patient_id
    report = build_report(assessment, patient_id=patient_id, session_date=opts.session_date)
    sex = assessment.sex
    plot_png = None
    if opts.kinematics is not None and len(opts.kinematics):
        fig = plot_timeseries(opts.kinematics, assessment, sex=sex, panel_height_in=1.3)
        plot_png = figure_to_png(fig, dpi=170)
    frames_png = [image_png(f) for f in opts.key_frames]
    title = report.title + (f" - {patient_id}" if patient_id else "")
    pdf, pages = b"", 0
    for level in _LEVELS:
        story = _story(report, plot_png, frames_png, opts.notes, level)
        pdf, pages = _build(story, patient_id, _CONTROL.sub("", title))
        if pages <= MAX_PAGES:
            break
    return pdf, pages


def render_pdf(
    assessment: Assessment,
    out_path: str | os.PathLike[str],
    options: ReportOptions | None = None,
) -> Path:
    """Write the report as an A4 PDF (atomically) and return its path.

    See :func:`render_pdf_bytes`; the file is written to a temporary name and renamed
    into place, so a failure never leaves a partial PDF under ``out_path``.
    """
    from hipcheck.outputs.atomic import atomic_write_bytes

    return atomic_write_bytes(out_path, render_pdf_bytes(assessment, options)[0], "the report")
