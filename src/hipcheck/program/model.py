"""Data model of an exercise program: what :func:`hipcheck.program.build_program` returns.

The :class:`Program` goes into ``assessment.json`` under ``"program"`` via
:meth:`Program.to_dict` and comes back with :meth:`Program.from_dict`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from hipcheck.errors import HipcheckError

PROGRAM_SCHEMA_VERSION = 1

Level = Literal["beginner", "intermediate", "advanced", "athlete"]
LEVELS: tuple[str, ...] = ("beginner", "intermediate", "advanced", "athlete")
EQUIPMENT: tuple[str, ...] = (
    "none",
    "band",
    "dumbbell",
    "kettlebell",
    "barbell",
    "machine",
    "step",
    "ankle_weight",
)
FINDING_IDS: tuple[str, ...] = (
    "pelvic_drop",
    "knee_valgus",
    "trunk_lean",
    "overall_poor",
    "asymmetry",
)


class ProgramInputError(HipcheckError):
    """The program's input (findings file, options) is unusable."""

    code = "program_input"


@dataclass(frozen=True)
class ProgramContext:
    """What the user has and is: it changes which exercises and doses are chosen.

    Attributes
    ----------
    equipment
        Equipment available; ``"none"`` (bodyweight, household items) is always added.
    level
        ``beginner``, ``intermediate``, ``advanced`` or ``athlete``.
    lateral_hip_pain
        Pain on the side of the hip: avoid end-range adduction and lateral compression.
    athlete
        Adds landing and hop drills to phase 3 (also implied by ``level="athlete"``).
    """

    equipment: frozenset[str] = frozenset({"none"})
    level: str = "intermediate"
    lateral_hip_pain: bool = False
    athlete: bool = False

    def __post_init__(self) -> None:
        equipment = frozenset(self.equipment) | {"none"}
        unknown = sorted(equipment - set(EQUIPMENT))
        if unknown:
            raise ProgramInputError(
                f"Unknown equipment: {', '.join(unknown)}.",
                hint=f"Choose from: {', '.join(EQUIPMENT)}.",
            )
        if self.level not in LEVELS:
            raise ProgramInputError(
                f"Unknown training level {self.level!r}.",
                hint=f"Choose one of: {', '.join(LEVELS)}.",
            )
        object.__setattr__(self, "equipment", equipment)

    @property
    def is_athlete(self) -> bool:
        """True if landing/plyometric work may be prescribed."""
        return self.athlete or self.level == "athlete"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (equipment sorted)."""
        return {
            "equipment": sorted(self.equipment),
            "level": self.level,
            "lateral_hip_pain": self.lateral_hip_pain,
            "athlete": self.is_athlete,
        }


@dataclass
class ProgramItem:
    """One prescribed exercise with its dose for one phase.

    ``sets`` is the number of sets for the emphasised side (or both sides when there is
    no emphasis); ``sets_other_side`` is set only when one side gets more work.
    ``reps`` is None for timed holds; ``hold_s`` is None for plain repetitions.
    """

    exercise_id: str
    name: str
    sets: int
    reps: int | None
    hold_s: int | None
    rest_s: int
    tempo: str
    sessions_per_week: int
    per: str = ""
    load: str = ""
    sets_other_side: int | None = None
    side_emphasis: str | None = None
    cues: list[str] = field(default_factory=list)
    how_to: list[str] = field(default_factory=list)
    why: str = ""
    answers: list[str] = field(default_factory=list)
    evidence_citation: str = ""
    replaces: str | None = None


@dataclass
class Phase:
    """One phase of the program."""

    number: int
    name: str
    weeks: str
    goal: str
    frequency: str
    items: list[ProgramItem] = field(default_factory=list)
    retraining: list[str] = field(default_factory=list)


@dataclass
class Safety:
    """Safety wording shown with the program (docs/EVIDENCE.md)."""

    red_flags_title: str
    red_flags: list[str]
    par_q_title: str
    par_q: list[str]
    par_q_action: str
    fall_risk: str
    stop_rule: str
    sources: list[str] = field(default_factory=list)


@dataclass
class Program:
    """A phased exercise program answering an assessment's findings."""

    kind: Literal["corrective", "maintenance"]
    phases: list[Phase]
    progression_rules: list[str]
    retest: str
    safety: Safety
    disclaimer: str
    notes: list[str] = field(default_factory=list)
    findings_used: list[dict[str, Any]] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    schema_version: int = PROGRAM_SCHEMA_VERSION

    @property
    def items(self) -> list[ProgramItem]:
        """All items over all phases, in order."""
        return [item for phase in self.phases for item in phase.items]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (``assessment.json["program"]``)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Program:
        """Rebuild a program from :meth:`to_dict` output."""
        version = d.get("schema_version")
        if version != PROGRAM_SCHEMA_VERSION:
            raise ValueError(
                f"Unsupported program schema_version {version!r}; "
                f"this hipcheck reads version {PROGRAM_SCHEMA_VERSION}."
            )
        phases = [
            Phase(**{**p, "items": [ProgramItem(**i) for i in p.get("items", [])]})
            for p in d["phases"]
        ]
        rest = {k: v for k, v in d.items() if k not in ("phases", "safety")}
        return cls(phases=phases, safety=Safety(**d["safety"]), **rest)
