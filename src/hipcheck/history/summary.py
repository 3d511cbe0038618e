"""Per-metric, per-side records of an assessment (what history stores and compares).

They are the assessment's own summary (:attr:`hipcheck.model.Assessment.summary`: mean
headline value over the reps of a side, its status and rating), flattened to one record
per metric and side: knee valgus keyed by limb (in a double-leg squat, ``left`` and
``right``), the other metrics by the rep's stance side (``both`` for double-leg squats).
Nothing is recomputed here, so history, comparisons and reports agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from hipcheck.metrics import NAMES
from hipcheck.model import Assessment


@dataclass(frozen=True)
class MetricRecord:
    """One metric of one side of a session, as history stores it (one ``metrics`` row).

    A flat projection of one :class:`hipcheck.model.MetricSummary` (``side`` is its
    ``limb``, ``mean_value`` its ``mean``, ``n_reps`` its ``n``), in the database's
    column names; not a second summary: nothing is computed here.

    Attributes
    ----------
    metric
        Metric name (:data:`hipcheck.metrics.NAMES`).
    side
        ``left``/``right`` (stance side; limb for knee valgus) or ``both``.
    mean_value
        Mean headline value over the usable reps (degrees; ratio for kasr), or None.
    n_reps
        Number of reps averaged.
    status
        ``measured``, ``indicative`` or ``not_measurable`` (the assessment's).
    rating
        The assessment's rating of the mean (measured only).
    source
        ``landmarks`` or ``markers``.
    """

    metric: str
    side: str
    mean_value: float | None
    n_reps: int
    status: str
    rating: str | None
    source: str


def summarize_assessment(assessment: Assessment) -> list[MetricRecord]:
    """Return one record per metric and side, sorted by metric (registry order) then side.

    When two summaries share a metric and limb (a clip mixing single- and double-leg
    reps), the first in the assessment's order is kept.
    """
    out: dict[tuple[str, str], MetricRecord] = {}
    for s in assessment.summary:
        key = (s.metric, s.limb)
        if key not in out:
            out[key] = MetricRecord(s.metric, s.limb, s.mean, s.n, s.status, s.rating, s.source)
    order = {m: i for i, m in enumerate(NAMES)}
    return sorted(out.values(), key=lambda s: (order.get(s.metric, len(order)), s.side))
