"""Re-test comparison around the minimum detectable change, phase suggestion, trend plot."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from hipcheck.assessment import assessment_from_reps
from hipcheck.config import AnalysisConfig
from hipcheck.history.compare import (
    IMPROVED,
    NO_CHANGE,
    NO_MDC,
    NOT_COMPARABLE,
    WORSENED,
    compare_sessions,
    load_mdc,
    trend,
    trend_from_assessments,
)
from hipcheck.history.db import HistoryStore
from hipcheck.history.plots import plot_trend
from hipcheck.history.summary import summarize_assessment
from hipcheck.model import MetricValue
from history_factory import make_assessment, make_reps


def _pair(metric: str, a: float, b: float, side: str = "left"):
    return (
        make_assessment({side: {metric: a}}),
        make_assessment({side: {metric: b}}),
    )


def test_mdc_from_rubric() -> None:
    assert load_mdc() == {"knee_valgus_deg": 8.0, "pelvic_drop_deg": 3.0, "trunk_lean_deg": 2.3}


@pytest.mark.parametrize(
    ("metric", "a", "b", "verdict"),
    [
        # FPPA, MDC 8: 7.9 is noise, 8.1 is real; positive change = more valgus = worse
        ("knee_valgus_deg", 5.0, 12.9, NO_CHANGE),
        ("knee_valgus_deg", 5.0, 13.1, WORSENED),
        ("knee_valgus_deg", 12.9, 5.0, NO_CHANGE),
        ("knee_valgus_deg", 13.1, 5.0, IMPROVED),
        # pelvic drop, MDC 3
        ("pelvic_drop_deg", 1.0, 3.9, NO_CHANGE),
        ("pelvic_drop_deg", 1.0, 4.1, WORSENED),
        ("pelvic_drop_deg", 6.1, 3.0, IMPROVED),
        ("pelvic_drop_deg", 5.9, 3.0, NO_CHANGE),
        # trunk lean, MDC 2.3
        ("trunk_lean_deg", 4.0, 6.2, NO_CHANGE),
        ("trunk_lean_deg", 4.0, 6.4, WORSENED),
        ("trunk_lean_deg", 6.4, 4.0, IMPROVED),
        # negative values keep the positive-is-worse convention
        ("knee_valgus_deg", -2.0, -10.1, IMPROVED),
        ("knee_valgus_deg", -9.0, 0.0, WORSENED),
        ("pelvic_drop_deg", -1.0, 2.1, WORSENED),
        ("trunk_lean_deg", -1.0, -2.0, NO_CHANGE),
    ],
    ids=lambda v: str(v),
)
def test_verdict_around_mdc(metric: str, a: float, b: float, verdict: str) -> None:
    cmp = compare_sessions(*_pair(metric, a, b))
    c = cmp.get(metric, "left")
    assert c.value_a == pytest.approx(a) and c.value_b == pytest.approx(b)
    assert c.change == pytest.approx(b - a)
    assert c.verdict == verdict
    assert c.real_change == (verdict in (IMPROVED, WORSENED))
    assert not c.indicative
    if verdict == NO_CHANGE:
        assert "may be noise" in c.note
    if min(a, b) < 0:
        assert "negative value" in c.note


def test_sides_are_compared_separately() -> None:
    a = make_assessment({"left": {"knee_valgus_deg": 15.0}, "right": {"knee_valgus_deg": 2.0}})
    b = make_assessment({"left": {"knee_valgus_deg": 5.0}, "right": {"knee_valgus_deg": 11.0}})
    cmp = compare_sessions(a, b)
    assert cmp.get("knee_valgus_deg", "left").verdict == IMPROVED
    assert cmp.get("knee_valgus_deg", "right").verdict == WORSENED
    assert cmp.suggestion.action == "repeat"
    assert "knee_valgus_deg right" in cmp.suggestion.reasons[0]


def test_mean_uses_measured_and_indicative_reps_only() -> None:
    reps = make_reps({"left": {"knee_valgus_deg": 10.0}}, "single_leg_squat", 3)
    # a fourth rep whose value is not measurable must not count
    extra = replace(
        reps[0],
        index=4,
        metrics={"knee_valgus_deg": {"left": MetricValue.not_measurable("occluded")}},
    )
    a = assessment_from_reps([*reps, extra], video={}, config=AnalysisConfig())
    [s] = summarize_assessment(a)
    assert (s.mean_value, s.n_reps, s.status) == (pytest.approx(10.0), 3, "measured")


def test_indicative_is_flagged_and_does_not_drive_suggestion() -> None:
    a = make_assessment({"left": {"pelvic_drop_deg": (8.0, "indicative"), "knee_valgus_deg": 14.0}})
    b = make_assessment({"left": {"pelvic_drop_deg": (2.0, "indicative"), "knee_valgus_deg": 13.0}})
    cmp = compare_sessions(a, b)
    drop = cmp.get("pelvic_drop_deg", "left")
    assert drop.indicative and drop.verdict == IMPROVED
    assert drop.note.startswith("indicative only")
    assert (drop.status_a, drop.status_b) == ("indicative", "indicative")
    assert not cmp.get("knee_valgus_deg", "left").indicative
    # the only real improvement is indicative: no progression
    assert cmp.suggestion.action == "repeat"


def test_indicative_in_one_session_only() -> None:
    a = make_assessment({"left": {"pelvic_drop_deg": 2.0}})
    b = make_assessment({"left": {"pelvic_drop_deg": (2.5, "indicative")}})
    c = compare_sessions(a, b).get("pelvic_drop_deg", "left")
    assert c.indicative and c.verdict == NO_CHANGE


def test_not_measurable_is_not_comparable() -> None:
    a = make_assessment({"left": {"knee_valgus_deg": None, "trunk_lean_deg": 4.0}}, program=False)
    b = make_assessment({"left": {"knee_valgus_deg": 14.0, "trunk_lean_deg": None}}, program=False)
    cmp = compare_sessions(a, b)
    for metric, where in (("knee_valgus_deg", "A"), ("trunk_lean_deg", "B")):
        c = cmp.get(metric, "left")
        assert c.verdict == NOT_COMPARABLE and c.change is None
        assert f"not measurable in {where}" in c.note
    assert cmp.suggestion.action == "repeat"


def test_side_tested_in_one_session_only() -> None:
    a = make_assessment({"left": {"knee_valgus_deg": 10.0}})
    b = make_assessment({"right": {"knee_valgus_deg": 10.0}})
    cmp = compare_sessions(a, b)
    assert cmp.get("knee_valgus_deg", "left").note == "not tested in session B"
    assert cmp.get("knee_valgus_deg", "right").note == "not tested in session A"
    assert {c.verdict for c in cmp.changes} == {NOT_COMPARABLE}


def test_kasr_has_no_mdc() -> None:
    cmp = compare_sessions(*_pair("kasr", 0.6, 1.0, side="both"))
    c = cmp.get("kasr", "both")
    assert c.verdict == NO_MDC and c.mdc is None and not c.real_change
    assert c.change == pytest.approx(0.4)


@pytest.mark.parametrize(
    ("a", "b", "overall_b", "phase", "action", "next_phase"),
    [
        ({"knee_valgus_deg": 16.0}, {"knee_valgus_deg": 6.0}, "good", None, "progress", 2),
        ({"knee_valgus_deg": 16.0}, {"knee_valgus_deg": 6.0}, "good", 2, "progress", 3),
        ({"knee_valgus_deg": 16.0}, {"knee_valgus_deg": 6.0}, "good", 3, "maintain", 3),
        # no real change but every metric is now good
        (
            {"knee_valgus_deg": 9.0, "trunk_lean_deg": 6.0},
            {"knee_valgus_deg": 6.0, "trunk_lean_deg": 4.5},
            "good",
            1,
            "progress",
            2,
        ),
        # no real change, findings remain
        ({"knee_valgus_deg": 16.0}, {"knee_valgus_deg": 14.0}, "fair", 1, "repeat", 1),
        # one better, one worse
        (
            {"knee_valgus_deg": 16.0, "pelvic_drop_deg": 1.0},
            {"knee_valgus_deg": 6.0, "pelvic_drop_deg": 4.5},
            "fair",
            2,
            "repeat",
            2,
        ),
        # worse although rated good: still repeat
        (
            {"trunk_lean_deg": 0.0, "knee_valgus_deg": 14.0},
            {"trunk_lean_deg": 2.5, "knee_valgus_deg": 12.0},
            "good",
            1,
            "repeat",
            1,
        ),
    ],
    ids=[
        "improved-1to2",
        "improved-2to3",
        "improved-at-3",
        "all-good",
        "no-change",
        "mixed",
        "worse-but-good",
    ],
)
def test_next_phase_suggestion(a, b, overall_b, phase, action, next_phase) -> None:
    earlier, later = make_assessment({"left": a}), make_assessment({"left": b})
    # the case is what its row says: a corrective program, then B rated overall_b
    assert earlier.program is not None and earlier.program.kind == "corrective"
    assert later.overall_rating == overall_b
    cmp = compare_sessions(earlier, later, current_phase=phase)
    s = cmp.suggestion
    assert (s.action, s.next_phase) == (action, next_phase)
    assert str(next_phase) in s.text
    assert s.reasons


def test_to_frame() -> None:
    cmp = compare_sessions(*_pair("knee_valgus_deg", 5.0, 13.1))
    df = cmp.to_frame()
    assert df.loc[0, "verdict"] == WORSENED and bool(df.loc[0, "real_change"])


def test_trend_and_plot(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite")
    values = [(16.0, 5.0), (12.0, 3.5), (7.0, 2.0)]
    for i, (fppa, drop) in enumerate(values):
        a = make_assessment(
            {
                "left": {"knee_valgus_deg": fppa, "pelvic_drop_deg": (drop, "indicative")},
                "right": {"knee_valgus_deg": fppa / 2, "pelvic_drop_deg": None},
            }
        )
        store.save_assessment("p", a, date=f"2025-0{i + 1}-15")
    df = trend(store, "p")
    assert len(df) == 3 * 4
    left = df[(df.metric == "knee_valgus_deg") & (df.side == "left")]
    assert list(left.mean_value) == pytest.approx([v[0] for v in values])
    assert list(left.label) == sorted(left.label)
    right_drop = df[(df.metric == "pelvic_drop_deg") & (df.side == "right")]
    assert right_drop.mean_value.isna().all()
    assert set(right_drop.status) == {"not_measurable"}

    fig = plot_trend(df, title="p")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2  # valgus and pelvic drop panels
    valgus_ax = fig.axes[1]
    ydata = sorted(
        tuple(line.get_ydata())
        for line in valgus_ax.get_lines()
        if line.get_label() in ("left", "right")
    )
    assert ydata == sorted([(16.0, 12.0, 7.0), (8.0, 6.0, 3.5)])
    out = tmp_path / "trend.png"
    fig.savefig(out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_values() -> None:
    df = trend_from_assessments([("A", make_assessment({"left": {"knee_valgus_deg": None}}))])
    fig = plot_trend(df)
    assert len(fig.axes) == 1 and not fig.axes[0].axison


def test_phase_named_from_program() -> None:
    a = make_assessment({"left": {"knee_valgus_deg": 16.0}})
    assert a.program is not None and a.program.kind == "corrective"
    p1, p2 = a.program.phases[0], a.program.phases[1]
    better = compare_sessions(a, make_assessment({"left": {"knee_valgus_deg": 6.0}}))
    assert better.suggestion.text == f"Progress to phase 2 ({p2.name}, weeks {p2.weeks})."
    same = compare_sessions(a, make_assessment({"left": {"knee_valgus_deg": 15.0}}))
    assert same.suggestion.text == f"Repeat the current phase 1 ({p1.name}, weeks {p1.weeks})."


@pytest.mark.parametrize(
    ("b_value", "action", "text"),
    [
        (5.0, "maintain", "Continue maintenance."),
        (14.0, "start", "Start a corrective program at phase 1"),
    ],
    ids=["steady", "worse"],
)
def test_after_maintenance_program(b_value: float, action: str, text: str) -> None:
    a = make_assessment({"left": {"knee_valgus_deg": 4.0}})
    assert a.program is not None and a.program.kind == "maintenance"
    b = make_assessment({"left": {"knee_valgus_deg": b_value}})
    s = compare_sessions(a, b).suggestion
    assert s.action == action and s.text.startswith(text)


def test_nothing_comparable_says_so() -> None:
    a = make_assessment({"left": {"knee_valgus_deg": 14.0}})
    b = make_assessment({"right": {"knee_valgus_deg": 14.0}})
    s = compare_sessions(a, b).suggestion
    assert s.action == "repeat" and "no validated metric is comparable" in s.reasons[0]


def test_nan_is_never_an_improvement() -> None:
    """A comparison never reads a non-finite mean as a change (it is not comparable)."""
    a = make_assessment({"left": {"knee_valgus_deg": 12.0}})
    b = make_assessment({"left": {"knee_valgus_deg": 3.0}})
    s = b.summary[0]
    broken = replace(b, summary=(replace(s, mean=float("nan")),))
    c = compare_sessions(a, broken).get("knee_valgus_deg", "left")
    assert c.verdict == NOT_COMPARABLE and c.change is None


def test_nothing_measured_later_never_progresses() -> None:
    a = make_assessment({"left": {"knee_valgus_deg": 16.0}})
    b = make_assessment({"left": {"knee_valgus_deg": None, "trunk_lean_deg": None}})
    assert not b.coverage.rated and b.program is None
    s = compare_sessions(a, b).suggestion
    assert s.action == "repeat" and "nothing could be measured" in s.text
