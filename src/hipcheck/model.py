"""The assessment data model: what an analysis produces and ``assessment.json`` holds.

Sign conventions (every angle in degrees, measured in the 2D image):

- ``pelvic_drop_deg``: + = the non-stance (contralateral) side of the pelvis is lower;
- ``knee_valgus_deg`` (FPPA): + = valgus, knee medial of the hip-ankle line; medial is
  taken from geometry (toward the other hip), so a mirrored video keeps its signs;
- ``trunk_lean_deg``: + = toward the stance side (ipsilateral);
- ``depth``: pelvis descent as a fraction of standing leg length (unitless).

Each metric of a repetition is a :class:`MetricValue`: the value at peak knee flexion
(lowest pelvis) and the peak over the descent, both absolute and relative to the
standing baseline. The *headline* value (rated, shown first) is ``bottom_rel``.

Schema version history: 1 = first release.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SCHEMA_VERSION = 1

Task = Literal["single_leg_squat", "step_down", "double_leg_squat"]
TASKS: tuple[str, ...] = ("single_leg_squat", "step_down", "double_leg_squat")
Side = Literal["left", "right", "both"]
Rating = Literal["good", "fair", "poor"]
#: measured = valid and rated; indicative = shown with a caveat, never rated;
#: not_measurable = no number (the reason says why).
Status = Literal["measured", "indicative", "not_measurable"]
Source = Literal["landmarks", "markers"]

METRICS: tuple[str, ...] = ("pelvic_drop_deg", "knee_valgus_deg", "trunk_lean_deg", "kasr")


@dataclass
class MetricValue:
    """One metric of one repetition (and limb).

    Attributes
    ----------
    bottom, bottom_rel
        Value at peak knee flexion, absolute and minus the standing baseline.
    peak, peak_rel
        Largest signed value over the descent (start to bottom), absolute and relative.
    status
        ``measured``, ``indicative`` or ``not_measurable``.
    rating
        ``good``/``fair``/``poor`` for measured metrics with a rubric, else None.
    source
        ``landmarks`` or ``markers``.
    reason
        Why a metric is indicative or not measurable (plain language), else None.
    """

    bottom: float | None = None
    bottom_rel: float | None = None
    peak: float | None = None
    peak_rel: float | None = None
    status: Status = "measured"
    rating: Rating | None = None
    source: Source = "landmarks"
    reason: str | None = None

    @property
    def value(self) -> float | None:
        """The headline value: baseline-relative at peak knee flexion."""
        return self.bottom_rel

    @classmethod
    def coerce(cls, obj: object) -> MetricValue | None:
        """Return ``obj`` as a MetricValue: itself, its dict form (extra keys ignored), or None."""
        if isinstance(obj, MetricValue):
            return obj
        if isinstance(obj, dict) and ("status" in obj or "bottom_rel" in obj):
            known = cls.__dataclass_fields__
            return cls(**{k: v for k, v in obj.items() if k in known})
        return None

    @classmethod
    def not_measurable(cls, reason: str, source: Source = "landmarks") -> MetricValue:
        """Return a metric with no number and the reason why."""
        return cls(status="not_measurable", source=source, reason=reason)


@dataclass
class Rep:
    """One repetition.

    ``metrics`` maps metric name to a :class:`MetricValue`, except ``knee_valgus_deg``
    which maps limb (``left``/``right``) to a :class:`MetricValue`; for single-leg tasks
    only the stance limb is present.
    """

    index: int
    task: str
    side: str
    start_s: float
    bottom_s: float
    end_s: float
    depth: float
    metrics: dict[str, Any] = field(default_factory=dict)
    quality: list[str] = field(default_factory=list)
    start_frame: int = 0
    bottom_frame: int = 0
    end_frame: int = 0
    piva_score: int | None = None


@dataclass
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
    value_deg
        Mean headline value over the reps of that side (degrees; ratio for kasr).
    rated
        True if it comes from a validated (rated) measure; indicative-only metrics never
        produce rated findings and never drive the program on their own.
    summary
        One plain-language sentence.
    """

    id: str
    side: str
    severity: Rating
    value_deg: float | None = None
    rated: bool = True
    summary: str = ""
    metric: str | None = None
    n_reps: int = 0


@dataclass
class Assessment:
    """Everything an analysis concludes about one clip (``assessment.json``)."""

    video: dict[str, Any]
    task: str
    reps: list[Rep]
    summary: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    overall_rating: Rating | None = None
    quality: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    program: dict[str, Any] | None = None
    disclaimer: str = ""
    schema_version: int = SCHEMA_VERSION
    hipcheck_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the ``assessment.json`` document)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Assessment:
        """Rebuild an assessment from :meth:`to_dict` output (or a loaded JSON file)."""
        version = d.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(
                f"Unsupported assessment schema_version {version!r}; "
                f"this hipcheck reads version {SCHEMA_VERSION}."
            )
        reps = []
        for r in d.get("reps", []):
            r = dict(r)
            metrics = {}
            for name, m in r.get("metrics", {}).items():
                if name == "knee_valgus_deg":
                    metrics[name] = {limb: MetricValue(**v) for limb, v in m.items()}
                else:
                    metrics[name] = MetricValue(**m)
            r["metrics"] = metrics
            reps.append(Rep(**r))
        fields = {k: v for k, v in d.items() if k not in ("reps", "findings")}
        return cls(reps=reps, findings=[Finding(**f) for f in d.get("findings", [])], **fields)
