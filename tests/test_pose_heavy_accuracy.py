"""The heavy landmark model against the full one on rendered humans with known skeletons.

The ten rendered single-leg-squat clips of ``../shared/data/rendered`` (38 reps) are run
with both models; the baseline-relative FPPA, trunk lean and pelvic drop from the
landmarks (the analysis' filter and angle definitions, markers off, no visibility gate)
at each true bottom frame are compared with the joint-centre truth, as
``benchmarks/validity.py`` does. Measured (VALIDATION.md, "Heavy landmark model"): MAE
FPPA 3.62 vs 5.15 deg, trunk lean 1.10 vs 1.75, pelvic drop 12.75 vs 12.67 (neither
model sees the pelvis). Asserted: heavy FPPA MAE at most 4 deg and below full, trunk
lean below full, pelvic drop from landmarks no better with heavy (still not valid).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from hipcheck.config import AnalysisConfig
from hipcheck.pipeline import analyze_landmarks

pytestmark = pytest.mark.slow

CLIPS = [f"dev{i:02d}" for i in range(1, 11)]
#: metric -> (kinematics column stem, truth key)
METRICS = {"fppa": ("fppa", "fppa"), "trunk_lean": ("trunk_lean", "lean"),
           "pelvic_drop": ("pelvic_drop", "drop")}  # fmt: skip
HEAVY_FPPA_MAE_DEG = 4.0
#: Pelvic drop from landmarks is about 12.7 deg off with either model: "the same" within.
SAME_DROP_DEG = 0.5


def _errors(shared_dir, model: str) -> dict[str, np.ndarray]:
    from hipcheck.pose import extract_landmarks

    errors: dict[str, list[float]] = {m: [] for m in METRICS}
    for name in CLIPS:
        video = shared_dir / "data" / "rendered" / f"{name}.mp4"
        truth = json.loads(video.with_suffix(".truth.json").read_text())
        series = extract_landmarks(video, model=model, workers=1)
        config = AnalysisConfig(markers="off", visibility_threshold=0.0)
        kin = analyze_landmarks(series, config).kinematics
        t = kin["t_s"].to_numpy()
        stance, fps = truth["stance"], float(truth["fps"])
        for rep in truth["reps"]:
            b = int(rep["bottom_frame"])
            row = int(np.argmin(np.abs(t - b / fps)))
            for metric, (stem, key) in METRICS.items():
                est = float(kin[f"{stem}_{stance}_rel_deg"].iloc[row])
                true = float(truth["angles"][key][b]) - float(truth["baseline"][key])
                errors[metric].append(est - true)
    return {m: np.asarray(v) for m, v in errors.items()}


@pytest.fixture(scope="module")
def errors(shared_dir, request):
    heavy_file = request.getfixturevalue("heavy_home")
    assert heavy_file.is_file()
    return {model: _errors(shared_dir, model) for model in ("full", "heavy")}


@pytest.fixture(scope="module")
def heavy_home():
    """The machine's installed heavy model (scripts/test.sh installs it)."""
    import os

    from hipcheck.pose.models import HEAVY, installed_path, verify_installed

    if not verify_installed(HEAVY):
        msg = "heavy model not installed (run `hipcheck models install heavy`)"
        if os.environ.get("HIPCHECK_REQUIRE_HEAVY", "") not in ("", "0"):
            pytest.fail(msg + " (HIPCHECK_REQUIRE_HEAVY=1)")
        pytest.skip(msg)
    return installed_path(HEAVY)


def _mae(errors, model, metric) -> float:
    e = errors[model][metric]
    assert e.size == 38 and np.isfinite(e).all()
    return float(np.mean(np.abs(e)))


def test_heavy_reads_fppa_within_target_and_better_than_full(errors):
    assert _mae(errors, "heavy", "fppa") <= HEAVY_FPPA_MAE_DEG
    assert _mae(errors, "heavy", "fppa") < _mae(errors, "full", "fppa")


def test_heavy_reads_trunk_lean_better_than_full(errors):
    assert _mae(errors, "heavy", "trunk_lean") < _mae(errors, "full", "trunk_lean")


def test_heavy_does_not_make_landmark_pelvic_drop_valid(errors):
    full, heavy = _mae(errors, "full", "pelvic_drop"), _mae(errors, "heavy", "pelvic_drop")
    assert abs(heavy - full) <= SAME_DROP_DEG
    assert heavy > 5.0  # still far off: pelvic drop needs markers with either model
