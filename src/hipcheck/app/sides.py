"""Left vs right: one session's two legs side by side, from one clip or from two clips.

Pure functions (no Streamlit), so the wording and the combination are tested directly:

- :func:`combine_clips` builds one assessment from a left-leg clip and a right-leg clip:
  each side's repetitions come from its own clip, and the summary, asymmetry, findings
  and coverage are derived from them by the assessment stage's own
  :func:`hipcheck.assessment.assemble.assessment_from_reps` (nothing is recomputed here).
- :func:`side_rows` gives, per metric, both sides' means with their ratings, the
  difference and what the difference means (its rating where the rubric has asymmetry
  bands, and whether it exceeds the minimum detectable change).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from hipcheck.metrics import METRICS, MetricSpec
from hipcheck.model import Assessment, Asymmetry, MetricSummary, Rep

#: the two legs of a single-leg test
SIDES: tuple[str, str] = ("left", "right")
LEG_WORDS = {"left": "left leg", "right": "right leg"}


@dataclass(frozen=True)
class SideCell:
    """One side's mean of one metric, in words."""

    text: str
    rating: str | None
    status: str
    n: int = 0


@dataclass(frozen=True)
class SideRow:
    """One metric, both legs side by side, and what the difference means."""

    metric: str
    label: str
    left: SideCell
    right: SideCell
    difference: str
    asymmetry_rating: str | None
    meaning: str


def _cell(s: MetricSummary | None, m: MetricSpec) -> SideCell:
    if s is None:
        return SideCell("not tested", None, "absent")
    if s.mean is None or s.status == "not_measurable":
        return SideCell("not measurable", None, "not_measurable", s.n)
    if s.status == "indicative":
        return SideCell(f"~{m.format(s.mean)} (indicative)", None, "indicative", s.n)
    rating = s.rating or "not rated"
    return SideCell(f"{m.format(s.mean)} ({rating})", s.rating, "measured", s.n)


def _mdc(metric: str) -> float | None:
    from hipcheck.history.compare import load_mdc

    return load_mdc().get(metric)


def asymmetry_meaning(
    m: MetricSpec,
    left: MetricSummary | None,
    right: MetricSummary | None,
    asym: Asymmetry | None,
) -> str:
    """Return what the left/right difference of one metric means, in plain words."""
    missing = [
        side
        for side, s in (("left", left), ("right", right))
        if s is None or s.mean is None or s.status == "not_measurable"
    ]
    if missing:
        why = []
        for side in missing:
            s = left if side == "left" else right
            if s is None:
                why.append(f"the {LEG_WORDS[side]} was not tested")
            else:
                why.append(
                    f"the {LEG_WORDS[side]} could not be measured ({s.reason or 'no value'})"
                )
        return "Not compared: " + "; ".join(why) + "."
    assert left is not None and right is not None  # narrowed above
    if "indicative" in (left.status, right.status):
        return (
            "Not compared: the values are indicative only (not validated), so a difference "
            "between them says nothing reliable."
        )
    diff = float(left.mean) - float(right.mean)  # type: ignore[arg-type]
    size = m.format(abs(diff), signed=False)
    if asym is not None:
        worse = asym.worse_side
    else:
        worse = (
            ("left" if diff < 0 else "right")
            if m.worse == "lower"
            else ("left" if diff > 0 else "right")
        )
    text = f"{size} more on the {LEG_WORDS[worse]}." if diff else "The same on both legs."
    mdc = _mdc(m.name)
    if asym is not None and asym.rating is not None:
        from hipcheck.rubric import bands

        b = bands("fppa_asymmetry", "unspecified")
        text += (
            f" Asymmetry rated {asym.rating} (good below {b['fair']:g}{m.unit}, "
            f"poor from {b['poor']:g}{m.unit})."
        )
    if mdc is not None and diff:
        if abs(diff) < mdc:
            text += (
                f" Smaller than the minimum detectable change ({mdc:g}{m.unit}): it may be "
                "measurement noise."
            )
        else:
            text += f" At least the minimum detectable change ({mdc:g}{m.unit}): a real difference."
    return text


