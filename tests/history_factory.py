"""Hand-built assessments for the history and comparison tests.

``make_assessment({"left": {"knee_valgus_deg": 10.0}})`` gives a single-leg squat with
three left-stance reps whose headline values average exactly 10.0 (offsets -0.5, 0,
+0.5; a tenth of that for the knee/ankle ratio). A value may be a number, None (not measurable) or a ``(value, status)`` pair,
e.g. ``(4.0, "indicative")``. Ratings, the per-leg summary, findings, the overall rating
and the program are derived by the real assessment and program code.
"""

from __future__ import annotations

from typing import Any

from hipcheck.assessment import assessment_from_reps
from hipcheck.assessment.rules import apply_rules
from hipcheck.config import AnalysisConfig
from hipcheck.metrics import spec
from hipcheck.model import Assessment, MetricValue, Rep
from hipcheck.program import attach_program

OFFSETS = (-0.5, 0.0, 0.5)


def metric(name: str, value: float | None, status: str = "measured") -> MetricValue:
    """A metric value rated by the real rules (``indicative`` = from landmarks, unvalidated)."""
    if value is None or status == "not_measurable":
        return MetricValue.not_measurable("knee hidden behind the other leg")
    m = spec(name)
    source = "landmarks" if status == "indicative" or m.rated_from("landmarks") else "markers"
    baseline = 1.0 if m.headline == "bottom" else 1.5
    bottom = value if m.headline == "bottom" else value + baseline
    raw = MetricValue(
        value=value,
        bottom=bottom,
        bottom_rel=bottom - baseline,
        peak=bottom + 1.0,
        peak_rel=bottom + 1.0 - baseline,
        baseline=baseline,
        source=source,
    )
    return apply_rules(m, raw, rep_reason=None, sex="unspecified")


def _spec(item: Any) -> tuple[float | None, str]:
    if isinstance(item, tuple):
        return item
    return item, "measured"


def make_reps(sides: dict[str, dict[str, Any]], task: str, n_reps: int) -> list[Rep]:
    reps = []
    t = 0.0
    for side, metrics in sides.items():
        for k in range(n_reps):
            off = OFFSETS[k % len(OFFSETS)] if n_reps == 3 else 0.0
            m: dict[str, Any] = {}
            for name, item in metrics.items():
                value, status = _spec(item)
                off *= 1.0 if spec(name).unit else 0.1  # ratios: a smaller spread
                m[name] = {side: metric(name, None if value is None else value + off, status)}
            reps.append(
                Rep(
                    index=len(reps) + 1,
                    task=task,
                    side=side,
                    start_s=t,
                    bottom_s=t + 1.0,
                    end_s=t + 2.0,
                    depth=0.2,
                    start_frame=int(t * 30),
                    bottom_frame=int((t + 1) * 30),
                    end_frame=int((t + 2) * 30),
                    metrics=m,
                )
            )
            t += 2.5
    return reps


def make_assessment(
    sides: dict[str, dict[str, Any]],
    *,
    task: str = "single_leg_squat",
    program: bool = True,
    n_reps: int = 3,
) -> Assessment:
    a = assessment_from_reps(
        make_reps(sides, task, n_reps),
        video={"path": "clip.mp4", "fps": 30.0, "width": 640, "height": 480},
        config=AnalysisConfig(),
        hipcheck_version="0.1.0",
    )
    return attach_program(a) if program else a
