"""Report content shared by the HTML and PDF writers.

:func:`build_report` turns an assessment into plain data (strings, numbers, ratings):
the header, the per-rep table, findings in plain language, the program with dosage,
red flags and the disclaimer. The writers only lay it out, so both formats say the
same thing. Nothing here escapes markup: each writer escapes for its own format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath

from hipcheck.assessment.rules import flag_text
from hipcheck.metrics import METRICS, MetricSpec
from hipcheck.model import Assessment, Finding, MetricSummary, MetricValue, Rep
from hipcheck.program.model import Program
from hipcheck.program.model import ProgramItem as PlannedItem

TASK_LABELS: dict[str, str] = {
    "single_leg_squat": "Single-leg squat",
    "step_down": "Lateral step-down",
    "double_leg_squat": "Double-leg squat",
}

#: what the person was asked to do and how it was filmed (docs/EVIDENCE.md)
PROTOCOLS: dict[str, str] = {
    "single_leg_squat": (
        "Stand on one leg, arms crossed, and squat slowly (about 2 s per squat) as deep as "
        "is comfortable; 3-5 repetitions per side."
    ),
    "step_down": (
        "From a 15-20 cm step, hands on the waist, bend the standing knee until the other "
        "heel lightly touches the floor; 3-5 repetitions per side."
    ),
    "double_leg_squat": (
        "Feet hip-width apart, squat slowly to a comfortable depth and stand up; 3-5 repetitions."
    ),
}
FILMING = (
    "Frontal view, camera on a tripod at pelvis-to-knee height, whole body in frame, "
    "tight clothing. Values are measured at the deepest point of each repetition and "
    "given relative to quiet standing (absolute value in brackets)."
)

DEFAULT_RED_FLAGS: tuple[str, ...] = (
    "Recent injury with inability to bear weight, deformity or a locked or giving-way knee.",
    "A hot, red, swollen joint, especially with fever or feeling unwell.",
    "Constant or night pain, unexplained weight loss, or a history of cancer.",
    "Calf pain or swelling, numbness, tingling or foot drop.",
    "Saddle numbness or bladder/bowel changes: seek emergency care.",
)


@dataclass
class Cell:
    """One value cell of the rep table."""

    text: str
    sub: str = ""
    rating: str | None = None
    status: str = "measured"
    note: str = ""


@dataclass(frozen=True)
class FindingText:
    """One finding in words: title, severity badge, the sentence, the number behind it."""

    title: str
    severity: str | None
    severity_text: str
    summary: str
    value: str
    n_reps: int


@dataclass
class RepRow:
    """One row of the rep table (a rep, or a per-side mean when ``is_mean``)."""

    label: str
    side: str
    depth: str
    cells: list[Cell]
    quality: str = ""
    is_mean: bool = False


@dataclass
class ProgramItem:
    """One exercise with its dosage in words."""

    name: str
    dosage: str
    cues: list[str]
    why: str
    side: str = ""
    sides_note: str = ""


@dataclass
class ProgramPhase:
    """One phase of the program."""

    title: str
    goal: str
    items: list[ProgramItem]
    retraining: list[str] = field(default_factory=list)


@dataclass
class Report:
    """Everything a report shows, as plain text and numbers."""

    title: str
    header: list[tuple[str, str]]
    task: str
    protocol: str
    filming: str
    overall_rating: str | None
    quality_notes: list[str]
    columns: list[str]
    rows: list[RepRow]
    table_notes: list[str]
    findings: list[FindingText]
    no_findings_text: str
    coverage: str = ""
    advice: str = ""
    program_note: str = ""
    phases: list[ProgramPhase] = field(default_factory=list)
    program_notes: list[str] = field(default_factory=list)
    red_flags_title: str = "Red flags: stop and seek medical advice"
    red_flags: list[str] = field(default_factory=list)
    screening_title: str = "Before exercising, get clearance if any apply"
    screening: list[str] = field(default_factory=list)
    safety_notes: list[str] = field(default_factory=list)
    disclaimer: str = ""


def fmt_value(value: float | None, metric: str, *, signed: bool = True) -> str:
    """Format a value of registry metric ``metric`` (``+7.0°``, ``0.85``; ``-`` if missing)."""
    from hipcheck.metrics import spec

    return spec(metric).format(value, signed=signed if spec(metric).unit else False)


def _cell(mv: MetricValue | None, m: MetricSpec) -> Cell:
    if mv is None:
        return Cell("-", status="absent")
    if not mv.shown:
        return Cell(
            "not measurable", mv.reason or "", status="not_measurable", note=mv.reason or ""
        )
    main = m.format(mv.value)
    sub = f"({m.format(mv.bottom)})" if m.headline == "bottom_rel" else ""
    if mv.read_s is not None:  # a deep rep's FPPA, read where the knee passed 45-60 deg
        sub = f"({m.format(mv.bottom)} at {mv.read_s:.1f} s, on the way down)"
    if mv.status == "indicative":
        return Cell(f"~{main}", sub, None, "indicative", mv.reason or "")
    return Cell(main, sub, mv.rating, "measured")


def _summary_cell(s: MetricSummary | None, m: MetricSpec) -> Cell:
    if s is None:
        return Cell("-", status="absent")
    if s.mean is None:
        return Cell("not measurable", s.reason or "", status="not_measurable", note=s.reason or "")
    text = m.format(s.mean)
    if s.status == "indicative":
        return Cell(f"~{text}", f"n={s.n}", None, "indicative", s.reason or "")
    return Cell(text, f"n={s.n}", s.rating, "measured")


def _columns(assessment: Assessment) -> list[tuple[MetricSpec, str | None]]:
    """Metric columns: (metric, limb; None = the rep's own key)."""
    cols: list[tuple[MetricSpec, str | None]] = []
    for m in METRICS:
        keys = {k for r in assessment.reps for k in r.metrics.get(m.name, {})}
        if not keys:
            continue
        bilateral_limbs = any(
            r.side == "both" and len(r.metrics.get(m.name, {})) > 1 for r in assessment.reps
        )
        if bilateral_limbs:
            cols += [(m, "left"), (m, "right")]
        else:
            cols.append((m, None))
    return cols


def _column_title(m: MetricSpec, limb: str | None) -> str:
    return f"{m.label} {limb}" if limb else m.label


def _rep_cell(rep: Rep, m: MetricSpec, limb: str | None) -> Cell:
    values = rep.metrics.get(m.name, {})
    if limb is None:
        return _cell(values.get(rep.side), m)
    return _cell(values.get(limb) or (values.get(rep.side) if rep.side != "both" else None), m)  # type: ignore[call-overload]


def _rows(assessment: Assessment, columns: list[tuple[MetricSpec, str | None]]) -> list[RepRow]:
    rows: list[RepRow] = []
    for side in assessment.sides():
        reps = [r for r in assessment.reps if r.side == side]
        for rep in reps:
            rows.append(
                RepRow(
                    label=str(rep.index),
                    side=side,
                    depth=f"{100 * rep.depth:.0f}%",
                    cells=[_rep_cell(rep, m, limb) for m, limb in columns],
                    quality="; ".join(flag_text(q) for q in rep.quality),
                )
            )
        if len(reps) > 1:
            cells = [
                _summary_cell(assessment.summary_for(m.name, side, limb or side), m)
                for m, limb in columns
            ]
            depth = f"{100 * sum(r.depth for r in reps) / len(reps):.0f}%"
            rows.append(RepRow("mean", side, depth, cells, is_mean=True))
    return rows


def _table_notes(rows: list[RepRow], columns: list[tuple[MetricSpec, str | None]]) -> list[str]:
    notes: dict[str, None] = {}
    for row in rows:
        for (m, _limb), cell in zip(columns, row.cells, strict=True):
            if cell.status == "indicative" and cell.note:
                notes[f"~ {m.label} is indicative, not rated: {cell.note}"] = None
    return list(notes)


def _finding_text(f: Finding) -> FindingText:
    from hipcheck.metrics import BY_NAME

    m = BY_NAME.get(f.metric or "")
    label = m.label if m else f.id.replace("_", " ").capitalize()
    where = {"left": "left leg", "right": "right leg", "both": "both legs"}.get(f.side, f.side)
    value = m.format(f.value, signed=f.id != "asymmetry" and bool(m.unit)) if m else ""
    return FindingText(
        title=f"{label} - {where}",
        severity=f.severity if f.rated else None,
        severity_text=f.severity if f.rated else "indicative",
        summary=f.summary,
        value=value if f.value is not None else "",
        n_reps=f.n_reps,
    )


def dosage_text(item: PlannedItem) -> str:
    """Return an exercise's dosage in words, e.g. ``3 x 10, tempo 2-1-2, rest 60 s, 3x/week``."""
    parts = []
    per = f" {item.per}" if item.per else ""
    if item.sets and item.reps:
        parts.append(f"{item.sets} x {item.reps}{per}")
    elif item.sets:
        parts.append(f"{item.sets} sets{per}")
    elif item.reps:
        parts.append(f"{item.reps} reps{per}")
    if item.hold_s:
        parts.append(f"hold {item.hold_s} s")
    if item.tempo:
        parts.append(f"tempo {item.tempo}")
    if item.rest_s:
        parts.append(f"rest {item.rest_s} s")
    if item.sessions_per_week:
        parts.append(f"{item.sessions_per_week}x/week")
    text = ", ".join(str(p) for p in parts) or "as prescribed"
    if item.load:
        text += f"; load: {item.load}"
    return text


def _phases(program: Program | None) -> list[ProgramPhase]:
    phases = []
    for phase in program.phases if program else []:
        title = f"Phase {phase.number}: {phase.name}".rstrip(": ")
        if phase.weeks:
            title += f" (weeks {phase.weeks})"
        items = [
            ProgramItem(
                name=item.name,
                dosage=dosage_text(item),
                cues=list(item.cues),
                why=item.why,
                sides_note=item.side_emphasis or "",
            )
            for item in phase.items
        ]
        goal = f"{phase.goal} {phase.frequency}".strip()
        phases.append(ProgramPhase(title, goal, items, list(phase.retraining)))
    return phases


def _program_notes(program: Program | None) -> list[str]:
    if program is None:
        return []
    notes = [f"Progression: {rule}" for rule in program.progression_rules]
    if program.retest:
        notes.append(f"Re-test: {program.retest}")
    return notes + list(program.notes)


def _header(
    assessment: Assessment, patient_id: str | None, session_date: str | None
) -> list[tuple[str, str]]:
    video = assessment.video
    rows = []
    if patient_id:
        rows.append(("Patient / athlete", str(patient_id)))
    if session_date:
        rows.append(("Date", str(session_date)))
    if video.path:
        rows.append(("Clip", PurePath(video.path).name))
    facts = []
    if video.width and video.height:
        facts.append(f"{video.width}x{video.height} px")
    if video.fps:
        facts.append(f"{video.fps:.0f} fps")
    if video.duration_s:
        facts.append(f"{video.duration_s:.1f} s")
    if facts:
        rows.append(("Video", ", ".join(facts)))
    if assessment.provenance.hipcheck_version:
        rows.append(("hipcheck", assessment.provenance.hipcheck_version))
    return rows


def _quality_notes(assessment: Assessment) -> list[str]:
    notes = [str(q) for q in assessment.quality]
    for m in METRICS:
        if assessment.metric_source(m.name) == "markers":
            notes.append(f"{m.label} measured from skin markers.")
    note = METRICS[1].bands_note(assessment.sex)
    if note and "knee_valgus_deg" in assessment.coverage.rated_metrics:
        notes.append(f"Knee valgus (FPPA) rated with the {note}.")
    return notes


def build_report(
    assessment: Assessment,
    *,
    patient_id: str | None = None,
    session_date: str | None = None,
) -> Report:
    """Return the content of the report for ``assessment``.

    Every value, rating and finding is the assessment's own (per-rep values, the per-leg
    summary for the mean rows, the findings): the report recomputes nothing, so it tells
    the same story as the JSON, the tables and the app.
    """
    columns = _columns(assessment)
    rows = _rows(assessment, columns)
    program = assessment.program
    safety = program.safety if program is not None else None
    cover = assessment.coverage
    from hipcheck.program.safety import program_safety

    safety = safety or program_safety()
    return Report(
        title="hipcheck movement screen",
        header=_header(assessment, patient_id, session_date),
        task=TASK_LABELS.get(assessment.task, str(assessment.task).replace("_", " ")),
        protocol=PROTOCOLS.get(assessment.task, ""),
        filming=FILMING,
        overall_rating=assessment.overall_rating,
        quality_notes=_quality_notes(assessment),
        columns=[_column_title(m, limb) for m, limb in columns],
        rows=rows,
        table_notes=_table_notes(rows, columns),
        findings=[_finding_text(f) for f in assessment.findings],
        no_findings_text=(
            "None of the rated measures is in the fair or poor range." if cover.rated else ""
        ),
        coverage=cover.message,
        advice=cover.advice or "",
        program_note=assessment.program_note or "",
        phases=_phases(program),
        program_notes=_program_notes(program),
        red_flags_title=safety.red_flags_title,
        red_flags=list(safety.red_flags),
        screening_title=safety.par_q_title,
        screening=list(safety.par_q),
        safety_notes=[safety.par_q_action, safety.fall_risk, safety.stop_rule],
        disclaimer=assessment.disclaimer,
    )
