"""Turn assessment findings into a phased exercise program.

The rules are data (``exercises.toml``: ``[mapping.*]`` and ``[rules.*]``, from
docs/EVIDENCE.md); this module only applies them:

1. keep the *rated* findings of known ids (indicative ones are noted, never used);
2. for each phase, take the mapped entries whose minimum severity the finding reaches
   (landing/hop entries only for athletes);
3. move each entry along its regression/progression chain for the training level, then
   fall back (regression chain, alternatives, same family) until one is allowed by the
   equipment and, with lateral hip pain, by the contraindication tags;
4. dose it from the phase/mode/level table and give the side of the finding an extra set.

No findings (or only indicative ones) gives a short maintenance program.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from hipcheck.landmarks import other_side
from hipcheck.model import Assessment, Finding
from hipcheck.program.library import SEVERITY_RANK, Exercise, Library, load_library
from hipcheck.program.model import (
    FINDING_IDS,
    Phase,
    Program,
    ProgramContext,
    ProgramItem,
)
from hipcheck.program.safety import disclaimer_text, program_safety

SIDES = ("left", "right")


@lru_cache(maxsize=1)
def _mdc() -> dict[str, Any]:
    """Minimum detectable changes from the rating rubric (one source for the numbers)."""
    text = resources.files("hipcheck.data").joinpath("rubric.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)["mdc"]


def _by_level(value: Any, level: str) -> Any:
    """Return ``value`` or its entry for ``level`` when it is a per-level table."""
    return value[level] if isinstance(value, dict) else value


def finding_label(finding: Finding, lib: Library) -> str:
    """Plain label for a finding, e.g. ``"left pelvic drop (poor)"``."""
    label = lib.mapping[finding.id]["label"]
    if "{side}" in label:  # e.g. "overall movement quality on the {side} side"
        label = label.format(side=finding.side if finding.side in SIDES else "both")
    elif finding.side in SIDES:
        label = f"{finding.side} {label}"
    return f"{label} ({finding.severity})"


def select_findings(findings: Iterable[Finding], lib: Library) -> tuple[list[Finding], list[str]]:
    """Split findings into those that drive the program and notes about the rest.

    Returns
    -------
    used, notes
        ``used``: rated findings with a known id and severity, poor before fair, then in
        ``rules.finding_order``. ``notes``: one sentence per finding left out.
    """
    order = lib.rules["finding_order"]
    used, notes = [], []
    for f in findings:
        what = f.summary or f"{f.id} ({f.side})"
        if f.id not in lib.mapping or f.id not in FINDING_IDS:
            notes.append(f"Finding {f.id!r} is not one this program knows; not used.")
        elif f.severity not in SEVERITY_RANK:
            notes.append(f"{what}: severity {f.severity!r} needs no corrective work; not used.")
        elif not f.rated:
            notes.append(
                f"Indicative, not used: {what} This measure is not validated here, so it "
                "does not shape the program on its own."
            )
        else:
            used.append(f)
    used.sort(key=lambda f: (-SEVERITY_RANK[f.severity], order.index(f.id)))
    return used, notes


@dataclass
class _Choice:
    exercise: Exercise
    replaces: str | None
    reason: str | None


def _why_not(ex: Exercise, ctx: ProgramContext, avoid: set[str]) -> str | None:
    """Why an entry cannot be used in this context (None if it can)."""
    if not set(ex.equipment) & ctx.equipment:
        return f"needs {' or '.join(e.replace('_', ' ') for e in ex.equipment)}"
    tags = sorted(set(ex.contraindications) & avoid)
    if tags:
        return (
            "avoided with lateral hip pain (" + ", ".join(t.replace("_", " ") for t in tags) + ")"
        )
    if "high_impact" in ex.contraindications and not ctx.is_athlete:
        return "high-impact work is for athletes only"
    return None


def _candidates(lib: Library, exercise_id: str, shift: str) -> list[str]:
    """Ids to try for a mapped entry, best first."""
    ex = lib[exercise_id]
    start = getattr(ex, shift) if shift in ("regression", "progression") else ""
    start = start or exercise_id
    seq = [start, *lib.chain(start, "regression")]
    if start != exercise_id:
        seq += [exercise_id, *lib.chain(exercise_id, "regression")]
    seq += [alt for i in list(seq) for alt in lib[i].alternatives]
    seq += [e.id for e in lib.family(ex.family)]
    return list(dict.fromkeys(seq))


def resolve_exercise(
    lib: Library, exercise_id: str, ctx: ProgramContext, level: str
) -> _Choice | None:
    """Choose the entry to prescribe for a mapped id in this context (None if none fits)."""
    avoid = set(lib.rules["lateral_hip_pain"]["avoid_tags"]) if ctx.lateral_hip_pain else set()
    shift = lib.rules["level"][level]["shift"]
    for cid in _candidates(lib, exercise_id, shift):
        if _why_not(lib[cid], ctx, avoid) is None:
            shifted = getattr(lib[exercise_id], shift, "") if shift != "none" else ""
            if cid in (exercise_id, shifted):
                return _Choice(lib[cid], None, None)
            return _Choice(lib[cid], exercise_id, _why_not(lib[exercise_id], ctx, avoid))
    return None


def dose(ex: Exercise, phase_key: str, level: str, lib: Library) -> dict[str, Any]:
    """Return the dose of ``ex`` in a phase for a level, from ``rules.dosage``."""
    rule = lib.rules["dosage"][phase_key][ex.mode]
    return {
        "sets": _by_level(rule["sets"], level),
        "reps": _by_level(rule["reps"], level) if "reps" in rule else None,
        "hold_s": _by_level(rule["hold_s"], level) if "hold_s" in rule else None,
        "rest_s": _by_level(rule["rest_s"], level),
        "sessions_per_week": _by_level(rule["sessions_per_week"], level),
        "load": rule["load"],
        "max_sets": rule["max_sets"],
    }


@dataclass
class _Entry:
    exercise: Exercise
    findings: list[Finding] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    replaces: str | None = None


class _PhaseBuilder:
    """Collects the exercises of one phase, merging repeats."""

    def __init__(self) -> None:
        self.entries: dict[str, _Entry] = {}

    def add(self, choice: _Choice, findings: list[Finding], reason: str = "") -> None:
        entry = self.entries.setdefault(
            choice.exercise.id, _Entry(choice.exercise, replaces=choice.replaces)
        )
        entry.findings += [f for f in findings if f not in entry.findings]
        if reason and reason not in entry.reasons:
            entry.reasons.append(reason)


def _emphasis_side(entry: _Entry, asymmetry_side: str | None) -> str | None:
    if not entry.exercise.unilateral:
        return None
    sides: set[str] = {f.side for f in entry.findings if f.side in SIDES}
    if asymmetry_side:
        sides.add(asymmetry_side)
    return sides.pop() if len(sides) == 1 else None


def _item(
    entry: _Entry,
    phase_key: str,
    level: str,
    lib: Library,
    asymmetry_side: str | None,
    tested: Sequence[str] = SIDES,
) -> ProgramItem:
    ex = entry.exercise
    d = dose(ex, phase_key, level, lib)
    sets, other, emphasis = d["sets"], None, None
    side = _emphasis_side(entry, asymmetry_side)
    if side is not None:
        sets = min(d["sets"] + 1, d["max_sets"])
        opposite = other_side(side)
        if opposite in tested:
            other = sets - 1
            emphasis = (
                f"{ex.side_text(side)}: {sets} sets, {ex.side_text(opposite)}: {other} sets; "
                f"start with the {side} side"
            )
        else:
            # The other leg was never tested: no side-specific dose for it.
            emphasis = f"{ex.side_text(side)}: {sets} sets; the {opposite} leg was not tested"
    answers = [f.id for f in entry.findings]
    labels = [finding_label(f, lib) for f in entry.findings]
    why = f"{ex.name}: {ex.evidence['summary']}"
    if labels:
        why += " - answers " + " and ".join(labels)
    why += "".join(f" - {r}" for r in entry.reasons)
    return ProgramItem(
        exercise_id=ex.id,
        name=ex.name,
        sets=sets,
        reps=d["reps"],
        hold_s=d["hold_s"],
        rest_s=d["rest_s"],
        tempo=ex.dosage["tempo"],
        sessions_per_week=d["sessions_per_week"],
        per=ex.dosage.get("per", ""),
        load=d["load"],
        sets_other_side=other,
        side_emphasis=emphasis,
        cues=list(ex.cues),
        how_to=list(ex.how_to),
        why=why,
        answers=list(dict.fromkeys(answers)),
        evidence_citation=ex.evidence["citation"],
        replaces=lib[entry.replaces].name if entry.replaces else None,
    )


@dataclass
class _Build:
    lib: Library
    ctx: ProgramContext
    level: str
    notes: list[str] = field(default_factory=list)
    skipped_athlete: bool = False

    def note(self, text: str) -> None:
        if text and text not in self.notes:
            self.notes.append(text)

    def choose(self, exercise_id: str, where: str) -> _Choice | None:
        choice = resolve_exercise(self.lib, exercise_id, self.ctx, self.level)
        name = self.lib[exercise_id].name
        if choice is None:
            why = _why_not(self.lib[exercise_id], self.ctx, self._avoid())
            self.note(f"{where}: {name} left out ({why}); no suitable alternative.")
        elif choice.replaces:
            self.note(f"{where}: {choice.exercise.name} instead of {name} ({choice.reason}).")
        return choice

    def _avoid(self) -> set[str]:
        if not self.ctx.lateral_hip_pain:
            return set()
        return set(self.lib.rules["lateral_hip_pain"]["avoid_tags"])

    def finish(self, builder: _PhaseBuilder, where: str) -> list[_Entry]:
        cap = self.lib.rules["max_items_per_phase"]
        entries = list(builder.entries.values())
        for dropped in entries[cap:]:
            self.note(
                f"{where}: {dropped.exercise.name} left out to keep the session short "
                f"({cap} exercises at most)."
            )
        return entries[:cap]


def _corrective_phases(b: _Build, used: list[Finding], tested: Sequence[str]) -> list[Phase]:
    lib, ctx = b.lib, b.ctx
    asym = next((f.side for f in used if f.id == "asymmetry" and f.side in SIDES), None)
    pain = lib.rules["lateral_hip_pain"]
    phases = []
    for rule in sorted(lib.rules["phase"], key=lambda p: p["number"]):
        n, where = rule["number"], f"Phase {rule['number']}"
        builder = _PhaseBuilder()
        if ctx.lateral_hip_pain and n == 1:
            hip = [f for f in used if f.id != "trunk_lean"]
            for eid in pain["phase1_first"]:
                choice = b.choose(eid, where)
                if choice:
                    builder.add(choice, hip, "isometrics first for lateral hip pain (LEAP)")
        for f in used:
            for m in lib.mapping[f.id][f"phase{n}"]:
                if SEVERITY_RANK[f.severity] < SEVERITY_RANK[m["min_severity"]]:
                    continue
                if m.get("athlete_only") and not ctx.is_athlete:
                    b.skipped_athlete = True
                    continue
                choice = b.choose(m["id"], where)
                if choice:
                    builder.add(choice, [f])
        items = [
            _item(e, rule["key"], b.level, lib, asym, tested) for e in b.finish(builder, where)
        ]
        # Movement retraining belongs to phase 3; the lateral-hip cue applies throughout.
        retraining = []
        if n == 3:
            retraining = [lib.mapping[fid]["cue"] for fid in dict.fromkeys(f.id for f in used)]
        if ctx.lateral_hip_pain:
            retraining.append(pain["cue"])
        phases.append(
            Phase(
                number=n,
                name=rule["name"],
                weeks=rule["weeks"],
                goal=rule["goal"],
                frequency=rule["frequency"],
                items=items,
                retraining=retraining,
            )
        )
    return phases


def _maintenance_phase(b: _Build) -> Phase:
    m = b.lib.rules["maintenance"]
    builder = _PhaseBuilder()
    for eid in m["items"]:
        choice = b.choose(eid, "Maintenance")
        if choice:
            builder.add(choice, [], "keeps the hips and trunk strong (no findings to correct)")
    items = [
        _item(e, "maintenance", b.level, b.lib, None) for e in b.finish(builder, "Maintenance")
    ]
    retraining = [b.lib.rules["lateral_hip_pain"]["cue"]] if b.ctx.lateral_hip_pain else []
    return Phase(1, m["name"], m["weeks"], m["goal"], m["frequency"], items, retraining)


def build_program(
    findings: Iterable[Finding],
    context: ProgramContext | None = None,
    *,
    tested_sides: Sequence[str] = SIDES,
) -> Program:
    """Build a phased exercise program from an assessment's findings.

    Parameters
    ----------
    findings
        :class:`hipcheck.model.Finding` objects. Only rated findings drive the program;
        indicative ones are listed in ``notes``.
    context
        Equipment, training level, lateral hip pain and athlete status (defaults:
        bodyweight only, intermediate, no pain, not an athlete).
    tested_sides
        The legs that were tested (``left``/``right``). A leg that was not tested gets no
        side-specific dose, and the notes say it was not tested.

    Returns
    -------
    Program
        ``kind="corrective"`` with phases 1-3 when a rated finding exists, otherwise
        ``kind="maintenance"`` with one short twice-weekly phase.
    """
    lib = load_library()
    ctx = context or ProgramContext()
    level = lib.rules["level_alias"].get(ctx.level, ctx.level)
    used, notes = select_findings(findings, lib)
    b = _Build(lib, ctx, level, notes=list(notes))
    b.note(lib.rules["level"][level]["note"])
    untested = [s for s in SIDES if s not in tested_sides]
    if len(untested) == 1:
        b.note(
            f"Only the {tested_sides[0]} leg was tested; the {untested[0]} leg was not, so "
            f"nothing here is tailored to it. Film the {untested[0]} leg too to check it."
        )
    kind: Literal["corrective", "maintenance"]
    if used:
        phases = _corrective_phases(b, used, tested_sides)
        kind = "corrective"
    else:
        b.note("No rated findings: this is a maintenance program.")
        phases = [_maintenance_phase(b)]
        kind = "maintenance"
    plyometric = [i for p in phases for i in p.items if lib[i.exercise_id].mode == "plyometric"]
    if ctx.is_athlete and plyometric:
        b.note(lib.rules["athlete"]["note"])
    elif b.skipped_athlete:
        b.note(lib.rules["athlete"]["note_not_athlete"])
    if ctx.lateral_hip_pain:
        b.note(lib.rules["lateral_hip_pain"]["note"])
        b.note(lib.rules["lateral_hip_pain"]["refer"])
    mdc = _mdc()
    sources = [p["source"] for p in lib.rules["phase"]] + [
        lib.rules["progression"]["source"],
        lib.rules["retest"]["source"],
    ]
    return Program(
        kind=kind,
        phases=phases,
        progression_rules=list(lib.rules["progression"]["rules"]),
        retest=lib.rules["retest"]["text"].format(fppa=mdc["fppa"], pelvic_drop=mdc["pelvic_drop"]),
        safety=program_safety(),
        disclaimer=disclaimer_text(),
        notes=b.notes,
        findings_used=[asdict(f) for f in used],
        context=ctx.to_dict(),
        sources=sources,
    )


#: Why there is no program when nothing could be measured.
NO_PROGRAM = (
    "No exercise program: nothing could be measured in this clip, so there is nothing to "
    "base one on."
)


def attach_program(assessment: Assessment, context: ProgramContext | None = None) -> Assessment:
    """Return ``assessment`` with the program for its findings (a new object).

    Only what was tested shapes the program: when nothing was rated there is no program
    (``program_note`` says why and what to film); legs that were not tested get no
    side-specific dose.
    """
    cover = assessment.coverage
    if not cover.rated:
        note = NO_PROGRAM + (f" {cover.advice}" if cover.advice else "")
        return replace(assessment, program=None, program_note=note)
    sides = tuple(s for s in SIDES if s in cover.rated_sides) or SIDES
    if "both" in cover.rated_sides:
        sides = SIDES
    program = build_program(assessment.findings, context, tested_sides=sides)
    return replace(assessment, program=program, program_note=None)
