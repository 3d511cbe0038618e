"""The assessment data model: what an analysis concludes and ``assessment.json`` holds.

One typed, immutable model, computed once by the assessment stage
(:func:`hipcheck.assessment.build_assessment`) and never patched afterwards: the program
stage returns a new :class:`Assessment` with its program (``dataclasses.replace``).

- :class:`Rep` holds per-rep values: ``metrics[name][limb]`` is a :class:`MetricValue`
  for every metric, where ``limb`` is the rep's stance side (``left``/``right``, or
  ``both`` for double-leg squats) except for per-limb metrics of a double-leg squat
  (knee valgus: ``left`` and ``right``). What each metric is, its signs and which value
  is the headline live in the metric registry, :mod:`hipcheck.metrics`.
- :class:`MetricSummary` is the one per-side summary (mean, SD, n, status, rating) that
  findings, reports, the app, history and comparisons all read.
- :class:`Coverage` says what was measured, on which side, and what was not and why: an
  assessment in which nothing was measured carries no findings, no rating and no program.

Reading ``assessment.json`` back goes through :meth:`Assessment.from_dict`, which
validates every field (types, finite numbers, ranges, schema version) at the boundary;
:func:`hipcheck.assessment.load_assessment` also reads older schema versions.

Schema version history: 1 = first release; 2 = typed model (metrics keyed by limb for
every metric, ``value`` and ``baseline`` on every metric value, typed summary, coverage,
provenance, the program as an object).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from hipcheck.metrics import METRICS, MetricSpec, spec
from hipcheck.program.model import Program

SCHEMA_VERSION = 2

Task = Literal["single_leg_squat", "step_down", "double_leg_squat"]
TASKS: tuple[str, ...] = ("single_leg_squat", "step_down", "double_leg_squat")
#: the clip's task: one protocol, several (``mixed``) or none found (``unknown``)
ClipTask = Literal["single_leg_squat", "step_down", "double_leg_squat", "mixed", "unknown"]
#: stance side of a rep, or ``both`` for double-leg squats
Side = Literal["left", "right", "both"]
Rating = Literal["good", "fair", "poor"]
Severity = Literal["fair", "poor"]
#: measured = valid and rated; indicative = shown with a caveat, never rated;
#: not_measurable = no number (the reason says why).
Status = Literal["measured", "indicative", "not_measurable"]
Source = Literal["landmarks", "markers"]

if TYPE_CHECKING:
    from pydantic import TypeAdapter, ValidationError

#: Validation settings for reading (pydantic's ``ConfigDict`` keys, as a plain dict so
#: that importing the model does not import pydantic): no NaN/inf, no unknown keys.
_STRICT: dict[str, Any] = {"allow_inf_nan": False, "extra": "forbid"}


@dataclass(frozen=True)
class MetricValue:
    """One metric of one repetition (and limb).

    Attributes
    ----------
    value
        The headline value: the one that is rated and shown (``bottom_rel`` for angles,
        ``bottom`` for the knee/ankle ratio; :attr:`hipcheck.metrics.MetricSpec.headline`).
        None when the metric is not measurable.
    bottom, bottom_rel
        Value at peak knee flexion, absolute and minus the standing reference.
    peak, peak_rel
        Extreme in the fault direction over the descent (start to bottom), absolute and
        minus the standing reference.
    baseline
        The standing reference value this rep is measured against.
    read_s
        None when the value was read at the bottom (peak knee flexion). Otherwise the
        time (s) it was read instead, and ``bottom``/``peak`` refer to that moment and
        the descent before it: the FPPA of a single-leg rep deeper than the range the
        2D angle is valid in is read where the knee passes 45-60 deg of flexion on the
        way down (:func:`hipcheck.plausibility.fppa_read_frame`).
    status
        ``measured``, ``indicative`` or ``not_measurable``.
    rating
        ``good``/``fair``/``poor`` of the headline value for measured metrics, else None.
    source
        ``landmarks`` or ``markers``.
    reason
        Why a metric is indicative or not measurable (plain language), else None.
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT

    value: float | None = None
    bottom: float | None = None
    bottom_rel: float | None = None
    peak: float | None = None
    peak_rel: float | None = None
    baseline: float | None = None
    read_s: float | None = None
    status: Status = "measured"
    rating: Rating | None = None
    source: Source = "landmarks"
    reason: str | None = None

    @property
    def shown(self) -> bool:
        """True if the value is shown as a number (measured or indicative)."""
        return self.status != "not_measurable" and self.value is not None

    @classmethod
    def not_measurable(cls, reason: str, source: Source = "landmarks") -> MetricValue:
        """Return a metric with no number and the reason why."""
        return cls(status="not_measurable", source=source, reason=reason)


