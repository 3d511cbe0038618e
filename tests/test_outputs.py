"""The output layer on its own: atomic writes, output sets, the lock, safe loading, CSV cells."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from clips import make_clip
from hipcheck.errors import HipcheckError, OutputError
from hipcheck.io.jsonfile import read_json_document
from hipcheck.outputs.atomic import atomic_path, atomic_write_text, is_temporary, temporary_name
from hipcheck.outputs.folder import STAGING_PREFIX, OutputFolder, output_file
from hipcheck.outputs.load import video_mismatch
from hipcheck.outputs.lock import LOCK_NAME, FolderLock
from hipcheck.sanitize import clean_id, csv_safe, csv_safe_frame, strip_control


def _names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_temporary_names_are_unique_hidden_and_keep_the_suffix(tmp_path: Path) -> None:
    a, b = temporary_name(tmp_path / "report.pdf"), temporary_name(tmp_path / "report.pdf")
    assert a != b and a.name.startswith(".report.") and a.suffix == ".pdf"
    assert f".{os.getpid()}-" in a.name and is_temporary(a) and not is_temporary(tmp_path / "x")


def test_atomic_path_keeps_the_old_file_when_the_writer_fails(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    atomic_write_text(target, "old")
    with pytest.raises(ZeroDivisionError), atomic_path(target) as tmp:
        tmp.write_text("half")
        1 / 0  # noqa: B018
    assert target.read_text() == "old" and _names(tmp_path) == {"a.txt"}


def test_output_set_commit_marker_last_stale_removed_others_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name in ("assessment.json", "report.pdf", "notes.txt"):
        (out / name).write_text("old " + name)
    with OutputFolder(out, managed={"assessment.json", "reps.csv", "report.pdf"}) as folder:
        assert (out / LOCK_NAME).exists()
        folder.path("reps.csv").write_text("new reps")
        folder.path("assessment.json").write_text("new assessment")
        final = folder.commit()
    assert list(final) == ["reps.csv", "assessment.json"]  # the marker last
    assert _names(out) == {"assessment.json", "reps.csv", "notes.txt"}  # old report gone
    assert (out / "notes.txt").read_text() == "old notes.txt"


def test_a_folder_without_a_previous_set_loses_nothing(tmp_path: Path) -> None:
    (tmp_path / "report.pdf").write_text("the user's own report")
    with OutputFolder(tmp_path, managed={"assessment.json", "report.pdf"}) as folder:
        folder.path("assessment.json").write_text("new")
        folder.commit()
    assert (tmp_path / "report.pdf").read_text() == "the user's own report"


def test_output_set_failure_keeps_the_previous_set_and_removes_new_folders(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "assessment.json").write_text("previous")
    with pytest.raises(RuntimeError), OutputFolder(out, managed={"assessment.json"}) as folder:
        folder.path("assessment.json").write_text("new")
        raise RuntimeError("no person")
    assert (
        _names(out) == {"assessment.json"} and (out / "assessment.json").read_text() == "previous"
    )
    fresh = tmp_path / "a" / "b" / "out"
    with pytest.raises(RuntimeError), OutputFolder(fresh):
        raise RuntimeError("no person")
    assert not (tmp_path / "a").exists()  # every folder this run created is gone again


def test_output_set_removes_what_a_killed_run_left(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / f"{STAGING_PREFIX}1-00000000").mkdir(parents=True)
    temp = temporary_name(out / "reps.csv")
    temp.write_text("half")
    (out / "download.part").write_text("a user's file that merely ends in .part")
    with OutputFolder(out) as folder:
        folder.commit()
    assert _names(out) == {"download.part"}


def test_the_lock_names_its_holder_and_goes_away_with_it(tmp_path: Path) -> None:
    holder = FolderLock(tmp_path, "hipcheck batch").acquire()
    with pytest.raises(OutputError) as info:
        FolderLock(tmp_path).acquire()
    assert f"PID {os.getpid()}" in info.value.message and LOCK_NAME in info.value.message
    assert "'hipcheck batch'" in info.value.message
    holder.release()
    assert not (tmp_path / LOCK_NAME).exists()
    # a lock file whose process is gone (no flock on it) does not block
    (tmp_path / LOCK_NAME).write_text(json.dumps({"pid": 999999}))
    FolderLock(tmp_path).acquire().release()


def test_output_file_checks_before_the_work(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a folder"), output_file(tmp_path):
        pass
    with pytest.raises(OutputError, match="does not exist"), output_file(tmp_path / "no" / "r"):
        pass
    with (
        pytest.raises(RuntimeError),
        output_file(tmp_path / "new" / "lm.parquet", create_parent=True) as path,
    ):
        assert path.parent.is_dir()
        raise RuntimeError("the pose model found no person")
    assert not list(tmp_path.iterdir())  # the folder made for it went again, no probe file


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("[1, 2]", "expected a JSON object"),
        ("{nope", "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
    ids=["deep", "array", "broken", "binary"],
)
def test_json_documents_are_checked(tmp_path: Path, content: str | bytes, match: str) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(HipcheckError, match=match):
        read_json_document(path)


def test_video_mismatch_compares_size_duration_and_frames(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "a.mp4", n=30, size=(160, 120))
    facts = {"width": 160, "height": 120, "duration_s": 1.0, "n_frames": 30, "fps": 30.0}
    assert video_mismatch(clip, facts) == []
    other = make_clip(tmp_path / "b.mp4", n=60, size=(120, 160))
    differences = video_mismatch(other, facts)
    assert len(differences) == 3 and "size 120x160 vs 160x120" in differences[0]
    with pytest.raises(ValueError, match="records no"):
        video_mismatch(clip, {"path": str(clip)})


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+2", "'=1+2"),
        ("+1+1", "'+1+1"),
        ("-A1", "'-A1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-5", "-5"),
        ("+1.5e3", "+1.5e3"),
        ("-", "'-"),
        ("S01", "S01"),
        ("", ""),
        (3, 3),
        (None, None),
    ],
)
def test_csv_cells_that_would_run_as_formulas_are_neutralised(cell: object, safe: object) -> None:
    assert csv_safe(cell) == safe


def test_csv_frames_keep_numbers_and_neutralise_text_and_header() -> None:
    df = pd.DataFrame({"=cmd": ["=1", "ok"], "n": [-1.5, 2.0]})
    out = csv_safe_frame(df)
    assert list(out.columns) == ["'=cmd", "n"] and list(out["'=cmd"]) == ["'=1", "ok"]
    assert list(out["n"]) == [-1.5, 2.0] and list(df.columns) == ["=cmd", "n"]  # a copy


def test_control_characters_leave_ids_and_text() -> None:
    assert clean_id(" P\x1b]0;x\x07\u202e-1\n ") == "P]0;x-1"
    assert strip_control("a\tb\nc\x1b[2J\x9b") == "a\tb\nc[2J"
