"""The metric registry: what each metric *is*, in one table that every output reads.

Every module that names a metric (the assessment stage, tables, the terminal summary,
reports, plots, the annotated video, history, the app and the live view) takes its name,
label, unit, kinematics column, headline value, rating bands, finding id, valid domain and
sign convention from :data:`METRICS`. Nothing else keeps a map of metric names.

Sign conventions (degrees, 2D image projections; see each spec's ``sign``):

- pelvic drop: + = the non-stance side of the pelvis is lower (contralateral drop);
- knee valgus (FPPA): + = knee medial of the hip-ankle line (valgus), medial taken from
  geometry (toward the other hip) so a mirrored video keeps its signs;
- trunk lean: + = toward the stance side (ipsilateral);
- knee/ankle separation ratio: knee distance over ankle distance, < 1 = knees inside.

Each value of a repetition is taken at peak knee flexion (the lowest-pelvis frame) and as
the peak over the descent (the extreme in the fault direction), absolute and relative to
the standing reference (``value - baseline``, for every metric). The *headline* value,
the one that is rated and shown first, is named by :attr:`MetricSpec.headline`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from hipcheck.rubric import bands, rate

Headline = Literal["bottom_rel", "bottom"]
Worse = Literal["higher", "lower"]
Rating = Literal["good", "fair", "poor"]


@dataclass(frozen=True)
class Domain:
    """The range of values a metric can take on a real person in these tasks.

    A value outside it is a measurement artefact (a tracking error, a deep squat where the
    2D projection no longer means what the metric means), so it is reported as not
    measurable with ``reason`` and never rated or drawn as a number.

    Attributes
    ----------
    low, high
        Inclusive limits of the headline value (and of the absolute value at the bottom).
    reason
        Why values outside are not physiological, in plain words.
    """

    low: float
    high: float
    reason: str

    def contains(self, value: float | None) -> bool:
        """Return True if ``value`` is a finite number within the limits."""
        return value is not None and math.isfinite(value) and self.low <= value <= self.high


@dataclass(frozen=True)
class MetricSpec:
    """Everything hipcheck knows about one metric.

    Attributes
    ----------
    name
        Key in ``assessment.json`` (``rep.metrics``), e.g. ``knee_valgus_deg``.
    short
        Column prefix in ``reps.csv`` and the batch tables, e.g. ``knee_valgus``.
    label
        Display name, e.g. ``Knee valgus (FPPA)``.
    explanation
        What the number means, in plain words for patients and athletes.
    unit
        Display unit: ``"°"`` for angles, ``""`` for ratios.
    decimals
        Decimals shown.
    per_limb
        True when the metric belongs to a limb (FPPA: the stance limb in single-leg tasks,
        both limbs in a double-leg squat); False when it belongs to the repetition as a
        whole (pelvis, trunk, knee/ankle ratio), keyed by the rep's stance side.
    column
        Per-frame kinematics column; ``{side}`` is the stance side of the formula.
    bilateral
        How the metric is read in a double-leg squat: ``per_limb`` (both limbs),
        ``magnitude`` (no stance side: the unsigned deviation is reported), ``whole``
        (a bilateral measure) or ``none`` (not defined).
    single_leg
        Whether the metric is reported in single-leg squats and step-downs.
    headline
        The value that is rated and shown first: ``bottom_rel`` (relative to standing) or
        ``bottom`` (absolute, for the ratio whose bands are absolute).
    worse
        Which direction is the fault: ``higher`` (angles) or ``lower`` (the ratio). The
        descent peak is the extreme in that direction.
    rubric_key
        Table of ``data/rubric.toml`` holding the bands.
    mdc_key
        Key of the minimum detectable change in ``data/rubric.toml`` (None: no MDC known).
    finding_id
        Finding id a fair/poor mean produces (the program maps finding ids to exercises).
    sign
        Sign convention in words.
    domain
        The valid domain (see :class:`Domain`).
    rated_sources
        Sources whose values are validated and therefore rated; values from other sources
        are shown as indicative with ``unrated_reason``.
    sign_short
        The sign convention in a few words, for plot titles (empty: none to state).
    unrated_reason
        Why values from a source outside ``rated_sources`` are indicative only.
    landmark_caveat
        A note added to every assessment that rates this metric from pose landmarks.
    marker_measured
        Skin markers measure it too: the marker pass writes its per-side ``column``, and
        where a marker set was confirmed those values replace the landmarks'.
    frame_label
        Key of its per-frame angle label on the annotated video (empty: not drawn).
    """

    name: str
    short: str
    label: str
    explanation: str
    unit: str
    decimals: int
    per_limb: bool
    column: str
    bilateral: Literal["per_limb", "magnitude", "whole", "none"]
    single_leg: bool
    headline: Headline
    worse: Worse
    rubric_key: str
    mdc_key: str | None
    finding_id: str
    sign: str
    domain: Domain
    rated_sources: frozenset[str] = frozenset({"landmarks", "markers"})
    unrated_reason: str = ""
    landmark_caveat: str = ""
    sign_short: str = ""
    marker_measured: bool = False
    frame_label: str = ""

    @property
    def axis_title(self) -> str:
        """Label, unit and short sign convention, e.g. ``Trunk lean (deg, + = toward ...)``."""
        parts = [p for p in ("deg" if self.unit == "°" else "", self.sign_short) if p]
        return f"{self.label} ({', '.join(parts)})" if parts else self.label

    def column_for(self, side: str) -> str:
        """Kinematics column of this metric for stance ``side`` (``left``/``right``)."""
        return self.column.format(side=side)

    def applies_to(self, rep_side: str) -> bool:
        """Return True if the metric is reported for a rep with this stance side."""
        return self.bilateral != "none" if rep_side == "both" else self.single_leg

    def limbs(self, rep_side: str) -> tuple[str, ...]:
        """Keys under which a rep of stance ``rep_side`` carries this metric.

        Per-limb metrics of a double-leg squat are keyed ``left`` and ``right``; every
        other value is keyed by the rep's stance side (``left``, ``right`` or ``both``).
        """
        if not self.applies_to(rep_side):
            return ()
        if rep_side == "both" and self.bilateral == "per_limb":
            return ("left", "right")
        return (rep_side,)

    def rate(self, value: float | None, sex: str = "unspecified") -> Rating | None:
        """Rate a headline value against the rubric (None for a missing value)."""
        return rate(value, self.rubric_key, sex)  # type: ignore[return-value]

    def bands(self, sex: str = "unspecified") -> tuple[float, float]:
        """Return the ``(fair, poor)`` band edges (FPPA: by sex)."""
        b = bands(self.rubric_key, sex)
        return float(b["fair"]), float(b["poor"])

    def bands_note(self, sex: str = "unspecified") -> str:
        """Which bands were used when that is not obvious (e.g. sex not given), else ''."""
        return str(bands(self.rubric_key, sex).get("bands_used", ""))

    def format(self, value: float | None, *, signed: bool | None = None) -> str:
        """Format a value for display: ``+7.0°`` for angles, ``0.85`` for the ratio.

        ``None`` or a non-finite value gives ``"-"``; ``signed`` defaults to True for
        angles.
        """
        if value is None or not math.isfinite(value):
            return "-"
        signed = self.unit == "°" if signed is None else signed
        text = f"{value:+.{self.decimals}f}" if signed else f"{value:.{self.decimals}f}"
        return text + self.unit

    def rated_from(self, source: str) -> bool:
        """Return True if values from ``source`` (``landmarks``/``markers``) are rated."""
        return source in self.rated_sources


_LIT_SLS = (
    "beyond what single-leg squat studies report on real people (2D values reach about "
    "20-30 deg in people with knee pain; their group mean is about 17 deg)"
)

PELVIC_DROP = MetricSpec(
    name="pelvic_drop_deg",
    short="pelvic_drop",
    label="Pelvic drop",
    explanation=(
        "How far the pelvis drops on the side of the lifted leg at the bottom of the squat, "
        "compared with standing. A level pelvis means the hip muscles of the standing leg "
        "(gluteus medius) hold it well."
    ),
    unit="°",
    decimals=1,
    per_limb=False,
    column="pelvic_drop_{side}_deg",
    bilateral="magnitude",
    single_leg=True,
    headline="bottom_rel",
    worse="higher",
    rubric_key="pelvic_drop",
    mdc_key="pelvic_drop",
    finding_id="pelvic_drop",
    sign="+ = the side of the lifted leg is lower (contralateral drop), - = it is higher",
    sign_short="+ = non-stance side lower",
    marker_measured=True,
    frame_label="pelvic_drop",
    domain=Domain(
        -20.0,
        20.0,
        "a pelvic tilt of more than 20 deg is not seen in these tasks (a marked drop is "
        "about 10-15 deg); the hip points were probably mistracked",
    ),
    rated_sources=frozenset({"markers"}),
    unrated_reason=(
        "Pelvic drop from the pose model alone is indicative only: the model's hip points "
        "do not follow a real pelvic drop closely enough to rate it. Small coloured skin "
        "markers on the front of both hip bones give a measured value."
    ),
)

KNEE_VALGUS = MetricSpec(
    name="knee_valgus_deg",
    short="knee_valgus",
    label="Knee valgus (FPPA)",
    explanation=(
        "How far the knee moves inward, toward the other leg, away from the hip-ankle line "
        "(frontal-plane projection angle) at the bottom of the squat, compared with standing."
    ),
    unit="°",
    decimals=1,
    per_limb=True,
    column="fppa_{side}_deg",
    bilateral="per_limb",
    single_leg=True,
    headline="bottom_rel",
    worse="higher",
    rubric_key="fppa",
    mdc_key="fppa",
    finding_id="knee_valgus",
    sign="+ = knee inward of the hip-ankle line (valgus), - = outward (varus)",
    sign_short="+ = valgus",
    marker_measured=True,
    frame_label="fppa",
    domain=Domain(-35.0, 35.0, f"a knee angle like this is {_LIT_SLS}"),
    landmark_caveat=(
        "Knee valgus measured from the pose model tends to read low (in our tests about "
        "0.8 times the true angle, some 5 deg low at the bottom of a squat), so a 'good' "
        "rating close to the fair range may hide some valgus. Skin markers on the hip, knee "
        "and ankle give a more exact value."
    ),
)

TRUNK_LEAN = MetricSpec(
    name="trunk_lean_deg",
    short="trunk_lean",
    label="Trunk lean",
    explanation=(
        "How far the upper body leans sideways toward the standing leg at the bottom of the "
        "squat, compared with standing; a common way to make up for weak hip muscles."
    ),
    unit="°",
    decimals=1,
    per_limb=False,
    column="trunk_lean_{side}_deg",
    bilateral="magnitude",
    single_leg=True,
    headline="bottom_rel",
    worse="higher",
    rubric_key="trunk_lean",
    mdc_key="trunk_lean",
    finding_id="trunk_lean",
    sign="+ = toward the standing leg (ipsilateral), - = away from it",
    sign_short="+ = toward stance side",
    marker_measured=True,
    frame_label="trunk_lean",
    domain=Domain(
        -25.0,
        25.0,
        "a sideways lean of more than 25 deg is a loss of balance or a tracking error, not "
        "a squat (a marked lean is about 15-20 deg)",
    ),
)

KASR = MetricSpec(
    name="kasr",
    short="kasr",
    label="Knee/ankle separation ratio",
    explanation=(
        "Knee distance divided by ankle distance at the bottom of a double-leg squat: below "
        "1 the knees come closer together than the feet (a knee valgus pattern)."
    ),
    unit="",
    decimals=2,
    per_limb=False,
    column="kasr",
    bilateral="whole",
    single_leg=False,
    headline="bottom",
    worse="lower",
    rubric_key="kasr",
    mdc_key=None,
    finding_id="knee_valgus",
    sign="< 1 = knees closer together than the ankles; > 1 = knees wider",
    domain=Domain(
        0.25,
        2.5,
        "knees touching with the feet hip-width apart read about 0.3 and knees pushed out to "
        "twice the ankle width is already extreme; the knee or ankle points were probably "
        "mistracked",
    ),
)

#: Every metric, in display order.
METRICS: tuple[MetricSpec, ...] = (PELVIC_DROP, KNEE_VALGUS, TRUNK_LEAN, KASR)
#: Metric name -> spec.
BY_NAME: dict[str, MetricSpec] = {m.name: m for m in METRICS}
#: Metric names in display order.
NAMES: tuple[str, ...] = tuple(BY_NAME)


def spec(name: str) -> MetricSpec:
    """Return the spec of metric ``name``.

    Raises
    ------
    KeyError
        For a name that is not a metric.
    """
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"Unknown metric {name!r}; known: {', '.join(NAMES)}.") from None


def for_rep_side(rep_side: str) -> Iterator[tuple[MetricSpec, str]]:
    """Yield ``(spec, limb)`` for every value a rep of stance ``rep_side`` carries."""
    for m in METRICS:
        for limb in m.limbs(rep_side):
            yield m, limb
