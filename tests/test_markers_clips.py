"""Markers on every clip we have: never found where there are none, found where there are.

Marker-free clips: the sample videos without drawn markers, a clip made with
``hipcheck synth`` (no ``--markers``), the rendered clips ``dev06``-``dev10`` and every
real clip in the shared data. Marker clips: the sample step-down with markers, a
``hipcheck synth --markers`` clip and the rendered ``dev01``-``dev05`` (25 mm green
discs), whose tracks must keep their accuracy against the truth files.

Pose landmarks come from the landmark cache (``tests/landmark_cache.py``: the model
runs once per clip, later sessions reuse it); the marker pass itself reads only the
frames it needs. All of this runs the pose model on video: slow.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from hipcheck.config import AnalysisConfig
from hipcheck.markers import SITES, MarkerResult, markers_for_video
from hipcheck.pipeline import analyze_landmarks

sys.path.insert(0, str(Path(__file__).parent))
from landmark_cache import cached_landmarks  # noqa: E402

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_videos"
SAMPLE_CLIPS = sorted(p.name for p in SAMPLES.glob("*.mp4"))
RENDERED = [f"dev{i:02d}" for i in range(1, 11)]
REAL_FOLDERS = ("data/videos", "data/videos/real")
ID_TOL_PX = 3.0  # identification: tracked centre within 3 px of the true centre


def _sample_has_markers(name: str) -> bool:
    truth = json.loads((SAMPLES / name).with_suffix(".truth.json").read_text())
    return bool(truth.get("markers"))


def _run(video: Path) -> tuple[MarkerResult, object]:
    series = cached_landmarks(video)
    return markers_for_video(video, series, AnalysisConfig(markers="auto")), series


def _assert_not_used(result: MarkerResult, n_frames: int) -> None:
    summary = result.summary
    assert result.angles is None and summary["used"] is False, summary.get("confirmation")
    assert summary["reason"].startswith("no markers found: ")
    # the pass stopped after its standing frames
    assert summary["frames_read"] <= max(summary["standing_frames"], default=0) + 1 <= n_frames


# --- clips without markers ------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in SAMPLE_CLIPS if not _sample_has_markers(n)])
def test_sample_clips_without_markers(name: str) -> None:
    result, series = _run(SAMPLES / name)
    _assert_not_used(result, series.n_frames)


@pytest.mark.parametrize("name", RENDERED[5:])
def test_rendered_clips_without_markers(name: str, shared_dir: Path) -> None:
    video = shared_dir / "data" / "rendered" / f"{name}.mp4"
    assert not json.loads(video.with_suffix(".truth.json").read_text())["markers_rendered"]
    result, series = _run(video)
    _assert_not_used(result, series.n_frames)


def _real_clips() -> list[str]:
    from conftest import SHARED

    return [
        str(p.relative_to(SHARED))
        for folder in REAL_FOLDERS
        for p in sorted((SHARED / folder).glob("*.mp4"))
    ] or ["data/videos/real (missing)"]


@pytest.mark.parametrize("rel", _real_clips())
def test_real_clips_have_no_markers(rel: str, shared_dir: Path) -> None:
    video = shared_dir / rel
    assert video.is_file(), f"{rel} not found"
    result, series = _run(video)
    _assert_not_used(result, series.n_frames)


# --- clips made with hipcheck synth ----------------------------------------------------


@pytest.fixture(scope="module")
def synth_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, Path]:
    """The same synthetic clip with and without ``--markers`` (hipcheck synth)."""
    import typer

    from hipcheck.synth.cli import register

    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # a second command keeps typer in multi-command mode
    out = tmp_path_factory.mktemp("synth")
    clips = {}
    for markers in (False, True):
        path = out / f"markers_test_synth_{'mk' if markers else 'nomk'}.mp4"
        args = ["synth", "-o", str(path), "--side", "right", "--reps", "2", "--seed", "31"]
        args += ["--pelvic-drop", "8", "--fppa", "10", "--trunk-lean", "4"]
        result = CliRunner().invoke(app, args + (["--markers"] if markers else []))
        assert result.exit_code == 0, result.output
        clips[markers] = path
    return clips


def test_synth_clip_without_markers(synth_clips: dict[bool, Path]) -> None:
    result, series = _run(synth_clips[False])
    _assert_not_used(result, series.n_frames)


def _synth_site_truth(truth: dict, n: int) -> np.ndarray:
    """(n, 7, 2) drawn marker centres (the truth file's pixel-index centres + 0.5)."""
    key = {s: "_".join(reversed(s.split("_"))) if s != "sternum" else s for s in SITES}
    return np.stack([np.asarray(truth["markers"][key[s]])[:n] + 0.5 for s in SITES], axis=1)


@pytest.mark.parametrize("which", ["sample", "synth"])
def test_drawn_marker_clips_are_found_and_tracked(
    which: str, synth_clips: dict[bool, Path]
) -> None:
    video = SAMPLES / "step_down_left_markers.mp4" if which == "sample" else synth_clips[True]
    result, series = _run(video)
    assert result.summary["used"] is True, result.summary.get("reason")
    assert len(result.summary["confirmation"]["sites"]) >= 6
    truth = json.loads(video.with_suffix(".truth.json").read_text())
    n = min(series.n_frames, len(truth["markers"]["sternum"]))
    err = np.linalg.norm(result.tracks.xy[:n] - _synth_site_truth(truth, n), axis=2)
    assert np.mean(err <= ID_TOL_PX) >= 0.99
    assert np.nanmedian(err) < 0.5


# --- rendered clips with markers: found, identified, accurate ----------------------------


def _rendered_site_truth(truth: dict) -> tuple[np.ndarray, np.ndarray]:
    """True centres (n, 7, 2) and visible fractions (n, 7) in SITES order."""
    stance = truth["stance"]
    other = "right" if stance == "left" else "left"
    label = {"sternum": "sternum"}
    for part in ("asis", "patella", "ankle"):
        label[f"{part}_{stance}"], label[f"{part}_{other}"] = f"{part}_s", f"{part}_c"
    xy = np.stack([np.asarray(truth["markers"][label[s]], float) for s in SITES], axis=1)
    vis = np.stack([np.asarray(truth["marker_visible"][label[s]], float) for s in SITES], axis=1)
    return xy, vis


@pytest.mark.parametrize("name", RENDERED[:5])
def test_rendered_marker_clips_keep_their_accuracy(name: str, shared_dir: Path) -> None:
    video = shared_dir / "data" / "rendered" / f"{name}.mp4"
    truth = json.loads(video.with_suffix(".truth.json").read_text())
    assert truth["markers_rendered"]
    result, series = _run(video)
    assert result.summary["used"] is True, result.summary.get("reason")
    assert set(result.summary["confirmation"]["sites"]) == set(SITES)
    # identification: every visible marker within 3 px of its true centre, right label
    true_xy, visible = _rendered_site_truth(truth)
    n = min(series.n_frames, true_xy.shape[0])
    err = np.linalg.norm(result.tracks.xy[:n] - true_xy[:n], axis=2)
    seen = visible[:n] > 0
    assert np.mean(err[seen] <= ID_TOL_PX) == 1.0, np.nanmax(err[seen])
    # pelvic drop from the markers at the true bottoms, baseline-relative (measured MAE
    # 0.11 deg, worst 0.32 over the 19 reps)
    kin = analyze_landmarks(series, AnalysisConfig(), marker_angles=result.angles).kinematics
    t = kin["t_s"].to_numpy()
    col = f"pelvic_drop_{truth['stance']}_rel_deg"
    base = truth["baseline"]["drop"]
    errors = [
        kin[col].iloc[int(np.argmin(np.abs(t - rep["bottom_frame"] / truth["fps"])))]
        - (truth["angles"]["drop"][rep["bottom_frame"]] - base)
        for rep in truth["reps"]
    ]
    assert np.mean(np.abs(errors)) < 0.4 and np.max(np.abs(errors)) < 1.0, errors


# --- end to end: the bundled good squat -------------------------------------------------


def test_analyze_sls_right_good_uses_no_markers(tmp_path: Path) -> None:
    """``hipcheck analyze sample_videos/sls_right_good.mp4`` with default options."""
    from hipcheck.cli import app

    out = tmp_path / "out"
    args = ["analyze", str(SAMPLES / "sls_right_good.mp4"), "--out", str(out), "--no-progress"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assessment = json.loads((out / "assessment.json").read_text())
    markers = assessment["provenance"]["markers"]
    assert markers["mode"] == "auto" and markers["used"] is False
    assert markers["reason"].startswith("no markers found: ")
    assert set(assessment["provenance"]["sources"].values()) == {"landmarks"}
    for rep in assessment["reps"]:
        for drop in rep["metrics"]["pelvic_drop_deg"].values():
            assert drop["status"] != "measured" and drop.get("rating") is None
    assert not [f for f in assessment["findings"] if f["id"] == "pelvic_drop" and f["rated"]]
    assert assessment["overall_rating"] != "poor"
