"""Rating bands and rating colours for display.

The reports draw the bands behind the time series and colour angles drawn on frames by
the tier a value falls in. Bands come from the metric registry (:mod:`hipcheck.metrics`,
which reads ``hipcheck/data/rubric.toml``); they apply to each metric's headline value.
"""

from __future__ import annotations

from dataclasses import dataclass

from hipcheck.metrics import BY_NAME
from hipcheck.rubric import load_rubric, tier

SEXES: tuple[str, ...] = ("female", "male", "unspecified")


@dataclass(frozen=True)
class Bands:
    """The good/fair/poor thresholds of one metric.

    Attributes
    ----------
    fair, poor
        Tier boundaries: below ``fair`` is good, at or above ``poor`` is poor (reversed
        when ``lower_is_worse``).
    lower_is_worse
        True for ratios such as KASR where smaller values are worse.
    note
        Which bands were used, when that is not obvious (e.g. sex not given).
    """

    fair: float
    poor: float
    lower_is_worse: bool = False
    note: str = ""

    def rate(self, value: float | None) -> str | None:
        """Return ``good``/``fair``/``poor`` for ``value``, or None for a missing value."""
        return tier(value, self.fair, self.poor, self.lower_is_worse)


def normalise_sex(sex: str | None) -> str:
    """Map a user-given sex to a rubric key: ``female``, ``male`` or ``unspecified``."""
    if sex is None:
        return "unspecified"
    key = str(sex).strip().lower()
    aliases = {"f": "female", "woman": "female", "m": "male", "man": "male"}
    key = aliases.get(key, key)
    return key if key in SEXES else "unspecified"


def metric_bands(metric: str, sex: str | None = None) -> Bands | None:
    """Return the bands of ``metric`` (a registry name), or None for an unknown metric."""
    m = BY_NAME.get(metric)
    if m is None:
        return None
    s = normalise_sex(sex)
    fair, poor = m.bands(s)
    return Bands(fair, poor, m.worse == "lower", m.bands_note(s))


def mdc() -> dict[str, float]:
    """Return the minimum detectable change per metric (``fppa``, ``pelvic_drop``, ...)."""
    return {k: float(v) for k, v in load_rubric()["mdc"].items() if isinstance(v, (int, float))}


#: display colour per rating (hex), shared by plots, drawings and reports
RATING_COLOURS: dict[str, str] = {"good": "#2e7d32", "fair": "#ef8f00", "poor": "#c62828"}
#: colour of values that are shown but not rated (indicative, no rubric)
UNRATED_COLOUR = "#757575"


def rating_rgb(rating: str | None) -> tuple[int, int, int]:
    """Return the RGB (0-255) display colour of ``rating`` (grey for None/unknown)."""
    hex_colour = RATING_COLOURS.get(rating or "", UNRATED_COLOUR).lstrip("#")
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))
    return (r, g, b)
