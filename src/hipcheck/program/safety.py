"""Safety wording: red flags, the pre-exercise screen (PAR-Q) and the disclaimer.

The text lives in ``hipcheck/data/safety.toml`` with its sources (docs/EVIDENCE.md), so
the app, the reports and the program all show the same words.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from hipcheck.program.model import Safety

SAFETY_FILE = "safety.toml"


@dataclass(frozen=True)
class RedFlag:
    """One red-flag question; ``urgent`` means seek care now (emergency)."""

    id: str
    question: str
    urgent: bool


@lru_cache(maxsize=1)
def load_safety() -> dict[str, Any]:
    """Return ``safety.toml`` as a dict (cached)."""
    text = resources.files("hipcheck.data").joinpath(SAFETY_FILE).read_text(encoding="utf-8")
    return tomllib.loads(text)


def red_flags() -> list[RedFlag]:
    """Return the red-flag questions to answer before testing or exercising."""
    return [RedFlag(**item) for item in load_safety()["red_flags"]["item"]]


def par_q() -> list[str]:
    """Return the pre-exercise screen (PAR-Q) questions."""
    return list(load_safety()["par_q"]["questions"])


def disclaimer_text() -> str:
    """Return the disclaimer: a screen, not a diagnosis; education, not a prescription."""
    return " ".join(load_safety()["disclaimer"]["items"])


def screen(red_flag_answers: Mapping[str, bool], par_q_answers: list[bool]) -> dict[str, Any]:
    """Evaluate a user's answers to the red flags and the PAR-Q.

    Parameters
    ----------
    red_flag_answers
        Red-flag id -> answered yes. Unknown ids raise ``KeyError``.
    par_q_answers
        One bool per PAR-Q question, in order.

    Returns
    -------
    dict
        ``proceed`` (False if any red flag or PAR-Q answer is yes), ``urgent`` (any urgent
        red flag), ``red_flags`` (ids answered yes) and ``message`` (what to do).
    """
    flags = {f.id: f for f in red_flags()}
    unknown = set(red_flag_answers) - set(flags)
    if unknown:
        raise KeyError(f"unknown red-flag ids: {sorted(unknown)}")
    questions = par_q()
    if len(par_q_answers) != len(questions):
        raise ValueError(f"expected {len(questions)} PAR-Q answers, got {len(par_q_answers)}")
    yes = [fid for fid, answer in red_flag_answers.items() if answer]
    urgent = any(flags[fid].urgent for fid in yes)
    data = load_safety()
    if yes:
        message = data["red_flags"]["title"] + "."
        if urgent:
            message += (
                " One of your answers needs urgent care: contact a doctor or emergency service now."
            )
    elif any(par_q_answers):
        message = data["par_q"]["action"]
    else:
        message = data["general"]["fall_risk"]
    return {
        "proceed": not yes and not any(par_q_answers),
        "urgent": urgent,
        "red_flags": yes,
        "message": message,
    }


def program_safety() -> Safety:
    """Return the :class:`~hipcheck.program.model.Safety` block attached to every program."""
    data = load_safety()
    return Safety(
        red_flags_title=data["red_flags"]["title"],
        red_flags=[f.question for f in red_flags()],
        par_q_title=data["par_q"]["title"],
        par_q=par_q(),
        par_q_action=data["par_q"]["action"],
        fall_risk=data["general"]["fall_risk"],
        stop_rule=data["general"]["stop_rule"],
        sources=[
            data["red_flags"]["source"],
            data["par_q"]["source"],
            data["disclaimer"]["source"],
        ],
    )
