"""Rendering of programs and the ``hipcheck program`` command."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from fixtures_assessment import make_assessment
from hipcheck.assessment import assessment_from_reps
from hipcheck.config import AnalysisConfig
from hipcheck.model import Finding
from hipcheck.program import Program, ProgramContext, build_program, render_markdown, render_text
from hipcheck.program.cli import register
from hipcheck.program.model import ProgramItem
from hipcheck.program.render import WIDTH, format_dose

FINDINGS = [
    Finding(
        "knee_valgus", "left", "poor", 19.2, True, "Knee valgus left: 19.2 deg (poor).", n_reps=4
    ),
    Finding(
        "pelvic_drop", "left", "fair", 4.0, True, "Pelvic drop left: 4.0 deg (fair).", n_reps=4
    ),
]


@pytest.fixture(scope="module")
def program() -> Program:
    return build_program(FINDINGS, ProgramContext(equipment={"band", "step"}))


def _item(**kw) -> ProgramItem:
    base = dict(
        exercise_id="x",
        name="X",
        sets=3,
        reps=12,
        hold_s=None,
        rest_s=30,
        tempo="2-1-2",
        sessions_per_week=6,
    )
    return ProgramItem(**{**base, **kw})


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        pytest.param({}, "3 sets x 12 reps", id="reps"),
        pytest.param({"per": "each side"}, "3 sets x 12 reps each side", id="reps-per-side"),
        pytest.param(
            {"per": "steps each way", "reps": 10}, "3 sets x 10 steps each way", id="steps"
        ),
        pytest.param(
            {"reps": 5, "hold_s": 8, "sets": 2}, "2 sets x 5 holds of 8 s", id="isometric"
        ),
        pytest.param(
            {"reps": None, "hold_s": 20, "per": "each side"}, "3 x 20 s hold each side", id="timed"
        ),
    ],
)
def test_format_dose(kw, expected):
    assert format_dose(_item(**kw)) == expected


@pytest.mark.parametrize("render", [render_text, render_markdown], ids=["text", "markdown"])
def test_render_contains_phases_dosage_safety(program, render):
    out = render(program)
    flat = " ".join(out.split())  # text output is wrapped
    for phase in program.phases:
        assert phase.name.lower() in out.lower()
        assert f"weeks {phase.weeks}" in out
        for item in phase.items:
            assert item.name in flat
            assert format_dose(item) in flat
            if item.side_emphasis:
                assert item.side_emphasis in flat
    for text in (program.safety.red_flags[0], program.safety.par_q[0], program.retest):
        assert " ".join(text.split()) in flat
    assert "not a diagnosis" in flat
    for finding in FINDINGS:
        assert finding.summary in flat


def test_text_fits_terminal(program):
    lines = render_text(program).splitlines()
    assert max(len(line) for line in lines) <= WIDTH


def test_markdown_table_has_one_row_per_item(program):
    md = render_markdown(program)
    rows = [line for line in md.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == len(program.items)


def test_render_maintenance_and_notes():
    program = build_program(
        [Finding("pelvic_drop", "left", "poor", 8.0, False, "Indicative pelvic drop left.")]
    )
    text = render_text(program)
    assert "MAINTENANCE PROGRAM" in text and "Indicative, not used" in text
    assert "Maintenance" in render_markdown(program)


# ---------------------------------------------------------------- CLI


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:
        """Test root so `program` stays a sub-command."""

    return app


def _write(tmp_path, doc) -> str:
    path = tmp_path / "assessment.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return str(path)


ASSESSMENT = make_assessment().to_dict()  # left knee valgus and trunk lean fair


def _broken(**changes) -> dict:
    """The assessment document with some fields replaced (a hand-edited or damaged file)."""
    return {**ASSESSMENT, **changes}


def test_cli_prints_text_program(app, tmp_path):
    result = CliRunner().invoke(app, ["program", "--from", _write(tmp_path, ASSESSMENT)])
    assert result.exit_code == 0, result.output
    assert "PHASE 1" in result.output and "PHASE 3" in result.output
    assert "BEFORE YOU START" in result.output


def test_cli_options_change_the_program(app, tmp_path):
    path = _write(tmp_path, ASSESSMENT)
    plain = CliRunner().invoke(app, ["program", "--from", path, "-f", "json"])
    banded = CliRunner().invoke(
        app,
        [
            "program",
            "--from",
            str(tmp_path),
            "-f",
            "json",
            "--equipment",
            "band,step",
            "--level",
            "beginner",
            "--lateral-hip-pain",
            "--athlete",
        ],
    )
    assert plain.exit_code == 0 and banded.exit_code == 0, banded.output
    a = Program.from_dict(json.loads(plain.output))
    b = Program.from_dict(json.loads(banded.output))
    assert a.context["equipment"] == ["none"]
    assert b.context == {
        "equipment": ["band", "none", "step"],
        "level": "beginner",
        "lateral_hip_pain": True,
        "athlete": True,
    }
    assert {i.exercise_id for i in a.items} != {i.exercise_id for i in b.items}
    assert any("Lateral hip pain" in n for n in b.notes)


def test_cli_writes_markdown_file(app, tmp_path):
    out = tmp_path / "program.md"
    result = CliRunner().invoke(
        app, ["program", "--from", _write(tmp_path, ASSESSMENT), "-f", "markdown", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("# hipcheck: Corrective program")


def test_cli_no_findings_prints_maintenance(app, tmp_path):
    doc = make_assessment(findings=False).to_dict()
    result = CliRunner().invoke(app, ["program", "--from", _write(tmp_path, doc)])
    assert result.exit_code == 0
    assert "MAINTENANCE PROGRAM" in result.output


def test_cli_nothing_measured_gives_no_program(app, tmp_path):
    doc = make_assessment(knee_status="not_measurable", pelvic_status="not_measurable")
    doc = replace(
        doc,
        reps=tuple(
            replace(r, metrics={k: v for k, v in r.metrics.items() if k != "trunk_lean_deg"})
            for r in doc.reps
        ),
    )
    doc = assessment_from_reps(doc.reps, video={}, config=AnalysisConfig())
    assert not doc.coverage.rated
    result = CliRunner().invoke(app, ["program", "--from", _write(tmp_path, doc.to_dict())])
    assert result.exit_code == 1
    assert "No exercise program: nothing could be measured" in result.output
    assert "What to do: Film from the front" in " ".join(result.output.split())
    assert "PHASE" not in result.output


@pytest.mark.parametrize(
    ("doc", "args", "code", "message"),
    [
        pytest.param(None, [], 1, "No assessment file", id="missing-file"),
        pytest.param("{not json", [], 1, "not valid JSON", id="bad-json"),
        pytest.param([1, 2], [], 1, "expected a JSON object", id="not-an-object"),
        pytest.param(_broken(findings="none"), [], 1, "field findings", id="findings-not-list"),
        pytest.param(
            _broken(findings=[{"id": "knee_valgus"}]),
            [],
            1,
            "field findings.0.side: Field required",
            id="finding-incomplete",
        ),
        pytest.param(
            _broken(findings=[{"id": "x", "side": "left", "severity": "poor", "oops": 1}]),
            [],
            1,
            "field findings.0.oops: Unexpected keyword argument",
            id="finding-unknown-key",
        ),
        pytest.param(_broken(schema_version=7), [], 1, "schema_version 7", id="schema-version"),
        pytest.param(
            _broken(overall_rating=7), [], 1, "field overall_rating", id="overall-not-a-rating"
        ),
        pytest.param(
            ASSESSMENT, ["--equipment", "sofa"], 1, "Unknown equipment: sofa", id="equipment"
        ),
        pytest.param(ASSESSMENT, ["--level", "pro"], 1, "Unknown training level", id="level"),
        pytest.param(ASSESSMENT, ["--format", "pdf"], 2, "Unknown format", id="format"),
        pytest.param(
            ASSESSMENT, ["-o", "/nonexistent-dir/x/p.txt"], 3, "does not exist", id="output"
        ),
    ],
)
def test_cli_errors_are_clean(app, tmp_path, doc, args, code, message):
    path = str(tmp_path / "missing.json") if doc is None else _write(tmp_path, doc)
    result = CliRunner().invoke(app, ["program", "--from", path, *args])
    assert result.exit_code == code
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    out = " ".join(result.output.split())  # rich wraps long lines
    assert "Error: " in out and message in out
    assert "What to do: " in out
    assert not Path("/nonexistent-dir").exists()
