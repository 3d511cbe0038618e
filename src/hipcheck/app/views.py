"""Rendering: a run's results, the program, downloads and errors, as Streamlit elements.

The page content is a function of a :class:`hipcheck.app.state.Run` and the user's
options, so it can be tested without running the pose model. The words come from
:func:`hipcheck.reports.tables.build_report` (the content the HTML and PDF reports lay
out), :mod:`hipcheck.app.sides` (left vs right) and :mod:`hipcheck.app.markup` (tables
and figures as accessible HTML: ratings as words in badges, alt texts, no values
marked up as headings).

Import direction: ``views`` imports ``state`` (never the reverse), so the two modules
have no import cycle.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from html import escape
from typing import Any

import streamlit as st

from hipcheck.app import guide, markup, sides
from hipcheck.app.session import SessionMeta, untested_planned
from hipcheck.app.state import Options, Run, StoredResult
from hipcheck.errors import HipcheckError
from hipcheck.metrics import spec
from hipcheck.model import Assessment, MetricSummary
from hipcheck.reports.tables import Report, build_report

logger = logging.getLogger(__name__)

JSON = "application/json"
NO_FINDINGS = "None of the rated measures is in the fair or poor range."
SIDE_TITLES: dict[str, str] = {
    "left": "Standing on the left leg",
    "right": "Standing on the right leg",
    "both": "Both legs",
}
ROLE_TITLES: dict[str, str] = {"clip": "Clip", "left": "Left-leg clip", "right": "Right-leg clip"}
STALE_TITLE = "Options changed: analyse again."


def inject_css() -> None:
    """Add the page's stylesheet (tables, badges, figures; light and dark themes)."""
    st.html(markup.CSS)


def scroll_here() -> None:
    """Scroll the page so that this point is in view (a zero-height script frame).

    Used above the progress bar when *Analyse* is pressed and above the results when
    they arrive, so neither appears below the fold unseen.
    """
    st.iframe(
        "<script>window.frameElement && window.frameElement.scrollIntoView("
        "{block: 'start', behavior: 'smooth'});</script>",
        height=1,
    )


# --- errors and stale results -----------------------------------------------------------


def render_error(error: HipcheckError) -> None:
    """Show a user error: what happened and what to do, never a traceback."""
    text = f"**{error.message}**"
    if error.hint:
        text += f"\n\n{error.hint}"
    st.error(text)


def render_unexpected_error() -> None:
    """Show the generic apology for a bug (the caller has logged the exception)."""
    st.error(guide.UNEXPECTED_ERROR)


def stale_text(run: Run, changes: list[str]) -> str:
    """Return the banner shown instead of results made with other inputs."""
    what = ", ".join(changes)
    return (
        f"**{STALE_TITLE}** The {what} changed since the last analysis "
        f"({run.title}), so its results are hidden: they would not match what is "
        "chosen now. Press **Analyse** to analyse with the current choices."
    )


def render_stale(run: Run, changes: list[str]) -> None:
    """Show that the shown options differ from the results' (and hide the results)."""
    st.warning(stale_text(run, changes))


# --- overview ---------------------------------------------------------------------------


def rep_count_text(assessment: Assessment) -> str:
    """Return e.g. ``10 repetitions (5 left, 5 right)``."""
    n = len(assessment.reps)
    side_list = [r.side for r in assessment.reps]
    parts = [f"{side_list.count(s)} {s}" for s in ("left", "right", "both") if s in side_list]
    text = f"{n} repetition{'s' if n != 1 else ''}"
    return text + (f" ({', '.join(parts)})" if len(parts) > 1 else "")


def overview_html(run: Run, assessment: Assessment, report: Report) -> str:
    """Return the headline as HTML: task, repetitions and the overall rating in words."""
    overall = assessment.overall_rating
    rating = (
        markup.badge(f"overall {overall}", overall) if overall else markup.badge("not rated", None)
    )
    return (
        f"<p><strong>{escape(report.task)}</strong> · "
        f"<strong>{escape(rep_count_text(assessment))}</strong> {rating}</p>"
    )


def render_overview(run: Run, assessment: Assessment, report: Report, meta: SessionMeta) -> None:
    """Draw the headline: clip(s), task, rep count, rating, notes and coverage."""
    st.header("Results")
    for role, result in run.results.items():
        st.caption(f"{ROLE_TITLES.get(role, role)}: {result.name}")
    st.html(overview_html(run, assessment, report))
    if run.model_note:
        st.info(run.model_note)
    for note in report.quality_notes:
        st.warning(note)
    for result in run.results.values():
        for note in result.notes:
            st.info(note)
    missing = untested_planned(meta, assessment)
    if missing and assessment.coverage.rated:
        legs = " and ".join(missing)
        st.warning(
            f"The session was to test the {legs} leg, but the clip has no repetition "
            f"standing on it."
        )


