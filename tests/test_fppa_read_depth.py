"""Deep single-leg reps: FPPA read where the knee passes 45-60 deg on the way down.

Known geometry: the skeleton's stance-leg shortening is ``phase * depth`` and its FPPA
``phase * fppa_deg`` (tests/skeleton.py), so the value at the read frame is known
exactly; and table-driven cases of :func:`hipcheck.plausibility.fppa_read_frame`.
"""

from __future__ import annotations

import numpy as np
import pytest

from hipcheck.pipeline import analyze_landmarks
from hipcheck.plausibility import (
    FPPA_MAX_KNEE_FLEXION,
    FPPA_READ_MAX,
    FPPA_READ_MIN,
    domain_problem,
    fppa_read_frame,
)
from hipcheck.reports.annotate import LiveAngles
from hipcheck.reps import Baseline, RepWindow
from skeleton import Plan, make_series

REF = Baseline(np.arange(3), True, 600.0, 400.0, {"left": 1000.0, "right": 1000.0})


def _window(shortening: np.ndarray, side: str = "left") -> RepWindow:
    bottom = int(np.nanargmax(shortening))
    return RepWindow(
        start=0,
        bottom=bottom,
        end=len(shortening) - 1,
        depth=0.3,
        side=side,
        knee_flexion=float(shortening[bottom]),
        reference=REF,
    )


DESCENT = np.linspace(0.0, 0.40, 41)  # 0.01 leg lengths per frame, bottom at 0.40


@pytest.mark.parametrize(
    ("shortening", "side", "expect"),
    [
        pytest.param(DESCENT, "left", 13, id="deep-rep-read-at-60deg"),
        pytest.param(DESCENT, "both", None, id="double-leg-never"),
        pytest.param(np.linspace(0, 0.2, 21), "left", None, id="within-range-read-at-bottom"),
        pytest.param(np.linspace(0.15, 0.40, 26), "left", None, id="clip-starts-below-60deg"),
        pytest.param(np.r_[0.0, 0.02, 0.04, 0.30, 0.35], "left", None, id="leg-length-jump"),
        pytest.param(np.r_[DESCENT[:20], np.full(5, np.nan), DESCENT[25:]], "right", 13, id="gap-after-read"),
    ],
)  # fmt: skip
def test_fppa_read_frame_table(shortening, side, expect):
    assert fppa_read_frame(shortening, _window(shortening, side)) == expect


def test_read_frame_is_within_the_studies_range():
    frame = fppa_read_frame(DESCENT, _window(DESCENT))
    assert frame is not None and FPPA_READ_MIN <= DESCENT[frame] <= FPPA_READ_MAX


def test_domain_problem_accepts_a_deep_rep_only_with_a_read_frame():
    deep = _window(DESCENT)
    assert deep.knee_flexion > FPPA_MAX_KNEE_FLEXION
    assert "45-60 deg" in domain_problem("knee_valgus_deg", deep)
    assert domain_problem("knee_valgus_deg", deep, read_frame=13) is None


@pytest.fixture(scope="module")
def deep():
    plan = Plan(side="left", depth=0.40, fppa_deg=20.0, reps=3)
    return plan, analyze_landmarks(make_series(plan)[0])


def test_deep_reps_read_fppa_on_the_way_down_with_the_true_value(deep):
    plan, analysis = deep
    kin, a = analysis.kinematics, analysis.assessment
    assert len(a.reps) == plan.reps
    for rep in a.reps:
        mv = rep.metric("knee_valgus_deg")
        assert mv.status == "measured" and mv.read_s is not None
        assert rep.start_s < mv.read_s < rep.bottom_s
        row = int(np.argmin(np.abs(kin["t_s"].to_numpy() - mv.read_s)))
        short = kin["leg_shortening_left"].iloc[row]
        assert FPPA_READ_MIN <= short <= FPPA_READ_MAX
        # truth: FPPA = phase * fppa_deg with phase = shortening / depth (standing FPPA 0)
        assert mv.value == pytest.approx(plan.fppa_deg * short / plan.depth, abs=1.0)
        # the other metrics stay at the bottom
        assert rep.metric("trunk_lean_deg").read_s is None
    assert any("read on the way down" in q for q in a.quality)


def test_annotated_labels_agree_with_the_table_and_hide_invalid_depths(deep):
    _, analysis = deep
    live = LiveAngles(analysis.kinematics, analysis.assessment)
    for rep in analysis.assessment.reps:
        mv = rep.metric("knee_valgus_deg")
        at_read = live.labels(rep, mv.read_s)["fppa_left"]
        assert at_read.value == pytest.approx(mv.value, abs=1e-6)
        at_bottom = live.labels(rep, rep.bottom_s)["fppa_left"]
        assert at_bottom.value is None and at_bottom.status == "not_measurable"


def test_shallow_reps_still_read_at_the_bottom():
    plan = Plan(side="right", depth=0.12, fppa_deg=12.0)
    a = analyze_landmarks(make_series(plan)[0]).assessment
    for rep in a.reps:
        mv = rep.metric("knee_valgus_deg")
        assert mv.read_s is None and mv.value == pytest.approx(plan.fppa_deg, abs=1.0)
    assert not any("read on the way down" in q for q in a.quality)


def test_outputs_say_the_value_was_read_on_the_way_down(deep):
    from rich.console import Console

    from hipcheck.console import print_assessment
    from hipcheck.reports.tables import build_report

    _, analysis = deep
    console = Console(record=True, width=200, color_system=None)
    print_assessment(analysis.assessment, console)
    text = console.export_text()
    assert "read on the way down" in text
    assert sum(text.count(f"{r}*") for r in ("good", "fair", "poor")) == len(
        analysis.assessment.reps
    )
    report = build_report(analysis.assessment)
    rows = [row for row in report.rows if not row.is_mean]
    subs = [c.sub for row in rows for c in row.cells if "on the way down" in c.sub]
    assert len(subs) == len(analysis.assessment.reps)
