"""Rating bands (package data ``data/rubric.toml``) and the functions that apply them.

The bands are the proposed rubric of docs/EVIDENCE.md (engineering default,
anchored on the literature values cited in the data file). All rated values are
baseline-relative at peak knee flexion; + = valgus / contralateral drop / ipsilateral
lean.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Sequence
from importlib import resources
from typing import Any


@functools.cache
def load_rubric() -> dict[str, Any]:
    """Return the rubric as a dict (cached; read from the installed package)."""
    text = resources.files("hipcheck").joinpath("data/rubric.toml").read_text("utf-8")
    return tomllib.loads(text)


def bands(metric: str, sex: str = "unspecified") -> dict[str, Any]:
    """Return the band entry for a metric.

    Parameters
    ----------
    metric
        ``fppa``, ``fppa_asymmetry``, ``pelvic_drop``, ``trunk_lean`` or ``kasr``.
    sex
        For ``fppa`` only: ``female``, ``male`` or ``unspecified`` (female bands).
    """
    rubric = load_rubric()
    if metric == "fppa":
        return rubric["fppa"][sex if sex in ("female", "male") else "unspecified"]
    if metric not in rubric:
        raise KeyError(f"No rating bands for metric {metric!r}.")
    return rubric[metric]


def tier(value: float | None, fair: float, poor: float, lower_is_worse: bool = False) -> str | None:
    """Return the rating tier of ``value`` for the given band edges (None if missing).

    Larger is worse: good below ``fair``, poor at or above ``poor``. With
    ``lower_is_worse`` (ratios such as KASR): poor below ``poor``, fair below ``fair``.
    """
    if value is None or value != value:  # NaN check without numpy
        return None
    if lower_is_worse:
        return "poor" if value < poor else "fair" if value < fair else "good"
    return "poor" if value >= poor else "fair" if value >= fair else "good"


def rate(value: float | None, metric: str, sex: str = "unspecified") -> str | None:
    """Rate a value ``good``/``fair``/``poor``; None for a missing value.

    For ordinary metrics larger is worse: good below ``fair``, poor at or above
    ``poor``. For ``lower_is_worse`` metrics (KASR) the comparison is reversed.
    Negative angles (varus, hike, contralateral lean) rate as good here: the rubric
    covers the positive (fault) direction only.
    """
    b = bands(metric, sex)
    return tier(value, b["fair"], b["poor"], bool(b.get("lower_is_worse", False)))


def overall(ratings: Sequence[str | None]) -> str | None:
    """Combine component ratings (docs/EVIDENCE.md section 3; an engineering default).

    poor if any component is poor or two or more are fair; fair if exactly one is
    fair; otherwise good. None if no component was rated.
    """
    rated = [r for r in ratings if r is not None]
    if not rated:
        return None
    fair = rated.count("fair")
    if "poor" in rated or fair >= 2:
        return "poor"
    return "fair" if fair == 1 else "good"


def mdc(metric: str) -> float:
    """Minimum detectable change between sessions for ``fppa``/``pelvic_drop``/``trunk_lean``."""
    return float(load_rubric()["mdc"][metric])


def piva_category(total: int) -> str:
    """Lateral step-down total -> ``good`` (0-1), ``moderate`` (2-3) or ``poor`` (>= 4)."""
    p = load_rubric()["piva"]
    if total <= p["good_max"]:
        return "good"
    return "moderate" if total <= p["moderate_max"] else "poor"
