"""Render a :class:`~hipcheck.program.model.Program` as Markdown or terminal text."""

from __future__ import annotations

import textwrap

from hipcheck.program.model import Phase, Program, ProgramItem

WIDTH = 88


def format_dose(item: ProgramItem) -> str:
    """Return the dose in words, e.g. ``"3 sets x 12 reps each side"`` or ``"3 x 20 s hold"``."""
    per = f" {item.per}" if item.per else ""
    if item.reps is not None and item.hold_s is not None:
        return f"{item.sets} sets x {item.reps} holds of {item.hold_s} s{per}"
    if item.hold_s is not None:
        return f"{item.sets} x {item.hold_s} s hold{per}"
    unit = "" if item.per.startswith("steps") else " reps"
    return f"{item.sets} sets x {item.reps}{unit}{per}"


def format_schedule(item: ProgramItem) -> str:
    """Rest, tempo and frequency, e.g. ``"rest 30 s, tempo 2-1-2, 6x/week"``."""
    return f"rest {item.rest_s} s, tempo {item.tempo}, {item.sessions_per_week}x/week"


def _title(program: Program) -> str:
    if program.kind == "maintenance":
        return "Maintenance program"
    return f"Corrective program ({len(program.phases)} phases)"


def _based_on(program: Program) -> list[str]:
    if not program.findings_used:
        return ["No rated findings: keep-fit maintenance."]
    return [f.get("summary") or _finding_words(f) for f in program.findings_used]


def _finding_words(f: dict) -> str:
    value = f" {f['value_deg']:.1f} deg" if f.get("value_deg") is not None else ""
    return f"{f['side']} {f['id'].replace('_', ' ')}: {f['severity']}{value}"


def _context_line(program: Program) -> str:
    c = program.context
    if not c:
        return ""
    parts = [f"level {c['level']}", "equipment: " + ", ".join(c["equipment"])]
    if c.get("lateral_hip_pain"):
        parts.append("lateral hip pain")
    if c.get("athlete"):
        parts.append("athlete")
    return "; ".join(parts)


# ------------------------------------------------------------------ Markdown


def _md_phase(phase: Phase) -> list[str]:
    out = [
        f"## Phase {phase.number}: {phase.name} (weeks {phase.weeks})",
        "",
        f"**Goal:** {phase.goal}  ",
        f"**How often:** {phase.frequency}",
        "",
    ]
    if not phase.items:
        return [*out, "_No exercise fits your options for this phase; see the notes._", ""]
    out += [
        "| # | Exercise | Dose | Rest | Tempo | Per week | Side emphasis |",
        "|---|---|---|---|---|---|---|",
    ]
    for k, it in enumerate(phase.items, 1):
        emphasis = it.side_emphasis or "-"
        out.append(
            f"| {k} | {it.name} | {format_dose(it)} | {it.rest_s} s | {it.tempo} | "
            f"{it.sessions_per_week} | {emphasis} |"
        )
    out.append("")
    for k, it in enumerate(phase.items, 1):
        out.append(f"{k}. **{it.name}**: {' '.join(it.how_to)}")
        out.append(f"   - Cues: {'; '.join(it.cues)}")
        out.append(f"   - Load: {it.load}")
        out.append(f"   - Why: {it.why} ({it.evidence_citation})")
        if it.replaces:
            out.append(f"   - Used instead of: {it.replaces}")
    out.append("")
    if phase.retraining:
        out += ["**Movement retraining cues:**", ""]
        out += [f"- {c}" for c in phase.retraining]
        out.append("")
    return out


def render_markdown(program: Program) -> str:
    """Render the program as Markdown (for reports and the app)."""
    s = program.safety
    out = [f"# hipcheck: {_title(program)}", ""]
    out += ["**Based on:**", ""] + [f"- {b}" for b in _based_on(program)] + [""]
    if program.context:
        out += [f"**Your options:** {_context_line(program)}", ""]
    out += [
        "## Before you start",
        "",
        f"**{s.red_flags_title}:**",
        "",
        *[f"- {q}" for q in s.red_flags],
        "",
        f"**{s.par_q_title}.** {s.par_q_action}",
        "",
        *[f"- {q}" for q in s.par_q],
        "",
        f"**Safety:** {s.fall_risk} {s.stop_rule}",
        "",
    ]
    for phase in program.phases:
        out += _md_phase(phase)
    out += ["## Progression", ""] + [f"- {r}" for r in program.progression_rules] + [""]
    out += ["## Re-test", "", program.retest, ""]
    if program.notes:
        out += ["## Notes", ""] + [f"- {n}" for n in program.notes] + [""]
    out += ["## Disclaimer", "", program.disclaimer, ""]
    return "\n".join(out)


# ------------------------------------------------------------------ plain text


def _wrap(text: str, indent: str = "", first: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_on_hyphens=False,
    )


def _bullets(items: list[str], indent: str = "  ") -> list[str]:
    out: list[str] = []
    for text in items:
        out += _wrap(text, indent + "  ", first=indent + "- ")
    return out


def _text_phase(phase: Phase) -> list[str]:
    head = f"PHASE {phase.number}: {phase.name.upper()} (weeks {phase.weeks})"
    out = [head, "=" * len(head)]
    out += _wrap(f"Goal: {phase.goal}") + _wrap(f"How often: {phase.frequency}") + [""]
    if not phase.items:
        return [*out, "  No exercise fits your options for this phase; see the notes.", ""]
    for k, it in enumerate(phase.items, 1):
        out.append(f"{k}. {it.name}")
        out += _wrap(f"Dose: {format_dose(it)}; {format_schedule(it)}", "     ")
        if it.side_emphasis:
            out += _wrap(f"Sides: {it.side_emphasis}", "     ")
        out += _wrap(f"Load: {it.load}", "     ")
        out += _wrap(f"How: {' '.join(it.how_to)}", "     ")
        out += _wrap(f"Cues: {'; '.join(it.cues)}", "     ")
        out += _wrap(f"Why: {it.why}", "     ")
        if it.replaces:
            out += _wrap(f"Instead of: {it.replaces}", "     ")
        out.append("")
    if phase.retraining:
        out.append("Movement retraining cues:")
        out += _bullets(phase.retraining) + [""]
    return out


def render_text(program: Program) -> str:
    """Render the program as plain text for a terminal (wrapped at 88 columns)."""
    s = program.safety
    title = f"HIPCHECK: {_title(program).upper()}"
    out = [title, "#" * len(title), "", "Based on:"]
    out += _bullets(_based_on(program))
    if program.context:
        out += _wrap(f"Your options: {_context_line(program)}")
    out += ["", "BEFORE YOU START", "----------------"]
    out += _wrap(s.red_flags_title + ":") + _bullets(s.red_flags)
    out += _wrap(f"{s.par_q_title}. {s.par_q_action}") + _bullets(s.par_q)
    out += _wrap(f"Safety: {s.fall_risk} {s.stop_rule}") + [""]
    for phase in program.phases:
        out += _text_phase(phase)
    out += ["PROGRESSION", "-----------"] + _bullets(program.progression_rules) + [""]
    out += ["RE-TEST", "-------"] + _wrap(program.retest) + [""]
    if program.notes:
        out += ["NOTES", "-----"] + _bullets(program.notes) + [""]
    out += ["DISCLAIMER", "----------"] + _wrap(program.disclaimer)
    return "\n".join(out) + "\n"
