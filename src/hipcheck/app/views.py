"""Rendering: a stored result, errors and progress, as Streamlit elements.

The page content is a function of a :class:`hipcheck.app.state.StoredResult` and the
user's options (:func:`render_results`), so it can be tested without running the pose
model. The words come from :func:`hipcheck.reports.tables.build_report`, the same
content the HTML and PDF reports lay out, plus the card texts built here by small pure
functions (:func:`metric_cards`, :func:`progress_text`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from hipcheck.app import guide
from hipcheck.app.state import Options, StoredResult
from hipcheck.errors import HipcheckError
from hipcheck.metrics import spec
from hipcheck.model import Assessment, MetricSummary
from hipcheck.reports.tables import Report, build_report

logger = logging.getLogger(__name__)

#: Streamlit markdown colour per rating
RATING_MD_COLOURS: dict[str, str] = {"good": "green", "fair": "orange", "poor": "red"}
#: light cell backgrounds of the rep table per rating
RATING_CELL_CSS: dict[str, str] = {
    "good": "background-color: #e8f5e9",
    "fair": "background-color: #fff3e0",
    "poor": "background-color: #ffebee",
}
JSON = "application/json"
NO_FINDINGS = "No findings that call for a corrective program."
SIDE_TITLES: dict[str, str] = {
    "left": "Standing on the left leg",
    "right": "Standing on the right leg",
    "both": "Both legs",
}


# --- progress ---------------------------------------------------------------------------


def format_duration(seconds: float) -> str:
    """Return ``seconds`` as ``"12 s"`` or ``"2 min 05 s"``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 60} min {seconds % 60:02d} s"


def progress_text(label: str, done: int, total: int | None, elapsed_s: float) -> str:
    """Return the progress line: frames done (of total) and the estimated time left."""
    if not total:
        return f"{label}: frame {done}"
    text = f"{label}: frame {done} of {total}"
    if 0 < done < total and elapsed_s > 0.5:
        left = elapsed_s / done * (total - done)
        text += f", about {format_duration(left)} left"
    return text


class FrameProgress:
    """A progress bar for frame-by-frame work, updated from the script thread.

    Each phase (finding the pose, drawing the video) gets its own callback from
    :meth:`phase`; updates are throttled so a long clip sends few messages.
    """

    def __init__(self, min_interval_s: float = 0.2) -> None:
        self._bar = st.progress(0.0, text="Opening the video...")
        self._min_interval_s = min_interval_s

    def phase(self, label: str) -> Callable[[int, int | None], None]:
        """Return the ``(frames_done, frames_total)`` callback of one phase."""
        started = time.perf_counter()
        last = [float("-inf")]

        def update(done: int, total: int | None) -> None:
            now = time.perf_counter()
            if now - last[0] < self._min_interval_s and done != total:
                return
            last[0] = now
            fraction = min(done / total, 1.0) if total else 0.0
            self._bar.progress(fraction, text=progress_text(label, done, total, now - started))

        return update

    def close(self) -> None:
        """Remove the bar."""
        self._bar.empty()


# --- errors -----------------------------------------------------------------------------


def render_error(error: HipcheckError) -> None:
    """Show a user error: what happened and what to do, never a traceback."""
    text = f"**{error.message}**"
    if error.hint:
        text += f"\n\n{error.hint}"
    st.error(text)


def render_unexpected_error() -> None:
    """Show the generic apology for a bug (the caller has logged the exception)."""
    st.error(guide.UNEXPECTED_ERROR)


# --- summary cards ----------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """One summary card: a metric of one stance side, in words."""

    title: str
    value: str
    status: str
    rating: str | None = None
    badge: str = ""
    lines: list[str] = field(default_factory=list)


def bands_text(metric: str, sex: str | None) -> str:
    """Return the rating bands in words, e.g. ``good below 3°, fair 3-6°, poor 6° or more``."""
    from hipcheck.reports.bands import metric_bands

    bands = metric_bands(metric, sex)
    if bands is None:
        return ""
    if bands.lower_is_worse:
        return (
            f"good above {bands.fair:g}, fair {bands.poor:g}-{bands.fair:g}, "
            f"poor {bands.poor:g} or less"
        )
    text = f"good below {bands.fair:g}°, fair {bands.fair:g}-{bands.poor:g}°, "
    text += f"poor {bands.poor:g}° or more"
    return text + (f" ({bands.note})" if bands.note else "")


