"""Hand-made assessments, kinematics and landmarks for the report tests.

Everything here is built from explicit numbers (no pose model): a single-leg squat
clip of 3 reps per side, a per-frame kinematics table whose signals peak at each rep's
bottom with the rep's own headline values, and a standing stick figure in pixels.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd

from hipcheck.landmarks import LM, N_LANDMARKS, LandmarkSeries
from hipcheck.model import Assessment, Finding, MetricValue, Rep

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


def _rate(value: float, fair: float, poor: float) -> str:
    return "poor" if value >= poor else "fair" if value >= fair else "good"


def _metric(rel: float, baseline: float, fair: float, poor: float, **kw: Any) -> MetricValue:
    kw.setdefault("rating", _rate(rel, fair, poor))
    return MetricValue(
        bottom=rel + baseline,
        bottom_rel=rel,
        peak=rel + baseline + 0.5,
        peak_rel=rel + 0.5,
        **kw,
    )


def make_reps(pelvic_status: str = "measured", knee_status: str = "measured") -> list[Rep]:
    """Return the reps of :data:`REP_TABLE` with given statuses for pelvis and knee."""
    reps = []
    for i, (side, start, bottom, end, pd_rel, fppa_rel, tl_rel) in enumerate(REP_TABLE, 1):
        if pelvic_status == "measured":
            pelvic = _metric(pd_rel, BASELINE["pelvic_drop"], 3.0, 6.0)
        elif pelvic_status == "indicative":
            pelvic = _metric(
                pd_rel,
                BASELINE["pelvic_drop"],
                3.0,
                6.0,
                status="indicative",
                rating=None,
                reason="hip landmarks do not follow pelvic tilt; not validated",
            )
        else:
            pelvic = MetricValue.not_measurable("hip landmarks hidden by loose clothing")
        if knee_status == "measured":
            knee = _metric(fppa_rel, BASELINE["fppa"], 13.0, 17.0)
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
                    "pelvic_drop_deg": pelvic,
                    "knee_valgus_deg": {side: knee},
                    "trunk_lean_deg": _metric(tl_rel, BASELINE["trunk_lean"], 5.0, 10.0),
                },
                quality=["low visibility of the right ankle in 4 frames"] if i == 4 else [],
                start_frame=round(start * FPS),
                bottom_frame=round(bottom * FPS),
                end_frame=round(end * FPS),
            )
        )
    return reps


def make_program() -> dict[str, Any]:
    """Return a program dict shaped like ``hipcheck.program``'s output."""

    def item(ex_id: str, name: str, **kw: Any) -> dict[str, Any]:
        base = {
            "exercise_id": ex_id,
            "name": name,
            "sets": 3,
            "reps": "10-12",
            "hold_s": None,
            "rest_s": 60,
            "tempo": "2-1-2",
            "sessions_per_week": 3,
            "side_emphasis": "left",
            "cues": ["Keep your belt line level", "Knee over your second toe"],
            "why": "Gluteus medius work for the left pelvic drop (Distefano 2009).",
            "answers": ["pelvic_drop"],
        }
        base.update(kw)
        return base

    return {
        "kind": "glute_program",
        "phases": [
            {
                "number": 1,
                "name": "Activation",
                "weeks": "1-2",
                "goal": "Wake up the hip abductors without pain.",
                "items": [
                    item("clam", "Clam shell", reps=15, tempo=None),
                    item("iso_abd", "Standing isometric abduction", reps=5, hold_s=10),
                ],
            },
            {
                "number": 2,
                "name": "Progressive resistance",
                "weeks": "3-6",
                "goal": "Build abductor and extensor strength.",
                "items": [
                    item("side_lying_abd", "Side-lying hip abduction with ankle weight"),
                    item("side_plank_abd", "Side plank with hip abduction", reps=None, hold_s=20),
                    item("band_walk", "Lateral band walk", reps="10 each way"),
                ],
            },
            {
                "number": 3,
                "name": "Functional",
                "weeks": "7+",
                "goal": "Carry the strength into single-leg control.",
                "items": [
                    item("step_down", "Lateral step-down with a level pelvis", reps=8),
                    item("sl_deadlift", "Single-leg deadlift", reps=8),
                ],
            },
        ],
        "progression_rules": [
            "Add 2-10% load when you can do 1-2 reps more than the target.",
            "Move to the next phase when the current one is pain-free for a week.",
        ],
        "retest": "Film the same test again after 6 weeks.",
        "safety": {
            "red_flags": [
                "Recent injury with inability to bear weight",
                "Hot, red, swollen joint with fever",
                "Saddle numbness or bladder/bowel changes: emergency",
            ],
            "screening": ["Heart condition or chest pain with activity"],
        },
        "disclaimer": "This program is general advice, not a treatment plan.",
        "notes": ["Side-lying abduction avoided if lateral hip pain is present."],
    }


def make_findings() -> list[Finding]:
    """Return findings matching the left side's fair/poor values in :data:`REP_TABLE`."""
    return [
        Finding(
            id="knee_valgus",
            side="left",
            severity="fair",
            value_deg=14.0,
            summary="Your left knee moves inward during the squat (FPPA 14 deg).",
            metric="knee_valgus_deg",
            n_reps=3,
        ),
        Finding(
            id="trunk_lean",
            side="left",
            severity="fair",
            value_deg=6.7,
            summary="You lean your trunk toward the left standing leg.",
            metric="trunk_lean_deg",
            n_reps=3,
        ),
    ]


def make_assessment(
    *,
    findings: bool = True,
    pelvic_status: str = "measured",
    knee_status: str = "measured",
    path: str = "clinic/patient clip.mp4",
    program: bool = True,
) -> Assessment:
    """Return a single-leg squat assessment of 6 reps (3 per side)."""
    return Assessment(
        video={
            "path": path,
            "width": 360,
            "height": 640,
            "fps": FPS,
            "rotation": 0,
            "duration_s": DURATION_S,
            "frames_read": int(DURATION_S * FPS),
        },
        task="single_leg_squat",
        reps=make_reps(pelvic_status, knee_status),
        findings=make_findings() if findings else [],
        overall_rating="poor" if findings else "good",
        quality=["Camera slightly above hip height", "Background busy behind the right leg"],
        sources={"pelvic_drop_deg": "landmarks", "knee_valgus_deg": "landmarks"},
        program=make_program() if program else None,
        disclaimer="A movement-quality screen, not a diagnosis.",
        hipcheck_version="0.1.0",
    )


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
    df = pd.DataFrame({"t_s": t, "depth": depth, **cols})
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
    a = copy.deepcopy(assessment)
    a.video["path"] = '/tmp/<script>alert(1)</script>/Zoë & "Łukasz" 李.mp4'
    a.quality.append("<img src=x onerror=alert(2)> & a very long note " + "word " * 60)
    if a.findings:
        a.findings[0].summary = "<b>bold?</b> Zoë's knee & 李 " + "long " * 40
    if a.program:
        a.program["phases"][0]["items"][0]["name"] = "<script>alert(3)</script> Clam Łukasz"
    return a
