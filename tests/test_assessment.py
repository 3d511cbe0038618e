"""The assessment stage on known inputs: per-rep values, the validity policy, the summary.

Table-driven with readable ids; every row states its input and the expected output.
"""

from __future__ import annotations

from contextlib import nullcontext as does_not_raise

import numpy as np
import pandas as pd
import pytest

from hipcheck.assessment.rules import apply_rules, judge
from hipcheck.assessment.summary import asymmetries, coverage, findings, summarise
from hipcheck.assessment.values import metric_value, reference_values
from hipcheck.metrics import KASR, KNEE_VALGUS, METRICS, PELVIC_DROP, TRUNK_LEAN, spec
from hipcheck.model import MetricValue, Rep

# --------------------------------------------------------------------------- registry


def test_registry_names_are_unique_and_complete():
    assert [m.name for m in METRICS] == [
        "pelvic_drop_deg",
        "knee_valgus_deg",
        "trunk_lean_deg",
        "kasr",
    ]
    assert len({m.short for m in METRICS}) == len(METRICS)
    for m in METRICS:
        assert m.label and m.explanation and m.sign and m.domain.reason
        fair, poor = m.bands()
        assert (fair < poor) if m.worse == "higher" else (fair > poor)


@pytest.mark.parametrize(
    ("name", "expectation"),
    [
        ("knee_valgus_deg", does_not_raise()),
        ("knee_valgus", pytest.raises(KeyError, match="Unknown metric 'knee_valgus'")),
    ],
    ids=["known", "error: unknown"],
)
def test_spec_lookup(name, expectation):
    with expectation:
        assert spec(name).name == name


@pytest.mark.parametrize(
    ("metric", "rep_side", "limbs"),
    [
        (KNEE_VALGUS, "left", ("left",)),
        (KNEE_VALGUS, "both", ("left", "right")),
        (PELVIC_DROP, "right", ("right",)),
        (PELVIC_DROP, "both", ("both",)),
        (KASR, "left", ()),
        (KASR, "both", ("both",)),
    ],
    ids=["fppa-sls", "fppa-dls", "drop-sls", "drop-dls", "kasr-sls", "kasr-dls"],
)
def test_limb_keys(metric, rep_side, limbs):
    assert metric.limbs(rep_side) == limbs


@pytest.mark.parametrize(
    ("metric", "value", "text"),
    [
        (KNEE_VALGUS, 7.04, "+7.0°"),
        (TRUNK_LEAN, -3.25, "-3.2°"),
        (KASR, 0.816, "0.82"),
        (KNEE_VALGUS, None, "-"),
        (KNEE_VALGUS, float("nan"), "-"),
    ],
    ids=["angle", "negative", "ratio", "none", "nan"],
)
def test_format(metric, value, text):
    assert metric.format(value) == text


# ------------------------------------------------------------------------ values


SERIES = np.array([1.0, 2.0, 4.0, 9.0, 6.0, 3.0, 1.0])  # rises to 9 at frame 3


@pytest.mark.parametrize(
    ("metric", "base", "magnitude", "expected"),
    [
        # angles: headline = bottom - baseline; peak = largest over start..bottom
        (KNEE_VALGUS, 1.0, False, {"value": 8.0, "bottom": 9.0, "peak": 9.0, "peak_rel": 8.0}),
        # the ratio: headline = absolute bottom; peak = smallest over the descent
        (KASR, 1.0, False, {"value": 9.0, "bottom_rel": 8.0, "peak": 2.0, "peak_rel": 1.0}),
        # double-leg magnitude: headline = |bottom - baseline|
        (TRUNK_LEAN, 12.0, True, {"value": 3.0, "bottom_rel": -3.0, "peak": 2.0}),
    ],
    ids=["fppa", "kasr", "trunk-magnitude"],
)
def test_metric_value_on_a_known_series(metric, base, magnitude, expected):
    mv = metric_value(metric, SERIES, 1, 3, base, magnitude=magnitude)
    assert mv.status == "measured" and mv.baseline == base
    assert mv.bottom_rel == pytest.approx(mv.bottom - base)
    for key, value in expected.items():
        assert getattr(mv, key) == pytest.approx(value), key


@pytest.mark.parametrize(
    ("series", "base"),
    [
        (np.array([1.0, np.nan, 3.0]), 0.0),
        (np.array([1.0, 2.0, 3.0]), float("nan")),
    ],
    ids=["bottom-missing", "reference-missing"],
)
def test_metric_value_without_data_is_not_measurable(series, base):
    mv = metric_value(KNEE_VALGUS, series, 0, 1, base)
    assert mv.status == "not_measurable" and mv.value is None and mv.reason


def test_reference_values_mean_over_the_reference_frames_only():
    kin = pd.DataFrame(
        {
            "fppa_left_deg": [2.0, 4.0, 30.0, np.nan],
            "fppa_right_deg": [np.nan, np.nan, 5.0, 5.0],
            "kasr": [1.0, 1.2, 0.5, 0.5],
        }
    )
    ref = reference_values(kin, np.array([0, 1]))
    assert ref["fppa_left_deg"] == pytest.approx(3.0)
    assert np.isnan(ref["fppa_right_deg"])  # no finite value in the reference
    assert ref["kasr"] == pytest.approx(1.1)


