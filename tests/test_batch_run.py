"""Batch runs end to end on tiny synthetic clips (slow: runs the pose model).

One module-scoped set of clips and one single-process reference run; the other tests
compare against it: a local process pool, a Dask LocalCluster, a killed-and-resumed
CLI run, a re-analysis from stored landmarks, a manifest with metadata and overrides,
and a mixed folder of good and bad files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from clips import zero_media_data
from hipcheck.batch import run_batch
from hipcheck.batch.cli import register
from hipcheck.batch.files import read_status
from hipcheck.batch.tables import TIMING_COLUMNS, read_tables
from hipcheck.io.writer import write_video
from hipcheck.synth import ClipSpec, generate_clip

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SMALL = {"reps": 2, "tempo_s": 1.6, "baseline_s": 1.0, "pause_top_s": 0.2, "end_s": 0.2,
         "size": (240, 320), "fps": 24.0}  # fmt: skip
CLIPS = {
    "s01/left.mp4": ClipSpec(side="left", fppa_deg=12, **SMALL),
    "s01/right.mp4": ClipSpec(side="right", fppa_deg=6, **SMALL),
    "s02/left.mp4": ClipSpec(side="left", fppa_deg=4, **SMALL),
}


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("batch") / "videos"
    for i, (rel, spec) in enumerate(CLIPS.items()):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        generate_clip(root / rel, spec, seed=10 + i)
    return root


@pytest.fixture(scope="module")
def reference(videos: Path) -> Path:
    """Single-process run (workers=1, in this process)."""
    out = videos.parent / "out-serial"
    result = run_batch([videos], out, workers=1, progress=False)
    assert (result.total, result.done, result.failed) == (3, 3, 0), result.failures
    return out


def comparable(
    out: Path, drop: tuple[str, ...] = (), clip_ids: set[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tables without timing columns, sorted, ready for assert_frame_equal."""
    reps, clips = read_tables(out)
    if clip_ids is not None:
        reps = reps[reps["clip_id"].isin(clip_ids)]
        clips = clips[clips["clip_id"].isin(clip_ids)]
    clips = clips.drop(columns=[*TIMING_COLUMNS, *drop])
    reps = reps.drop(columns=[c for c in drop if c in reps])
    reps = reps.sort_values(["clip_id", "rep", "limb"]).reset_index(drop=True)
    clips = clips.sort_values("clip_id").reset_index(drop=True)
    return reps, clips


def assert_same_tables(a: Path, b: Path, drop: tuple[str, ...] = ()) -> None:
    """Tables of run ``b`` equal those of ``a`` for the clips of ``b``."""
    clip_ids = set(read_tables(b)[1]["clip_id"])
    ra, ca = comparable(a, drop, clip_ids)
    rb, cb = comparable(b, drop)
    assert len(cb) and len(rb)
    pd.testing.assert_frame_equal(ra, rb)
    pd.testing.assert_frame_equal(ca, cb)


def test_reference_run_outputs(reference: Path, videos: Path) -> None:
    reps, clips = read_tables(reference)
    assert list(clips["status"]) == ["ok"] * 3
    # each generated clip: 2 reps on its own stance side, the stance knee measured
    for rel, spec in CLIPS.items():
        row = clips[clips["rel"] == rel].iloc[0]
        assert row["n_reps"] == spec.reps and row["task"] == "single_leg_squat"
        mine = reps[reps["clip_id"] == row["clip_id"]]
        assert list(mine["side"]) == [spec.side] * spec.reps
        assert mine["knee_valgus"].notna().all()
        assert row[f"{spec.side}_knee_valgus_n"] == spec.reps
        assert row["width"] == 240 and row["height"] == 320 and row["fps"] == pytest.approx(24)
    # the more valgus clip reads more valgus (the table carries real measurements)
    by_rel = reps.merge(clips[["clip_id", "rel"]]).groupby("rel")["knee_valgus"].mean()
    assert by_rel["s01/left.mp4"] > by_rel["s02/left.mp4"] + 3
    for clip_id in clips["clip_id"]:
        folder = reference / "clips" / clip_id
        names = {p.name for p in folder.iterdir()}
        assert names == {"assessment.json", "reps.csv", "landmarks.parquet",
                         "kinematics.parquet", "status.json"}  # fmt: skip
    log = (reference / "run.log").read_text()
    assert log.count("ok      ") == 3 and "run end: 3 analysed" in log


