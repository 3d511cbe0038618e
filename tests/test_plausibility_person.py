"""Plausibility domains of the metrics, and who is tracked (person changes)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from figures import bumps, figure
from hipcheck.assessment.rules import judge
from hipcheck.kinematics.view import ViewVerdict
from hipcheck.metrics import spec
from hipcheck.person import (
    HOLD_S,
    JUMP_SHIFT,
    person_changes,
    person_notes,
    tracking_jumps,
)
from hipcheck.plausibility import FPPA_MAX_KNEE_FLEXION, domain_problem
from hipcheck.reps import Baseline, RepWindow

FRONTAL = ViewVerdict("frontal", 5.0, 0.7, 0.0, True)
REAR = ViewVerdict("rear", 5.0, 0.7, 1.0, False, "The camera sees the person from behind.")
KIN = pd.DataFrame({"t_s": np.arange(10) / 30})
REF = Baseline(np.arange(3), True, 600.0, 400.0, {"left": 1000.0, "right": 1000.0})


def rep(side="left", kf=0.1, view=FRONTAL, reference=REF) -> RepWindow:
    return RepWindow(
        start=0,
        bottom=5,
        end=9,
        depth=0.1,
        side=side,
        knee_flexion=kf,
        view=view,
        reference=reference,
        task="double_leg_squat" if side == "both" else "single_leg_squat",
    )


@pytest.mark.parametrize(
    ("metric", "window", "expect"),
    [
        pytest.param("knee_valgus_deg", rep(), None, id="fppa-in-domain"),
        pytest.param("knee_valgus_deg", rep(kf=FPPA_MAX_KNEE_FLEXION + 0.05), "knee bends further", id="fppa-too-deep"),
        pytest.param("knee_valgus_deg", rep(side="both", kf=0.4), "separation ratio gives", id="fppa-deep-double-leg-points-to-kasr"),
        pytest.param("knee_valgus_deg", rep(kf=float("nan")), None, id="fppa-unknown-flexion"),
        pytest.param("trunk_lean_deg", rep(kf=0.5), None, id="trunk-deep-is-fine"),
        pytest.param("kasr", rep(side="both", kf=0.4), None, id="kasr-deep-ok"),
        pytest.param("trunk_lean_deg", rep(view=REAR), "behind", id="rear-view"),
        pytest.param("kasr", rep(view=REAR), "behind", id="rear-view-kasr"),
        pytest.param("trunk_lean_deg", rep(reference=None), "no reference", id="no-reference"),
    ],
)  # fmt: skip
def test_domain_problem_table(metric, window, expect):
    reason = domain_problem(metric, window)
    if expect is None:
        assert reason is None
    else:
        assert reason is not None and expect in reason


@pytest.mark.parametrize(
    ("metric", "value", "refused"),
    [
        ("knee_valgus_deg", 34.0, False),
        ("knee_valgus_deg", 36.0, True),
        ("knee_valgus_deg", -36.0, True),
        ("trunk_lean_deg", 26.0, True),
        ("pelvic_drop_deg", -21.0, True),
        ("pelvic_drop_deg", 6.0, False),
        ("kasr", 0.2, True),
        ("kasr", 3.0, True),
        ("kasr", 0.8, False),
    ],
    ids=lambda v: str(v),
)
def test_magnitude_bounds_are_the_registry_domains(metric, value, refused):
    """A value beyond what a person can show is a tracking error: not measurable."""
    status, rating, reason = judge(spec(metric), value, source="markers")
    assert (status == "not_measurable") == refused
    if refused:
        assert rating is None and spec(metric).domain.reason in reason


# --- person changes --------------------------------------------------------------------

T = np.arange(0, 8, 1 / 30)


def _switch(series, at_s: float, dx: float, scale: float = 1.0, gap: int = 0):
    """From ``at_s`` on, the skeleton is another person: moved and resized."""
    after = series.t_s >= at_s
    xy = series.xy[after].astype(float)
    centre = np.nanmean(xy, axis=(0, 1))
    series.xy[after] = (centre + (xy - centre) * scale + [dx, 0]).astype(np.float32)
    if gap:
        i = int(np.argmax(after))
        series.xy[i - gap : i] = np.nan
    return series


@pytest.mark.parametrize(
    ("series", "n_changes"),
    [
        pytest.param(figure(T, depth=bumps(T, [2, 5], 1.6, 0.3)), 0, id="one-person-squatting"),
        pytest.param(_switch(figure(T), 4.0, dx=300), 1, id="switch-to-someone-beside"),
        pytest.param(_switch(figure(T), 4.0, dx=0, scale=0.5), 1, id="switch-to-someone-farther"),
        pytest.param(_switch(figure(T), 4.0, dx=400, gap=3), 1, id="switch-across-a-gap"),
        pytest.param(_switch(figure(T), 0.1, dx=300), 0, id="tracker-locking-on"),
    ],
)
def test_person_changes_table(series, n_changes):
    changes = person_changes(series)
    assert len(changes) == n_changes
    notes = person_notes(changes)
    assert len(notes) == (1 if n_changes else 0)
    if n_changes:
        assert "changed at 4.0 s" in notes[0]


def test_a_single_bad_frame_is_a_jump_but_not_a_person_change():
    series = figure(T)
    series.xy[100] += np.float32(0.5 * 400)  # one frame far off, then back
    jumps = tracking_jumps(series)
    assert jumps[100] and jumps[101]
    assert person_changes(series, jumps) == []


def test_jitter_is_no_jump(rng):
    series = figure(T)
    series.xy += rng.normal(0, 3.0, series.xy.shape).astype(np.float32)
    assert not tracking_jumps(series).any()
    assert JUMP_SHIFT > 0 and HOLD_S > 0


def test_pipeline_notes_a_switch_and_skips_reps_across_it():
    from hipcheck.pipeline import analyze_landmarks

    t = np.arange(0, 12, 1 / 30)
    series = _switch(figure(t, depth=bumps(t, [3.0, 6.0, 9.0], 1.6, 0.25)), 6.0, dx=250)
    a = analyze_landmarks(series).assessment
    assert any("tracked person changed at 6.0 s" in q for q in a.quality)
    assert [c.t_s for c in a.detection.person_changes] == pytest.approx([6.0])
    assert all(abs(r.bottom_s - 6.0) > 0.5 for r in a.reps)
    single = analyze_landmarks(figure(t, depth=bumps(t, [3.0, 6.0, 9.0], 1.6, 0.25)))
    assert not any("person" in q for q in single.assessment.quality)
