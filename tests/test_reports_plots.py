"""Plots, skeleton drawing and report content (hand-made assessments, no pose model)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from fixtures_assessment import (
    REP_TABLE,
    make_assessment,
    make_kinematics,
    standing_pose,
)
from hipcheck.assessment import assessment_from_reps
from hipcheck.config import AnalysisConfig
from hipcheck.landmarks import LM
from hipcheck.model import MetricValue
from hipcheck.program import attach_program
from hipcheck.program.model import ProgramItem
from hipcheck.reports.bands import RATING_COLOURS, metric_bands, rating_rgb
from hipcheck.reports.draw import AngleLabel, _Scale, draw_skeleton, put_label
from hipcheck.reports.metrics import metric_status, worst_rep
from hipcheck.reports.plots import (
    REP_BOTTOM_GID,
    REP_SPAN_GID,
    figure_to_png,
    plot_asymmetry,
    plot_timeseries,
)
from hipcheck.reports.tables import build_report, dosage_text


def _verts(patch):
    """Vertices of a patch in its own data coordinates (Rectangle or Polygon)."""
    return patch.get_path().transformed(patch.get_patch_transform()).vertices


def _spans(ax):
    return [p for p in ax.patches if p.get_gid() == REP_SPAN_GID]


def _band_patches(ax):
    return [p for p in ax.patches if p.get_gid() != REP_SPAN_GID]


def _data_lines(ax):
    return [
        ln
        for ln in ax.get_lines()
        if ln.get_gid() != REP_BOTTOM_GID and len(np.atleast_1d(ln.get_xdata())) > 2
    ]


@pytest.fixture(scope="module")
def measured():
    a = make_assessment()
    return a, make_kinematics(a)


# ----------------------------------------------------------------------------- plots


def test_timeseries_has_three_panels_with_rep_spans_and_bottoms(measured):
    a, kin = measured
    fig = plot_timeseries(kin, a)
    axes = fig.get_axes()
    assert len(axes) == 3
    for ax in axes:
        spans = _spans(ax)
        assert len(spans) == len(a.reps)
        for span, rep in zip(spans, a.reps, strict=True):
            xs = _verts(span)[:, 0]
            assert min(xs) == pytest.approx(rep.start_s)
            assert max(xs) == pytest.approx(rep.end_s)
        bottoms = [ln.get_xdata()[0] for ln in ax.get_lines() if ln.get_gid() == REP_BOTTOM_GID]
        assert bottoms == pytest.approx([r.bottom_s for r in a.reps])
        assert len(_band_patches(ax)) == 3  # good, fair, poor
    titles = [ax.get_title(loc="left") for ax in axes]
    assert titles[0].startswith("Pelvic drop") and "FPPA" in titles[1]
    assert titles[2].startswith("Trunk lean")
    png = figure_to_png(fig, dpi=50)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_absolute_series_are_made_baseline_relative(measured):
    a, kin = measured
    ax = plot_timeseries(kin, a).get_axes()[0]
    # the kinematics holds absolute values; the reps imply the baseline (bottom - bottom_rel)
    peak = max(np.nanmax(ln.get_ydata()) for ln in _data_lines(ax))
    assert peak == pytest.approx(max(row[4] for row in REP_TABLE))
    assert "rel" in ax.get_ylabel()


def test_rel_columns_are_preferred(measured):
    a, kin = measured
    kin = kin.copy()
    kin["pelvic_drop_left_rel_deg"] = 42.0
    kin["pelvic_drop_right_rel_deg"] = 41.0
    ax = plot_timeseries(kin, a).get_axes()[0]
    assert max(np.nanmax(ln.get_ydata()) for ln in _data_lines(ax)) == pytest.approx(42.0)


def test_not_measurable_panel_shows_reason_instead_of_curve(measured):
    _, kin = measured
    a = make_assessment(knee_status="not_measurable")
    ax = plot_timeseries(kin, a).get_axes()[1]
    assert _data_lines(ax) == []
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "not visible (side view)" in texts
    assert "not measurable" in ax.get_title(loc="left")
    assert len(_spans(ax)) == len(a.reps)


def test_indicative_panel_is_dashed_unrated_and_labelled(measured):
    _, kin = measured
    a = make_assessment(pelvic_status="indicative")
    ax = plot_timeseries(kin, a).get_axes()[0]
    assert "indicative" in ax.get_title(loc="left")
    assert _band_patches(ax) == []  # never rated: no bands
    assert all(ln.get_linestyle() == "--" for ln in _data_lines(ax))
    # rep bottoms are dotted in the unrated grey, not a rating colour
    dots = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
    assert dots and all(ln.get_color() not in RATING_COLOURS.values() for ln in dots)


@pytest.mark.parametrize(("sex", "fair"), [("female", 13.0), ("male", 9.0), (None, 13.0)])
def test_fppa_bands_follow_sex(measured, sex, fair):
    a, kin = measured
    ax = plot_timeseries(kin, a, sex=sex).get_axes()[1]
    edges = sorted({round(float(y), 6) for p in _band_patches(ax) for y in _verts(p)[:, 1]})
    assert fair in edges
    assert metric_bands("knee_valgus_deg", sex).fair == fair


def test_bilateral_task_adds_kasr_panel(measured):
    a, kin = measured[0], measured[1].copy()
    kasr = MetricValue(value=0.8, bottom=0.8, bottom_rel=-0.2, baseline=1.0, rating="fair")
    reps = [
        replace(
            rep,
            side="both",
            metrics={
                "knee_valgus_deg": {"left": rep.metric("knee_valgus_deg")},
                "kasr": {"both": kasr},
            },
        )
        for rep in a.reps
    ]
    a = replace(a, reps=tuple(reps))
    kin["kasr"] = 1.0 - 0.2 * kin["depth"] / kin["depth"].max()
    fig = plot_timeseries(kin, a)
    assert len(fig.get_axes()) == 4
    assert "separation" in fig.get_axes()[3].get_title(loc="left")


def test_asymmetry_plot_has_a_bar_per_side_and_metric(measured):
    a, _ = measured
    ax = plot_asymmetry(a).get_axes()[0]
    bars = [p for p in ax.patches if p.get_width() > 0]
    assert len(bars) == 6
    left_pelvis = np.mean([row[4] for row in REP_TABLE if row[0] == "left"])
    assert bars[0].get_height() == pytest.approx(left_pelvis)
    # the legend shows the side colours, not the grey of the (indicative) first bars
    from matplotlib.colors import to_rgb

    from hipcheck.reports.plots import SIDE_COLOURS

    legend = ax.get_legend()
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts[:2] == ["left", "right"]
    handles = legend.legend_handles
    for side, handle in zip(("left", "right"), handles, strict=False):
        assert to_rgb(handle.get_facecolor()) == pytest.approx(to_rgb(SIDE_COLOURS[side]))
    indicative = any(
        (m := a.summary_for("pelvic_drop_deg", side)) is not None and m.status == "indicative"
        for side in ("left", "right")
    )
    assert ("indicative" in texts) == indicative


# ----------------------------------------------------------------------------- drawing


def test_skeleton_changes_pixels_at_landmarks_only():
    img = np.full((640, 360, 3), 40, np.uint8)
    xy = standing_pose()
    out = draw_skeleton(img, xy, stance="left")
    assert out.shape == img.shape and (img == 40).all()  # input untouched
    for lm in (LM.LEFT_HIP, LM.RIGHT_KNEE, LM.LEFT_ANKLE, LM.RIGHT_SHOULDER):
        x, y = (int(round(v)) for v in xy[lm])
        assert (out[y, x] != 40).any(), lm.name
    assert (out[5:40, 5:40] == 40).all()  # far from the figure


def test_low_visibility_landmark_is_not_drawn():
    img = np.zeros((640, 360, 3), np.uint8)
    xy = standing_pose()
    vis = np.ones(len(xy))
    vis[LM.RIGHT_KNEE] = 0.1
    out = draw_skeleton(img, xy, vis, stance="left")
    x, y = (int(round(v)) for v in xy[LM.RIGHT_KNEE])
    assert (out[y - 2 : y + 3, x - 2 : x + 3] == 0).all()
    lx, ly = (int(round(v)) for v in xy[LM.LEFT_KNEE])
    assert (out[ly, lx] != 0).any()


def test_fppa_lines_take_the_rating_colour():
    img = np.zeros((640, 360, 3), np.uint8)
    xy = standing_pose()
    out = draw_skeleton(img, xy, angles={"fppa_left": AngleLabel(19.0, "poor")}, stance="left")
    mid = (xy[LM.LEFT_KNEE] + xy[LM.LEFT_ANKLE]) / 2
    x, y = (int(round(v)) for v in mid)
    assert tuple(out[y, x]) == rating_rgb("poor")


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        (AngleLabel(14.24, "fair"), "FPPA L +14.2°"),
        (AngleLabel(4.0, None, "indicative"), "FPPA L ~+4.0° (ind.)"),
        (AngleLabel(None, None, "not_measurable"), "FPPA L n/m"),
        (AngleLabel(float("nan")), "FPPA L n/m"),
    ],
    ids=["measured", "indicative", "not-measurable", "nan"],
)
def test_angle_label_text(label, expected):
    assert label.text("FPPA L") == expected


def test_label_size_scales_with_the_image():
    small, large = np.zeros((640, 360, 3), np.uint8), np.zeros((1920, 1080, 3), np.uint8)
    box_s = put_label(small, "FPPA L +14.2°", (20, 100), (255, 0, 0), _Scale.of(small))
    box_l = put_label(large, "FPPA L +14.2°", (60, 300), (255, 0, 0), _Scale.of(large))
    height_s, height_l = box_s[3] - box_s[1], box_l[3] - box_l[1]
    assert 10 <= height_s <= 30  # legible on a phone-sized frame
    assert height_l / height_s == pytest.approx(3.0, rel=0.2)


# ----------------------------------------------------------------------------- content


def test_worst_rep_is_the_poor_one(measured):
    a, _ = measured
    assert worst_rep(a).index == 3


def test_metric_status_prefers_measured_then_indicative():
    a = make_assessment(pelvic_status="indicative", knee_status="not_measurable")
    assert metric_status(a, "pelvic_drop_deg").status == "indicative"
    nm = metric_status(a, "knee_valgus_deg")
    assert nm.status == "not_measurable" and "side view" in nm.reason
    assert metric_status(a, "trunk_lean_deg").status == "measured"
    assert metric_status(a, "kasr").status == "absent"


def test_report_rows_means_and_statuses():
    a = make_assessment(pelvic_status="indicative", knee_status="not_measurable")
    r = build_report(a)
    assert [row.label for row in r.rows] == [
        "1",
        "2",
        "3",
        "mean",
        "4",
        "5",
        "6",
        "mean",
    ]
    assert r.columns == ["Pelvic drop", "Knee valgus (FPPA)", "Trunk lean"]
    rep3 = r.rows[2]
    assert rep3.cells[0].status == "indicative" and rep3.cells[0].text.startswith("~")
    assert rep3.cells[1].status == "not_measurable" and "side view" in rep3.cells[1].sub
    assert rep3.cells[2].rating == "poor" and rep3.cells[2].text == "+11.0°"
    mean_left = r.rows[3].cells[2]
    assert mean_left.text == f"{np.mean([3.0, 6.0, 11.0]):+.1f}°" and mean_left.rating == "fair"
    assert any("indicative" in n for n in r.table_notes)
    assert "8 deg" in r.disclaimer  # the minimum detectable change, said once


def test_report_without_program_or_reps_still_has_safety_text():
    a = attach_program(assessment_from_reps([], video={}, config=AnalysisConfig()))
    r = build_report(a)
    assert r.rows == [] and r.phases == []
    assert r.red_flags and "No repetitions" in r.coverage
    assert r.no_findings_text == "" and r.findings == [] and r.overall_rating is None
    assert "nothing could be measured" in r.program_note and r.advice


_NO_DOSE = dict(sets=0, reps=None, hold_s=None, rest_s=0, tempo="", sessions_per_week=0)


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"sets": 3, "reps": 12, "rest_s": 90}, "3 x 12, rest 90 s"),
        ({"sets": 3, "hold_s": 20, "sessions_per_week": 2}, "3 sets, hold 20 s, 2x/week"),
        ({}, "as prescribed"),
    ],
)
def test_dosage_text(item, expected):
    assert dosage_text(ProgramItem("x", "X", **{**_NO_DOSE, **item})) == expected
