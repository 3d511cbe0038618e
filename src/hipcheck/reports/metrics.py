"""Read metrics out of an :class:`~hipcheck.model.Assessment` for display.

Small accessors the plots, drawings and reports share: a rep's metric for a limb,
the clip-level status of a metric (measured, indicative, not measurable) and the
worst repetition (the one whose key frame the report shows).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hipcheck.model import Assessment, MetricValue, Rep

#: display order and labels of the metrics
METRIC_LABELS: dict[str, str] = {
    "pelvic_drop_deg": "Pelvic drop",
    "knee_valgus_deg": "Knee valgus (FPPA)",
    "trunk_lean_deg": "Trunk lean",
    "kasr": "Knee-ankle separation ratio",
}

_SEVERITY = {"good": 0, "fair": 1, "poor": 2}


def as_metric(obj: Any) -> MetricValue | None:
    """Return ``obj`` as a :class:`MetricValue` (accepts the dict form), else None."""
    return MetricValue.coerce(obj)


def stance_limbs(rep: Rep) -> tuple[str, ...]:
    """Return the limbs a rep is measured on: the stance side, or both for bilateral reps."""
    return (rep.side,) if rep.side in ("left", "right") else ("left", "right")


def rep_metric(rep: Rep, metric: str, limb: str | None = None) -> MetricValue | None:
    """Return one metric of ``rep`` (for ``knee_valgus_deg``, of ``limb``; default stance)."""
    value = rep.metrics.get(metric)
    if metric == "knee_valgus_deg":
        if not isinstance(value, dict):
            return None
        if limb is None:
            limb = stance_limbs(rep)[0]
        return as_metric(value.get(limb))
    return as_metric(value)


def rep_metrics(rep: Rep) -> Iterable[tuple[str, str | None, MetricValue]]:
    """Yield ``(metric, limb, value)`` for every metric present in ``rep`` (limb for FPPA)."""
    for metric in METRIC_LABELS:
        if metric == "knee_valgus_deg":
            for limb in ("left", "right"):
                mv = rep_metric(rep, metric, limb)
                if mv is not None:
                    yield metric, limb, mv
        else:
            mv = rep_metric(rep, metric)
            if mv is not None:
                yield metric, None, mv


@dataclass(frozen=True)
class MetricStatus:
    """Clip-level status of one metric: the best status any rep has, and why not better."""

    status: str  # measured | indicative | not_measurable | absent
    reason: str = ""


def metric_status(assessment: Assessment, metric: str, limb: str | None = None) -> MetricStatus:
    """Return whether ``metric`` (of ``limb`` for FPPA) was measured in any rep.

    ``measured`` if any rep has a measured value, else ``indicative`` (with its reason),
    else ``not_measurable`` (with the distinct reasons), else ``absent``.
    """
    values = []
    for rep in assessment.reps:
        if metric == "knee_valgus_deg" and limb is not None:
            mv = rep_metric(rep, metric, limb)
            values.append(mv)
        elif metric == "knee_valgus_deg":
            values.extend(rep_metric(rep, metric, lb) for lb in ("left", "right"))
        else:
            values.append(rep_metric(rep, metric))
    values = [v for v in values if v is not None]
    for status in ("measured", "indicative", "not_measurable"):
        hits = [v for v in values if v.status == status]
        if hits:
            reasons = list(dict.fromkeys(v.reason for v in hits if v.reason))
            return MetricStatus(status, "; ".join(reasons) if status != "measured" else "")
    return MetricStatus("absent")


def rep_severity(rep: Rep) -> tuple[int, float]:
    """Return a sort key: worst rating of the rep's rated metrics, then its largest value."""
    worst, largest = -1, float("-inf")
    for _metric, _limb, mv in rep_metrics(rep):
        if mv.rating in _SEVERITY:
            worst = max(worst, _SEVERITY[mv.rating])
        if mv.status == "measured" and mv.value is not None and _metric != "kasr":
            largest = max(largest, float(mv.value))
    return worst, largest


def worst_rep(assessment: Assessment) -> Rep | None:
    """Return the rep with the worst rated metric (ties: the largest value), or None."""
    if not assessment.reps:
        return None
    return max(assessment.reps, key=rep_severity)


def baseline_of(assessment: Assessment, metric: str, limb: str) -> float | None:
    """Return the standing baseline of ``metric`` for ``limb`` implied by the reps.

    A metric's baseline is ``bottom - bottom_rel``; the median over the reps of that
    stance side (or limb, for FPPA) is returned, or None if no rep carries both.
    """
    values = []
    for rep in assessment.reps:
        if metric == "knee_valgus_deg":
            mv = rep_metric(rep, metric, limb)
        elif limb in stance_limbs(rep):
            mv = rep_metric(rep, metric)
        else:
            continue
        if mv is not None and mv.bottom is not None and mv.bottom_rel is not None:
            values.append(float(mv.bottom) - float(mv.bottom_rel))
    if not values:
        return None
    values.sort()
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else 0.5 * (values[mid - 1] + values[mid])