@dataclass(frozen=True)
class Rep:
    """One repetition.

    ``metrics[name][limb]`` for every metric of :mod:`hipcheck.metrics` that applies to
    the rep (see :meth:`hipcheck.metrics.MetricSpec.limbs` for the limb keys). Frame
    indices refer to the analysis grid (rows of ``kinematics.parquet``). ``partial`` says
    when the clip cut the rep (``start``: under way in the first frame; ``end``: not
    finished in the last); its bottom is inside the clip, so it is measured.
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT

    index: int
    task: Task
    side: Side
    start_s: float
    bottom_s: float
    end_s: float
    depth: float
    start_frame: int
    bottom_frame: int
    end_frame: int
    metrics: dict[str, dict[Side, MetricValue]]
    quality: tuple[str, ...] = ()
    piva_score: int | None = None
    partial: Literal["start", "end"] | None = None

    def metric(self, name: str, limb: str | None = None) -> MetricValue | None:
        """Return one metric value; ``limb`` defaults to the rep's stance side."""
        return self.metrics.get(name, {}).get(limb or self.side)  # type: ignore[call-overload]

    def values(self) -> Iterator[tuple[MetricSpec, str, MetricValue]]:
        """Yield ``(spec, limb, value)`` for every value of the rep, in display order."""
        for m in METRICS:
            for limb, mv in self.metrics.get(m.name, {}).items():
                yield m, limb, mv


@dataclass(frozen=True)
class MetricSummary:
    """One metric over the reps of one stance side (and limb): the one summary.

    Attributes
    ----------
    metric
        Metric name (:data:`hipcheck.metrics.NAMES`).
    side
        Stance side of the reps averaged (``both`` for double-leg squats).
    limb
        The limb key of the values (the stance side, or left/right for per-limb metrics
        of double-leg squats).
    mean, sd
        Mean and sample SD of the headline values averaged (None if none / one).
    n
        Number of values averaged (measured or indicative reps).
    n_reps
        Number of reps of that side.
    status
        ``measured`` (every averaged value measured, so the mean is rated),
        ``indicative`` (any averaged value indicative), or ``not_measurable``.
    rating
        Rating of ``mean`` (measured only).
    source
        ``markers`` if any averaged value came from markers, else ``landmarks``.
    reason
        Why the summary is indicative or not measurable.
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT

    metric: str
    side: Side
    limb: Side
    mean: float | None
    sd: float | None
    n: int
    n_reps: int
    status: Status
    rating: Rating | None
    source: Source
    reason: str | None = None


@dataclass(frozen=True)
class Asymmetry:
    """Left vs right difference of a measured metric's means (single-leg tasks).

    Attributes
    ----------
    metric
        Metric name.
    left, right
        The two means (stance sides).
    difference
        ``left - right``.
    worse_side
        The side with the larger fault value.
    rating
        Rating of ``|difference|`` against the asymmetry bands (FPPA only), else None.
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT

    metric: str
    left: float
    right: float
    difference: float
    worse_side: Literal["left", "right"]
    rating: Rating | None = None


@dataclass(frozen=True)
class Finding:
    """A clinically meaningful result the program responds to.

    Attributes
    ----------
    id
        ``pelvic_drop``, ``knee_valgus``, ``trunk_lean``, ``overall_poor`` or ``asymmetry``.
    side
        Stance side the finding belongs to (``left``/``right``) or ``both``.
    severity
        ``fair`` or ``poor`` (the rubric tier that triggered it).
    value
        The summary mean (or asymmetry) behind it, in the metric's unit.
    rated
        True if it comes from a measured (rated) summary; indicative findings never drive
        the program.
    summary
        One plain-language sentence.
    metric
        The metric it comes from (None for ``overall_poor``).
    n_reps
        Reps behind it.
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT

    id: str
    side: Side
    severity: Severity
    value: float | None = None
    rated: bool = True
    summary: str = ""
    metric: str | None = None
    n_reps: int = 0


@dataclass(frozen=True)
class NotMeasured:
    """A metric (of a side) that has no measured value, and why."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT

    metric: str
    side: Side
    reason: str


