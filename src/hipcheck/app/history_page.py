"""The history page: one person's saved sessions, their trend and a re-test comparison.

Reads the local history database (the one ``hipcheck history`` uses); it never creates
it. A saved session can be re-opened (its results and reports, with the person's id,
the date and the protocol), and any two sessions compared against the minimum
detectable change (:func:`hipcheck.history.compare.compare_sessions`).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import streamlit as st

from hipcheck.app import markup, session, views
from hipcheck.errors import HipcheckError

if TYPE_CHECKING:
    from hipcheck.history.db import HistoryStore

PERSON_PARAM = "person"


def comparison_html(rows: list[dict[str, object]]) -> str:
    """Return the comparison as an accessible table, verdicts as words in badges."""
    columns = ["Measure", "Side", "Before (A)", "After (B)", "Change", "MDC", "Verdict", "Note"]
    cells = []
    for r in rows:
        verdict = str(r["Verdict"])
        cells.append(
            [
                escape(str(r["Measure"])),
                escape(str(r["Side"])),
                escape(str(r["Before"])),
                escape(str(r["After"])),
                escape(str(r["Change"])),
                escape(str(r["MDC"])),
                markup.badge(verdict, session.VERDICT_RATINGS.get(verdict)),
                escape(str(r["Note"])),
            ]
        )
    return markup.responsive_table(
        columns,
        cells,
        key_columns=[0, 1, 4, 6],
        caption="Re-test comparison (B - A)",
        more_label="Before, after, MDC and notes",
    )


def render_session(store: HistoryStore, session_id: int, person: str) -> None:
    """Re-open a saved session: its results summary and its reports."""
    from hipcheck.app import sides

    assessment = store.get_assessment(session_id)
    info = store.get_session(session_id)
    report = views.build_report(assessment, patient_id=person, session_date=info.date.isoformat())
    st.markdown(f"**Session {session_id}**, {info.date.isoformat()}, {report.task}")
    if info.notes:
        st.caption(info.notes)
    if not assessment.coverage.rated:
        st.warning(report.coverage)
        return
    views.render_findings(report)
    if any(s in sides.SIDES for s in assessment.sides()):
        st.html(views.side_table_html(assessment))
    st.html(views.rep_table_html(report))
    from hipcheck.app.state import report_document

    html = report_document(
        assessment, "html", patient_id=person, session_date=info.date.isoformat()
    )
    st.download_button(
        "Report of this session (HTML)",
        html,
        file_name=f"{views._safe(person)}_{info.date.isoformat()}_report.html",
        mime="text/html",
        on_click="ignore",
        key=f"report_{session_id}",
    )


def run() -> None:
    """Draw the history page."""
    views.inject_css()
    st.title("History")
    location = session.store_location()
    st.caption(
        f"Sessions saved on this computer ({location}). Nothing is saved unless you press "
        "'Save this session' on the analysis page."
    )
    with session.open_store() as store:
        if not store.exists:
            st.info("No saved sessions yet.")
            return
        try:
            _person_view(store)
        except HipcheckError as exc:
            views.render_error(exc)


def _person_view(store: HistoryStore) -> None:
    people = store.list_people()
    if not people:
        st.info("No saved sessions yet.")
        return
    names = [p.identifier for p in people]
    wanted = st.query_params.get(PERSON_PARAM)
    if wanted in names and "history_person" not in st.session_state:
        st.session_state["history_person"] = wanted
    person = st.selectbox("Patient / athlete", names, key="history_person")
    if person is None:
        return
    st.query_params[PERSON_PARAM] = person
    sessions = store.list_sessions(person)
    st.subheader(f"Sessions of {person}")
    frame = session.sessions_frame(sessions)
    rows = [
        [escape(str(v)) if c != "Overall" else markup.badge(str(v), str(v)) for c, v in r.items()]
        for r in frame.to_dict("records")
    ]
    st.html(markup.table(list(frame.columns), rows, caption=f"{len(rows)} saved sessions"))
    labels = {s.id: session.session_label(s) for s in sessions}
    ids = [s.id for s in sessions]
    st.subheader("Re-open a session")
    opened = st.selectbox(
        "Session", ids, index=len(ids) - 1, format_func=labels.__getitem__, key="history_open"
    )
    if opened is not None:
        with st.container(border=True):
            render_session(store, opened, person)
    st.subheader("Trend")
    st.html(
        markup.figure(
            session.trend_figure_png(store, person),
            f"Trend of each measure over the {len(ids)} saved sessions of {person}, per leg; "
            "the shaded band is the minimum detectable change around the first value.",
            "Filled dots: measured; hollow: indicative. Band: minimum detectable change "
            "from the first session.",
        )
    )
    render_comparison(store, ids, labels)


def render_comparison(store: HistoryStore, ids: list[int], labels: dict[int, str]) -> None:
    """Pick two sessions and show what changed beyond the minimum detectable change."""
    st.subheader("Re-test comparison")
    if len(ids) < 2:
        st.info("Save a second session of this person to compare a re-test.")
        return
    a_col, b_col, p_col = st.columns(3)
    a = a_col.selectbox(
        "Session A (before)", ids, index=len(ids) - 2, format_func=labels.__getitem__, key="cmp_a"
    )
    b = b_col.selectbox(
        "Session B (re-test)", ids, index=len(ids) - 1, format_func=labels.__getitem__, key="cmp_b"
    )
    phase = p_col.number_input(
        "Program phase followed since A", min_value=1, max_value=3, value=1, key="cmp_phase"
    )
    if a is None or b is None or a == b:
        st.caption("Choose two different sessions.")
        return
    comparison = session.compare_saved(store, a, b, int(phase))
    st.html(comparison_html(session.comparison_rows(comparison)))
    st.info(f"**Next step:** {session.suggestion_text(comparison)}")
    st.caption(comparison.note)
