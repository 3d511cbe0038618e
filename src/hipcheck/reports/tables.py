"""Report content shared by the HTML and PDF writers.

:func:`build_report` turns an assessment into plain data (strings, numbers, ratings):
the header, the per-rep table, findings in plain language, the program with dosage,
red flags and the disclaimer. The writers only lay it out, so both formats say the
same thing. Nothing here escapes markup: each writer escapes for its own format.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from hipcheck.model import Assessment, Rep
from hipcheck.reports.bands import mdc, metric_bands, normalise_sex
from hipcheck.reports.metrics import METRIC_LABELS, as_metric, rep_metric, stance_limbs

TASK_LABELS: dict[str, str] = {
    "single_leg_squat": "Single-leg squat",
    "step_down": "Lateral step-down",
    "double_leg_squat": "Double-leg squat",
}

#: what the person was asked to do (clinical.md §3) and how it was filmed (§7)
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

#: shown when the assessment carries no program (clinical.md §9)
DEFAULT_RED_FLAGS: tuple[str, ...] = (
    "Recent injury with inability to bear weight, deformity or a locked or giving-way knee.",
    "A hot, red, swollen joint, especially with fever or feeling unwell.",
    "Constant or night pain, unexplained weight loss, or a history of cancer.",
    "Calf pain or swelling, numbness, tingling or foot drop.",
    "Saddle numbness or bladder/bowel changes: seek emergency care.",
)

SCREEN_DISCLAIMER = (
    "hipcheck is a movement-quality screen, not a diagnosis or an injury predictor. Its "
    "2D frontal-plane angles agree only weakly with true 3D joint angles and depend on "
    "camera angle, clothing, depth and protocol. Changes between sessions smaller than "
    "the minimum detectable change ({mdc}) may be measurement noise."
)

_SEVERITY_WORDS = {"good": "good", "fair": "fair", "poor": "poor"}


@dataclass
class Cell:
    """One value cell of the rep table."""

    text: str
    sub: str = ""
    rating: str | None = None
    status: str = "measured"
    note: str = ""


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
    findings: list[dict[str, Any]]
    no_findings_text: str
    phases: list[ProgramPhase] = field(default_factory=list)
    program_notes: list[str] = field(default_factory=list)
    red_flags_title: str = "Red flags: stop and seek medical advice"
    red_flags: list[str] = field(default_factory=list)
    screening_title: str = "Before exercising, get clearance if any apply"
    screening: list[str] = field(default_factory=list)
    safety_notes: list[str] = field(default_factory=list)
    disclaimers: list[str] = field(default_factory=list)


def fmt_value(value: float | None, metric: str, *, signed: bool = True) -> str:
    """Format a metric value: ``+7.0°`` for angles, ``0.85`` for the ratio."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if metric == "kasr":
        return f"{value:.2f}"
    return f"{value:+.1f}°" if signed else f"{value:.1f}°"


def _cell(mv: Any, metric: str) -> Cell:
    mv = as_metric(mv)
    if mv is None:
        return Cell("-", status="absent")
    if mv.status == "not_measurable":
        return Cell(
            "not measurable", mv.reason or "", status="not_measurable", note=mv.reason or ""
        )
    main = fmt_value(mv.value if mv.value is not None else mv.bottom, metric)
    sub = (
        f"({fmt_value(mv.bottom, metric)})"
        if mv.value is not None and mv.bottom is not None
        else ""
    )
    if mv.value is None and mv.bottom is not None:
        sub = "absolute"
    if mv.status == "indicative":
        return Cell(f"~{main}", sub, None, "indicative", mv.reason or "")
    return Cell(main, sub, mv.rating, "measured")


def _columns(assessment: Assessment) -> list[tuple[str, str | None]]:
    """Metric columns: (metric, limb or None for the stance limb)."""
    bilateral = any(r.side not in ("left", "right") for r in assessment.reps)
    cols: list[tuple[str, str | None]] = [("pelvic_drop_deg", None)]
    if bilateral:
        cols += [("knee_valgus_deg", "left"), ("knee_valgus_deg", "right")]
    else:
        cols.append(("knee_valgus_deg", None))
    cols.append(("trunk_lean_deg", None))
    if any(r.metrics.get("kasr") is not None for r in assessment.reps):
        cols.append(("kasr", None))
    return cols


def _column_title(metric: str, limb: str | None) -> str:
    label = METRIC_LABELS[metric]
    return f"{label} {limb}" if limb else label


def _rep_cell(rep: Rep, metric: str, limb: str | None) -> Cell:
    if metric == "knee_valgus_deg":
        if limb is not None and limb not in stance_limbs(rep):
            return Cell("-", status="absent")
        return _cell(rep_metric(rep, metric, limb), metric)
    return _cell(rep_metric(rep, metric), metric)
    return _cell(rep_metric(rep, metric), metric)


