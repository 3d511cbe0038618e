"""Hand-built assessments for the history and comparison tests.

``make_assessment({"left": {"knee_valgus_deg": 10.0}})`` gives a single-leg squat with
three left-stance reps whose headline values (``bottom_rel``) average exactly 10.0
(offsets -0.5, 0, +0.5). A value may be a number, None (not measurable) or a
``(value, status)`` pair, e.g. ``(4.0, "indicative")``.
"""

from __future__ import annotations

from typing import Any

from hipcheck.model import Assessment, Finding, MetricValue, Rep

OFFSETS = (-0.5, 0.0, 0.5)


def metric(value: float | None, status: str = "measured", rating: str | None = None) -> MetricValue:
    if value is None or status == "not_measurable":
        return MetricValue.not_measurable("knee hidden behind the other leg")
    return MetricValue(
        bottom=value + 1.5,
        bottom_rel=value,
        peak=value + 2.5,
        peak_rel=value + 1.0,
        status=status,
        rating=rating if status == "measured" else None,
        reason="pelvis landmarks not validated" if status == "indicative" else None,
    )


def _spec(spec: Any) -> tuple[float | None, str]:
    if isinstance(spec, tuple):
        return spec
    return spec, "measured"


def make_assessment(
    sides: dict[str, dict[str, Any]],
    *,
    task: str = "single_leg_squat",
    findings: list[Finding] | None = None,
    overall: str | None = None,
    program: dict[str, Any] | None = None,
    n_reps: int = 3,
) -> Assessment:
    reps = []
    t = 0.0
    for side, metrics in sides.items():
        for k in range(n_reps):
            off = OFFSETS[k % len(OFFSETS)] if n_reps == 3 else 0.0
            m: dict[str, Any] = {}
            for name, spec in metrics.items():
                value, status = _spec(spec)
                mv = metric(None if value is None else value + off, status)
                m[name] = {side: mv} if name == "knee_valgus_deg" else mv
            reps.append(
                Rep(
                    index=len(reps),
                    task=task,
                    side=side,
                    start_s=t,
                    bottom_s=t + 1.0,
                    end_s=t + 2.0,
                    depth=0.2,
                    metrics=m,
                    start_frame=int(t * 30),
                    bottom_frame=int((t + 1) * 30),
                    end_frame=int((t + 2) * 30),
                )
            )
            t += 2.5
    return Assessment(
        video={"path": "clip.mp4", "fps": 30.0, "width": 640, "height": 480},
        task=task,
        reps=reps,
        summary={"n_reps": len(reps)},
        findings=findings or [],
        overall_rating=overall,
        quality=[],
        options={"sex": None},
        sources={"pelvic_drop_deg": "landmarks"},
        program=program,
        disclaimer="A movement screen, not a diagnosis.",
        hipcheck_version="0.1.0",
    )
