"""Read metrics out of an :class:`~hipcheck.model.Assessment` for display.

Small accessors the plots, drawings and reports share: the clip-level status of a metric
(measured, indicative, not measurable) and the worst repetition (the one whose key frame
the report shows). Labels, units and bands come from :mod:`hipcheck.metrics`.
"""

from __future__ import annotations

from dataclasses import dataclass

from hipcheck.model import Assessment, Rep

_SEVERITY = {"good": 0, "fair": 1, "poor": 2}
_STATUS_ORDER = ("measured", "indicative", "not_measurable")


@dataclass(frozen=True)
class MetricStatus:
    """Clip-level status of one metric: the best status any rep has, and why not better."""

    status: str  # measured | indicative | not_measurable | absent
    reason: str = ""


def metric_status(assessment: Assessment, metric: str, limb: str | None = None) -> MetricStatus:
    """Return whether ``metric`` (of ``limb``, default any) was measured in any rep.

    ``measured`` if any rep has a measured value, else ``indicative`` (with its reason),
    else ``not_measurable`` (with the distinct reasons), else ``absent``.
    """
    values = [
        mv
        for rep in assessment.reps
        for lb, mv in rep.metrics.get(metric, {}).items()
        if limb is None or lb in (limb, "both")
    ]
    for status in _STATUS_ORDER:
        hits = [v for v in values if v.status == status]
        if hits:
            reasons = list(dict.fromkeys(v.reason for v in hits if v.reason))
            return MetricStatus(status, "; ".join(reasons) if status != "measured" else "")
    return MetricStatus("absent")


def rep_severity(rep: Rep) -> tuple[int, float]:
    """Return a sort key: worst rating of the rep's rated values, then its largest angle."""
    worst, largest = -1, float("-inf")
    for m, _limb, mv in rep.values():
        if mv.rating in _SEVERITY:
            worst = max(worst, _SEVERITY[mv.rating])
        if mv.status == "measured" and mv.value is not None and m.unit == "°":
            largest = max(largest, float(mv.value))
    return worst, largest


def worst_rep(assessment: Assessment) -> Rep | None:
    """Return the rep with the worst rated value (ties: the largest angle), or None."""
    if not assessment.reps:
        return None
    return max(assessment.reps, key=rep_severity)
