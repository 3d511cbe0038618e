"""Marker-assisted mode end to end on a synthetic clip with drawn markers (no shared data)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from hipcheck.config import AnalysisConfig
from hipcheck.pipeline import analyze_with_video

sys.path.insert(0, str(Path(__file__).parent))
from landmark_cache import cached_landmarks  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[1] / "sample_videos" / "step_down_left_markers.mp4"


@pytest.mark.slow
def test_sample_marker_clip_is_measured_from_markers():
    truth = json.loads(SAMPLE.with_suffix(".truth.json").read_text())
    a = analyze_with_video(cached_landmarks(SAMPLE), SAMPLE, AnalysisConfig()).assessment
    assert {
        m: a.metric_source(m) for m in ("pelvic_drop_deg", "knee_valgus_deg", "trunk_lean_deg")
    } == dict.fromkeys(("pelvic_drop_deg", "knee_valgus_deg", "trunk_lean_deg"), "markers")
    assert a.provenance.markers["colour"]["name"] == "green"  # preset found before any hue guess
    assert len(a.reps) == len(truth["reps"])
    for rep, true_rep in zip(a.reps, truth["reps"], strict=True):
        drop = rep.metric("pelvic_drop_deg")
        assert drop.status == "measured" and drop.rating is not None
        assert drop.value == pytest.approx(true_rep["bottom_rel"]["pelvic_drop_deg"], abs=1.5)
        lean = rep.metric("trunk_lean_deg")
        assert lean.value == pytest.approx(true_rep["bottom_rel"]["trunk_lean_deg"], abs=1.5)
    assert any(f.id == "pelvic_drop" and f.rated for f in a.findings)
    assert not any("read low" in q for q in a.quality)
