"""What is read back from disk is validated: broken assessments are refused everywhere.

A damaged or hand-edited assessment.json (NaN values, a rating of 7, a malformed
findings list, an unknown metric, a future schema) must never become "+nan improved",
"Overall: 7", a maintenance program or a stored session: ``compare``, ``history save``,
``report`` and ``program`` refuse it with a message naming the file and the field, exit
status 1 and no traceback. Version-1 files of hipcheck 0.1 are still read.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures_assessment import make_assessment
from hipcheck.assessment import load_assessment, read_assessment
from hipcheck.assessment.load import AssessmentFileError

GOOD = make_assessment().to_dict()


def _with(path: tuple, value: object) -> dict:
    doc = json.loads(json.dumps(GOOD))
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


BROKEN = {
    "nan-value": (
        _with(("reps", 0, "metrics", "knee_valgus_deg", "left", "value"), float("nan")),
        "reps.0.metrics.knee_valgus_deg.left.value",
    ),
    "infinite-mean": (_with(("summary", 0, "mean"), float("inf")), "summary.0.mean"),
    "rating-7": (_with(("overall_rating",), 7), "overall_rating"),
    "findings-not-a-list": (_with(("findings",), {"id": "x"}), "findings"),
    "unknown-metric": (
        _with(("reps", 0, "metrics", "hip_wobble_deg"), {"left": {"value": 1.0}}),
        "unknown metric 'hip_wobble_deg'",
    ),
    "future-schema": (_with(("schema_version",), 99), "schema_version 99"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_loader_names_the_field(case: str, tmp_path: Path) -> None:
    doc, field = BROKEN[case]
    path = tmp_path / "assessment.json"
    path.write_text(json.dumps(doc))  # json writes NaN / Infinity as bare tokens
    with pytest.raises(AssessmentFileError) as err:
        read_assessment(path)
    assert field in err.value.message and str(path) in err.value.message


def test_deeply_nested_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "assessment.json"
    path.write_text('{"reps": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(AssessmentFileError, match="nested too deeply"):
        read_assessment(path)


def _hipcheck(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = "from hipcheck.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"HIPCHECK_DB": str(cwd / "history.sqlite"), "PATH": "/usr/bin:/bin", "HOME": str(cwd)},
    )


COMMANDS = {
    "compare": lambda good, bad: ("compare", good, bad),
    "history-save": lambda good, bad: ("history", "save", bad, "--person", "p"),
    "report": lambda good, bad: ("report", bad, "-o", bad.parent / "r.html"),
    "program": lambda good, bad: ("program", "--from", bad),
}


@pytest.mark.parametrize(
    ("command", "case"),
    [
        ("compare", "nan-value"),
        ("history-save", "findings-not-a-list"),
        ("report", "rating-7"),
        ("program", "nan-value"),
    ],
)
def test_commands_refuse_a_broken_assessment(command: str, case: str, tmp_path: Path) -> None:
    good = tmp_path / "good" / "assessment.json"
    bad = tmp_path / "bad" / "assessment.json"
    for path, doc in ((good, GOOD), (bad, BROKEN[case][0])):
        path.parent.mkdir()
        path.write_text(json.dumps(doc))
    res = _hipcheck(*COMMANDS[command](good, bad), cwd=tmp_path)
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "Traceback" not in out
    assert BROKEN[case][1] in out
    assert "nan" not in res.stdout.lower() and "improved" not in res.stdout
    assert not (tmp_path / "bad" / "r.html").exists()
    assert not (tmp_path / "history.sqlite").exists() or command != "history-save"


def test_version_1_files_are_still_read() -> None:
    """A hipcheck 0.1 document: per-rep values kept, KASR's ratio made a difference."""
    v1 = {
        "schema_version": 1,
        "hipcheck_version": "0.1.0",
        "video": {"path": "clip.mp4", "fps": 30.0, "width": 640, "height": 480},
        "task": "double_leg_squat",
        "reps": [
            {
                "index": i,
                "task": "double_leg_squat",
                "side": "both",
                "start_s": 2.0 * i,
                "bottom_s": 2.0 * i + 1,
                "end_s": 2.0 * i + 2,
                "depth": 0.2,
                "metrics": {
                    "pelvic_drop_deg": {
                        "bottom": 2.0,
                        "bottom_rel": 1.5,
                        "peak": 2.5,
                        "peak_rel": 2.0,
                        "status": "indicative",
                    },
                    "trunk_lean_deg": {
                        "bottom": 3.0,
                        "bottom_rel": 2.0,
                        "peak": 3.5,
                        "peak_rel": 2.5,
                        "status": "measured",
                        "rating": "good",
                    },
                    "knee_valgus_deg": {
                        limb: {
                            "bottom": 8.0,
                            "bottom_rel": 6.0,
                            "peak": 9.0,
                            "peak_rel": 7.0,
                            "status": "measured",
                            "rating": "good",
                        }
                        for limb in ("left", "right")
                    },
                    "kasr": {
                        "bottom": 0.6,
                        "bottom_rel": 0.75,
                        "peak": 0.55,
                        "peak_rel": None,
                        "status": "measured",
                        "rating": "poor",
                    },
                },
                "quality": [],
                "start_frame": 60 * i,
                "bottom_frame": 60 * i + 30,
                "end_frame": 60 * i + 60,
                "piva_score": None,
            }  # fmt: skip
            for i in (1, 2, 3)
        ],
        "summary": {"baseline": {"start_s": 0.0, "end_s": 1.0, "bilateral": True}},
        "findings": [{"id": "knee_valgus", "side": "both", "severity": "poor", "value_deg": 0.6}],
        "overall_rating": "poor",
        "quality": ["a note"],
        "options": {"sex": "male", "task": "auto"},
        "sources": {"pelvic_drop_deg": "landmarks"},
        "program": None,
        "disclaimer": "old text",
    }
    a = load_assessment(v1, source="old.json")
    rep = a.reps[0]
    kasr = rep.metric("kasr")
    assert kasr.value == pytest.approx(0.6)  # the rated headline: the absolute ratio
    assert kasr.baseline == pytest.approx(0.8) and kasr.bottom_rel == pytest.approx(-0.2)
    knee = rep.metric("knee_valgus_deg", "right")
    assert knee.value == pytest.approx(6.0) and knee.baseline == pytest.approx(2.0)
    kasr_summary = a.summary_for("kasr", "both")
    assert kasr_summary.mean == pytest.approx(0.6) and kasr_summary.rating == "poor"
    assert a.overall_rating == "poor" and a.provenance.options["sex"] == "male"
    assert a.provenance.baseline is not None and a.provenance.baseline.bilateral
    # the upgraded assessment is a valid current document
    assert load_assessment(a.to_dict()).to_dict() == a.to_dict()
