"""``hipcheck history`` and ``hipcheck compare`` through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from hipcheck.history.cli import register
from hipcheck.history.db import HistoryStore
from history_factory import make_assessment

ENV = {"COLUMNS": "220", "NO_COLOR": "1"}


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test root."""

    register(app)
    return app


@pytest.fixture
def run(app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HIPCHECK_DB", str(tmp_path / "db" / "h.sqlite"))
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, [str(a) for a in args], env=ENV, input=input)

    return invoke


def _write(path: Path, sides: dict) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    doc = make_assessment(sides).to_dict()
    (path / "assessment.json").write_text(json.dumps(doc))
    return path / "assessment.json"


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    a = _write(tmp_path / "before", {"left": {"knee_valgus_deg": 16.0, "trunk_lean_deg": 4.0}})
    b = _write(tmp_path / "after", {"left": {"knee_valgus_deg": 7.0, "trunk_lean_deg": 4.5}})
    return a, b


def test_compare_two_files_without_db(run, files, tmp_path: Path) -> None:
    res = run("compare", *files, "--plot", tmp_path / "trend.png")
    assert res.exit_code == 0, res.output
    out = res.output
    assert "Knee valgus (FPPA)" in out and "* improved" in out
    assert "-9.00" in out and "no real change" in out
    assert "Progress to phase 2 (" in out and "may be measurement noise" in out
    assert (tmp_path / "trend.png").stat().st_size > 1000
    assert not (tmp_path / "db").exists()  # nothing stored


def test_save_list_compare_delete(run, files, tmp_path: Path) -> None:
    a, b = files
    res = run("history", "save", a, "--person", "Pat [bold]x", "--date", "2025-01-10")
    assert res.exit_code == 0, res.output
    assert "Saved session 1" in res.output
    res = run("history", "save", b.parent, "--person", "Pat [bold]x", "--date", "2025-02-21")
    assert res.exit_code == 0, res.output

    res = run("history", "list")
    assert res.exit_code == 0 and "Pat [bold]x" in res.output and "2025-02-21" in res.output
    res = run("history", "list", "--person", "Pat [bold]x")
    assert res.exit_code == 0 and "2025-01-10" in res.output

    res = run("compare", "--person", "Pat [bold]x", "--plot", tmp_path / "t.png")
    assert res.exit_code == 0, res.output
    assert "2025-01-10 #1" in res.output and "* improved" in res.output
    assert (tmp_path / "t.png").is_file()
    res = run("compare", "--sessions", "2", "1", "--phase", "2")
    assert res.exit_code == 0, res.output
    # A (the later session) had a maintenance program: something got worse, so start one
    assert "* worsened" in res.output and "Start a corrective program" in res.output

    res = run("history", "delete", "--person", "Pat [bold]x", input="n\n")
    assert res.exit_code == 1 and "Nothing deleted" in res.output
    assert len(HistoryStore(tmp_path / "db" / "h.sqlite").list_sessions("Pat [bold]x")) == 2
    res = run("history", "delete", "--person", "Pat [bold]x", "--yes")
    assert res.exit_code == 0 and "2 session(s)" in res.output
    assert HistoryStore(tmp_path / "db" / "h.sqlite").list_people() == []


def test_db_option_and_delete_session(run, files, tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite"
    for f in files:
        assert run("history", "save", f, "--person", "q", "--db", db).exit_code == 0
    assert not (tmp_path / "db").exists()
    res = run("history", "delete", "--session", "1", "--db", db, input="y\n")
    assert res.exit_code == 0, res.output
    assert [s.id for s in HistoryStore(db).list_sessions("q")] == [2]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["compare"], 2, "Give two assessment files"),
        (["compare", "missing.json", "x.json"], 1, "No assessment file at missing.json"),
        (["compare", "--person", "nobody"], 1, "history database is empty"),
        (["history", "save", "missing.json", "--person", "p"], 1, "No assessment file"),
        (["history", "delete", "--yes"], 2, "Give either --person ID or --session ID"),
        (["history", "list", "--person", "ghost"], 1, "No person 'ghost'"),
    ],
    ids=["no-input", "missing-files", "unknown-person", "save-missing", "delete-nothing", "list"],
)
def test_user_errors_exit_without_traceback(run, args, code: int, message: str) -> None:
    res = run(*args)
    assert res.exit_code == code
    assert message in res.output
    assert "Traceback" not in res.output


def test_bad_inputs(run, files, tmp_path: Path) -> None:
    a, b = files
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    res = run("compare", a, bad)
    assert res.exit_code == 1 and "not valid JSON" in res.output
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"schema_version": 0}))
    res = run("compare", a, old)
    assert res.exit_code == 1 and "schema_version" in res.output
    res = run("history", "save", a, "--person", "p", "--date", "10.01.2025")
    assert res.exit_code == 1 and "YYYY-MM-DD" in res.output
    run("history", "save", a, "--person", "p")
    res = run("compare", "--person", "p")
    assert res.exit_code == 1 and "needs two" in res.output
    run("history", "save", b, "--person", "r")
    res = run("compare", "--sessions", "1", "2")
    assert res.exit_code == 1 and "do not belong to one person" in res.output
    res = run("compare", a, b, "--plot", tmp_path / "nope" / "t.png")
    assert res.exit_code == 3 and "does not exist" in res.output  # an output problem
