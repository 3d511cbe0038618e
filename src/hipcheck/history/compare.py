"""Re-test comparison: what changed between two sessions, and whether it is real.

Each metric and side is compared on its mean headline value (baseline-relative, at peak
knee flexion) over the reps of that side, counting measured and indicative values (see
:mod:`hipcheck.history.summary`). A change counts as real only when its size reaches the
minimum detectable change (MDC) of ``rubric.toml`` ``[mdc]`` (FPPA 8, pelvic drop 3,
trunk lean 2.3 deg); smaller changes may be measurement noise.

Direction: for the three angles positive is worse (valgus, contralateral pelvic drop,
ipsilateral trunk lean, per :mod:`hipcheck.model`), so a negative change (b - a) is an
improvement. A move further below zero is therefore also reported as "improved"; the
row's note says so when a value is negative. KASR has no published MDC: its change is
shown but never called real.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import TYPE_CHECKING

import pandas as pd

from hipcheck.history.summary import MetricRecord, summarize_assessment
from hipcheck.metrics import METRICS, NAMES
from hipcheck.model import Assessment
from hipcheck.program.model import Program
from hipcheck.rubric import load_rubric

if TYPE_CHECKING:
    from collections.abc import Sequence

    from hipcheck.history.db import HistoryStore

#: metric name -> key of ``[mdc]`` in rubric.toml (metrics with a known MDC)
MDC_KEYS = {m.name: m.mdc_key for m in METRICS if m.mdc_key}
#: the program's phases (1 activation, 2 progressive resistance, 3 functional)
LAST_PHASE = 3
MDC_NOTE = (
    "Changes smaller than the minimum detectable change (FPPA 8, pelvic drop 3, trunk lean "
    "2.3 deg) may be measurement noise. A movement screen, not a diagnosis."
)

IMPROVED, WORSENED, NO_CHANGE = "improved", "worsened", "no real change"
NOT_COMPARABLE, NO_MDC = "not comparable", "no MDC known"


@cache
def load_mdc() -> dict[str, float]:
    """Return the minimum detectable change per metric name (degrees) from rubric.toml."""
    table = load_rubric()["mdc"]
    return {metric: float(table[key]) for metric, key in MDC_KEYS.items()}


@dataclass(frozen=True)
class MetricChange:
    """The change of one metric and side between session A and session B.

    Attributes
    ----------
    value_a, value_b
        Mean headline values (degrees; ratio for kasr), None when not measurable.
    change
        ``value_b - value_a`` (None if not comparable).
    mdc
        Minimum detectable change used (None for kasr).
    verdict
        ``improved``, ``worsened``, ``no real change``, ``not comparable`` or
        ``no MDC known``.
    indicative
        True if either value is only indicative (not validated): shown with a caveat
        and never used for the phase suggestion.
    """

    metric: str
    side: str
    value_a: float | None
    value_b: float | None
    n_a: int
    n_b: int
    status_a: str
    status_b: str
    rating_a: str | None
    rating_b: str | None
    change: float | None
    mdc: float | None
    verdict: str
    indicative: bool
    note: str = ""

    @property
    def real_change(self) -> bool:
        """True if the change reached the MDC."""
        return self.verdict in (IMPROVED, WORSENED)


@dataclass(frozen=True)
class PhaseSuggestion:
    """What to do with the program after a re-test.

    ``action`` is ``progress`` (to ``next_phase``), ``repeat`` (stay in ``current_phase``),
    ``maintain`` (improved in the last phase, or a maintenance program with nothing
    worse) or ``start`` (a maintenance program and something got really worse).
    """

    action: str
    current_phase: int
    next_phase: int
    text: str
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Comparison:
    """Per-metric, per-side changes from session A to session B, and the suggestion."""

    changes: list[MetricChange]
    suggestion: PhaseSuggestion
    note: str = MDC_NOTE

    def get(self, metric: str, side: str) -> MetricChange:
        """Return the change of one metric and side (KeyError if absent)."""
        for c in self.changes:
            if c.metric == metric and c.side == side:
                return c
        raise KeyError((metric, side))

    def to_frame(self) -> pd.DataFrame:
        """Return the changes as a table (one row per metric and side)."""
        rows = [asdict(c) | {"real_change": c.real_change} for c in self.changes]
        return pd.DataFrame(rows)


def _verdict(metric: str, change: float, mdc: float | None) -> str:
    if mdc is None:
        return NO_MDC
    # docs/EVIDENCE.md: a change is real at or above the MDC; positive = worse for every angle
    if abs(change) < mdc:
        return NO_CHANGE
    return WORSENED if change > 0 else IMPROVED


def _compare_one(
    metric: str, side: str, a: MetricRecord | None, b: MetricRecord | None
) -> MetricChange:
    mdc = load_mdc().get(metric)
    va = a.mean_value if a and _finite(a.mean_value) else None
    vb = b.mean_value if b and _finite(b.mean_value) else None
    indicative = any(s is not None and s.status == "indicative" for s in (a, b))
    notes = []
    if va is None or vb is None:
        missing = [n for n, s in (("A", a), ("B", b)) if s is None]
        if missing:
            notes.append(f"not tested in session {' and '.join(missing)}")
        else:
            notes.append(
                "not measurable in "
                + " and ".join(n for n, v in (("A", va), ("B", vb)) if v is None)
            )
        verdict, change = NOT_COMPARABLE, None
    else:
        change = vb - va
        verdict = _verdict(metric, change, mdc)
        if verdict == NO_CHANGE:
            notes.append("below the minimum detectable change: may be noise")
        if metric in MDC_KEYS and min(va, vb) < 0:
            notes.append("negative value (opposite direction): lower is scored as better")
    if indicative:
        notes.insert(0, "indicative only (not validated)")
    return MetricChange(
        metric=metric,
        side=side,
        value_a=va,
        value_b=vb,
        n_a=a.n_reps if a else 0,
        n_b=b.n_reps if b else 0,
        status_a=a.status if a else "not_measurable",
        status_b=b.status if b else "not_measurable",
        rating_a=a.rating if a else None,
        rating_b=b.rating if b else None,
        change=change,
        mdc=mdc,
        verdict=verdict,
        indicative=indicative,
        note="; ".join(notes),
    )


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def phase_label(program: Program | None, number: int) -> str:
    """Return ``phase N`` with the program's name and weeks for it when known."""
    for p in program.phases if program is not None else []:
        if p.number == number and p.name:
            weeks = f", weeks {p.weeks}" if p.weeks else ""
            return f"phase {number} ({p.name}{weeks})"
    return f"phase {number}"


