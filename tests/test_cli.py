"""The main CLI: help, landmarks, analyze (end to end on a bundled sample), report, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from hipcheck.cli import _register_subcommands, app

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_videos" / "sls_left_valgus_drop.mp4"

runner = CliRunner()
_register_subcommands()


def _command(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m hipcheck ARGS`` as its own process, as a user does."""
    cmd = [sys.executable, "-m", "hipcheck", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env)


def test_help_lists_every_command():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("landmarks", "analyze", "report", "synth", "program", "history", "compare"):
        assert command in result.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(
            ["analyze", "missing.mp4", "--out", "{tmp}/o"], 1, "not found", id="missing-video"
        ),
        pytest.param(["analyze", "--out", "{tmp}/o"], 2, "No input", id="no-input"),
        pytest.param(
            ["analyze", "--landmarks", "{tmp}/nope.parquet", "--out", "{tmp}/o"],
            1,
            "not found",
            id="missing-landmarks",
        ),
        pytest.param(
            ["analyze", "{tmp}/x.mp4", "--task", "jump", "--out", "{tmp}/o"],
            2,
            "task must be",
            id="bad-task",
        ),
        pytest.param(
            ["report", "{tmp}", "-o", "{tmp}/r.pdf"],
            1,
            "No assessment file",
            id="report-no-assessment",
        ),
        pytest.param(
            ["landmarks", "{tmp}/text.mp4", "-o", "{tmp}/l.parquet"],
            1,
            "text.mp4",
            id="not-a-video",
        ),  # fmt: skip
    ],
)
def test_user_errors_are_messages_not_tracebacks(tmp_path, args, code, message):
    (tmp_path / "text.mp4").write_text("hello")
    (tmp_path / "x.mp4").write_text("hello")
    result = runner.invoke(app, [a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    # nothing was left behind: no output folder, no landmark file
    assert not (tmp_path / "o").exists() and not (tmp_path / "l.parquet").exists()


def test_python_dash_m_hipcheck_is_the_command():
    run = _command("analyze", "--help")
    assert run.returncode == 0, run.stderr
    assert "--model" in run.stdout and "--workers" in run.stdout


def test_help_documents_the_exit_codes():
    result = runner.invoke(app, ["--help"], terminal_width=200)
    assert result.exit_code == 0
    for code in ("0 success", "1 the input", "2 an invalid option", "3 an output", "70", "130"):
        assert code in " ".join(result.output.split())


@pytest.mark.slow
def test_analyze_sample_matches_its_truth_then_report(tmp_path):
    truth = json.loads(SAMPLE.with_suffix(".truth.json").read_text())
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["analyze", str(SAMPLE), "--out", str(out), "--no-progress", "--sex", "female"]
    )
    assert result.exit_code == 0, result.output
    assessment = json.loads((out / "assessment.json").read_text())
    assert assessment["schema_version"] == 2
    assert assessment["task"] == truth["task"]
    assert len(assessment["reps"]) == len(truth["reps"])
    for rep, true_rep in zip(assessment["reps"], truth["reps"], strict=True):
        assert rep["side"] == true_rep["side"]
        assert abs(rep["bottom_s"] - true_rep["bottom_s"]) < 0.25
        lean = rep["metrics"]["trunk_lean_deg"][rep["side"]]
        assert abs(lean["bottom_rel"] - true_rep["bottom_rel"]["trunk_lean_deg"]) < 2.0
        knee = rep["metrics"]["knee_valgus_deg"][true_rep["side"]]
        # BlazePose reads FPPA low on the drawn figure (see benchmarks/accuracy.py).
        assert abs(knee["bottom_rel"] - true_rep["bottom_rel"]["fppa_deg"]) < 4.5
        assert rep["metrics"]["pelvic_drop_deg"][rep["side"]]["status"] == "indicative"
    # The summary printed the reps and the valgus rating on the left.
    assert "Repetitions" in result.output and "left" in result.output
    reps = pd.read_csv(out / "reps.csv")
    assert len(reps) == len(truth["reps"]) and set(reps["limb"]) == {"left"}
    assert assessment["program"]["phases"]
    # Re-analysis from the stored landmarks gives the same numbers without the model.
    again = tmp_path / "again"
    result = runner.invoke(
        app,
        [
            "analyze",
            "--landmarks",
            str(out / "landmarks.parquet"),
            "--out",
            str(again),
            "--sex",
            "female",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads((again / "assessment.json").read_text())["reps"] == assessment["reps"]
    result = runner.invoke(
        app, ["report", str(out), "-o", str(tmp_path / "r.html"), "--patient", "<b>P-1</b>"]
    )
    assert result.exit_code == 0, result.output
    html = (tmp_path / "r.html").read_text()
    assert "&lt;b&gt;P-1&lt;/b&gt;" in html and "<b>P-1</b>" not in html


@pytest.mark.slow
def test_landmarks_command(tmp_path):
    out = tmp_path / "lm.parquet"
    result = runner.invoke(app, ["landmarks", str(SAMPLE), "-o", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "with a person" in result.output and out.is_file()


@pytest.mark.slow
def test_analyze_outputs_one_set_and_report_checks_the_clip(tmp_path):
    """--annotate --report in one run; a re-run without them removes them; --video pairs."""
    out = tmp_path / "out"
    args = ["analyze", str(SAMPLE), "--out", str(out), "--no-progress", "--max-side", "320"]
    result = runner.invoke(app, [*args, "--annotate", "--report", "pdf"])
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert names == {"assessment.json", "reps.csv", "landmarks.parquet", "kinematics.parquet",
                     "annotated.mp4", "report.pdf"}  # fmt: skip
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    # the same clip: key frames drawn; another clip: refused, nothing written
    ok = runner.invoke(app, ["report", str(out), "-o", str(tmp_path / "r.html"), "--video",
                             str(SAMPLE)])  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "r.html").read_text().count('src="data:image/png;base64,') >= 2
    other = REPO / "sample_videos" / "double_leg_squat.mp4"
    bad = runner.invoke(app, ["report", str(out), "-o", str(tmp_path / "x.html"), "--video",
                              str(other)])  # fmt: skip
    assert bad.exit_code == 1 and "is not the clip" in " ".join(bad.output.split())
    assert not (tmp_path / "x.html").exists()
    # a re-run from the stored landmarks without --annotate/--report: no stale files
    again = runner.invoke(app, ["analyze", "--landmarks", str(out / "landmarks.parquet"),
                                "--out", str(out)])  # fmt: skip
    assert again.exit_code == 0, again.output
    assert {p.name for p in out.iterdir()} == names - {"annotated.mp4", "report.pdf"}


def test_the_command_ends_with_its_output_and_status_intact(tmp_path):
    """``hipcheck`` skips module teardown at exit (hipcheck.cli.exit): nothing may be lost."""
    from hipcheck.io.landmarks import save_landmarks
    from skeleton import Plan, make_series

    series, _ = make_series(Plan(side="left", reps=3, fppa_deg=14.0))
    lm = save_landmarks(series, tmp_path / "lm.parquet")
    cmd = ["analyze", "--landmarks", lm, "--no-progress"]
    done = _command(*cmd, "--out", tmp_path / "o")
    assert done.returncode == 0, done.stderr
    # the last line is printed, the program pointer too, and every file is complete
    assert "Wrote" in done.stdout
    assert "assessment.json" in done.stdout[done.stdout.index("Wrote") :]
    assessment = json.loads((tmp_path / "o" / "assessment.json").read_text())
    assert len(assessment["reps"]) == 3
    assert len(pd.read_csv(tmp_path / "o" / "reps.csv")) == 3
    # a user error keeps its documented status and message
    bad = _command(*cmd, "--out", tmp_path / "o2", "--side", "up")
    assert bad.returncode == 2, bad.stdout + bad.stderr
    assert "side" in (bad.stdout + bad.stderr).lower() and "Traceback" not in bad.stderr


def test_exit_status_follows_python():
    from hipcheck.cli.exit import exit_status

    assert exit_status(None) == 0 and exit_status(0) == 0 and exit_status(3) == 3
    assert exit_status("stopped") == 1


def test_a_missing_clip_prints_its_error_without_a_progress_bar(tmp_path):
    run = _command("analyze", tmp_path / "nope.mp4", "--out", tmp_path / "o")
    assert run.returncode == 1
    assert "File not found" in run.stderr
    assert "frames" not in run.stderr  # the bar appears with the first frame only
    assert not (tmp_path / "o").exists()


def test_the_pose_libraries_start_up_chatter_stays_off_the_terminal(tmp_path):
    """MediaPipe / TFLite print 'INFO: Created TensorFlow Lite XNNPACK delegate' and W0000
    warnings from C++ on every start; the command filters exactly those (cli.native_log)."""
    import os

    from clips import make_clip
    from hipcheck.cli.native_log import harmless

    clip = make_clip(tmp_path / "nobody.mp4", n=20, size=(320, 240))
    cmd = ["analyze", clip, "--no-progress"]
    env = {k: v for k, v in os.environ.items() if k != "HIPCHECK_NATIVE_LOGS"}
    quiet = _command(*cmd, "--out", tmp_path / "a", env=env)
    loud = _command(*cmd, "--out", tmp_path / "b", env={**env, "HIPCHECK_NATIVE_LOGS": "1"})
    # the pose graph did start (the unfiltered run shows its chatter) ...
    assert "XNNPACK" in loud.stderr
    # ... and the filtered run shows the same error, without the chatter
    assert quiet.returncode == loud.returncode != 0
    assert "XNNPACK" not in quiet.stderr and "W0000" not in quiet.stderr
    assert "Error" in quiet.stderr and "Traceback" not in quiet.stderr
    # only the known lines are dropped
    assert harmless(b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.")
    assert not harmless(b"F0000 00:00:1.0 12 calculator_graph.cc:1] Check failed: graph")
    assert not harmless(b"Segmentation fault")


def test_the_native_log_filter_passes_other_lines_and_never_blocks():
    import os
    import threading

    from hipcheck.cli.native_log import pump

    # filtering: known chatter dropped, anything else passed on, a last line without \n too
    r, w = os.pipe()
    tr, tw = os.pipe()
    t = threading.Thread(target=pump, args=(r, tw))
    t.start()
    os.write(w, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\nreal problem\nlast")
    os.close(w)
    t.join(5)
    os.close(tw)
    with os.fdopen(tr, "rb") as shown:
        assert shown.read() == b"real problem\nlast"
    # a terminal nobody reads any more: the pipe is still drained (else writers block)
    r, w = os.pipe()
    tr, tw = os.pipe()
    os.close(tr)
    t = threading.Thread(target=pump, args=(r, tw))
    t.start()
    with os.fdopen(w, "wb") as writer:
        writer.write(b"an error line\n" * 20000)  # 280 kB: more than a pipe holds
    t.join(5)
    os.close(tw)
    assert not t.is_alive()
