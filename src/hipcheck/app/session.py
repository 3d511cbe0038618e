"""Session details (person, date, tested legs, notes) and the local history, for the app.

Pure helpers around :class:`hipcheck.history.db.HistoryStore` (no Streamlit import):
what a saved session's notes say, what the history page's tables show, and the re-test
comparison in words. Saving is opt-in, as in the CLI: nothing is written unless the user
ticks "save"; the database is the same local file the CLI uses (``$HIPCHECK_DB`` or the
per-user data folder).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from hipcheck.history.compare import Comparison
    from hipcheck.history.db import HistoryStore, SessionInfo
    from hipcheck.model import Assessment

#: tested-legs choice of the page -> the legs
TESTED_SIDES: dict[str, tuple[str, ...]] = {
    "both": ("left", "right"),
    "left": ("left",),
    "right": ("right",),
}
TESTED_LABELS: dict[str, str] = {
    "both": "Both legs",
    "left": "Left leg only",
    "right": "Right leg only",
}
NOTES_PREFIX = "Tested: "


@dataclass(frozen=True)
class SessionMeta:
    """What the user entered about the session (every field optional but the date).

    Attributes
    ----------
    person
        Patient or athlete identifier as entered ('' when not given).
    date
        Session date (default today).
    tested
        ``both``, ``left`` or ``right``: the legs the protocol tested.
    notes
        Free-text notes.
    save
        The user asked to save the session to the local history.
    """

    person: str = ""
    date: dt.date = field(default_factory=dt.date.today)
    tested: str = "both"
    notes: str = ""
    save: bool = False

    @property
    def person_id(self) -> str | None:
        """The identifier, stripped; None when not given."""
        return self.person.strip() or None

    def session_notes(self) -> str:
        """Return the notes stored with a saved session: tested legs first, then the user's."""
        legs = " and ".join(TESTED_SIDES.get(self.tested, ("left", "right")))
        text = f"{NOTES_PREFIX}{legs} leg{'s' if ' and ' in legs else ''}."
        return f"{text} {self.notes.strip()}".strip()


def untested_planned(meta: SessionMeta, assessment: Assessment) -> list[str]:
    """Legs the session planned to test that have no repetition in the results."""
    found = set(assessment.sides())
    if "both" in found:
        return []
    return [s for s in TESTED_SIDES.get(meta.tested, ()) if s not in found]


def open_store(location: str | None = None) -> HistoryStore:
    """Return the history store (the CLI's default location unless one is given)."""
    from hipcheck.history.db import HistoryStore

    return HistoryStore(location)


def store_location(location: str | None = None) -> str:
    """Where sessions are saved (for the page's caption)."""
    from hipcheck.history.db import default_location

    return location or default_location()


def save_session(store: HistoryStore, meta: SessionMeta, assessment: Assessment) -> int:
    """Save ``assessment`` as a session of ``meta.person``; return the session id.

    Raises
    ------
    hipcheck.history.db.HistoryError
        No identifier given, or the database cannot be used.
    """
    from hipcheck.history.db import HistoryError

    if meta.person_id is None:
        raise HistoryError(
            "A session can only be saved with a patient or athlete identifier.",
            "Enter an identifier (initials or a code) under 'Patient / athlete'.",
        )
    return store.save_assessment(
        meta.person_id, assessment, date=meta.date, notes=meta.session_notes()
    )


def sessions_frame(sessions: list[SessionInfo]) -> pd.DataFrame:
    """Return the person's sessions as a table (newest last)."""
    rows = [
        {
            "Session": s.id,
            "Date": s.date.isoformat(),
            "Task": s.task.replace("_", " "),
            "Overall": s.overall_rating or "not rated",
            "Notes": s.notes or "",
        }
        for s in sessions
    ]
    return pd.DataFrame(rows, columns=["Session", "Date", "Task", "Overall", "Notes"])


def session_label(s: SessionInfo) -> str:
    """Return a session in a picker: ``#3, 2026-05-01, single leg squat``."""
    return f"#{s.id}, {s.date.isoformat()}, {s.task.replace('_', ' ')}"


def _fmt(metric: str, value: float | None, signed: bool = True) -> str:
    from hipcheck.metrics import spec

    return spec(metric).format(value, signed=signed)


def comparison_rows(comparison: Comparison) -> list[dict[str, Any]]:
    """One row per metric and side: before, after, change, MDC, verdict and note."""
    from hipcheck.metrics import spec

    rows = []
    for c in comparison.changes:
        m = spec(c.metric)
        before = _fmt(c.metric, c.value_a) + (f" ({c.rating_a})" if c.rating_a else "")
        after = _fmt(c.metric, c.value_b) + (f" ({c.rating_b})" if c.rating_b else "")
        rows.append(
            {
                "metric": c.metric,
                "Measure": m.label,
                "Side": c.side,
                "Before": before if c.value_a is not None else "not measurable",
                "After": after if c.value_b is not None else "not measurable",
                "Change": _fmt(c.metric, c.change) if c.change is not None else "-",
                "MDC": _fmt(c.metric, c.mdc, signed=False) if c.mdc is not None else "none known",
                "Verdict": c.verdict,
                "Note": c.note,
                "real": c.real_change,
            }
        )
    return rows


#: verdict -> rating colour of its badge (improved = good, worsened = poor)
VERDICT_RATINGS: dict[str, str | None] = {"improved": "good", "worsened": "poor"}


def suggestion_text(comparison: Comparison) -> str:
    """Return the program suggestion after the re-test, with its reasons."""
    s = comparison.suggestion
    reasons = "; ".join(s.reasons)
    return s.text + (f" ({reasons})" if reasons else "")


def compare_saved(store: HistoryStore, a: int, b: int, current_phase: int = 1) -> Comparison:
    """Compare two saved sessions (A earlier, B the re-test)."""
    from hipcheck.history.compare import compare_sessions

    return compare_sessions(
        store.get_assessment(a), store.get_assessment(b), current_phase=current_phase
    )


def trend_figure_png(store: HistoryStore, person: str) -> bytes:
    """Return the person's trend plot (every saved session, per metric and side) as PNG."""
    from hipcheck.history.compare import trend
    from hipcheck.history.plots import plot_trend
    from hipcheck.reports.plots import figure_to_png

    fig = plot_trend(trend(store, person), title=f"Re-test trend: {person}")
    return figure_to_png(fig, dpi=110)