def test_rerun_skips_done_clips(reference: Path, videos: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(reference, out)
    before = {p: p.stat().st_mtime_ns for p in (out / "clips").rglob("*.json")}
    result = run_batch([videos], out, workers=1, progress=False)
    assert (result.done, result.skipped, result.failed) == (0, 3, 0)
    assert before == {p: p.stat().st_mtime_ns for p in (out / "clips").rglob("*.json")}
    assert_same_tables(reference, out)


def test_pool_and_dask_give_identical_tables(reference: Path, videos: Path) -> None:
    # two of the three clips keep it quick; a path-only manifest beside the folder gives
    # them the same relative paths, hence the same clip ids as in the reference run
    two = videos / "two-clips.csv"
    two.write_text("path\ns01/left.mp4\ns01/right.mp4\n")
    pool = videos.parent / "out-pool"
    result = run_batch(manifest=two, out_dir=pool, workers=2, progress=False)
    assert (result.done, result.failed) == (2, 0)
    pids = {read_status(p)["pid"] for p in (pool / "clips").iterdir()}
    assert os.getpid() not in pids  # really ran in worker processes
    assert_same_tables(reference, pool)

    dask = videos.parent / "out-dask"
    result = run_batch(manifest=two, out_dir=dask, scheduler="local", workers=2, progress=False)
    assert (result.done, result.failed) == (2, 0)
    assert os.getpid() not in {read_status(p)["pid"] for p in (dask / "clips").iterdir()}
    assert_same_tables(reference, dask)


def test_reanalyze_from_landmarks_matches(reference: Path, videos: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(reference, out)
    t0 = time.perf_counter()
    result = run_batch([videos], out, reanalyze=True, workers=1, progress=False)
    assert (result.done, result.skipped) == (3, 0)
    assert time.perf_counter() - t0 < 10  # no pose model
    _, clips = read_tables(out)
    assert set(clips["analysed_from"]) == {"landmarks"}
    assert_same_tables(reference, out, drop=("analysed_from",))


def test_manifest_metadata_and_overrides(reference: Path, videos: Path, tmp_path: Path) -> None:
    manifest = videos / "manifest.csv"
    manifest.write_text(
        "path,subject,session,condition,side\n"
        "s01/left.mp4,01,1,pre,\n"
        "s01/right.mp4,01,1,pre,\n"
        "s02/left.mp4,02,1,post,right\n"
    )
    out = tmp_path / "out"
    shutil.copytree(reference, out)  # the manifest names the same files: same clip ids
    result = run_batch(manifest=manifest, out_dir=out, workers=1, progress=False)
    # only the clip whose options changed is recomputed, from its stored landmarks
    assert (result.done, result.skipped, result.failed) == (1, 2, 0)
    reps, clips = read_tables(out)
    assert {"subject", "session", "condition", "manifest_side"} <= set(reps.columns)
    assert reps["subject"].notna().all() and clips["subject"].notna().all()
    expected = {"s01/left.mp4": ("01", "pre"), "s01/right.mp4": ("01", "pre"),
                "s02/left.mp4": ("02", "post")}  # fmt: skip
    for row in clips.to_dict("records"):
        assert (row["subject"], row["condition"]) == expected[row["rel"]]
        mine = reps[reps["clip_id"] == row["clip_id"]]
        assert len(mine) and set(zip(mine["subject"], mine["condition"], strict=True)) == {
            expected[row["rel"]]
        }
    forced = clips[clips["rel"] == "s02/left.mp4"].iloc[0]
    assert forced["analysed_from"] == "landmarks"
    forced_reps = reps[reps["clip_id"] == forced["clip_id"]]
    assert set(forced_reps["side"]) == {"right"}  # side=right forces the stance side
    assert forced["right_n_reps"] > 0 and forced["left_n_reps"] == 0
    status = read_status(out / "clips" / forced["clip_id"])
    assert status["config"]["side"] == "right" and status["metadata"]["subject"] == "02"


def _cli_cmd(*args: str) -> list[str]:
    code = (
        "import typer; from hipcheck.batch.cli import register\n"
        "app = typer.Typer(); register(app)\n"
        "@app.callback()\ndef _r(): pass\n"
        "if __name__ == '__main__': app()\n"
    )
    return [sys.executable, "-c", code, "batch", *args]


def test_killed_run_resumes_to_the_same_tables(reference: Path, videos: Path) -> None:
    out = videos.parent / "out-killed"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    cmd = _cli_cmd(str(videos), "--out", str(out), "--workers", "1", "--no-progress")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob("clips/*/status.json")):
            assert proc.poll() is None, "the batch ended before it could be interrupted"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)  # no chance to clean up
    finally:
        proc.wait(timeout=30)
    done = [p for p in (out / "clips").iterdir() if read_status(p)]
    assert 1 <= len(done) < 3
    for folder in done:  # a clip with a status has all of its files, complete
        pd.read_parquet(folder / "landmarks.parquet")
        pd.read_parquet(folder / "kinematics.parquet")
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert f"{len(done)} skipped" in res.stdout
    assert_same_tables(reference, out)
    assert "run start" in (log := (out / "run.log").read_text()) and log.count("run start") == 2


