"""Per-metric, per-side summaries of an assessment (what history stores and compares).

A summary row holds the mean *headline* value (``bottom_rel``: baseline-relative, at
peak knee flexion) over the repetitions of one side, counting only values whose status
is ``measured`` or ``indicative``. Sides follow :mod:`hipcheck.model`: knee valgus
(FPPA) is grouped by limb, the other metrics by the repetition's stance side (``both``
for bilateral squats). Signs are the model's: positive = valgus, contralateral drop,
ipsilateral lean.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from hipcheck.model import METRICS, Assessment, MetricValue, Rep

#: finding id -> metric name, for ratings taken from the analysis' own findings
_FINDING_METRIC = {
    "pelvic_drop": "pelvic_drop_deg",
    "knee_valgus": "knee_valgus_deg",
    "trunk_lean": "trunk_lean_deg",
    "kasr": "kasr",
}
_RATING_ORDER = {"good": 0, "fair": 1, "poor": 2}


@dataclass(frozen=True)
class MetricSummary:
    """One metric of one side of a session.

    Attributes
    ----------
    metric
        Metric name (``pelvic_drop_deg``, ``knee_valgus_deg``, ``trunk_lean_deg``, ``kasr``).
    side
        ``left``/``right`` (stance side; limb for knee valgus) or ``both``.
    mean_value
        Mean headline value over the usable reps (degrees; ratio for kasr), or None.
    n_reps
        Number of reps averaged.
    status
        ``measured`` if every averaged rep was measured, ``indicative`` if any was
        indicative, ``not_measurable`` if none had a value.
    rating
        The analysis' rating for this metric and side (see :func:`summarize_assessment`).
    source
        ``landmarks`` or ``markers`` (``markers`` if any averaged rep used markers).
    """

    metric: str
    side: str
    mean_value: float | None
    n_reps: int
    status: str
    rating: str | None
    source: str


def _iter_values(rep: Rep) -> Iterator[tuple[str, str, MetricValue]]:
    """Yield ``(metric, side, value)`` for one rep; FPPA per limb, others per stance side."""
    for name in METRICS:
        m = rep.metrics.get(name)
        if m is None:
            continue
        if isinstance(m, dict):
            for limb, mv in m.items():
                yield name, limb, mv
        else:
            yield name, rep.side, m


def _finding_ratings(assessment: Assessment) -> dict[tuple[str, str], str]:
    """Map ``(metric, side)`` to the severity of the analysis' rated finding for it."""
    out: dict[tuple[str, str], str] = {}
    for f in assessment.findings:
        metric = f.metric or _FINDING_METRIC.get(f.id)
        if metric is None or not f.rated:
            continue
        key = (metric, f.side)
        if key not in out or _RATING_ORDER[f.severity] > _RATING_ORDER[out[key]]:
            out[key] = f.severity
    return out


def _rep_rating(values: list[MetricValue]) -> str | None:
    """Most frequent per-rep rating of measured reps (ties go to the worse rating)."""
    ratings = [v.rating for v in values if v.status == "measured" and v.rating is not None]
    if not ratings or any(v.status != "measured" for v in values):
        return None
    counts = Counter(ratings)
    return max(counts, key=lambda r: (counts[r], _RATING_ORDER.get(r, -1)))


def summarize_assessment(assessment: Assessment) -> list[MetricSummary]:
    """Summarise an assessment per metric and side.

    The rating is the severity of the analysis' own rated finding for that metric and
    side when there is one (findings are rated on the same mean); otherwise, when every
    averaged rep was measured, the most frequent per-rep rating. Indicative and
    not-measurable summaries get no rating.

    Parameters
    ----------
    assessment
        The assessment to summarise.

    Returns
    -------
    list of MetricSummary
        Sorted by metric (in :data:`hipcheck.model.METRICS` order) then side.
    """
    groups: dict[tuple[str, str], list[MetricValue]] = {}
    for rep in assessment.reps:
        for metric, side, mv in _iter_values(rep):
            groups.setdefault((metric, side), []).append(mv)

    from_findings = _finding_ratings(assessment)
    out = []
    for (metric, side), values in groups.items():
        used = [
            v for v in values if v.status in ("measured", "indicative") and v.bottom_rel is not None
        ]
        if used:
            mean = sum(float(v.bottom_rel) for v in used) / len(used)
            status = "indicative" if any(v.status == "indicative" for v in used) else "measured"
        else:
            mean, status = None, "not_measurable"
        rating = None
        if status == "measured":
            rating = from_findings.get((metric, side)) or _rep_rating(used)
        pool = used or values
        source = "markers" if any(v.source == "markers" for v in pool) else "landmarks"
        out.append(MetricSummary(metric, side, mean, len(used), status, rating, source))
    order = {m: i for i, m in enumerate(METRICS)}
    return sorted(out, key=lambda s: (order.get(s.metric, len(order)), s.side))
