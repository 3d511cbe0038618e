"""The project stands alone: nothing it ships or prints points to the team's notes.

The evidence, thresholds and citations users need live in docs/EVIDENCE.md and the
package data; the team's working notes (and their section numbers and "[HEUR]" tags)
are not part of the project. Checked on every shipped text file and on every output a
person reads (terminal summary, program as text and Markdown, HTML report, CSV, JSON).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rich.console import Console

from hipcheck.console import print_assessment
from hipcheck.pipeline import analyze_landmarks
from hipcheck.program.render import render_markdown, render_text
from hipcheck.reports import ReportOptions
from hipcheck.reports.report_html import render_html
from hipcheck.tables import reps_table
from skeleton import Plan, make_series

REPO = Path(__file__).resolve().parents[1]

#: the team's notes and their markers; none may appear in what the project ships
NOTES = re.compile(
    r"\.\./shared|clinical\.md|design\.md|peers\.md|style\.md|MANIFEST\.md|\[HEUR\]",
    re.IGNORECASE,
)
#: developer wording that once reached reports (what a patient must not read)
DEVELOPER_WORDING = re.compile(
    r"VALIDATION\.md|rendered humans|Crossley-style|\bHEUR\b|side_view|pelvis_rotation|\b1 reps\b"
)
SHIPPED_SUFFIXES = {".py", ".toml", ".md", ".j2", ".html", ".css", ".txt", ".json", ".cfg"}


def _shipped_files() -> list[Path]:
    roots = [REPO / "src", REPO / "docs", REPO / "models"]
    files = [p for root in roots for p in root.rglob("*") if p.suffix in SHIPPED_SUFFIXES]
    files = [p for p in files if "egg-info" not in str(p) and "__pycache__" not in p.parts]
    extra = ["README.md", "VALIDATION.md", "app.py", "pyproject.toml", ".streamlit/config.toml"]
    return files + [REPO / name for name in extra if (REPO / name).exists()]


def test_shipped_files_do_not_point_to_the_team_notes() -> None:
    files = _shipped_files()
    assert len(files) > 50  # the package, docs and README were all found
    hits = [
        f"{p.relative_to(REPO)}:{n}: {line.strip()}"
        for p in files
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if NOTES.search(line)
    ]
    assert hits == []


def test_evidence_is_in_the_project() -> None:
    evidence = (REPO / "docs" / "EVIDENCE.md").read_text(encoding="utf-8")
    for needed in ("FPPA", "pelvic drop", "trunk lean", "References", "engineering default"):
        assert needed in evidence
    assert "docs/EVIDENCE.md" in (REPO / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def analysis():
    # clear findings on the left leg: ratings, a program and every report section
    series, _ = make_series(Plan(side="left", fppa_deg=18.0, lean_deg=12.0))
    return analyze_landmarks(series)


def test_outputs_a_person_reads_do_not_point_to_the_team_notes(analysis, tmp_path) -> None:
    a = analysis.assessment
    assert a.program is not None and a.findings  # the texts below have content
    console = Console(record=True, width=200, color_system=None)
    print_assessment(a, console)
    texts = {
        "terminal": console.export_text(),
        "program text": render_text(a.program),
        "program markdown": render_markdown(a.program),
        "report html": render_html(a, ReportOptions(kinematics=analysis.kinematics)),
        "reps.csv": reps_table(a).to_csv(index=False),
        "assessment.json": json.dumps(a.to_dict()),
    }
    for name, text in texts.items():
        assert not NOTES.search(text), (name, NOTES.search(text))
        if name != "assessment.json":  # machine codes are fine in the data file
            assert not DEVELOPER_WORDING.search(text), (name, DEVELOPER_WORDING.search(text))