def card_for(s: MetricSummary, sex: str | None) -> Card:
    """Return the card of one per-leg summary of the assessment."""
    m = spec(s.metric)
    title = m.label + (f", {s.limb} knee" if s.side == "both" and s.limb != "both" else "")
    if s.status == "not_measurable" or s.mean is None:
        reason = s.reason or "It could not be measured in this clip."
        lines = [reason, guide.FILMING_FIX, m.explanation]
        return Card(title, "not measurable", "not_measurable", badge="not measurable", lines=lines)
    spread = f" (SD {m.format(s.sd, signed=False)})" if s.sd is not None else ""
    over = f"Mean over {s.n} repetition{'s' if s.n != 1 else ''}{spread}."
    if s.status == "indicative":
        reason = s.reason or "This value is not validated."
        lines = [m.explanation, over, reason]
        return Card(title, f"~{m.format(s.mean)}", "indicative", badge="indicative, not rated",
                    lines=lines)  # fmt: skip
    lines = [m.explanation, over]
    if s.rating in guide.RATING_MEANINGS:
        lines.append(f"{guide.RATING_MEANINGS[s.rating]} Bands: {bands_text(s.metric, sex)}.")
    return Card(title, m.format(s.mean), "measured", s.rating, s.rating or "not rated", lines)


def metric_cards(assessment: Assessment) -> list[tuple[str, list[Card]]]:
    """Return ``(side title, cards)`` per stance side, metrics in display order."""
    out = []
    for side in assessment.sides():
        entries = [s for s in assessment.summary if s.side == side]
        cards = [card_for(s, assessment.sex) for s in entries]
        n = max((s.n_reps for s in entries), default=0)
        title = f"{SIDE_TITLES.get(side, side)} ({n} repetition{'s' if n != 1 else ''})"
        out.append((title, cards))
    return out


def badge_markdown(card: Card) -> str:
    """Return the card's status badge as Streamlit markdown."""
    colour = RATING_MD_COLOURS.get(card.rating or "", "gray")
    return f":{colour}-badge[{card.badge}]"


def render_card(card: Card) -> None:
    """Draw one summary card."""
    colour = RATING_MD_COLOURS.get(card.rating or "", "gray")
    with st.container(border=True):
        st.markdown(f"**{card.title}**")
        value = f":{colour}[{card.value}]" if card.status != "not_measurable" else card.value
        st.markdown(f"#### {value}")
        st.markdown(badge_markdown(card))
        for line in card.lines:
            if line:
                st.caption(line)


def render_cards(assessment: Assessment) -> None:
    """Draw the summary cards, one row per stance side."""
    for title, cards in metric_cards(assessment):
        st.markdown(f"##### {title}")
        columns = st.columns(max(len(cards), 1))
        for column, card in zip(columns, cards, strict=False):
            with column:
                render_card(card)


# --- overview, table, plots, images -----------------------------------------------------


def rep_count_text(assessment: Assessment) -> str:
    """Return e.g. ``10 repetitions (5 left, 5 right)``."""
    n = len(assessment.reps)
    sides = [r.side for r in assessment.reps]
    parts = [f"{sides.count(s)} {s}" for s in ("left", "right", "both") if s in sides]
    text = f"{n} repetition{'s' if n != 1 else ''}"
    return text + (f" ({', '.join(parts)})" if len(parts) > 1 else "")


def render_overview(result: StoredResult, assessment: Assessment, report: Report) -> None:
    """Draw the headline: clip, task, rep count, overall rating, findings, quality notes."""
    st.header(f"Results: {result.name}")
    overall = assessment.overall_rating
    badge = f":{RATING_MD_COLOURS[overall]}-badge[overall {overall}]" if overall else ""
    st.markdown(f"**{report.task}** · **{rep_count_text(assessment)}** {badge}")
    facts = dict(report.header).get("Video")
    if facts:
        st.caption(f"Video: {facts}")
    for note in report.quality_notes:
        st.warning(note)
    for note in result.notes:
        st.info(note)
    if not assessment.coverage.rated:
        st.warning(f"Not measured: {report.coverage}")
        if report.advice:
            st.info(f"What to film: {report.advice}")
        return
    st.markdown("**Findings**")
    st.caption(report.coverage)
    if not report.findings:
        st.success(NO_FINDINGS)
    for finding in report.findings:
        colour = RATING_MD_COLOURS.get(finding.severity or "", "gray")
        st.markdown(f"- :{colour}-badge[{finding.severity_text}] {finding.summary}")