def next_phase_suggestion(
    changes: Sequence[MetricChange],
    b: Assessment,
    current_phase: int = 1,
    program: Program | None = None,
) -> PhaseSuggestion:
    """Suggest the program's next step from the rated (measured, with an MDC) changes.

    Progress when nothing got really worse and either at least one metric really
    improved or every measured metric of session B is now rated good; otherwise
    repeat the current phase. After a maintenance program (``kind="maintenance"``):
    continue it unless something got really worse, then start a corrective program.
    Indicative metrics never drive the suggestion.

    Parameters
    ----------
    changes
        Output rows of :func:`compare_sessions`.
    b
        The later session (its ratings decide "all good").
    current_phase
        Phase the person has been doing (1-3).
    program
        The program followed (the earlier session's): its kind and phase names.
    """
    current = min(max(int(current_phase), 1), LAST_PHASE)
    rated = [c for c in changes if not c.indicative and c.mdc is not None and c.change is not None]
    worse = [c for c in rated if c.verdict == WORSENED]
    better = [c for c in rated if c.verdict == IMPROVED]
    ratings_b = [s.rating for s in summarize_assessment(b) if s.status == "measured" and s.rating]
    all_good = b.overall_rating == "good" or (bool(ratings_b) and set(ratings_b) == {"good"})

    def label(n: int) -> str:
        return phase_label(program, n)

    def name(c: MetricChange) -> str:
        return f"{c.metric} {c.side} ({c.change:+.1f})"

    no_comparable = (
        "no validated metric is comparable between the sessions (another stance side, "
        "or not measurable): re-test with the same protocol"
    )
    worse_reason = "worsened beyond the MDC: " + ", ".join(name(c) for c in worse)
    if not b.coverage.rated:
        return PhaseSuggestion(
            "repeat",
            current,
            current,
            "Re-test: nothing could be measured in the later session, so it says nothing "
            "about progress.",
            [b.coverage.message],
        )
    if program is not None and program.kind == "maintenance":
        if worse:
            text = "Start a corrective program at phase 1 (see the re-test's program)."
            return PhaseSuggestion("start", current, 1, text, [worse_reason])
        reasons = ["nothing worsened beyond the MDC"] if rated else [no_comparable]
        return PhaseSuggestion("maintain", current, current, "Continue maintenance.", reasons)
    if worse:
        return PhaseSuggestion(
            "repeat", current, current, f"Repeat the current {label(current)}.", [worse_reason]
        )
    if better or all_good:
        reasons = []
        if better:
            reasons.append("improved beyond the MDC: " + ", ".join(name(c) for c in better))
        if all_good:
            reasons.append("all measured metrics are now rated good")
        if current >= LAST_PHASE:
            text = f"Continue {label(LAST_PHASE)} and move to a maintenance program."
            return PhaseSuggestion("maintain", current, LAST_PHASE, text, reasons)
        text = f"Progress to {label(current + 1)}."
        return PhaseSuggestion("progress", current, current + 1, text, reasons)
    if rated:
        reasons = ["no change beyond the minimum detectable change and findings remain"]
    else:
        reasons = [no_comparable]
    return PhaseSuggestion(
        "repeat", current, current, f"Repeat the current {label(current)}.", reasons
    )