# ------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("metric", "value", "source", "sex", "expected"),
    [
        (KNEE_VALGUS, 12.9, "landmarks", "female", ("measured", "good")),
        (KNEE_VALGUS, 13.0, "landmarks", "female", ("measured", "fair")),
        (KNEE_VALGUS, 13.0, "landmarks", "male", ("measured", "poor")),
        (KNEE_VALGUS, -20.0, "landmarks", "female", ("measured", "good")),
        (KNEE_VALGUS, 99.6, "landmarks", "female", ("not_measurable", None)),
        (KNEE_VALGUS, -103.0, "landmarks", "female", ("not_measurable", None)),
        (PELVIC_DROP, 8.0, "landmarks", "female", ("indicative", None)),
        (PELVIC_DROP, 8.0, "markers", "female", ("measured", "poor")),
        (TRUNK_LEAN, 5.0, "landmarks", "female", ("measured", "fair")),
        (KASR, 0.69, "landmarks", "female", ("measured", "poor")),
        (KASR, 0.05, "landmarks", "female", ("not_measurable", None)),
        (KNEE_VALGUS, float("nan"), "landmarks", "female", ("not_measurable", None)),
    ],
    ids=[
        "fppa-good",
        "fppa-fair-edge",
        "fppa-male-poor",
        "varus-good",
        "error: fppa +99.6 implausible",
        "error: fppa -103 implausible",
        "drop-landmarks-indicative",
        "drop-markers-rated",
        "lean-fair-edge",
        "kasr-poor",
        "error: kasr implausible",
        "error: nan",
    ],
)
def test_judge(metric, value, source, sex, expected):
    status, rating, reason = judge(metric, value, source=source, sex=sex)
    assert (status, rating) == expected
    assert (reason is None) == (status == "measured")


def test_absolute_bottom_outside_the_domain_is_refused_too():
    status, _, reason = judge(KNEE_VALGUS, 5.0, bottom=80.0)
    assert status == "not_measurable" and "+80.0°" in reason


def test_a_rep_problem_overrides_everything():
    mv = MetricValue(value=5.0, bottom=6.0, bottom_rel=5.0, baseline=1.0)
    out = apply_rules(KNEE_VALGUS, mv, rep_reason="filmed from the side", sex="female")
    assert out.status == "not_measurable" and out.value is None
    assert out.reason == "filmed from the side"


# ----------------------------------------------------------------------- summary


def _rep(i: int, side: str, **values: tuple[float | None, str]) -> Rep:
    metrics = {}
    for name, (value, source) in values.items():
        m = spec(name)
        raw = (
            MetricValue(value=value, bottom=value, bottom_rel=value, baseline=0.0, source=source)
            if value is not None
            else MetricValue.not_measurable("hidden")
        )
        metrics[name] = {side: apply_rules(m, raw, rep_reason=None, sex="female")}
    return Rep(i, "single_leg_squat", side, i, i + 0.5, i + 1, 0.2, 0, 1, 2, metrics)


def test_summary_rates_the_mean_and_skips_not_measurable_reps():
    reps = [
        _rep(1, "left", knee_valgus_deg=(12.0, "landmarks")),
        _rep(2, "left", knee_valgus_deg=(16.0, "landmarks")),
        _rep(3, "left", knee_valgus_deg=(None, "landmarks")),
    ]
    [s] = summarise(reps, "female")
    assert (s.mean, s.n, s.n_reps, s.status, s.rating) == (14.0, 2, 3, "measured", "fair")
    assert s.sd == pytest.approx(np.std([12.0, 16.0], ddof=1))


def test_indicative_summary_is_an_unrated_finding_only():
    reps = [_rep(i, "left", pelvic_drop_deg=(7.0, "landmarks")) for i in (1, 2)]
    summary = summarise(reps, "female")
    found, overall = findings(summary, asymmetries(summary), "female")
    assert [(f.id, f.rated, f.severity) for f in found] == [("pelvic_drop", False, "poor")]
    assert overall is None  # nothing rated
    assert not coverage(reps, summary).rated


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        (14.0, 4.0, ("poor", "left")),
        (6.0, 4.0, ("good", "left")),
        (4.0, 10.0, ("fair", "right")),
    ],
    ids=["left-worse", "small", "right-worse"],
)
def test_asymmetry_of_knee_valgus(left, right, expected):
    reps = [
        _rep(1, "left", knee_valgus_deg=(left, "landmarks")),
        _rep(2, "right", knee_valgus_deg=(right, "landmarks")),
    ]
    [a] = asymmetries(summarise(reps, "female"))
    assert a.difference == pytest.approx(left - right)
    assert (a.rating, a.worse_side) == expected


def test_overall_rule_and_coverage_of_one_leg():
    reps = [_rep(1, "left", knee_valgus_deg=(14.0, "landmarks"), trunk_lean_deg=(6.0, "landmarks"))]
    summary = summarise(reps, "female")
    found, overall = findings(summary, (), "female")
    assert overall == "poor"  # two fair components
    assert {f.id for f in found} == {"knee_valgus", "trunk_lean", "overall_poor"}
    cover = coverage(reps, summary)
    assert cover.rated and cover.untested_sides == ("right",)
    assert cover.rated_metrics == ("knee_valgus_deg", "trunk_lean_deg")


def test_no_reps_coverage_carries_the_reason():
    cover = coverage([], (), "no squats found: the person seems to be walking")
    assert not cover.rated
    assert cover.message == "No squats found: the person seems to be walking."
    assert cover.advice