def _cut(src: Path, dst: Path, seconds: float, scale: float) -> Path:
    """Re-encode the first ``seconds`` of ``src`` at ``scale`` (small, fast test input)."""
    with av.open(str(src)) as ic:
        stream = ic.streams.video[0]
        w = int(stream.codec_context.width * scale) // 2 * 2
        h = int(stream.codec_context.height * scale) // 2 * 2
        fps = float(stream.average_rate or 30)
        frames = []
        for frame in ic.decode(stream):
            if frame.time is not None and frame.time > seconds:
                break
            frames.append(frame.to_ndarray(format="rgb24", width=w, height=h))
    return write_video(dst, frames, fps)


def _empty_room(path: Path) -> Path:
    img = np.full((240, 320, 3), 205, np.uint8)
    img[170:] = (130, 100, 70)  # floor
    img[40:120, 200:280] = (150, 180, 220)  # window
    img[60:170, 40:90] = (110, 80, 60)  # door
    return write_video(path, [img] * 12, 12.0)


def test_mixed_folder(shared_dir: Path, videos: Path, tmp_path: Path) -> None:
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    shutil.copy(videos / "s01/left.mp4", mixed / "good.mp4")
    zero_media_data(videos / "s01/right.mp4", mixed / "corrupt.mp4")
    (mixed / "notes.mp4").write_text("session notes, not a video\n")
    (mixed / "README.txt").write_text("ignored: not a video suffix\n")
    _empty_room(mixed / "empty_room.mp4")
    side = shared_dir / "data/videos/rohanx01_barbell_squat_side.mp4"
    _cut(side, mixed / "side_view.mp4", 2.5, 0.5)
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:
        pass

    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["batch", str(mixed), "--out", str(out), "--workers", "2",
                                   "--no-progress"])  # fmt: skip
    assert res.exit_code == 1, res.output
    _, clips = read_tables(out)
    rows = {Path(r["rel"]).stem: r for r in clips.to_dict("records")}
    assert set(rows) == {"good", "corrupt", "notes", "empty_room", "side_view"}
    assert rows["good"]["status"] == "ok" and rows["good"]["n_reps"] == 2
    for name, code in (("corrupt", "video"), ("notes", "video"), ("empty_room", "no_person")):
        assert rows[name]["status"] == "failed" and rows[name]["error_code"] == code, name
        assert rows[name]["error_message"] and rows[name]["error_hint"]
        assert f"{name}.mp4" in res.output  # the summary names every failure
    assert rows["empty_room"]["width"] == 320  # video facts even when analysis failed
    # a side view: analysed, nothing measurable, and the quality note says why
    sv = rows["side_view"]
    if sv["status"] == "ok":
        assert sv["n_reps"] == 0 and "side" in sv["quality"]
        assert "without a measurable repetition" in res.output
    else:
        assert sv["error_code"] == "not_measurable" and "side_view.mp4" in res.output
    assert "3 failed" in res.output
    log = (out / "run.log").read_text()
    assert log.count("failed  ") == 3


