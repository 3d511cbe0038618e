"""Hand-made assessments, kinematics and landmarks for the report tests.

Everything here is built from explicit numbers (no pose model): a single-leg squat
clip of 3 reps per side, a per-frame kinematics table whose signals peak at each rep's
bottom with the rep's own headline values, and a standing stick figure in pixels.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from hipcheck.assessment import assessment_from_reps
from hipcheck.assessment.rules import apply_rules
from hipcheck.config import AnalysisConfig
from hipcheck.landmarks import LM, N_LANDMARKS, LandmarkSeries
from hipcheck.metrics import spec
from hipcheck.model import Assessment, MetricValue, Rep
from hipcheck.program import attach_program

FPS = 30.0
DURATION_S = 14.0

#: (stance side, start_s, bottom_s, end_s, pelvic drop rel, fppa rel, trunk lean rel)
REP_TABLE: tuple[tuple[str, float, float, float, float, float, float], ...] = (
    ("left", 1.0, 2.0, 3.0, 2.0, 8.0, 3.0),
    ("left", 3.4, 4.4, 5.4, 4.0, 15.0, 6.0),
    ("left", 5.8, 6.8, 7.8, 7.0, 19.0, 11.0),
    ("right", 8.2, 9.0, 9.8, 1.0, 6.0, 1.5),
    ("right", 10.2, 11.0, 11.8, 1.5, 7.0, 2.0),
    ("right", 12.1, 12.9, 13.7, 2.0, 9.0, 2.5),
)

#: a baseline offset per metric: absolute = relative + baseline
BASELINE = {"pelvic_drop": 0.5, "fppa": 2.0, "trunk_lean": -1.0}


#: rubric (source) of each fixture metric; measured pelvic drop needs skin markers
_SOURCES = {
    "pelvic_drop_deg": "markers",
    "knee_valgus_deg": "landmarks",
    "trunk_lean_deg": "landmarks",
}


def _metric(name: str, rel: float, baseline: float, source: str = "") -> MetricValue:
    """A metric value rated by the real validity and rating rules."""
    raw = MetricValue(
        value=rel,
        bottom=rel + baseline,
        bottom_rel=rel,
        peak=rel + baseline + 0.5,
        peak_rel=rel + 0.5,
        baseline=baseline,
        source=source or _SOURCES[name],  # type: ignore[arg-type]
    )
    return apply_rules(spec(name), raw, rep_reason=None, sex="unspecified")


def make_reps(
    pelvic_status: str = "measured", knee_status: str = "measured", scale: float = 1.0
) -> list[Rep]:
    """Return the reps of :data:`REP_TABLE` with given statuses for pelvis and knee.

    ``pelvic_status`` ``measured`` means measured from skin markers, ``indicative`` from
    the pose landmarks. ``scale`` multiplies every relative value (0.3: all good).
    """
    reps = []
    for i, (side, start, bottom, end, pd_rel, fppa_rel, tl_rel) in enumerate(REP_TABLE, 1):
        pd_rel, fppa_rel, tl_rel = pd_rel * scale, fppa_rel * scale, tl_rel * scale
        if pelvic_status == "not_measurable":
            pelvic = MetricValue.not_measurable("hip landmarks hidden by loose clothing")
        else:
            source = "markers" if pelvic_status == "measured" else "landmarks"
            pelvic = _metric("pelvic_drop_deg", pd_rel, BASELINE["pelvic_drop"], source)
        if knee_status == "measured":
            knee = _metric("knee_valgus_deg", fppa_rel, BASELINE["fppa"])
        else:
            knee = MetricValue.not_measurable("knee not visible (side view)")
        reps.append(
            Rep(
                index=i,
                task="single_leg_squat",
                side=side,
                start_s=start,
                bottom_s=bottom,
                end_s=end,
                depth=0.18 + 0.01 * i,
                metrics={
                    "pelvic_drop_deg": {side: pelvic},
                    "knee_valgus_deg": {side: knee},
                    "trunk_lean_deg": {
                        side: _metric("trunk_lean_deg", tl_rel, BASELINE["trunk_lean"])
                    },
                },
                quality=("low_visibility",) if i == 4 else (),
                start_frame=round(start * FPS),
                bottom_frame=round(bottom * FPS),
                end_frame=round(end * FPS),
            )
        )
    return reps


def make_assessment(
    *,
    findings: bool = True,
    pelvic_status: str = "measured",
    knee_status: str = "measured",
    path: str = "clinic/patient clip.mp4",
    program: bool = True,
) -> Assessment:
    """Return a single-leg squat assessment of 6 reps (3 per side).

    Summary, findings, overall rating and the program are derived by the real code;
    ``findings=False`` scales every value down so that everything is rated good.
    """
    a = assessment_from_reps(
        make_reps(pelvic_status, knee_status, 1.0 if findings else 0.3),
        video={
            "path": path,
            "width": 360,
            "height": 640,
            "fps": FPS,
            "rotation": 0,
            "duration_s": DURATION_S,
        },
        config=AnalysisConfig(),
        sources={"pelvic_drop_deg": "markers" if pelvic_status == "measured" else "landmarks"},
        quality=["Camera slightly above hip height", "Background busy behind the right leg"],
        hipcheck_version="0.1.0",
    )
    return attach_program(a) if program else a


def make_kinematics(assessment: Assessment) -> pd.DataFrame:
    """Return per-frame kinematics: each rep's signals rise to its bottom values.

    Columns follow the kinematics contract (absolute values, degrees); the stance-side
    column of a rep carries the rep's ``bottom`` value at ``bottom_s``.
    """
    t = np.arange(int(DURATION_S * FPS)) / FPS
    cols = {
        f"{m}_{s}_deg": np.full_like(t, BASELINE[b])
        for m, b in (("pelvic_drop", "pelvic_drop"), ("fppa", "fppa"), ("trunk_lean", "trunk_lean"))
        for s in ("left", "right")
    }
    depth = np.zeros_like(t)
    for rep in assessment.reps:
        shape = np.clip(
            np.where(
                t <= rep.bottom_s,
                (t - rep.start_s) / (rep.bottom_s - rep.start_s),
                (rep.end_s - t) / (rep.end_s - rep.bottom_s),
            ),
            0,
            1,
        )
        depth = np.maximum(depth, shape * rep.depth)
        s = rep.side
        for col, rel, base in (
            (f"pelvic_drop_{s}_deg", REP_TABLE[rep.index - 1][4], BASELINE["pelvic_drop"]),
            (f"fppa_{s}_deg", REP_TABLE[rep.index - 1][5], BASELINE["fppa"]),
            (f"trunk_lean_{s}_deg", REP_TABLE[rep.index - 1][6], BASELINE["trunk_lean"]),
        ):
            cols[col] = np.maximum(cols[col], base + shape * rel)
    rel = {
        f"{m}_{s}_rel_deg": cols[f"{m}_{s}_deg"] - BASELINE[b]
        for m, b in (("pelvic_drop", "pelvic_drop"), ("fppa", "fppa"), ("trunk_lean", "trunk_lean"))
        for s in ("left", "right")
    }
    df = pd.DataFrame({"t_s": t, "depth": depth, **cols, **rel})
    df["kasr"] = np.nan
    df["view"] = "frontal"
    df["quality_ok"] = True
    return df


def standing_pose(width: int = 360, height: int = 640) -> np.ndarray:
    """Return (33, 2) pixel landmarks of a frontal standing figure.

    The subject faces the camera, so the subject's left is on the image right.
    """
    xy = np.full((N_LANDMARKS, 2), np.nan)
    cx = width / 2
    u = height / 640  # scale unit
    points = {
        LM.NOSE: (cx, 90 * u),
        LM.LEFT_SHOULDER: (cx + 45 * u, 160 * u),
        LM.RIGHT_SHOULDER: (cx - 45 * u, 160 * u),
        LM.LEFT_ELBOW: (cx + 55 * u, 240 * u),
        LM.RIGHT_ELBOW: (cx - 55 * u, 240 * u),
        LM.LEFT_WRIST: (cx + 55 * u, 310 * u),
        LM.RIGHT_WRIST: (cx - 55 * u, 310 * u),
        LM.LEFT_HIP: (cx + 30 * u, 320 * u),
        LM.RIGHT_HIP: (cx - 30 * u, 320 * u),
        LM.LEFT_KNEE: (cx + 22 * u, 450 * u),
        LM.RIGHT_KNEE: (cx - 32 * u, 450 * u),
        LM.LEFT_ANKLE: (cx + 32 * u, 570 * u),
        LM.RIGHT_ANKLE: (cx - 32 * u, 570 * u),
        LM.LEFT_HEEL: (cx + 30 * u, 585 * u),
        LM.RIGHT_HEEL: (cx - 30 * u, 585 * u),
        LM.LEFT_FOOT_INDEX: (cx + 45 * u, 595 * u),
        LM.RIGHT_FOOT_INDEX: (cx - 45 * u, 595 * u),
    }
    for idx, (x, y) in points.items():
        xy[int(idx)] = (x, y)
    # face landmarks around the nose so the whole array is finite
    for i in range(1, 11):
        xy[i] = (cx + (i % 5 - 2) * 6 * u, (80 + (i // 5) * 8) * u)
    for i in (17, 18, 19, 20, 21, 22):
        wrist = xy[LM.LEFT_WRIST] if i % 2 else xy[LM.RIGHT_WRIST]
        xy[i] = wrist + (0, 12 * u)
    return xy


def make_landmark_series(n: int, width: int = 360, height: int = 640) -> LandmarkSeries:
    """Return a series of ``n`` frames of the standing figure, bobbing down a little."""
    series = LandmarkSeries.empty(n, (width, height), model="hand-made")
    base = standing_pose(width, height)
    series.t_s = np.arange(n) / FPS
    for i in range(n):
        series.xy[i] = base + (0, 10 * np.sin(i / 5))
    series.visibility[:] = 0.95
    series.presence[:] = 0.95
    return series


def with_long_names(assessment: Assessment) -> Assessment:
    """Return a copy with injection-looking, long and non-Latin text in every free field."""
    a = replace(
        assessment,
        video=replace(
            assessment.video, path='/tmp/<script>alert(1)</script>/Zoë & "Łukasz" 李.mp4'
        ),
        quality=(
            *assessment.quality,
            "<img src=x onerror=alert(2)> & a very long note " + "word " * 60,
        ),
    )
    if a.findings:
        first = replace(a.findings[0], summary="<b>bold?</b> Zoë's knee & 李 " + "long " * 40)
        a = replace(a, findings=(first, *a.findings[1:]))
    if a.program is not None:
        item = replace(a.program.phases[0].items[0], name="<script>alert(3)</script> Clam Łukasz")
        phase = replace(a.program.phases[0], items=[item, *a.program.phases[0].items[1:]])
        a = replace(a, program=replace(a.program, phases=[phase, *a.program.phases[1:]]))
    return a