def _mean_cell(reps: list[Rep], metric: str, limb: str | None, sex: str | None) -> Cell:
    values, indicative = [], False
    for rep in reps:
        mv = (
            rep_metric(rep, metric, limb)
            if metric == "knee_valgus_deg"
            else rep_metric(rep, metric)
        )
        if mv is None or mv.status == "not_measurable" or mv.value is None:
            continue
        indicative |= mv.status == "indicative"
        values.append(float(mv.value))
    if not values:
        return Cell("-", status="absent")
    mean = sum(values) / len(values)
    text = fmt_value(mean, metric)
    if indicative:
        return Cell(f"~{text}", f"n={len(values)}", None, "indicative")
    bands = metric_bands(metric, sex)
    return Cell(text, f"n={len(values)}", bands.rate(mean) if bands else None, "measured")


def _rows(
    assessment: Assessment, columns: list[tuple[str, str | None]], sex: str | None
) -> list[RepRow]:
    rows: list[RepRow] = []
    sides = list(dict.fromkeys(r.side for r in assessment.reps))
    for side in sides:
        reps = [r for r in assessment.reps if r.side == side]
        for rep in reps:
            rows.append(
                RepRow(
                    label=str(rep.index),
                    side=side,
                    depth=f"{100 * rep.depth:.0f}%" if rep.depth is not None else "-",
                    cells=[_rep_cell(rep, m, limb) for m, limb in columns],
                    quality="; ".join(rep.quality),
                )
            )
        if len(reps) > 1:
            cells = []
            for metric, limb in columns:
                lb = limb if limb else (side if side in ("left", "right") else None)
                cells.append(_mean_cell(reps, metric, lb, sex))
            depths = [r.depth for r in reps if r.depth is not None]
            depth = f"{100 * sum(depths) / len(depths):.0f}%" if depths else "-"
            rows.append(RepRow("mean", side, depth, cells, is_mean=True))
    return rows


def _table_notes(rows: list[RepRow], columns: list[tuple[str, str | None]]) -> list[str]:
    notes: dict[str, None] = {}
    for row in rows:
        for (metric, _limb), cell in zip(columns, row.cells, strict=True):
            if cell.status == "indicative" and cell.note:
                notes[f"~ {METRIC_LABELS[metric]} is indicative, not rated: {cell.note}"] = None
    return list(notes)


def _finding_text(f: Any) -> dict[str, Any]:
    get = f.get if isinstance(f, dict) else (lambda k, d=None: getattr(f, k, d))
    fid = str(get("id", "") or "")
    metric = get("metric")
    label = METRIC_LABELS.get(metric or "", fid.replace("_", " ").capitalize())
    side = str(get("side", "") or "")
    severity = get("severity")
    value = get("value_deg")
    summary = str(get("summary", "") or "")
    if not summary:
        where = f" ({side} side)" if side in ("left", "right") else ""
        summary = f"{label}{where} rated {severity}."
    rated = bool(get("rated", True))
    number = fmt_value(value, metric or "") if value is not None else ""
    return {
        "title": f"{label} - {side}" if side else label,
        "severity": severity if rated else None,
        "severity_text": (severity or "") if rated else "indicative",
        "summary": summary,
        "value": number,
        "n_reps": get("n_reps", 0),
    }


def dosage_text(item: dict[str, Any]) -> str:
    """Return an exercise's dosage in words, e.g. ``3 x 10-12, tempo 2-1-2, rest 60 s, 3x/week``."""
    parts = []
    sets, reps, hold = item.get("sets"), item.get("reps"), item.get("hold_s")
    per = f" {item['per']}" if item.get("per") else ""
    if sets and reps:
        parts.append(f"{sets} x {reps}{per}")
    elif sets:
        parts.append(f"{sets} sets{per}")
    elif reps:
        parts.append(f"{reps} reps{per}")
    if hold:
        parts.append(f"hold {hold} s")
    if item.get("tempo"):
        parts.append(f"tempo {item['tempo']}")
    if item.get("rest_s"):
        parts.append(f"rest {item['rest_s']} s")
    if item.get("sessions_per_week"):
        parts.append(f"{item['sessions_per_week']}x/week")
    text = ", ".join(str(p) for p in parts) or "as prescribed"
    if item.get("load"):
        text += f"; load: {item['load']}"
    return text


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v not in (None, "")]
    return [str(value)]


def _phases(program: dict[str, Any]) -> list[ProgramPhase]:
    phases = []
    for i, phase in enumerate(program.get("phases") or [], 1):
        if not isinstance(phase, dict):
            continue
        number = phase.get("number", i)
        title = f"Phase {number}: {phase.get('name', '')}".rstrip(": ")
        if phase.get("weeks"):
            title += f" (weeks {phase['weeks']})"
        items = []
        for item in phase.get("items") or []:
            if not isinstance(item, dict):
                continue
            side = str(item.get("side_emphasis") or "")
            short = side in ("left", "right")
            items.append(
                ProgramItem(
                    name=str(item.get("name") or item.get("exercise_id") or "exercise"),
                    dosage=dosage_text(item),
                    cues=_as_list(item.get("cues")),
                    why=" ".join(_as_list(item.get("why"))),
                    side=side if short else "",
                    sides_note=side if side and not short and side not in ("both", "none") else "",
                )
            )
        goal = str(phase.get("goal") or "")
        if phase.get("frequency"):
            goal = f"{goal} {phase['frequency']}".strip()
        phases.append(ProgramPhase(title, goal, items, _as_list(phase.get("retraining"))))
    return phases