def compare_sessions(
    a: Assessment, b: Assessment, *, current_phase: int | None = None
) -> Comparison:
    """Compare session A (earlier) with session B (re-test), per metric and side.

    Parameters
    ----------
    a, b
        The two assessments.
    current_phase
        Program phase the person followed between the sessions (default 1).

    Returns
    -------
    Comparison
        One :class:`MetricChange` per metric and side present in either session, in
        registry order (:data:`hipcheck.metrics.NAMES`), and the :class:`PhaseSuggestion`.
    """
    sa = {(s.metric, s.side): s for s in summarize_assessment(a)}
    sb = {(s.metric, s.side): s for s in summarize_assessment(b)}
    order = {m: i for i, m in enumerate(NAMES)}
    keys = sorted(set(sa) | set(sb), key=lambda k: (order.get(k[0], len(order)), k[1]))
    changes = [_compare_one(m, side, sa.get((m, side)), sb.get((m, side))) for m, side in keys]
    phase = current_phase or 1
    return Comparison(changes, next_phase_suggestion(changes, b, phase, a.program or b.program))


TREND_COLUMNS = [
    "session_id",
    "label",
    "date",
    "task",
    "overall_rating",
    "metric",
    "side",
    "mean_value",
    "n_reps",
    "status",
    "rating",
    "source",
]


def trend(store: HistoryStore, person: str) -> pd.DataFrame:
    """Return the per-metric summaries of every session of ``person`` (oldest first).

    One row per session, metric and side, with the columns of :data:`TREND_COLUMNS`
    (``label`` is the session date and id, for plot axes).
    """
    rows = store.metric_rows(person)
    for r in rows:
        r["label"] = f"{r['date'].isoformat()} #{r['session_id']}"
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


def trend_from_assessments(items: Sequence[tuple[str, Assessment]]) -> pd.DataFrame:
    """Build a trend table from ``(label, assessment)`` pairs in order (no database).

    ``session_id`` is the position (1-based) and ``date`` is None.
    """
    rows = []
    for i, (label, a) in enumerate(items, start=1):
        for s in summarize_assessment(a):
            rows.append(
                asdict(s)
                | {
                    "session_id": i,
                    "label": label,
                    "date": None,
                    "task": a.task,
                    "overall_rating": a.overall_rating,
                }
            )
    return pd.DataFrame(rows, columns=TREND_COLUMNS)