def test_ctrl_c_keeps_finished_clips(reference: Path, videos: Path) -> None:
    out = videos.parent / "out-ctrl-c"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    cmd = _cli_cmd(str(videos), "--out", str(out), "--workers", "2", "--no-progress")
    # own session: SIGINT goes to the whole group, as Ctrl-C in a terminal does
    proc = subprocess.Popen(
        cmd, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob("clips/*/status.json")):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if proc.returncode == 0:  # all clips happened to finish before the signal arrived
        pytest.skip("the run finished before it could be interrupted")
    assert proc.returncode == 130
    assert b"run the same command again" in stderr
    _, clips = read_tables(out)  # tables are rebuilt on interrupt too
    assert "ok" in set(clips["status"]) and set(clips["status"]) <= {"ok", "pending"}
    for row in clips[clips["status"] == "ok"].to_dict("records"):
        pd.read_parquet(out / "clips" / row["clip_id"] / "kinematics.parquet")
    assert "interrupted" in (out / "run.log").read_text()


def _copies(videos: Path, root: Path, times: int) -> Path:
    """A folder with ``times`` copies of every clip (distinct files: distinct clip ids)."""
    for k in range(times):
        for rel in CLIPS:
            dst = root / f"copy{k}" / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(videos / rel, dst)
    return root