def rep_table_frame(report: Report) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the rep table as display text and a same-shaped table of ratings."""
    columns = ["Rep", "Side", "Depth", *report.columns, "Notes"]
    text, ratings = [], []
    for row in report.rows:
        cells = [f"{c.text} {c.sub}".strip() for c in row.cells]
        text.append([row.label, row.side, row.depth, *cells, row.quality])
        ratings.append([None, None, None, *[c.rating for c in row.cells], None])
    return pd.DataFrame(text, columns=columns), pd.DataFrame(ratings, columns=columns)


def render_rep_table(report: Report) -> None:
    """Draw the per-rep table, cells coloured by rating."""
    st.subheader("Repetitions")
    text, ratings = rep_table_frame(report)
    styled = text.style.apply(
        lambda _df: ratings.map(lambda r: RATING_CELL_CSS.get(r or "", "")), axis=None
    )
    st.dataframe(styled, hide_index=True, width="stretch")
    st.caption(
        "Values at the deepest point of each repetition, relative to standing still "
        "(absolute value in brackets). ~ marks indicative values, which are not rated."
    )
    for note in report.table_notes:
        st.caption(note)


def render_plot(result: StoredResult, assessment: Assessment) -> None:
    """Draw the time series of pelvic drop, FPPA and trunk lean."""
    from hipcheck.reports.plots import figure_to_png, plot_timeseries

    st.subheader("Over time")
    if result.kinematics is None or not len(result.kinematics):
        st.info("No per-frame data to plot.")
        return
    sex = assessment.sex
    fig = plot_timeseries(result.kinematics, assessment, sex=sex)
    st.image(
        figure_to_png(fig, dpi=110),
        caption="Repetitions shaded; coloured bands: good / fair / poor; dots: each rep's "
        "deepest point, coloured by its rating.",
    )


def render_media(result: StoredResult) -> None:
    """Draw the key frame(s) of the worst repetition and the annotated video."""
    st.subheader("Key frame and annotated video")
    left, right = st.columns(2)
    with left:
        if result.key_frames:
            st.image(
                result.key_frames[0],
                caption="Deepest point of the worst repetition, with skeleton and angles.",
            )
            for png in result.key_frames[1:]:
                st.image(png, caption="Deepest point of the worst repetition, other side.")
        else:
            st.info("No key frame for this clip.")
    with right:
        if result.video_mp4:
            st.video(result.video_mp4, format="video/mp4")
            st.caption("Skeleton, live angles and the repetition counter drawn on the clip.")
        else:
            st.info("No annotated video for this clip.")


# --- program and safety -----------------------------------------------------------------


def render_program(report: Report) -> None:
    """Draw the exercise program as cards per phase."""
    st.subheader("Exercise program")
    if not report.phases:
        st.info("No exercise program for this clip.")
        return
    for phase in report.phases:
        st.markdown(f"##### {phase.title}")
        if phase.goal:
            st.caption(phase.goal)
        columns = st.columns(2)
        for i, item in enumerate(phase.items):
            with columns[i % 2], st.container(border=True):
                side = f" :blue-badge[{item.side} side]" if item.side else ""
                st.markdown(f"**{item.name}**{side}")
                st.markdown(f"*{item.dosage}*")
                if item.cues:
                    st.markdown("\n".join(f"- {cue}" for cue in item.cues))
                if item.why:
                    st.caption(f"Why: {item.why}")
                if item.sides_note:
                    st.caption(item.sides_note)
        for cue in phase.retraining:
            st.markdown(f"- {cue}")
    if report.program_notes:
        with st.expander("How to progress, and when to re-test"):
            st.markdown("\n".join(f"- {note}" for note in report.program_notes))


def main_disclaimer(report: Report, assessment: Assessment) -> str:
    """Return the one disclaimer the page shows (the reports' texts overlap)."""
    return assessment.disclaimer or report.disclaimer


def render_safety(report: Report, assessment: Assessment) -> None:
    """Draw the red flags, the screening questions and the disclaimer."""
    st.subheader("Safety")
    flags = "\n".join(f"- {flag}" for flag in report.red_flags)
    st.warning(f"**{report.red_flags_title}**\n\n{flags}")
    if report.screening:
        screening = "\n".join(f"- {q}" for q in report.screening)
        st.info(f"**{report.screening_title}**\n\n{screening}")
    for note in report.safety_notes:
        st.caption(note)
    st.info(main_disclaimer(report, assessment))


# --- downloads --------------------------------------------------------------------------


def render_downloads(result: StoredResult, assessment: Assessment) -> None:
    """Draw the download buttons: data files, annotated video, reports."""
    from hipcheck.app import state

    st.subheader("Downloads")
    stem = result.name.rsplit(".", 1)[0] or "clip"
    buttons: list[tuple[str, Any, str, str]] = [
        ("assessment.json", state.assessment_json(assessment), "assessment.json", JSON),
        ("reps.csv", state.reps_csv(assessment), "reps.csv", "text/csv"),
    ]
    if result.video_mp4:
        buttons.append(("Annotated video", result.video_mp4, f"{stem}_annotated.mp4", "video/mp4"))
    for fmt, mime in (("pdf", "application/pdf"), ("html", "text/html")):
        make = partial(state.report_bytes, result, assessment, fmt)
        buttons.append((f"Report ({fmt.upper()})", make, f"{stem}_report.{fmt}", mime))
    columns = st.columns(len(buttons))
    for column, (label, data, file_name, mime) in zip(columns, buttons, strict=True):
        with column:
            st.download_button(
                label, data, file_name=file_name, mime=mime, on_click="ignore", width="stretch"
            )


def render_results(result: StoredResult, options: Options) -> None:
    """Draw everything about one analysed clip.

    The program is rebuilt for the current equipment, level and hip-pain options; the
    numbers come from the stored analysis.
    """
    from hipcheck.app.state import with_program

    assessment = with_program(result, options)
    report = build_report(assessment)
    render_overview(result, assessment, report)
    if assessment.reps:
        render_cards(assessment)
        render_rep_table(report)
    render_plot(result, assessment)
    render_media(result)
    render_program(report)
    render_safety(report, assessment)
    render_downloads(result, assessment)