def side_rows(assessment: Assessment) -> list[SideRow]:
    """Return one row per single-leg metric measured on either leg, registry order."""
    rows = []
    asym = {a.metric: a for a in assessment.asymmetry}
    for m in METRICS:
        if not m.single_leg:
            continue
        left = assessment.summary_for(m.name, "left")
        right = assessment.summary_for(m.name, "right")
        if left is None and right is None:
            continue
        a = asym.get(m.name)
        if a is not None:
            difference = m.format(a.difference)
        elif (
            left is not None
            and right is not None
            and left.mean is not None
            and right.mean is not None
            and "indicative" not in (left.status, right.status)
        ):
            difference = m.format(left.mean - right.mean)
        else:
            difference = "-"
        rows.append(
            SideRow(
                metric=m.name,
                label=m.label,
                left=_cell(left, m),
                right=_cell(right, m),
                difference=difference,
                asymmetry_rating=a.rating if a is not None else None,
                meaning=asymmetry_meaning(m, left, right, a),
            )
        )
    return rows


def has_both_sides(assessment: Assessment) -> bool:
    """Return True if the assessment has repetitions standing on each leg."""
    sides = set(assessment.sides())
    return "left" in sides and "right" in sides


def _side_reps(assessment: Assessment, side: str) -> list[Rep]:
    return [r for r in assessment.reps if r.side == side]


def combine_clips(
    left: Assessment,
    right: Assessment,
    *,
    left_name: str,
    right_name: str,
    config: Any,
) -> tuple[Assessment, list[str]]:
    """Combine a left-leg clip and a right-leg clip of one session into one assessment.

    Each side's repetitions come from its own clip (repetitions standing on the other
    leg, or on both, are left out and named in the notes); they are renumbered in order
    (left clip first) and the summary, asymmetry, findings and coverage are derived by
    :func:`hipcheck.assessment.assemble.assessment_from_reps`, exactly as for one clip.

    Parameters
    ----------
    left, right
        The two clips' assessments.
    left_name, right_name
        The clips' names (recorded in the combined assessment's video path).
    config
        The :class:`hipcheck.config.AnalysisConfig` of the session (sex for the bands).

    Returns
    -------
    (Assessment, list of str)
        The combined assessment and notes on what was left out.
    """
    from hipcheck.assessment.assemble import assessment_from_reps
    from hipcheck.model import VideoFacts

    notes = []
    reps: list[Rep] = []
    for side, a, name in (("left", left, left_name), ("right", right, right_name)):
        own = _side_reps(a, side)
        other = len(a.reps) - len(own)
        if other:
            notes.append(
                f"{other} repetition{'s' if other != 1 else ''} of {name} did not stand on the "
                f"{LEG_WORDS[side]} and {'are' if other != 1 else 'is'} left out."
            )
        reps += own
    reps = [replace(r, index=i) for i, r in enumerate(reps, start=1)]
    sources = dict(left.provenance.sources)
    for metric, src in right.provenance.sources.items():
        if src == "markers":
            sources[metric] = src
    caveats = {m.landmark_caveat for m in METRICS}  # added again by the assessment stage
    quality = [f"Left clip: {q}" for q in left.quality if q not in caveats] + [
        f"Right clip: {q}" for q in right.quality if q not in caveats
    ]
    no_reps = None
    if not reps:
        no_reps = (
            "Neither clip has repetitions standing on the leg it was given for: "
            "check which clip is the left and which the right leg."
        )
    combined = assessment_from_reps(
        reps,
        video=VideoFacts(path=f"{left_name} (left leg) + {right_name} (right leg)"),
        config=config,
        sources=sources,
        quality=quality,
        baseline=left.provenance.baseline,
        no_reps_reason=no_reps,
        hipcheck_version=left.provenance.hipcheck_version,
    )
    return combined, notes
