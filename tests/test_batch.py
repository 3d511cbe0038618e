"""Batch inputs, clip ids, manifests, status handling and tables (no pose model)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from fixtures_assessment import make_assessment
from hipcheck.batch.cli import register
from hipcheck.batch.discover import (
    BatchInputError,
    ClipConfigError,
    clip_id,
    discover_inputs,
    read_manifest,
)
from hipcheck.batch.files import read_status, reset_clip_dir, write_status
from hipcheck.batch.runner import _needs_work, default_workers
from hipcheck.batch.tables import build_tables, clip_columns, read_tables, write_tables
from hipcheck.config import AnalysisConfig


def touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "study"
    for rel in (
        "s01/left.mp4",
        "s01/right.MOV",
        "s02/left.mp4",
        "s02/deep/extra.webm",
        "s02/notes.txt",
        ".cache/hidden.mp4",
        "s03/._left.mp4",
    ):
        touch(root / rel)
    return root


def test_folder_scan_is_recursive_filters_suffixes_and_skips_hidden(tree: Path) -> None:
    jobs = discover_inputs([tree])
    assert sorted(j.rel for j in jobs) == [
        "s01/left.mp4",
        "s01/right.MOV",
        "s02/deep/extra.webm",
        "s02/left.mp4",
    ]
    assert all(Path(j.path).is_absolute() for j in jobs)


def test_clip_ids_unique_for_same_names_and_stable(tree: Path) -> None:
    jobs = discover_inputs([tree])
    ids = [j.clip_id for j in jobs]
    assert len(set(ids)) == len(ids)
    lefts = [j.clip_id for j in jobs if j.rel.endswith("left.mp4")]
    assert lefts[0].startswith("s01-left-") and lefts[1].startswith("s02-left-")
    # the same file found again (another run, or via a glob) keeps its id
    again = {j.path: j.clip_id for j in discover_inputs([tree])}
    assert again == {j.path: j.clip_id for j in jobs}
    # same relative name in another folder -> same slug, different hash
    a = clip_id("/data/a/s01/left.mp4", "s01/left.mp4")
    b = clip_id("/data/b/s01/left.mp4", "s01/left.mp4")
    assert a != b and a.rsplit("-", 1)[0] == b.rsplit("-", 1)[0] == "s01-left"


def test_explicit_files_globs_and_duplicates(tree: Path) -> None:
    notes = tree / "s02/notes.txt"
    jobs = discover_inputs([notes, str(tree / "s0*" / "left.mp4"), tree / "s01/left.mp4"])
    rels = [j.rel for j in jobs]
    # an explicitly named file is used whatever its suffix; duplicates are dropped
    assert rels == ["notes.txt", "left.mp4", "left.mp4"]
    assert len({j.path for j in jobs}) == 3


def test_missing_input_and_empty_folder_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(BatchInputError, match="not found"):
        discover_inputs([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(BatchInputError, match="No video files"):
        discover_inputs([tmp_path / "empty"])
    with pytest.raises(BatchInputError, match="No video files"):
        discover_inputs([str(tmp_path / "*.mkv")])


def test_manifest_paths_metadata_and_overrides(tmp_path: Path) -> None:
    touch(tmp_path / "videos/s01/left.mp4")
    touch(tmp_path / "videos/s01/right.mp4")
    manifest = touch(
        tmp_path / "videos/manifest.csv",
        "path,subject,session,side,sex,condition\n"
        "s01/left.mp4,01,1,, Female ,pre\n"
        f"{tmp_path / 'videos/s01/right.mp4'},01,1,right,female,pre\n"
        "s02/missing.mp4,02,1,left,,post\n",
    )
    jobs = read_manifest(manifest)
    assert [j.rel for j in jobs][0] == "s01/left.mp4"
    assert jobs[0].path == str((tmp_path / "videos/s01/left.mp4").resolve())
    # metadata stay text ("01" is not 1), empty override cells do not override
    assert jobs[0].metadata["subject"] == "01"
    assert jobs[0].overrides == {"sex": "female"}
    assert jobs[1].overrides == {"side": "right", "sex": "female"}
    assert jobs[1].config(AnalysisConfig()).side == "right"
    # a missing video is not a manifest error: it will fail as a clip, with a reason
    assert not Path(jobs[2].path).exists()
    # ids match a folder scan of the manifest's folder (same rel path, same file)
    scanned = {j.path: j.clip_id for j in discover_inputs([tmp_path / "videos"])}
    assert scanned[jobs[0].path] == jobs[0].clip_id


def test_manifest_errors(tmp_path: Path) -> None:
    with pytest.raises(BatchInputError, match="not found"):
        read_manifest(tmp_path / "m.csv")
    with pytest.raises(BatchInputError, match="no 'path' column"):
        read_manifest(touch(tmp_path / "a.csv", "file,subject\nx.mp4,1\n"))
    with pytest.raises(BatchInputError, match="same video"):
        read_manifest(touch(tmp_path / "b.csv", "path,subject\nx.mp4,1\n./x.mp4,2\n"))
    with pytest.raises(BatchInputError, match="lists no videos"):
        read_manifest(touch(tmp_path / "c.csv", "path,subject\n"))


def test_invalid_override_is_a_clip_error(tmp_path: Path) -> None:
    touch(tmp_path / "x.mp4")
    job = read_manifest(touch(tmp_path / "m.csv", "path,side\nx.mp4,middle\n"))[0]
    with pytest.raises(ClipConfigError) as info:
        job.config(AnalysisConfig())
    assert info.value.code == "config" and "side" in info.value.message


def _fake_clip(out: Path, job, status: str, assessment=None, error=None) -> None:
    clip_dir = out / "clips" / job.clip_id
    clip_dir.mkdir(parents=True, exist_ok=True)
    if assessment is not None:
        (clip_dir / "assessment.json").write_text(json.dumps(assessment.to_dict()))
    write_status(
        clip_dir,
        {
            "clip_id": job.clip_id,
            "status": status,
            "error": error,
            "config": job.config(AnalysisConfig()).to_dict(),
            "analysed_from": "video",
            "video": {"fps": 30.0, "width": 360, "height": 640, "pose_fps": 40.0},
            "elapsed_s": 1.0,
        },
    )


def test_tables_rows_metadata_and_name_clashes(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        touch(tmp_path / f"{name}.mp4")
    manifest = touch(
        tmp_path / "m.csv",
        "path,subject,side,path_note\na.mp4,01,left,x\nb.mp4,02,,y\nc.mp4,03,,z\n",
    )
    jobs = read_manifest(manifest)
    out = tmp_path / "out"
    assessment = make_assessment()
    _fake_clip(out, jobs[0], "ok", assessment)
    _fake_clip(
        out, jobs[1], "failed", error={"code": "no_person", "message": "none", "hint": "film"}
    )
    # jobs[2] never ran: pending
    reps, clips = build_tables(jobs, out)
    assert len(reps) == len(assessment.reps)  # single-leg: one row per rep
    assert set(reps["clip_id"]) == {jobs[0].clip_id}
    assert (reps["subject"] == "01").all()
    # 'side' exists in the reps table -> the manifest column is renamed in both tables
    assert (reps["manifest_side"] == "left").all() and "manifest_side" in clips
    assert list(reps.columns[:4]) == ["clip_id", "subject", "manifest_side", "path_note"]
    assert list(clips["status"]) == ["ok", "failed", "pending"]
    assert list(clips["subject"]) == ["01", "02", "03"]
    failed = clips.iloc[1]
    assert (failed["error_code"], failed["error_message"], failed["error_hint"]) == (
        "no_person",
        "none",
        "film",
    )
    ok = clips.iloc[0]
    assert ok["n_reps"] == len(assessment.reps) and ok["overall_rating"] == "poor"
    assert ok["fps"] == 30.0 and ok["task"] == "single_leg_squat"
    assert set(clip_columns()) <= set(clips.columns)

    paths = write_tables(reps, clips, out)
    assert all(p.is_file() for p in paths.values())
    assert not list(out.glob("*.part"))
    r2, c2 = read_tables(out)
    pd.testing.assert_frame_equal(r2, reps, check_dtype=False)
    assert list(c2["status"]) == ["ok", "failed", "pending"]


def test_status_is_last_and_reset_clears_it(tmp_path: Path) -> None:
    clip_dir = tmp_path / "clip"
    clip_dir.mkdir()
    write_status(clip_dir, {"status": "ok"})
    for name in ("assessment.json", "reps.csv", "landmarks.parquet", "x.part"):
        touch(clip_dir / name)
    reset_clip_dir(clip_dir, keep_landmarks=True)
    assert read_status(clip_dir) is None
    assert sorted(p.name for p in clip_dir.iterdir()) == ["landmarks.parquet"]
    (clip_dir / "status.json").write_text("{half-writ")  # unreadable -> not done
    assert read_status(clip_dir) is None


def test_needs_work_skips_done_retries_failed_and_notices_changed_options(
    tmp_path: Path,
) -> None:
    touch(tmp_path / "a.mp4")
    job = discover_inputs([tmp_path / "a.mp4"])[0]
    out = tmp_path / "out"
    cfg = AnalysisConfig()
    assert _needs_work(job, str(out), cfg, False, False) == {"from_landmarks": False}
    _fake_clip(out, job, "ok", make_assessment())
    assert _needs_work(job, str(out), cfg, False, False) is None
    assert _needs_work(job, str(out), cfg, True, False) == {"from_landmarks": False}
    assert _needs_work(job, str(out), cfg, False, True) == {"from_landmarks": True}
    # other options than the stored run: recompute from the stored landmarks
    assert _needs_work(job, str(out), cfg.with_(sex="male"), False, False) == {
        "from_landmarks": True
    }
    _fake_clip(out, job, "failed", error={"code": "video", "message": "m", "hint": None})
    assert _needs_work(job, str(out), cfg, False, False) == {"from_landmarks": False}


def test_default_workers() -> None:
    assert default_workers(1) == 1
    assert 1 <= default_workers(1000) <= 1000
    assert default_workers(0) == 1


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:
        pass

    return app


def test_cli_user_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(_app(), ["batch", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1
    assert "Input not found" in res.output and "Traceback" not in res.output
    res = runner.invoke(_app(), ["batch", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "No inputs" in res.output  # usage error
    touch(tmp_path / "a.mp4")
    res = runner.invoke(_app(), ["batch", str(tmp_path / "a.mp4"), "--side", "middle"])
    assert res.exit_code == 2 and "side must be" in res.output
    assert not (tmp_path / "o").exists()  # nothing was created for a failed start


def test_run_batch_accepts_one_path_and_rejects_two_input_kinds(tmp_path: Path) -> None:
    from hipcheck.batch import run_batch
    from hipcheck.errors import HipcheckError

    with pytest.raises(BatchInputError, match="missing-folder"):
        run_batch(str(tmp_path / "missing-folder"), tmp_path / "out", progress=False)
    with pytest.raises(HipcheckError, match="not both"):
        run_batch([tmp_path], tmp_path / "out", manifest=tmp_path / "m.csv", progress=False)


def test_crashed_worker_becomes_a_failed_row_and_is_retried(tmp_path: Path) -> None:
    from concurrent.futures.process import BrokenProcessPool

    from hipcheck.batch.runner import crashed_status

    touch(tmp_path / "a.mp4")
    job = discover_inputs([tmp_path / "a.mp4"])[0]
    out = tmp_path / "out"
    crashed_status(job, out, BrokenProcessPool("a child process terminated abruptly"))
    _, clips = build_tables([job], out)
    row = clips.iloc[0]
    assert (row["status"], row["error_code"]) == ("failed", "worker_crashed")
    assert "terminated abruptly" in row["error_message"] and row["error_hint"]
    assert _needs_work(job, str(out), AnalysisConfig(), False, False) == {"from_landmarks": False}


def test_videos_inside_the_output_folder_are_not_inputs(tmp_path: Path) -> None:
    """With --annotate, results hold .mp4 files: a re-run must not take them as clips."""
    from hipcheck.batch import run_batch

    study = tmp_path / "study"
    touch(study / "out" / "clips" / "a-1" / "annotated.mp4")
    with pytest.raises(BatchInputError, match="inside the output folder"):
        run_batch([study], study / "out", progress=False)
    assert not (study / "out" / "run.log").exists()
    touch(study / "s01.mp4", "not a video")
    result = run_batch([study], study / "out", workers=1, progress=False)
    assert result.total == 1 and result.failures[0]["path"].endswith("s01.mp4")