def _wait_for(condition, proc: subprocess.Popen, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert proc.poll() is None, "the batch ended before the test could act"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_killing_the_batch_leaves_no_worker_behind(videos: Path, tmp_path: Path) -> None:
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    cmd = _cli_cmd(str(videos), "--out", str(out), "--workers", "2", "--no-progress")
    proc = subprocess.Popen(cmd, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    parent = psutil.Process(proc.pid)
    try:
        # both workers are busy with a clip (their folders exist), plus the resource tracker
        _wait_for(lambda: len(list((out / "clips").glob("*"))) >= 2, proc)
        family = parent.children(recursive=True)
        workers = [p for p in family if "spawn_main" in " ".join(p.cmdline())]
        assert len(workers) >= 2, [p.cmdline() for p in family]
        assert any("resource_tracker" in " ".join(p.cmdline()) for p in family)
        statuses = sorted(out.glob("clips/*/status.json"))
        proc.send_signal(signal.SIGKILL)  # no chance to clean up
        proc.wait(timeout=30)
        gone, alive = psutil.wait_procs(family, timeout=15)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert not alive, [p.cmdline() for p in alive]
    assert len(gone) == len(family)
    # the workers ended without writing anything (no clip marked failed by a dying worker)
    assert sorted(out.glob("clips/*/status.json")) == statuses


def _orphan_tree(flag: Path) -> None:  # runs in a spawned "parent" process
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    child = ctx.Process(target=_child_that_dies_with_parent, args=(os.getpid(), flag))
    child.start()
    time.sleep(60)


def _child_that_dies_with_parent(parent_pid: int, flag: Path) -> None:
    from hipcheck.batch.pool import die_with_parent

    die_with_parent(parent_pid)
    flag.write_text(str(os.getpid()))
    time.sleep(60)  # busy elsewhere: it never talks to its parent


def test_a_worker_dies_with_its_parent_even_when_silent(tmp_path: Path) -> None:
    psutil = pytest.importorskip("psutil")
    import multiprocessing as mp

    flag = tmp_path / "child.pid"
    parent = mp.get_context("spawn").Process(target=_orphan_tree, args=(flag,))
    parent.start()
    deadline = time.monotonic() + 60
    while not flag.exists() or not flag.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    child = psutil.Process(int(flag.read_text()))
    parent.kill()
    parent.join()
    gone, alive = psutil.wait_procs([child], timeout=5)
    for p in alive:
        p.kill()
    assert not alive, "the child outlived its killed parent"


def test_ctrl_c_stops_starting_clips_at_once(videos: Path, tmp_path: Path) -> None:
    """SIGINT to the group: no clip starts after it, the run ends within seconds."""
    inputs = _copies(videos, tmp_path / "many", 2)  # 6 clips for 2 workers: some queued
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    cmd = _cli_cmd(str(inputs), "--out", str(out), "--workers", "2", "--no-progress")
    proc = subprocess.Popen(cmd, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        _wait_for(lambda: bool(list(out.glob("clips/*/status.json"))), proc)
        os.killpg(proc.pid, signal.SIGINT)
        t_signal = time.monotonic()
        time.sleep(0.5)  # a clip handed out just before the signal may still create its folder
        started = {p.name for p in (out / "clips").iterdir()}
        _, stderr = proc.communicate(timeout=60)
        elapsed = time.monotonic() - t_signal
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    print(f"Ctrl-C to exit: {elapsed:.2f} s")
    assert proc.returncode == 130, stderr.decode()[-2000:]
    assert elapsed < 15
    assert {p.name for p in (out / "clips").iterdir()} == started  # nothing started after
    assert len(started) < 6
    log = (out / "run.log").read_text()
    assert "run interrupted (Ctrl-C): no further clip was started" in log
    done = [p.parent.name for p in out.glob("clips/*/status.json")]
    assert done and all(clip in log for clip in done)  # the log names what was finished
    for clip in started - set(done):  # stopped mid-clip: nothing partial left, redone later
        names = {p.name for p in (out / "clips" / clip).iterdir()}
        assert not {n for n in names if n.startswith(".") or n.endswith(".part")}, names
        assert "assessment.json" not in names
    _, clips = read_tables(out)
    assert set(clips["status"]) <= {"ok", "pending"}


def test_a_second_batch_on_the_same_folder_refuses(videos: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    cmd = _cli_cmd(str(videos), "--out", str(out), "--workers", "1", "--no-progress")
    first = subprocess.Popen(cmd, env=env, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        _wait_for(lambda: (out / ".hipcheck.lock").exists() and (out / "run.log").exists(), first)
        second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert first.poll() is None, "the first batch ended before the second tried"
    finally:
        os.killpg(first.pid, signal.SIGINT)
        first.wait(timeout=60)
    message = " ".join(second.stderr.split())
    assert second.returncode == 3, second.stderr
    assert "in use by another hipcheck run" in message and f"PID {first.pid}" in message
    assert str(out / ".hipcheck.lock") in message and "Traceback" not in message
    assert (out / "run.log").read_text().count("run start") == 1  # the second wrote nothing
    assert not (out / ".hipcheck.lock").exists()  # released when the first ended


def test_batch_writes_reports_and_annotated_videos(
    reference: Path, videos: Path, tmp_path: Path
) -> None:
    """Asking for reports on done clips recomputes them from their landmarks (no model)."""
    out = tmp_path / "out"
    shutil.copytree(reference, out)
    result = run_batch([videos], out, workers=1, annotate=True, report="html", progress=False)
    assert (result.done, result.skipped, result.failed) == (3, 0, 0), result.failures
    for folder in (out / "clips").iterdir():
        names = {p.name for p in folder.iterdir()}
        assert {"annotated.mp4", "report.html", "status.json"} <= names
        assert sorted(read_status(folder)["outputs"]) == sorted(
            ["json", "csv", "landmarks", "kinematics", "annotated", "html"]
        )
        assert "Key frames" in (folder / "report.html").read_text()
    assert_same_tables(reference, out, drop=("analysed_from",))
    again = run_batch([videos], out, workers=1, annotate=True, report="html", progress=False)
    assert (again.done, again.skipped) == (0, 3)  # nothing more to do
