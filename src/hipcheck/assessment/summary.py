"""From rated repetitions to the per-side summary, findings, overall rating and coverage.

Everything downstream (reports, the app, history, comparisons, the program) reads these;
none of them recomputes a mean or a rating.

- :func:`summarise`: per stance side and metric (and limb), the mean and SD of the
  headline values of the reps, its status and, when every averaged value was measured,
  its rating (the rating of the mean, so the mean row of a table and its finding agree).
- :func:`asymmetries`: left vs right stance means of measured metrics (single-leg tasks);
  the knee valgus difference is rated against the asymmetry bands.
- :func:`findings`: a fair or poor summary is a finding (rated, or unrated when the
  summary is indicative); a side whose components combine to poor gets an
  ``overall_poor`` finding (poor if any component is poor or two or more are fair; fair
  if exactly one is fair); a fair/poor knee valgus asymmetry is a finding.
- :func:`coverage`: what was rated and what not, and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from hipcheck.metrics import BY_NAME, METRICS, spec
from hipcheck.model import (
    Asymmetry,
    Coverage,
    Finding,
    MetricSummary,
    MetricValue,
    NotMeasured,
    Rating,
    Rep,
    Status,
)
from hipcheck.rubric import overall, rate

SINGLE_LEG_SIDES = ("left", "right")


def _where(side: str) -> str:
    return "on both legs" if side == "both" else f"on the {side} leg"


def _limb_words(side: str, limb: str) -> str:
    """'on the left leg', or 'left knee' words for per-limb values of double-leg squats."""
    return f"on the {limb} leg" if side == "both" and limb != "both" else _where(side)


def _summary(name: str, side: str, limb: str, values: list[MetricValue], n_reps: int, sex: str):
    m = spec(name)
    shown = [v for v in values if v.shown]
    if not shown:
        reasons = list(dict.fromkeys(v.reason for v in values if v.reason))
        return MetricSummary(
            metric=name,
            side=side,  # type: ignore[arg-type]
            limb=limb,  # type: ignore[arg-type]
            mean=None,
            sd=None,
            n=0,
            n_reps=n_reps,
            status="not_measurable",
            rating=None,
            source=values[0].source if values else "landmarks",
            reason=" ".join(reasons) or "No repetition could be measured.",
        )
    arr = np.array([v.value for v in shown], dtype=float)
    indicative = any(v.status == "indicative" for v in shown)
    mean = float(arr.mean())
    status: Status = "indicative" if indicative else "measured"
    reason = next((v.reason for v in shown if v.reason), None) if indicative else None
    return MetricSummary(
        metric=name,
        side=side,  # type: ignore[arg-type]
        limb=limb,  # type: ignore[arg-type]
        mean=mean,
        sd=float(arr.std(ddof=1)) if arr.size > 1 else None,
        n=int(arr.size),
        n_reps=n_reps,
        status=status,
        rating=m.rate(mean, sex) if status == "measured" else None,
        source="markers" if any(v.source == "markers" for v in shown) else "landmarks",
        reason=reason,
    )


def summarise(reps: Sequence[Rep], sex: str) -> tuple[MetricSummary, ...]:
    """Per stance side (in rep order) and metric/limb: mean, SD, n, status, rating."""
    out: list[MetricSummary] = []
    for side in dict.fromkeys(r.side for r in reps):
        side_reps = [r for r in reps if r.side == side]
        for m in METRICS:
            for limb in m.limbs(side):
                values = [mv for r in side_reps if (mv := r.metric(m.name, limb)) is not None]
                if values:
                    out.append(_summary(m.name, side, limb, values, len(side_reps), sex))
    return tuple(out)


def asymmetries(summary: Sequence[MetricSummary]) -> tuple[Asymmetry, ...]:
    """Left vs right stance means of every metric measured on both sides."""
    out = []
    for m in METRICS:
        pair = {
            s.side: s
            for s in summary
            if s.metric == m.name and s.side in SINGLE_LEG_SIDES and s.status == "measured"
        }
        if len(pair) < 2 or pair["left"].mean is None or pair["right"].mean is None:
            continue
        left, right = float(pair["left"].mean), float(pair["right"].mean)
        worse_left = left < right if m.worse == "lower" else left > right
        rating = rate(abs(left - right), "fppa_asymmetry") if m.name == "knee_valgus_deg" else None
        out.append(
            Asymmetry(
                metric=m.name,
                left=left,
                right=right,
                difference=left - right,
                worse_side="left" if worse_left else "right",
                rating=rating,  # type: ignore[arg-type]
            )
        )
    return tuple(out)


def _finding(s: MetricSummary, tier: str, rated: bool) -> Finding:
    m = spec(s.metric)
    words = _limb_words(s.side, s.limb)
    reps = "rep" if s.n == 1 else "reps"
    text = f"{m.label} {words}: mean {m.format(s.mean)} over {s.n} {reps} ({tier})."
    if not rated:
        text = (
            f"{m.label} {words}: mean {m.format(s.mean)} over {s.n} {reps} would be {tier}, "
            "but this value is indicative only, so it is not rated."
        )
    return Finding(
        id=m.finding_id,
        side=s.limb if s.side == "both" and s.limb != "both" else s.side,
        severity=tier,  # type: ignore[arg-type]
        value=s.mean,
        rated=rated,
        summary=text,
        metric=s.metric,
        n_reps=s.n,
    )


def findings(
    summary: Sequence[MetricSummary], asym: Sequence[Asymmetry], sex: str
) -> tuple[tuple[Finding, ...], Rating | None]:
    """Return the findings and the overall rating (None when nothing was rated)."""
    out: list[Finding] = []
    side_ratings: list[str | None] = []
    for side in dict.fromkeys(s.side for s in summary):
        components = []
        for s in (x for x in summary if x.side == side):
            if s.status == "measured":
                components.append(s.rating)
                if s.rating in ("fair", "poor"):
                    out.append(_finding(s, s.rating, rated=True))
            elif s.status == "indicative":
                tier = BY_NAME[s.metric].rate(s.mean, sex)
                if tier in ("fair", "poor"):
                    out.append(_finding(s, tier, rated=False))
        side_rating = overall(components)
        side_ratings.append(side_rating)
        if side_rating == "poor":
            out.append(
                Finding(
                    id="overall_poor",
                    side=side,
                    severity="poor",
                    rated=True,
                    n_reps=max((s.n_reps for s in summary if s.side == side), default=0),
                    summary=(
                        f"Overall movement quality {_where(side)} is poor: one measure is "
                        "poor, or two or more are fair."
                    ),
                )
            )
    for a in asym:
        if a.rating in ("fair", "poor"):
            m = spec(a.metric)
            out.append(
                Finding(
                    id="asymmetry",
                    side=a.worse_side,
                    severity=a.rating,
                    value=abs(a.difference),
                    rated=True,
                    metric=a.metric,
                    summary=(
                        f"{m.label} differs by {m.format(abs(a.difference), signed=False)} "
                        f"between the legs; the {a.worse_side} leg is worse ({a.rating})."
                    ),
                )
            )
            side_ratings.append(a.rating)
    return tuple(out), overall(side_ratings)  # type: ignore[return-value]


def _join(words: Sequence[str]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


#: What to film when nothing could be measured.
FILMING_ADVICE = (
    "Film from the front with the camera square to the person at pelvis-to-knee height, "
    "the whole body in view, only that person in frame; stand still for a moment, then do "
    "3-5 slow single-leg squats (or step-downs or squats) on each leg, standing fully up "
    "between repetitions."
)


def coverage(
    reps: Sequence[Rep], summary: Sequence[MetricSummary], no_reps_reason: str | None = None
) -> Coverage:
    """Return what was rated and what not (see :class:`hipcheck.model.Coverage`)."""
    sides = tuple(dict.fromkeys(r.side for r in reps))
    rated = [s for s in summary if s.status == "measured"]
    rated_sides = tuple(dict.fromkeys(s.side for s in rated))
    rated_metrics = tuple(m.name for m in METRICS if any(s.metric == m.name for s in rated))
    not_measured = tuple(
        NotMeasured(metric=s.metric, side=s.side, reason=s.reason or "")
        for s in summary
        if s.status != "measured"
    )
    single = any(r.side in SINGLE_LEG_SIDES for r in reps)
    untested: tuple[Literal["left", "right"], ...] = ()
    if single:
        untested = tuple(s for s in ("left", "right") if s not in rated_sides)
    if not reps:
        message = "No repetitions were found in this clip."
        if no_reps_reason:
            message = no_reps_reason[0].upper() + no_reps_reason[1:].rstrip(".") + "."
        return Coverage(False, (), (), (), (), (), message, FILMING_ADVICE)
    if not rated:
        reasons = list(dict.fromkeys(n.reason for n in not_measured if n.reason))
        message = "Nothing could be rated in this clip. " + " ".join(reasons)
        return Coverage(
            False, sides, (), untested, (), not_measured, message.strip(), FILMING_ADVICE
        )
    labels = [spec(n).label[0].lower() + spec(n).label[1:] for n in rated_metrics]
    where = _join(
        ["on both legs together" if s == "both" else f"on the {s} leg" for s in rated_sides]
    )
    message = f"Rated {where}: {_join(labels)}."
    if untested:
        message += f" The {_join(untested)} leg was not tested."
    return Coverage(
        True,
        sides,
        rated_sides,
        untested,
        rated_metrics,
        not_measured,
        message,
        None,
    )