def render_not_measured(assessment: Assessment, report: Report) -> None:
    """When nothing was measured: what, why, and what to film instead (nothing else)."""
    st.subheader("Nothing could be measured")
    st.warning(report.coverage or "No metric could be measured in this clip.")
    reasons = sorted(
        {f"{spec(n.metric).label} ({n.side}): {n.reason}" for n in assessment.coverage.not_measured}
    )
    if reasons:
        st.markdown("**Not measured, and why**\n\n" + "\n".join(f"- {r}" for r in reasons))
    st.info(f"**What to film instead:** {report.advice or guide.FILMING_FIX}")
    st.caption("No findings, ratings or exercise program are given without a measurement.")


def render_findings(report: Report) -> None:
    """Draw the findings with their severity as a word in a badge."""
    st.subheader("Findings")
    st.caption(report.coverage)
    if not report.findings:
        st.markdown(NO_FINDINGS)
        return
    items = "".join(
        f"<li>{markup.badge(f.severity_text, f.severity)} {escape(f.summary)}</li>"
        for f in report.findings
    )
    st.html(f"<ul>{items}</ul>")


# --- summary per side (double-leg squats; the left-vs-right view covers single legs) ----


@dataclass(frozen=True)
class Card:
    """One metric of one stance side (and limb), in words: the page's summary entry."""

    title: str
    value: str
    status: str
    rating: str | None = None
    badge: str = ""
    lines: tuple[str, ...] = ()


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
    """Return the summary entry of one per-side summary of the assessment."""
    m = spec(s.metric)
    title = m.label + (f", {s.limb} knee" if s.side == "both" and s.limb != "both" else "")
    if s.status == "not_measurable" or s.mean is None:
        reason = s.reason or "It could not be measured in this clip."
        return Card(title, "not measurable", "not_measurable", None, "", (reason,))
    if s.status == "indicative":
        reason = s.reason or "This value is not validated."
        return Card(title, f"~{m.format(s.mean)}", "indicative", None, "indicative", (reason,))
    lines: tuple[str, ...] = ()
    if s.rating in guide.RATING_MEANINGS:
        lines = (f"{guide.RATING_MEANINGS[s.rating]} Bands: {bands_text(s.metric, sex)}.",)
    return Card(title, m.format(s.mean), "measured", s.rating, s.rating or "not rated", lines)


def metric_cards(assessment: Assessment) -> list[tuple[str, list[Card]]]:
    """Return ``(side title, entries)`` per stance side, metrics in display order."""
    out = []
    for side in assessment.sides():
        entries = [s for s in assessment.summary if s.side == side]
        cards = [card_for(s, assessment.sex) for s in entries]
        n = max((s.n_reps for s in entries), default=0)
        title = f"{SIDE_TITLES.get(side, side)} ({n} repetition{'s' if n != 1 else ''})"
        out.append((title, cards))
    return out


def summary_html(assessment: Assessment) -> str:
    """Return the per-side summary as tables: measure, mean, rating (word), meaning."""
    parts = []
    for title, cards in metric_cards(assessment):
        rows = [
            [
                escape(c.title),
                markup.value_cell(c.value, "", c.rating, c.badge),
                escape(" ".join(c.lines)),
            ]
            for c in cards
        ]
        parts.append(markup.table(["Measure", "Mean", "What it means"], rows, caption=title))
    return "".join(parts)


# --- left vs right ----------------------------------------------------------------------


def side_table_html(assessment: Assessment) -> str:
    """Return the left-vs-right table: per metric both legs, the difference and its meaning."""
    rows, classes = [], []
    for row in sides.side_rows(assessment):
        cells = [escape(row.label)]
        for cell in (row.left, row.right):
            cells.append(
                markup.value_cell(cell.text.split(" (")[0], "", cell.rating, _cell_word(cell))
            )
        diff = escape(row.difference)
        if row.asymmetry_rating:
            diff += " " + markup.badge(row.asymmetry_rating, row.asymmetry_rating)
        cells += [diff, escape(row.meaning)]
        rows.append(cells)
        classes.append("")
    columns = ["Measure", "Left leg", "Right leg", "Difference (L - R)", "What it means"]
    return markup.responsive_table(
        columns,
        rows,
        key_columns=[0, 1, 2, 3],
        caption="Left vs right: mean over each leg's repetitions",
        more_label="Show what the differences mean",
    )


def _cell_word(cell: sides.SideCell) -> str:
    if cell.status == "measured":
        return cell.rating or "not rated"
    if cell.status == "indicative":
        return "indicative"
    return ""


