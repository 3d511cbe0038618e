"""Marker-sourced metrics are judged on the markers, not on the pose landmarks.

Known-geometry skeletons (``tests/skeleton.py``) carry markers at the joints they
measure (ASIS at the hips, patella at the knees, ankle markers at the ankles, sternum
between the shoulders), so marker and landmark angles agree until one of them is
degraded: baggy trousers that hide the knee from the pose model, a pose model whose
hip width shrinks at the bottom of a rep, markers hidden by an arm. No video.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from hipcheck.landmarks import LM, LandmarkSeries
from hipcheck.markers.identify import SITES
from hipcheck.markers.measures import VALIDITY_COLUMNS, angle_function, marker_validity
from hipcheck.pipeline import analyze_landmarks

sys.path.insert(0, str(Path(__file__).parent))
from skeleton import Plan, make_series  # noqa: E402

PLAN = Plan(side="left", reps=3, fppa_deg=12.0, drop_deg=6.0, lean_deg=4.0)


def _marker_xy(series: LandmarkSeries) -> np.ndarray:
    """(n, 7, 2) marker centres on the skeleton's joints, in SITES order."""
    xy = np.asarray(series.xy, dtype=np.float64)
    at = {
        "asis_left": xy[:, LM.LEFT_HIP],
        "asis_right": xy[:, LM.RIGHT_HIP],
        "patella_left": xy[:, LM.LEFT_KNEE],
        "patella_right": xy[:, LM.RIGHT_KNEE],
        "ankle_left": xy[:, LM.LEFT_ANKLE],
        "ankle_right": xy[:, LM.RIGHT_ANKLE],
        "sternum": (xy[:, LM.LEFT_SHOULDER] + xy[:, LM.RIGHT_SHOULDER]) / 2,
    }
    return np.stack([at[s] for s in SITES], axis=1)


def _copy(series: LandmarkSeries) -> LandmarkSeries:
    out = LandmarkSeries.empty(series.n_frames, series.frame_size, model="skeleton")
    out.t_s = series.t_s.copy()
    out.xy = series.xy.copy()
    out.visibility = series.visibility.copy()
    out.video = dict(series.video)
    return out


def _rep_at(assessment, t: float):  # noqa: ANN001, ANN202
    return min(assessment.reps, key=lambda r: abs(r.bottom_s - t))


def _rep_frames(series: LandmarkSeries, bottom_s: float) -> np.ndarray:
    return np.abs(series.t_s - bottom_s) <= PLAN.rep_s / 2 + 0.2


def test_marker_validity_columns_known_cases() -> None:
    xy = np.zeros((4, 7, 2))
    xy[1, SITES.index("patella_left")] = np.nan
    xy[2, SITES.index("asis_right")] = np.nan
    xy[3, SITES.index("sternum")] = np.nan
    xy[:, SITES.index("asis_left")] = [10.0, 0.0]
    v = marker_validity(xy)
    assert v["markers_ok_fppa_left"].tolist() == [True, False, False, True]
    assert v["markers_ok_fppa_right"].tolist() == [True, True, False, True]
    assert v["markers_ok_pelvic_drop"].tolist() == [True, True, False, True]
    assert v["markers_ok_trunk_lean"].tolist() == [True, True, False, False]
    np.testing.assert_allclose(v["markers_pelvis_width_px"], [10, 10, np.nan, 10])
    # the analysis grid gets the same columns
    t = np.arange(4) / 30.0
    assert set(VALIDITY_COLUMNS) <= set(angle_function(xy, t)(t).columns)


