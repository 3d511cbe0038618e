"""Never say more than was measured: nothing measured -> nothing claimed; untested legs named.

Landmark skeletons with known geometry (no pose model): a clip of standing only (no
repetition), the same squats seen from the side (every frontal metric not measurable),
and single-leg squats on one leg only. Every output is checked: the assessment, the
terminal summary, the report content and HTML, the plot and the program.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from rich.console import Console

from hipcheck.console import print_assessment
from hipcheck.pipeline import analyze_landmarks
from hipcheck.reports import ReportOptions
from hipcheck.reports.plots import plot_timeseries
from hipcheck.reports.report_html import render_html
from hipcheck.reports.tables import build_report
from skeleton import Plan, make_series


def _side_view(series):
    """Squeeze every x toward the body's centre: a camera at 80+ deg to the person."""
    centre = np.nanmedian(series.xy[:, :, 0])
    series.xy[:, :, 0] = centre + 0.15 * (series.xy[:, :, 0] - centre)
    return series


def _standing_only():
    series, _ = make_series(Plan(side="left", reps=1))
    # freeze the figure in its first (standing) pose: no descent at all
    series.xy[:] = series.xy[0]
    return series


NOTHING = {
    "no-reps": _standing_only,
    "side-view": lambda: _side_view(make_series(Plan(side="left"))[0]),
}


@pytest.fixture(scope="module", params=list(NOTHING))
def nothing(request):
    return analyze_landmarks(NOTHING[request.param]())


def test_nothing_measured_means_nothing_claimed(nothing):
    a = nothing.assessment
    assert not a.coverage.rated
    assert a.findings == () and a.overall_rating is None
    assert a.program is None and "nothing could be measured" in (a.program_note or "")
    assert a.coverage.message and a.coverage.advice
    assert not any(s.status == "measured" for s in a.summary)


def test_terminal_says_what_was_not_measured(nothing):
    console = Console(record=True, width=200, color_system=None)
    print_assessment(nothing.assessment, console)
    text = console.export_text()
    assert "Not measured:" in text and "What to film:" in text
    assert "Findings" not in text and "Overall" not in text
    assert " good" not in text and " fair" not in text and " poor" not in text


def test_report_and_html_claim_nothing(nothing):
    a = nothing.assessment
    r = build_report(a)
    assert r.findings == [] and r.no_findings_text == "" and r.overall_rating is None
    assert r.phases == [] and "nothing could be measured" in r.program_note
    html = render_html(a, ReportOptions(kinematics=nothing.kinematics))
    assert a.coverage.message.split(".")[0].replace("'", "&#39;") in html
    assert "None of the rated measures" not in html and 'class="badge good"' not in html


def test_plot_draws_no_rating_bands_over_unrated_data(nothing):
    fig = plot_timeseries(nothing.kinematics, nothing.assessment)
    for ax in fig.get_axes():
        spans = [p for p in ax.patches if p.get_gid() != "rep-span"]
        assert not spans, ax.get_title(loc="left")


def test_one_leg_tested_is_named_and_not_dosed():
    a = analyze_landmarks(make_series(Plan(side="left", fppa_deg=16.0))[0]).assessment
    assert a.coverage.rated and a.coverage.untested_sides == ("right",)
    assert "right leg was not tested" in a.coverage.message
    program = a.program
    assert program is not None and program.kind == "corrective"
    assert any("Only the left leg was tested" in n for n in program.notes)
    emphasised = [i for i in program.items if i.side_emphasis]
    assert emphasised
    for item in emphasised:
        assert "right leg was not tested" in item.side_emphasis
        assert item.sets_other_side is None
        assert "right leg:" not in item.side_emphasis.lower()


def _both_legs(left_fppa: float, right_fppa: float):
    """Left-leg reps then right-leg reps in one clip (two skeleton clips back to back)."""
    left, _ = make_series(Plan(side="left", fppa_deg=left_fppa, reps=3))
    right, _ = make_series(Plan(side="right", fppa_deg=right_fppa, reps=3))
    dt = float(np.median(np.diff(left.t_s)))
    return replace(
        left,
        t_s=np.concatenate([left.t_s, right.t_s + left.t_s[-1] + dt]),
        xy=np.concatenate([left.xy, right.xy]),
        z=np.concatenate([left.z, right.z]),
        visibility=np.concatenate([left.visibility, right.visibility]),
        presence=np.concatenate([left.presence, right.presence]),
    )


def test_both_legs_tested_get_both_doses_and_the_worse_leg_more():
    a = analyze_landmarks(_both_legs(16.0, 4.0)).assessment
    assert {r.side for r in a.reps} == {"left", "right"}
    assert a.coverage.untested_sides == ()
    program = a.program
    assert program is not None
    emphasised = [i for i in program.items if i.side_emphasis]
    assert emphasised and all(i.sets_other_side == i.sets - 1 for i in emphasised)
    assert all(i.side_emphasis.startswith(("Left", "left")) for i in emphasised)
    assert not any("was not tested" in n for n in program.notes)