@dataclass(frozen=True)
class Coverage:
    """What the analysis could and could not measure.

    Attributes
    ----------
    rated
        True if at least one metric was measured and rated. False means: no findings, no
        overall rating and no program, only what was not measured and why.
    sides
        Stance sides with repetitions (``left``, ``right``, ``both``).
    rated_sides
        Stance sides with at least one rated metric.
    untested_sides
        For single-leg tasks: the leg(s) with no rated repetition (named as not tested).
    rated_metrics
        Metrics rated on at least one side.
    not_measured
        Metrics of a side with no measured value, with the reason.
    message
        One plain sentence: what was measured, or why nothing was.
    advice
        What to film instead when something could not be measured (None otherwise).
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT

    rated: bool
    sides: tuple[Side, ...]
    rated_sides: tuple[Side, ...]
    untested_sides: tuple[Literal["left", "right"], ...]
    rated_metrics: tuple[str, ...]
    not_measured: tuple[NotMeasured, ...]
    message: str
    advice: str | None = None


@dataclass(frozen=True)
class BaselineInfo:
    """The standing reference the values are relative to."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT

    start_s: float
    end_s: float
    bilateral: bool
    note: str | None = None


@dataclass(frozen=True)
class Provenance:
    """How the assessment was made: options, sources, reference, processing steps."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT

    hipcheck_version: str
    options: dict[str, Any]
    sources: dict[str, Source]
    fppa_bands: str
    baseline: BaselineInfo | None = None
    processing: tuple[dict[str, Any], ...] = ()
    markers: dict[str, Any] | None = None


@dataclass(frozen=True)
class VideoFacts:
    """Facts about the analysed clip: the decoder's probe plus decode and pose counts.

    Every field is optional: a landmark file imported from elsewhere carries few of them.
    ``width``/``height`` are the display size after rotation; ``rotation`` is degrees
    clockwise applied; ``fps`` the average frame rate; ``analysis_fps`` the uniform grid
    the kinematics were resampled to.
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = {"allow_inf_nan": False, "extra": "ignore"}

    path: str | None = None
    container: str | None = None
    codec: str | None = None
    width: int | None = None
    height: int | None = None
    coded_width: int | None = None
    coded_height: int | None = None
    rotation: int | None = None
    fps: float | None = None
    duration_s: float | None = None
    n_frames: int | None = None
    vfr: bool | None = None
    frames_decoded: int | None = None
    frames_lost: int | None = None
    damaged: bool | None = None
    decode_error: str | None = None
    frames_with_person: int | None = None
    pose_fps: float | None = None
    frames_used: int | None = None
    analysis_fps: float | None = None

    @classmethod
    def from_mapping(cls, d: dict[str, Any]) -> VideoFacts:
        """Build from a dict (unknown keys ignored, non-finite numbers dropped)."""
        return validator(VideoFacts).validate_python(
            {k: v for k, v in d.items() if _finite_or_other(v)}
        )


def _finite_or_other(v: object) -> bool:
    return not (isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))))


@dataclass(frozen=True)
class RejectedDip:
    """A depth dip that was not counted as a repetition, and why (its flags)."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT

    bottom_s: float
    flags: tuple[str, ...]


@dataclass(frozen=True)
class PersonChange:
    """The tracked skeleton jumped to another person at ``t_s``.

    ``shift`` is the median move of the mid-hip across the change (leg lengths) and
    ``scale`` the median leg-length ratio after / before.
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT

    t_s: float
    shift: float
    scale: float


@dataclass(frozen=True)
class Detection:
    """What the repetition detector saw in the clip.

    Attributes
    ----------
    activity
        ``squats``, ``walking``, ``stepping``, ``jumping``, ``sitting``,
        ``camera_motion``, ``shallow``, ``knees_straight``, ``standing``, ``balance``,
        ``not_upright`` or ``unclear``.
    no_reps_reason
        What was seen, in a sentence, when no repetition was counted.
    view
        The clip's view verdict (``verdict`` frontal/oblique/side/rear/unknown,
        ``turn_deg``, ``width_ratio``, ``rear_share``, ``frontal_metrics``, ``reason``).
    rejected
        Depth dips that were not counted, with why.
    person_changes
        Moments the skeleton jumped to another person.
    """

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT

    activity: str
    no_reps_reason: str | None = None
    view: dict[str, Any] | None = None
    rejected: tuple[RejectedDip, ...] = ()
    person_changes: tuple[PersonChange, ...] = ()


