"""``hipcheck synth`` command, on its own Typer app."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from hipcheck.synth.cli import register


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command("noop")
    def noop() -> None:  # a second command keeps typer in multi-command mode
        """Do nothing."""

    return app


def test_synth_writes_clip_and_truth(app, tmp_path):
    out = tmp_path / "clip.mp4"
    args = [
        "synth",
        "--task",
        "single_leg_squat",
        "--side",
        "left",
        "--reps",
        "2",
        "--fppa",
        "15",
        "--pelvic-drop",
        "6",
        "--trunk-lean",
        "8",
        "--size",
        "160x224",
        "--fps",
        "15",
        "--tempo",
        "1.2",
        "--seed",
        "3",
        "--markers",
    ] + ["-o", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    truth = json.loads((tmp_path / "clip.truth.json").read_text())
    assert truth["size"] == [160, 224]
    assert truth["fps"] == 15
    assert len(truth["reps"]) == 2 and "markers" in truth
    for rep in truth["reps"]:
        assert rep["targets"]["fppa_deg"] == pytest.approx(rep["bottom"]["fppa_deg"], abs=0.5)
    assert "rep 2 (left)" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--task", "lunge"], "task", id="bad-task"),
        pytest.param(["--side", "middle"], "side", id="bad-side"),
        pytest.param(["--size", "big"], "WIDTHxHEIGHT", id="bad-size"),
    ],
)
def test_synth_rejects_bad_options_without_traceback(app, tmp_path, args, message):
    result = CliRunner().invoke(app, ["synth", "-o", str(tmp_path / "x.mp4"), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.mp4").exists()