def _program_notes(program: dict[str, Any]) -> list[str]:
    notes = []
    for rule in _as_list(program.get("progression_rules")):
        notes.append(f"Progression: {rule}")
    retest = program.get("retest")
    if isinstance(retest, dict):
        retest = (
            retest.get("text")
            or retest.get("when")
            or ", ".join(f"{k}: {v}" for k, v in retest.items())
        )
    notes += [f"Re-test: {r}" for r in _as_list(retest)]
    notes += _as_list(program.get("notes"))
    return notes


def _header(
    assessment: Assessment, patient_id: str | None, session_date: str | None
) -> list[tuple[str, str]]:
    video = assessment.video or {}
    rows = []
    if patient_id:
        rows.append(("Patient / athlete", str(patient_id)))
    if session_date:
        rows.append(("Date", str(session_date)))
    if video.get("path"):
        rows.append(("Clip", PurePath(str(video["path"])).name))
    facts = []
    if video.get("width") and video.get("height"):
        facts.append(f"{video['width']}x{video['height']} px")
    if video.get("fps"):
        facts.append(f"{float(video['fps']):.0f} fps")
    if video.get("duration_s"):
        facts.append(f"{float(video['duration_s']):.1f} s")
    if facts:
        rows.append(("Video", ", ".join(facts)))
    if assessment.hipcheck_version:
        rows.append(("hipcheck", str(assessment.hipcheck_version)))
    return rows


def _quality_notes(assessment: Assessment, sex: str | None) -> list[str]:
    notes = [str(q) for q in assessment.quality]
    for rep in assessment.reps:
        for q in rep.quality:
            notes.append(f"Rep {rep.index} ({rep.side}): {q}")
    for metric, source in (assessment.sources or {}).items():
        if source == "markers" and metric in METRIC_LABELS:
            notes.append(f"{METRIC_LABELS[metric]} measured from skin markers.")
    bands = metric_bands("knee_valgus_deg", sex)
    if bands is not None and bands.note:
        notes.append(f"Knee valgus (FPPA) rated with {bands.note}.")
    return notes


def _mdc_text() -> str:
    names = {"fppa": "FPPA", "pelvic_drop": "pelvic drop", "trunk_lean": "trunk lean"}
    values = mdc()
    return ", ".join(f"{names.get(k, k)} about {v:g}°" for k, v in values.items())


def build_report(
    assessment: Assessment,
    *,
    patient_id: str | None = None,
    session_date: str | None = None,
    sex: str | None = None,
) -> Report:
    """Return the content of the report for ``assessment``.

    ``sex`` chooses the FPPA bands for the per-side means; default
    ``assessment.options["sex"]``.
    """
    if sex is None:
        sex = (assessment.options or {}).get("sex")
    sex = normalise_sex(sex)
    columns = _columns(assessment)
    rows = _rows(assessment, columns, sex)
    program = assessment.program if isinstance(assessment.program, dict) else {}
    safety = program.get("safety") if isinstance(program.get("safety"), dict) else {}
    disclaimers = [SCREEN_DISCLAIMER.format(mdc=_mdc_text())]
    for text in (assessment.disclaimer, program.get("disclaimer")):
        for t in _as_list(text):
            if t not in disclaimers:
                disclaimers.append(t)
    return Report(
        title="hipcheck movement screen",
        header=_header(assessment, patient_id, session_date),
        task=TASK_LABELS.get(assessment.task, str(assessment.task).replace("_", " ")),
        protocol=PROTOCOLS.get(assessment.task, ""),
        filming=FILMING,
        overall_rating=assessment.overall_rating,
        quality_notes=_quality_notes(assessment, sex),
        columns=[_column_title(m, limb) for m, limb in columns],
        rows=rows,
        table_notes=_table_notes(rows, columns),
        findings=[_finding_text(f) for f in assessment.findings],
        no_findings_text=(
            "No findings: every rated measure was in the good range."
            if assessment.reps
            else "No repetitions were found, so nothing could be rated."
        ),
        phases=_phases(program),
        program_notes=_program_notes(program),
        red_flags_title=str(safety.get("red_flags_title") or Report.red_flags_title),
        red_flags=_as_list(safety.get("red_flags")) or list(DEFAULT_RED_FLAGS),
        screening_title=str(safety.get("par_q_title") or Report.screening_title),
        screening=_as_list(safety.get("par_q")) + _as_list(safety.get("screening")),
        safety_notes=[
            *_as_list(safety.get("par_q_action")),
            *_as_list(safety.get("fall_risk")),
            *_as_list(safety.get("stop_rule")),
        ],
        disclaimers=disclaimers,
    )