def test_baggy_trousers_do_not_refuse_marker_fppa() -> None:
    """The stance knee landmark is poorly visible through rep 2; its marker is seen."""
    series, bottoms = make_series(PLAN)
    markers = angle_function(_marker_xy(series), series.t_s)
    baggy = _copy(series)
    frames = _rep_frames(series, bottoms[1])
    baggy.visibility[frames, LM.LEFT_KNEE] = 0.2  # below the 0.5 visibility gate

    landmarks_only = analyze_landmarks(baggy, markers="off").assessment
    lost = _rep_at(landmarks_only, bottoms[1])
    assert "low_visibility" in lost.quality
    assert lost.metrics["knee_valgus_deg"]["left"].status == "not_measurable"

    reference = _rep_at(analyze_landmarks(series, markers="off").assessment, bottoms[1])
    kept = _rep_at(analyze_landmarks(baggy, marker_angles=markers).assessment, bottoms[1])
    for name in ("pelvic_drop_deg", "trunk_lean_deg"):
        assert kept.metric(name).status == "measured" and kept.metric(name).source == "markers"
    fppa = kept.metrics["knee_valgus_deg"]["left"]
    assert fppa.status == "measured" and fppa.source == "markers" and fppa.rating
    # markers sit on the joints here: the marker FPPA is the landmark FPPA of the clean clip
    assert fppa.bottom_rel == pytest.approx(
        reference.metrics["knee_valgus_deg"]["left"].bottom_rel, abs=0.3
    )


def test_marker_metric_refused_when_its_own_markers_are_hidden() -> None:
    series, bottoms = make_series(PLAN)
    xy = _marker_xy(series)
    frames = _rep_frames(series, bottoms[1])
    xy[frames, SITES.index("patella_left")] = np.nan  # an arm in front of the knee marker
    rep = _rep_at(
        analyze_landmarks(series, marker_angles=angle_function(xy, series.t_s)).assessment,
        bottoms[1],
    )
    fppa = rep.metrics["knee_valgus_deg"]["left"]
    assert fppa.status == "not_measurable" and "skin markers" in fppa.reason
    # the other marker metrics of that rep do not need the knee marker
    assert rep.metric("pelvic_drop_deg").status == "measured"
    assert rep.metric("trunk_lean_deg").status == "measured"


def test_pelvis_rotation_guard_reads_the_markers_for_marker_metrics() -> None:
    """The pose model's hip width shrinks through rep 2; the ASIS markers' does not.

    (The lite pose model does this on two rendered marker clips, where every marker
    metric was refused before.)
    """
    series, bottoms = make_series(PLAN)
    clean_markers = _marker_xy(series)
    narrow = _copy(series)
    frames = _rep_frames(series, bottoms[1])
    mid = (narrow.xy[frames, LM.LEFT_HIP] + narrow.xy[frames, LM.RIGHT_HIP]) / 2
    # hip landmarks 34 % closer together: past the 30 % rotation guard, still a frontal view
    for lm in (LM.LEFT_HIP, LM.RIGHT_HIP):
        narrow.xy[frames, lm] = mid + 0.66 * (narrow.xy[frames, lm] - mid)

    landmarks_only = _rep_at(analyze_landmarks(narrow, markers="off").assessment, bottoms[1])
    assert "pelvis_rotation" in landmarks_only.quality
    assert landmarks_only.metric("trunk_lean_deg").status == "not_measurable"

    rep = _rep_at(
        analyze_landmarks(
            narrow, marker_angles=angle_function(clean_markers, series.t_s)
        ).assessment,
        bottoms[1],
    )
    assert rep.metric("pelvic_drop_deg").status == "measured"
    assert rep.metrics["knee_valgus_deg"]["left"].status == "measured"

    # when the ASIS markers themselves come 34 % closer, the pelvis did turn: refused
    turned = clean_markers.copy()
    for site in ("asis_left", "asis_right"):
        k = SITES.index(site)
        turned[frames, k] = (
            (clean_markers[frames, 0] + clean_markers[frames, 1]) / 2
            + 0.66 * (clean_markers[frames, k] - (clean_markers[frames, 0] + clean_markers[frames, 1]) / 2)
        )  # fmt: skip
    refused = _rep_at(
        analyze_landmarks(series, marker_angles=angle_function(turned, series.t_s)).assessment,
        bottoms[1],
    )
    assert refused.metric("pelvic_drop_deg").status == "not_measurable"
    assert "turned" in refused.metric("pelvic_drop_deg").reason
