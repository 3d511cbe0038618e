"""One story: every output shows the same value and rating for the same rep and metric.

One analysis per case (a single-leg squat with a poor knee, and a double-leg squat whose
knee/ankle separation ratio is rated) is rendered to every output hipcheck has: the
terminal summary, assessment.json, reps.csv, the report content (the app's table and the
PDF/HTML), the HTML report itself, the app's summary cards, the annotated video's labels
at each rep's deepest frame, the history records and the findings. Each displayed value
and rating is checked against assessment.json, table-driven over reps, metrics and limbs.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from rich.console import Console

from hipcheck.app.views import metric_cards
from hipcheck.console import print_assessment
from hipcheck.history.summary import summarize_assessment
from hipcheck.metrics import BY_NAME, spec
from hipcheck.pipeline import analyze_landmarks
from hipcheck.reports.annotate import LiveAngles
from hipcheck.reports.report_html import render_html
from hipcheck.reports.tables import build_report
from hipcheck.tables import reps_table
from skeleton import Plan, make_series

CASES = {
    "single-leg-valgus": Plan(side="right", fppa_deg=16.0, lean_deg=4.0, reps=4),
    "double-leg-kasr": Plan(task="double_leg_squat", fppa_deg=10.0, depth=0.2),
}


@pytest.fixture(scope="module", params=list(CASES))
def analysis(request):
    series, _ = make_series(CASES[request.param])
    return analyze_landmarks(series)


@pytest.fixture(scope="module")
def doc(analysis):
    """assessment.json as written, parsed back: the reference every output must match."""
    return json.loads(analysis.assessment.to_json())


def _values(doc):
    """(rep index, metric, limb, MetricValue dict) for every value in assessment.json."""
    for rep in doc["reps"]:
        for metric, limbs in rep["metrics"].items():
            for limb, mv in limbs.items():
                yield rep, metric, limb, mv


def test_the_cases_exercise_what_they_should(doc):
    rated = {(m, mv["rating"]) for _r, m, _l, mv in _values(doc) if mv["status"] == "measured"}
    assert any(r in ("fair", "poor") for _m, r in rated)
    if doc["task"] == "double_leg_squat":
        assert any(m == "kasr" for m, _r in rated)


def test_reps_csv(analysis, doc):
    csv = pd.read_csv(io.StringIO(reps_table(analysis.assessment).to_csv(index=False)))
    for rep, metric, limb, mv in _values(doc):
        row = csv[
            (csv["rep"] == rep["index"])
            & (csv["limb"] == (limb if limb != "both" else csv["limb"]))
        ]
        short = spec(metric).short
        for _, r in row.iterrows():
            if mv["value"] is None:
                assert pd.isna(r[short])
            else:
                assert r[short] == pytest.approx(mv["value"])
            assert (None if pd.isna(r[f"{short}_rating"]) else r[f"{short}_rating"]) == mv["rating"]
            assert r[f"{short}_status"] == mv["status"]


def test_report_rows_and_html(analysis, doc):
    a = analysis.assessment
    report = build_report(a)
    html = render_html(a)
    rows = {(row.label, row.side): row for row in report.rows}
    titles = report.columns
    for rep, metric, limb, mv in _values(doc):
        m = BY_NAME[metric]
        title = m.label if f"{m.label} {limb}" not in titles else f"{m.label} {limb}"
        cell = rows[(str(rep["index"]), rep["side"])].cells[titles.index(title)]
        if mv["status"] == "not_measurable":
            assert cell.status == "not_measurable"
            continue
        shown = m.format(mv["value"])
        assert cell.text.lstrip("~") == shown
        assert cell.rating == mv["rating"]
        assert shown in html
    for s in doc["summary"]:
        m = BY_NAME[s["metric"]]
        title = m.label if m.label in titles else f"{m.label} {s['limb']}"
        mean_row = rows.get(("mean", s["side"]))
        if mean_row is None:  # a side with one rep has no mean row
            continue
        cell = mean_row.cells[titles.index(title)]
        if s["mean"] is not None:
            assert cell.text.lstrip("~") == m.format(s["mean"])
            assert cell.rating == s["rating"]


def test_app_cards(analysis, doc):
    cards = [c for _title, side_cards in metric_cards(analysis.assessment) for c in side_cards]
    assert len(cards) == len(doc["summary"])
    for card, s in zip(cards, doc["summary"], strict=True):
        m = BY_NAME[s["metric"]]
        assert card.title.startswith(m.label)
        if s["mean"] is None:
            assert card.status == "not_measurable"
        else:
            assert card.value.lstrip("~") == m.format(s["mean"])
            assert card.rating == s["rating"]


def test_findings_follow_the_summary(doc):
    by_key = {
        (s["metric"], s["limb"] if s["side"] == "both" else s["side"]): s for s in doc["summary"]
    }
    for f in doc["findings"]:
        if f["id"] in ("overall_poor", "asymmetry"):
            continue
        s = by_key[(f["metric"], f["side"])]
        assert f["value"] == pytest.approx(s["mean"])
        if f["rated"]:
            assert f["severity"] == s["rating"]


def test_history_records(analysis, doc):
    records = {(r.metric, r.side): r for r in summarize_assessment(analysis.assessment)}
    for s in doc["summary"]:
        r = records[(s["metric"], s["limb"])]
        assert (r.mean_value, r.rating, r.status) == (s["mean"], s["rating"], s["status"])


def test_terminal_summary(analysis, doc):
    console = Console(record=True, width=240, color_system=None)
    print_assessment(analysis.assessment, console)
    text = console.export_text()
    lines = text.splitlines()
    for rep, metric, _limb, mv in _values(doc):
        row = next(line for line in lines if line.startswith(f"│ {rep['index']} "))
        start = lines.index(row)
        block = "\n".join(lines[start : start + 4])  # a rep's row may wrap over a few lines
        if mv["status"] == "not_measurable":
            assert "not measurable" in block
        elif mv["rating"]:
            assert f"{BY_NAME[metric].format(mv['value'])} {mv['rating']}" in block
    if doc["coverage"]["rated"]:
        assert doc["coverage"]["message"].split(":")[0] in text


def test_annotated_video_labels_at_each_bottom(analysis, doc):
    a = analysis.assessment
    live = LiveAngles(analysis.kinematics, a)
    keys = {
        "knee_valgus_deg": "fppa_{limb}",
        "pelvic_drop_deg": "pelvic_drop",
        "trunk_lean_deg": "trunk_lean",
    }
    for rep_doc, rep in zip(doc["reps"], a.reps, strict=True):
        labels = live.labels(rep, rep.bottom_s)
        for metric, limbs in rep_doc["metrics"].items():
            if metric not in keys or rep.side == "both" and metric != "knee_valgus_deg":
                continue
            for limb, mv in limbs.items():
                label = labels[keys[metric].format(limb=limb)]
                if mv["status"] == "not_measurable":
                    assert label.value is None
                else:
                    assert label.value == pytest.approx(mv["value"], abs=1e-6)
                    assert label.rating == mv["rating"]
