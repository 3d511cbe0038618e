"""The exercise library: load, validate and query ``hipcheck/data/exercises.toml``.

The TOML holds the exercises and the rules that map findings to a program (dosage
per phase and level, mapping table, lateral-hip-pain and athlete rules); its shape is
checked against ``exercises.schema.json`` and its cross-references by
:func:`check_library`.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from hipcheck.program.validate import validate

DATA_PACKAGE = "hipcheck.data"
LIBRARY_FILE = "exercises.toml"
SCHEMA_FILE = "exercises.schema.json"
SEVERITY_RANK = {"fair": 1, "poor": 2}


class LibraryError(ValueError):
    """The packaged exercise library is invalid (a bug in the package data)."""


@dataclass(frozen=True)
class Exercise:
    """One library entry (see the header of ``exercises.toml`` for the fields)."""

    id: str
    name: str
    family: str
    targets: tuple[str, ...]
    phase: str
    mode: str
    position: str
    chain: str
    limb: str
    unilateral: bool
    equipment: tuple[str, ...]
    how_to: tuple[str, ...]
    cues: tuple[str, ...]
    mistakes: tuple[str, ...]
    regression: str
    progression: str
    alternatives: tuple[str, ...]
    contraindications: tuple[str, ...]
    dosage: dict[str, Any]
    evidence: dict[str, str]
    side_label: str = "{side} leg"

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Exercise:
        """Build an entry from its TOML table."""
        tuples = (
            "targets",
            "equipment",
            "how_to",
            "cues",
            "mistakes",
            "alternatives",
            "contraindications",
        )
        kw: dict[str, Any] = {k: tuple(v) if k in tuples else v for k, v in d.items()}
        return cls(**kw)

    def side_text(self, side: str) -> str:
        """Label for doing this exercise for ``side`` (e.g. "left side down")."""
        other = {"left": "right", "right": "left"}.get(side, side)
        return self.side_label.format(side=side, other=other)


@dataclass(frozen=True)
class Library:
    """The exercises by id plus the program rules and mapping tables."""

    exercises: dict[str, Exercise]
    rules: dict[str, Any]
    mapping: dict[str, Any]

    def __getitem__(self, exercise_id: str) -> Exercise:
        return self.exercises[exercise_id]

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self.exercises

    def family(self, family: str) -> list[Exercise]:
        """All entries of one family, in library order."""
        return [e for e in self.exercises.values() if e.family == family]

    def chain(self, exercise_id: str, link: str) -> list[str]:
        """Follow ``link`` (``"regression"`` or ``"progression"``) from an entry.

        Returns the ids reached, not including the start; stops at a repeat so a
        (buggy) cycle cannot loop forever.
        """
        out: list[str] = []
        current = getattr(self.exercises[exercise_id], link)
        while current and current not in out and current != exercise_id:
            out.append(current)
            current = getattr(self.exercises[current], link)
        return out


def _read_data(name: str) -> str:
    return resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def load_raw() -> dict[str, Any]:
    """Return the library TOML as a plain dict (no validation)."""
    return tomllib.loads(_read_data(LIBRARY_FILE))


def load_schema() -> dict[str, Any]:
    """Return the library's JSON schema."""
    return json.loads(_read_data(SCHEMA_FILE))


def check_library(data: dict[str, Any]) -> list[str]:
    """Check the library dict against the schema and its own cross-references.

    Returns
    -------
    list of str
        Problems found (empty when valid): schema violations, duplicate ids, dangling
        regression/progression/alternative/mapping ids, cycles in progression or
        regression chains, a dose with both or neither of reps and hold seconds for
        its mode, and dosage rules missing for a mode used in a phase.
    """
    errors = validate(data, load_schema())
    if errors:
        return errors
    entries = data["exercise"]
    ids = [e["id"] for e in entries]
    known = set(ids)
    errors += [f"duplicate exercise id {i!r}" for i in sorted(known) if ids.count(i) > 1]
    by_id = {e["id"]: e for e in entries}
    for e in entries:
        for link in ("regression", "progression"):
            if e[link] and e[link] not in known:
                errors.append(f"{e['id']}: {link} {e[link]!r} is not in the library")
            if e[link] == e["id"]:
                errors.append(f"{e['id']}: {link} points to itself")
        errors += [
            f"{e['id']}: alternative {a!r} is not in the library"
            for a in e["alternatives"]
            if a not in known
        ]
        errors += _check_dose_shape(e)
    if not errors:
        errors += _find_cycles(by_id, "progression") + _find_cycles(by_id, "regression")
    errors += _check_rules(data, known, by_id)
    return errors


def _check_dose_shape(e: dict[str, Any]) -> list[str]:
    dose, mode = e["dosage"], e["mode"]
    has_reps, has_hold = "reps" in dose, "hold_s" in dose
    expected = {
        "reps": (True, False),
        "plyometric": (True, False),
        "isometric": (True, True),
        "timed_hold": (False, True),
    }[mode]
    if (has_reps, has_hold) != expected:
        return [f"{e['id']}: mode {mode!r} needs reps={expected[0]}, hold_s={expected[1]}"]
    return []


def _find_cycles(by_id: dict[str, dict[str, Any]], link: str) -> list[str]:
    errors = []
    for start in by_id:
        seen = [start]
        current = by_id[start][link]
        while current:
            if current in seen:
                errors.append(f"{link} cycle: {' -> '.join([*seen, current])}")
                break
            seen.append(current)
            current = by_id[current][link]
    return errors


def _check_rules(data: dict[str, Any], known: set[str], by_id: dict[str, Any]) -> list[str]:
    rules, errors = data["rules"], []
    dosage = rules["dosage"]
    phase_keys = {p["number"]: p["key"] for p in rules["phase"]}
    if sorted(phase_keys) != [1, 2, 3]:
        errors.append("rules.phase must define phases 1, 2 and 3")
    wanted_ids = list(rules["maintenance"]["items"]) + list(
        rules["lateral_hip_pain"]["phase1_first"]
    )
    for finding, table in data["mapping"].items():
        for n in (1, 2, 3):
            for entry in table[f"phase{n}"]:
                wanted_ids.append(entry["id"])
                ex = by_id.get(entry["id"])
                key = phase_keys.get(n)
                if ex is not None and key and ex["mode"] not in dosage.get(key, {}):
                    errors.append(f"mapping.{finding}.phase{n}: no {ex['mode']} dosage in {key}")
    errors += [f"rules/mapping: unknown exercise id {i!r}" for i in wanted_ids if i not in known]
    missing = set(data["mapping"]) - set(rules["finding_order"])
    errors += [f"rules.finding_order lacks {m!r}" for m in sorted(missing)]
    return errors


@lru_cache(maxsize=1)
def load_library() -> Library:
    """Load and validate the packaged library (cached after the first call).

    Raises
    ------
    LibraryError
        If the package data is invalid (a packaging bug, not a user error).
    """
    data = load_raw()
    errors = check_library(data)
    if errors:
        raise LibraryError("invalid exercise library:\n" + "\n".join(errors))
    exercises = {e["id"]: Exercise.from_dict(e) for e in data["exercise"]}
    return Library(exercises=exercises, rules=data["rules"], mapping=data["mapping"])