def render_sides(run: Run, assessment: Assessment) -> None:
    """Draw the left-vs-right view: table, asymmetry plot, the two bottom key frames."""
    from hipcheck.reports.plots import figure_to_png, plot_asymmetry

    st.subheader("Left vs right")
    if run.sources:
        st.caption(" · ".join(f"{SIDE_TITLES[s]}: from {name}" for s, name in run.sources.items()))
    st.html(side_table_html(assessment))
    if not sides.has_both_sides(assessment):
        tested = ", ".join(s for s in assessment.sides() if s in sides.SIDES) or "no leg"
        st.caption(f"Only one leg was tested ({tested}): the legs cannot be compared.")
    left, right = st.columns([3, 2])
    with left:
        fig = plot_asymmetry(assessment, sex=assessment.sex, width_in=4.4)
        alt = "Bar chart of the mean of each measure for the left and the right leg. " + " ".join(
            f"{r.label}: left {r.left.text}, right {r.right.text}."
            for r in sides.side_rows(assessment)
        )
        st.html(
            markup.figure(
                figure_to_png(fig, dpi=150),
                alt,
                "Mean per leg (bars, with the SD); hatched grey = indicative, not rated; "
                "coloured ticks = the fair and poor thresholds.",
            )
        )
    with right:
        frames = _side_frames(run)
        if frames:
            st.html(markup.figures_row(frames))
        else:
            st.caption("No key frames for this session.")


def _side_frames(run: Run) -> list[tuple[bytes, str, str]]:
    """Return the bottom key frame of each leg, left first, with alt text and source clip."""
    out = []
    for side in ("left", "right", "both"):
        for role, result in run.results.items():
            png = result.key_frames.get(side)
            if png is None or (role in ("left", "right") and role != side):
                continue
            title = SIDE_TITLES[side]
            alt = (
                f"Video frame at the deepest point of the worst repetition, {title.lower()}, "
                "with the skeleton and the measured angles drawn on it."
            )
            out.append((png, alt, f"{title}: deepest point of the worst rep ({result.name})"))
            break
    return out


# --- rep table, plots, video ------------------------------------------------------------


def rep_table_html(report: Report) -> str:
    """Return the per-rep table: values with rating words; key columns only on a phone."""
    columns = ["Rep", "Side", "Depth", *report.columns, "Notes"]
    rows, classes = [], []
    for row in report.rows:
        cells = [escape(row.label), escape(row.side), escape(row.depth)]
        for c in row.cells:
            if c.status == "measured" and c.rating:
                cells.append(markup.value_cell(c.text, c.sub, c.rating, c.rating))
            elif c.status == "indicative":
                cells.append(markup.value_cell(c.text, c.sub, None, "indicative"))
            elif c.status == "not_measurable":
                cells.append(markup.value_cell("not measurable", c.sub))
            else:
                cells.append(markup.value_cell(c.text, c.sub))
        cells.append(escape(row.quality))
        rows.append(cells)
        classes.append("hc-mean" if row.is_mean else "")
    key = [0, 1, *range(3, 3 + len(report.columns))]
    return markup.responsive_table(
        columns,
        rows,
        key_columns=key,
        caption="Repetitions",
        row_classes=classes,
        more_label="All columns (depth, notes)",
    )


def render_rep_table(report: Report) -> None:
    """Draw the per-rep table."""
    st.subheader("Repetitions")
    st.html(rep_table_html(report))
    st.caption(
        "Values at the deepest point of each repetition, relative to standing still "
        "(absolute value in brackets). ~ marks indicative values, which are not rated."
    )
    for note in report.table_notes:
        st.caption(note)


def render_plot(result: StoredResult, assessment: Assessment, title: str = "") -> None:
    """Draw the time series of pelvic drop, FPPA and trunk lean (one column, phone-wide)."""
    from hipcheck.reports.plots import figure_to_png, plot_timeseries

    if result.kinematics is None or not len(result.kinematics):
        st.caption("No per-frame data to plot.")
        return
    # narrow in inches, high in dpi: the text stays readable when a phone scales it down
    fig = plot_timeseries(
        result.kinematics, assessment, sex=assessment.sex, width_in=5.4, panel_height_in=1.7
    )
    alt = (
        f"Line plots over time{title}: pelvic drop, knee valgus (FPPA, left and right knee) "
        f"and trunk lean, with the {len(assessment.reps)} repetitions shaded and each "
        "repetition's deepest point marked."
    )
    st.html(
        markup.figure(
            figure_to_png(fig, dpi=150),
            alt,
            "Repetitions shaded; coloured bands: good / fair / poor; dots: each rep's "
            "deepest point, coloured by its rating.",
        )
    )