@dataclass(frozen=True)
class PivaSummary:
    """Mean automated lateral step-down (Piva) score and its category."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT

    mean: float
    category: Literal["good", "moderate", "poor"]


@dataclass(frozen=True)
class Assessment:
    """Everything an analysis concludes about one clip (``assessment.json``)."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT

    video: VideoFacts
    task: ClipTask
    reps: tuple[Rep, ...]
    summary: tuple[MetricSummary, ...]
    coverage: Coverage
    provenance: Provenance
    asymmetry: tuple[Asymmetry, ...] = ()
    findings: tuple[Finding, ...] = ()
    overall_rating: Rating | None = None
    piva: PivaSummary | None = None
    quality: tuple[str, ...] = ()
    program: Program | None = None
    program_note: str | None = None
    detection: Detection | None = None
    disclaimer: str = ""
    schema_version: int = SCHEMA_VERSION

    # --- reading -------------------------------------------------------------------------

    def summary_for(self, metric: str, side: str, limb: str | None = None) -> MetricSummary | None:
        """Return the summary of ``metric`` for stance ``side`` (and ``limb``), if any."""
        limb = limb or side
        for s in self.summary:
            if s.metric == metric and s.side == side and s.limb == limb:
                return s
        return None

    def sides(self) -> tuple[str, ...]:
        """Stance sides with repetitions, in rep order."""
        return tuple(dict.fromkeys(r.side for r in self.reps))

    def metric_source(self, metric: str) -> str:
        """Where ``metric`` came from (``landmarks``/``markers``)."""
        return self.provenance.sources.get(metric, "landmarks")

    @property
    def sex(self) -> str:
        """The sex the FPPA bands were chosen for (``unspecified`` when not given)."""
        return str(self.provenance.options.get("sex", "unspecified"))

    # --- serialisation -------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the ``assessment.json`` document)."""
        return asdict(self)

    def to_json(self) -> str:
        """Return ``assessment.json`` text (no NaN: every number is finite or null)."""
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)

    @classmethod
    def from_dict(cls, d: Any, *, source: str = "assessment") -> Assessment:
        """Validate and rebuild an assessment of the current schema version.

        Parameters
        ----------
        d
            A dict as written by :meth:`to_dict` (or loaded from ``assessment.json``).
        source
            Where it came from, for the error message (a file name).

        Raises
        ------
        AssessmentFormatError
            Wrong schema version, a missing or wrongly typed field, a NaN or infinite
            number, an unknown key or an unknown metric; the message names the field.
        """
        if not isinstance(d, dict):
            raise AssessmentFormatError(f"{source} is not a JSON object.")
        version = d.get("schema_version")
        if version != SCHEMA_VERSION:
            raise AssessmentFormatError(
                f"{source} has schema_version {version!r}; this reader takes "
                f"{SCHEMA_VERSION} (hipcheck.assessment.load_assessment reads older files)."
            )
        from pydantic import ValidationError

        try:
            assessment = validator(Assessment).validate_python(d)
        except ValidationError as exc:
            raise AssessmentFormatError(_describe(exc, source)) from None
        _check_metric_names(assessment, source)
        return assessment


class AssessmentFormatError(ValueError):
    """An assessment document that does not follow the schema (message names the field)."""


def _describe(exc: ValidationError, source: str) -> str:
    errors = exc.errors()
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top level)"
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return f"{source}: field {where}: {first['msg']}{more}."


def _check_metric_names(a: Assessment, source: str) -> None:
    for rep in a.reps:
        for name in rep.metrics:
            try:
                spec(name)
            except KeyError:
                raise AssessmentFormatError(
                    f"{source}: field reps.{rep.index}.metrics: unknown metric {name!r}."
                ) from None


@functools.cache
def validator(cls: type) -> TypeAdapter[Any]:
    """Return the pydantic validator of a model class (built on first use, then cached)."""
    from pydantic import TypeAdapter

    return TypeAdapter(cls)