def render_over_time(run: Run, assessment: Assessment) -> None:
    """Draw the time series of each clip (a clip's own reps only)."""
    st.subheader("Over time")
    for role, result in run.results.items():
        own = result.to_assessment()
        if len(run.results) > 1:
            st.markdown(f"**{ROLE_TITLES.get(role, role)}: {result.name}**")
        left, _right = st.columns([2, 1])
        with left:
            render_plot(result, own, title=f" of {result.name}")


def render_videos(run: Run) -> None:
    """Return the annotated video(s), folded away (they are long on a phone)."""
    with st.expander("Annotated video" + ("s" if len(run.results) > 1 else "")):
        for role, result in run.results.items():
            if result.video_mp4:
                st.caption(f"{ROLE_TITLES.get(role, role)}: {result.name}")
                st.video(result.video_mp4, format="video/mp4")
            else:
                st.caption(f"No annotated video for {result.name}.")
        st.caption("Skeleton, live angles and the repetition counter drawn on the clip.")


def render_results(run: Run, assessment: Assessment, meta: SessionMeta) -> Report:
    """Draw everything measured about one run (not the program; see the page order).

    Returns the report content (reused for the program and downloads).
    """
    report = build_report(assessment)
    render_overview(run, assessment, report, meta)
    if not assessment.coverage.rated:
        render_not_measured(assessment, report)
        return report
    render_findings(report)
    if any(s in sides.SIDES for s in assessment.sides()):
        render_sides(run, assessment)
    if "both" in assessment.sides():
        st.subheader("Summary")
        st.html(summary_html(assessment))
    render_rep_table(report)
    render_over_time(run, assessment)
    render_videos(run)
    return report


# --- program ----------------------------------------------------------------------------


def render_program(report: Report, par_q_yes: bool) -> None:
    """Draw the exercise program as cards per phase (after the safety screen)."""
    if par_q_yes:
        st.warning(
            "You answered yes to a screening question: get medical clearance before "
            "starting this program."
        )
    if not report.phases:
        st.info(report.program_note or "No exercise program for this clip.")
        return
    for phase in report.phases:
        st.markdown(f"**{phase.title}**")
        if phase.goal:
            st.caption(phase.goal)
        columns = st.columns(2)
        for i, item in enumerate(phase.items):
            with columns[i % 2], st.container(border=True):
                side = f" · {item.side} side" if item.side else ""
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
    stop = [n for n in report.safety_notes if n]
    if stop:
        st.caption(" ".join(stop))


# --- downloads --------------------------------------------------------------------------


def render_downloads(run: Run, assessment: Assessment, meta: SessionMeta) -> None:
    """Draw the download buttons: data files, annotated video(s), reports."""
    from hipcheck.app import state

    st.subheader("Downloads")
    first = next(iter(run.results.values()))
    stem = first.name.rsplit(".", 1)[0] or "clip"
    if meta.person_id:
        stem = f"{_safe(meta.person_id)}_{meta.date.isoformat()}_{stem}"
    buttons: list[tuple[str, Any, str, str]] = [
        ("assessment.json", state.assessment_json(assessment), f"{stem}_assessment.json", JSON),
        ("reps.csv", state.reps_csv(assessment), f"{stem}_reps.csv", "text/csv"),
    ]
    for role, result in run.results.items():
        if result.video_mp4:
            label = "Annotated video" + (f" ({role})" if role != "clip" else "")
            name = result.name.rsplit(".", 1)[0]
            buttons.append((label, result.video_mp4, f"{name}_annotated.mp4", "video/mp4"))
    kw = {"patient_id": meta.person_id, "session_date": meta.date.isoformat()}
    for fmt, mime in (("pdf", "application/pdf"), ("html", "text/html")):
        make = partial(state.report_bytes, run, assessment, fmt, **kw)
        buttons.append((f"Report ({fmt.upper()})", make, f"{stem}_report.{fmt}", mime))
    columns = st.columns(3)
    for i, (label, data, file_name, mime) in enumerate(buttons):
        with columns[i % 3]:
            st.download_button(
                label, data, file_name=file_name, mime=mime, on_click="ignore", width="stretch"
            )
    if meta.person_id:
        st.caption(f"Reports carry {meta.person_id}, {meta.date.isoformat()} and the protocol.")


def _safe(text: str) -> str:
    """Return a file-name-safe version of an identifier."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:40] or "person"


def program_assessment(run: Run, options: Options) -> Assessment:
    """Return the run's assessment with the program for the current program options."""
    from hipcheck.app.state import with_program

    return with_program(run.to_assessment(), options)
