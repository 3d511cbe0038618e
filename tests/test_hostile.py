"""The hostile-input catalogue: every bad or hostile input we know, and what must happen.

Each :class:`Case` is one command line with its setup, the exit status it must end with
(see ``hipcheck --help``: 1 input, 2 usage, 3 output), a phrase of the message it must
print, and what must not exist afterwards. Every case also checks that no traceback is
printed and that nothing partial is left behind (no temporary file, no staging folder,
no lock file anywhere under the case's folder).

The cases run the real CLI in-process (``CliRunner``) on a synthetic skeleton's
landmarks (no pose model), except a few that must see a video decoded (still image,
no person) or a real standard output (``/dev/full``, a closed pipe: subprocesses).
Cases that need a small or read-only file system mount a tmpfs and run only as root
(skipped with the reason otherwise).

Totals: ``pytest tests/test_hostile.py -q`` (one test per case, plus the subprocess
cases at the end).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from clips import make_audio_only, make_clip, top_level_boxes, zero_media_data
from hipcheck.batch.discover import clip_id
from hipcheck.cli import _register_subcommands, app
from hipcheck.io.landmarks import save_landmarks
from hipcheck.io.video import probe_video
from hipcheck.io.writer import write_video
from hipcheck.outputs.atomic import is_temporary
from hipcheck.outputs.folder import STAGING_PREFIX
from hipcheck.outputs.lock import LOCK_NAME, FolderLock
from skeleton import Plan, make_series

REPO = Path(__file__).resolve().parents[1]
SAMPLE_A = REPO / "sample_videos" / "sls_left_valgus_drop.mp4"
SAMPLE_B = REPO / "sample_videos" / "double_leg_squat.mp4"
ESC = "\x1b"

_register_subcommands()
runner = CliRunner()


# --- the shared material (no pose model) -----------------------------------------------


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Landmarks of a synthetic skeleton, their analysis folder, and broken videos."""
    root = tmp_path_factory.mktemp("hostile-base")
    series, _ = make_series(Plan(side="left", reps=2))
    series.source = "skeleton"
    save_landmarks(series, root / "lm.parquet")
    res = runner.invoke(
        app, ["analyze", "--landmarks", str(root / "lm.parquet"), "--out", str(root / "done")]
    )
    assert res.exit_code == 0, res.output
    # the same analysis as if it came from SAMPLE_A (its facts), for the pairing cases
    doc = json.loads((root / "done" / "assessment.json").read_text())
    doc["video"] = {**doc["video"], **probe_video(SAMPLE_A).to_dict()}
    (root / "from_a").mkdir()
    (root / "from_a" / "assessment.json").write_text(json.dumps(doc))
    videos = root / "videos"
    videos.mkdir()
    clip = make_clip(videos / "plain.mp4", n=30)
    (videos / "empty.mp4").write_bytes(b"")
    (videos / "text.mp4").write_text("this is a text file, not a video\n" * 20)
    make_audio_only(videos / "tone.m4a")
    zero_media_data(clip, videos / "zeros.mp4")
    make_clip(videos / "one.mp4", n=1)
    img = np.full((240, 320, 3), 150, np.uint8)
    write_video(videos / "room.mp4", [img] * 12, 12.0)  # no person in any frame
    import cv2

    cv2.imwrite(str(videos / "still.png"), img)
    data = bytearray(clip.read_bytes())
    kind, offset, size = next(b for b in top_level_boxes(bytes(data)) if b[0] == "moov")
    rng = random.Random(1)  # flips that leave no usable stream (the old message said
    for _ in range(20):  # "not an audio-only recording")
        data[rng.randrange(offset + 8, offset + size)] ^= 0xFF
    (videos / "flipped.mp4").write_bytes(bytes(data))
    return root


@dataclass
class Ctx:
    """What a case's setup and check see."""

    tmp: Path
    base: Path
    mounts: list[Path] = field(default_factory=list)

    @property
    def lm(self) -> Path:
        return self.base / "lm.parquet"

    def mount(self, name: str, size: str = "4m", ro: bool = False) -> Path:
        """Mount a tmpfs at ``tmp/name`` (root only; unmounted after the case)."""
        where = self.tmp / name
        where.mkdir(parents=True, exist_ok=True)
        opts = f"size={size}" + (",ro" if ro else "")
        res = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(where)],
                             capture_output=True, text=True)  # fmt: skip
        if res.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {res.stderr.strip()}")
        self.mounts.append(where)
        return where

    def remount_ro(self, where: Path) -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)


def fill(folder: Path) -> None:
    """Fill the file system holding ``folder`` up to the last page."""
    with contextlib.suppress(OSError), open(folder / "filler.bin", "wb") as fh:
        for chunk in (65536, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    fh.write(b"\0" * chunk)
                    fh.flush()


def set_lm(ctx: Ctx, name: str, mutate: Callable[[pa.Table], pa.Table]) -> None:
    """Write ``tmp/name``: the good landmark file with its table changed by ``mutate``."""
    table = pq.read_table(ctx.lm)
    pq.write_table(mutate(table), ctx.tmp / name)


def column(table: pa.Table, name: str, values: object) -> pa.Table:
    i = table.schema.get_field_index(name)
    return table.set_column(i, name, pa.array(values))


def meta(table: pa.Table, raw: bytes) -> pa.Table:
    return table.replace_schema_metadata({**table.schema.metadata, b"hipcheck": raw})


def hipcheck_meta(table: pa.Table, **changes: object) -> pa.Table:
    m = json.loads(table.schema.metadata[b"hipcheck"])
    return meta(table, json.dumps({**m, **changes}).encode())


def times(table: pa.Table, edit: Callable[[np.ndarray], None]) -> pa.Table:
    t = table.column("t_s").to_numpy().copy()
    edit(t)
    return column(table, "t_s", t)


# --- the catalogue ------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One hostile input: command, expected exit status and message, what must not exist."""

    id: str
    args: tuple[str, ...]
    code: int
    message: str | tuple[str, ...]
    setup: Callable[[Ctx], None] | None = None
    absent: tuple[str, ...] = ()
    check: Callable[[Ctx, str], None] | None = None
    root: bool = False
    nonroot: bool = False


def _v(name: str) -> str:
    return "{base}/videos/" + name


def _no_write(folder: Path) -> None:
    folder.mkdir()
    folder.chmod(0o555)


def _lock(ctx: Ctx) -> None:
    (ctx.tmp / "out").mkdir()
    ctx.holder = FolderLock(ctx.tmp / "out", "hipcheck analyze").acquire()  # type: ignore[attr-defined]


def _stale(ctx: Ctx) -> None:
    shutil.copytree(ctx.base / "done", ctx.tmp / "out")
    (ctx.tmp / "out" / "report.pdf").write_bytes(b"%PDF old report of another clip")
    (ctx.tmp / "out" / "annotated.mp4").write_bytes(b"old video")
    (ctx.tmp / "out" / "my notes.txt").write_text("the user's own file")


def _stale_check(ctx: Ctx, output: str) -> None:
    names = {p.name for p in (ctx.tmp / "out").iterdir()}
    assert "report.pdf" not in names and "annotated.mp4" not in names  # stale: removed
    assert "my notes.txt" in names and "report.html" in names


def _leftovers(ctx: Ctx) -> None:
    shutil.copytree(ctx.base / "done", ctx.tmp / "out")
    (ctx.tmp / "out" / f"{STAGING_PREFIX}999-deadbeef").mkdir()
    (ctx.tmp / "out" / f"{STAGING_PREFIX}999-deadbeef" / "reps.csv").write_text("half")
    (ctx.tmp / "out" / ".reps.999-deadbeef.part.csv").write_text("half")


def _previous_then_full(ctx: Ctx) -> None:
    disk = ctx.mount("disk", "4m")
    res = runner.invoke(app, ["analyze", "--landmarks", str(ctx.lm), "--out", str(disk / "out")])
    assert res.exit_code == 0, res.output
    ctx.before = {p.name: p.read_bytes() for p in (disk / "out").iterdir()}  # type: ignore[attr-defined]
    fill(disk)


def _previous_intact(ctx: Ctx, output: str) -> None:
    out = ctx.tmp / "disk" / "out"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == ctx.before  # type: ignore[attr-defined]


def _fresh_full(ctx: Ctx) -> None:
    fill(ctx.mount("disk", "64k"))


def _deep(ctx: Ctx) -> None:
    (ctx.tmp / "deep.json").write_text("[" * 100_000 + "]" * 100_000)


def _deep_dir(ctx: Ctx) -> None:
    (ctx.tmp / "deep").mkdir()
    (ctx.tmp / "deep" / "assessment.json").write_text('{"a":' * 50_000 + "1" + "}" * 50_000)


def _huge(ctx: Ctx) -> None:
    with open(ctx.tmp / "huge.json", "wb") as fh:
        fh.write(b'{"x": "' + b"a" * (20 * 2**20) + b'"}')


def _write_doc(name: str, edit: Callable[[dict], object]) -> Callable[[Ctx], None]:
    def setup(ctx: Ctx) -> None:
        doc = json.loads((ctx.base / "done" / "assessment.json").read_text())
        (ctx.tmp / name).mkdir()
        (ctx.tmp / name / "assessment.json").write_text(json.dumps(edit(doc)))

    return setup


def _set(doc: dict, **changes: object) -> dict:
    return {**doc, **changes}


def _big_note(doc: dict) -> dict:
    return _set(doc, quality=["x" * 5_000_000])


def _big_note_check(ctx: Ctx, output: str) -> None:
    html = (ctx.tmp / "r.html").read_text()
    assert "x" * 2000 not in html and "\u2026" in html


def _no_frames_check(ctx: Ctx, output: str) -> None:
    html = (ctx.tmp / "r.html").read_text()
    assert "Key frames were left out" in html


def _no_esc_in_report(ctx: Ctx, output: str) -> None:
    html = (ctx.tmp / "r.html").read_text()
    assert ESC not in html and "P-1[2J" in html


def _ro_db(ctx: Ctx) -> None:
    where = ctx.mount("dbdisk", "4m")
    res = runner.invoke(app, ["history", "save", str(ctx.base / "done"), "--person", "P-first",
                              "--db", str(where / "h.sqlite")])  # fmt: skip
    assert res.exit_code == 0, res.output
    ctx.remount_ro(where)


def _no_sql(ctx: Ctx, output: str) -> None:
    for secret in ("INSERT", "SELECT", "P-secret-42", "[SQL"):
        assert secret not in output


def _esc_person_check(ctx: Ctx, output: str) -> None:
    res = runner.invoke(app, ["history", "list", "--db", str(ctx.tmp / "h.sqlite")])
    assert res.exit_code == 0 and ESC not in res.output and "Mallory]0;pwned" in res.output


def _port_in_use(ctx: Ctx) -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    ctx.sock = s  # type: ignore[attr-defined]
    ctx.port = s.getsockname()[1]  # type: ignore[attr-defined]


def _closing_server(ctx: Ctx) -> None:
    import threading

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    ctx.sock = s  # type: ignore[attr-defined]
    ctx.port = s.getsockname()[1]  # type: ignore[attr-defined]

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = s.accept()
                conn.close()

    threading.Thread(target=serve, daemon=True).start()


def _manifest(ctx: Ctx) -> None:
    (ctx.tmp / "m.csv").write_text(
        "path,subject,note,score\n"
        'gone.mp4,=HYPERLINK("http://x/?"&A1),@SUM(1+1),-5\n'
        "gone2.mp4,+1+1,\x1b[31mred,3\n"
    )


def _manifest_check(ctx: Ctx, output: str) -> None:
    import pandas as pd

    csv = (ctx.tmp / "out" / "clips.csv").read_text()
    assert "'=HYPERLINK" in csv and "'@SUM(1+1)" in csv and "'+1+1" in csv
    assert ",-5," in csv  # a number stays a number
    assert ESC not in csv and "[31mred" in csv
    raw = pd.read_parquet(ctx.tmp / "out" / "clips.parquet")
    assert raw["subject"].iloc[0].startswith("=HYPERLINK")  # Parquet keeps the value


def _batch_full(ctx: Ctx) -> None:
    (ctx.tmp / "m.csv").write_text("path\ngone.mp4\n")
    disk = ctx.mount("disk", "1m")
    folder = disk / "out" / "clips" / clip_id(ctx.tmp / "gone.mp4", "gone.mp4")
    folder.mkdir(parents=True)
    shutil.copy(ctx.lm, folder / "landmarks.parquet")
    fill(disk)


def _batch_full_check(ctx: Ctx, output: str) -> None:
    status = next((ctx.tmp / "disk" / "out" / "clips").iterdir()) / "status.json"
    assert not status.exists() or json.loads(status.read_text())["status"] != "ok"
    assert "internal" not in output


def _escape_in_source(ctx: Ctx) -> None:
    series, _ = make_series(Plan(side="left", reps=2))
    series.source = "clip\x1b]0;pwned\x07\x1b[2J.mp4"
    series.video = {**series.video, "path": series.source}
    save_landmarks(series, ctx.tmp / "esc.parquet")


def _two_people(ctx: Ctx) -> None:
    series, _ = make_series(Plan(side="left", reps=2))
    jump = np.zeros(series.n_frames, dtype=bool)
    jump[::25] = True  # every 25th frame the skeleton lands on someone 300 px away
    series.xy[jump, :, 0] += 300
    save_landmarks(series, ctx.tmp / "two.parquet")


LM = "{lm}"
OUT = "{tmp}/out"
CASES: list[Case] = [
    # ---- videos that cannot be analysed (message, exit 1, no output folder)
    Case("video-missing", ("analyze", "{tmp}/missing.mp4", "--out", OUT), 1, "not found",
         absent=("out",)),
    Case("video-empty-file", ("analyze", _v("empty.mp4"), "--out", OUT), 1,
         "not a readable video", absent=("out",)),
    Case("video-text-file", ("analyze", _v("text.mp4"), "--out", OUT), 1,
         "not a readable video", absent=("out",)),
    Case("video-is-a-folder", ("analyze", "{base}/videos", "--out", OUT), 1, "is a folder",
         absent=("out",)),
    Case("video-audio-only", ("analyze", _v("tone.m4a"), "--out", OUT), 1, "only audio",
         absent=("out",)),
    Case("video-no-decodable-frame", ("analyze", _v("zeros.mp4"), "--out", OUT), 1,
         "no decodable", absent=("out",)),
    Case("video-flipped-moov-bytes", ("analyze", _v("flipped.mp4"), "--out", OUT), 1,
         ("damaged or not a video", "not a readable video", "no decodable"), absent=("out",),
         check=lambda ctx, out: _not_in(out, "audio-only")),
    Case("video-still-image", ("analyze", _v("still.png"), "--out", OUT), 1, "still image",
         absent=("out",)),
    Case("video-one-frame", ("analyze", _v("one.mp4"), "--out", OUT), 1, "only 1 frame",
         absent=("out",)),
    Case("video-no-person", ("analyze", _v("room.mp4"), "--out", OUT), 1, "No person",
         absent=("out",)),
    Case("video-hostile-name", ("analyze", "{tmp}/\x1b[31m[bold]x[/bold];rm -rf ~.mp4",
                                "--out", OUT), 1, ("File not found", "[bold]x[/bold]")),
    Case("landmarks-out-is-a-folder", ("landmarks", _v("plain.mp4"), "-o", "{tmp}"), 3,
         "is a folder"),
    Case("landmarks-out-csv", ("landmarks", _v("plain.mp4"), "-o", "{tmp}/lm.csv"), 2,
         "does not end in .parquet", absent=("lm.csv",)),
    Case("landmarks-max-side-0", ("landmarks", _v("plain.mp4"), "--max-side", "0"), 2,
         "max-side"),
    # ---- options, refused before any work (exit 2, nothing created)
    Case("analyze-report-docx", ("analyze", "--landmarks", LM, "--out", OUT, "--report", "docx"),
         2, "Unknown report format", absent=("out",)),
    Case("analyze-max-side-0", ("analyze", _v("plain.mp4"), "--out", OUT, "--max-side", "0"), 2,
         "max-side", absent=("out",)),
    Case("analyze-video-and-landmarks", ("analyze", _v("plain.mp4"), "--landmarks", LM,
                                         "--out", OUT), 2, "Both a video", absent=("out",)),
    Case("analyze-no-input", ("analyze", "--out", OUT), 2, "No input", absent=("out",)),
    Case("analyze-bad-task", ("analyze", "--landmarks", LM, "--out", OUT, "--task", "jump"), 2,
         "task must be", absent=("out",)),
    Case("analyze-bad-side", ("analyze", "--landmarks", LM, "--out", OUT, "--side", "up"), 2,
         "side must be", absent=("out",)),
    Case("analyze-bad-sex", ("analyze", "--landmarks", LM, "--out", OUT, "--sex", "x"), 2,
         "sex must be", absent=("out",)),
    Case("analyze-bad-cutoff", ("analyze", "--landmarks", LM, "--out", OUT, "--cutoff-hz", "0"),
         2, "cutoff_hz", absent=("out",)),
    Case("analyze-bad-marker-colour", ("analyze", _v("plain.mp4"), "--out", OUT, "--markers",
                                       "purple"), 2, "purple", absent=("out",)),
    Case("analyze-annotate-without-video", ("analyze", "--landmarks", LM, "--out", OUT,
                                            "--annotate"), 2, "--annotate needs the analysed clip",
         absent=("out",)),
    # ---- output folders (exit 3 before the work, or nothing partial after it)
    Case("out-is-a-file", ("analyze", "--landmarks", LM, "--out", "{tmp}/f"), 3, "is a file",
         setup=lambda ctx: (ctx.tmp / "f").write_text("x")),
    Case("out-below-a-file", ("analyze", "--landmarks", LM, "--out", "{tmp}/f/out"), 3,
         "is a file", setup=lambda ctx: (ctx.tmp / "f").write_text("x")),
    Case("out-read-only-disk", ("analyze", "--landmarks", LM, "--out", "{tmp}/ro/out"), 3,
         "read-only", setup=lambda ctx: ctx.mount("ro", ro=True), root=True),
    Case("out-no-permission", ("analyze", "--landmarks", LM, "--out", "{tmp}/locked/out"), 3,
         "permission denied", setup=lambda ctx: _no_write(ctx.tmp / "locked"),
         absent=("locked/out",), nonroot=True),
    Case("out-full-disk", ("analyze", "--landmarks", LM, "--out", "{tmp}/disk/out"), 3,
         "disk is full", setup=_fresh_full, absent=("disk/out",), root=True),
    Case("out-full-disk-keeps-previous-run", ("analyze", "--landmarks", LM, "--out",
                                              "{tmp}/disk/out", "--report", "html"), 3,
         "disk is full", setup=_previous_then_full, check=_previous_intact, root=True),
    Case("out-in-use", ("analyze", "--landmarks", LM, "--out", OUT), 3,
         ("in use by another hipcheck run", LOCK_NAME), setup=_lock),
    Case("out-stale-files-removed", ("analyze", "--landmarks", LM, "--out", OUT, "--report",
                                     "html"), 0, "Wrote", setup=_stale, check=_stale_check),
    Case("out-leftovers-of-a-killed-run", ("analyze", "--landmarks", LM, "--out", OUT), 0,
         "Wrote", setup=_leftovers),
    # ---- reports
    Case("report-into-missing-folder", ("report", "{base}/done", "-o", "{tmp}/no/r.pdf"), 3,
         "does not exist", absent=("no",)),
    Case("report-onto-a-folder", ("report", "{base}/done", "-o", "{tmp}"), 3, "is a folder"),
    Case("report-docx", ("report", "{base}/done", "-o", "{tmp}/r.docx"), 2,
         "Cannot tell the report format", absent=("r.docx",)),
    Case("report-huge-patient-id", ("report", "{base}/done", "-o", "{tmp}/r.pdf", "--patient",
                                    "p" * 50_000), 2, "patient id", absent=("r.pdf",)),
    Case("report-other-clip", ("report", "{base}/from_a", "-o", "{tmp}/r.pdf", "--video",
                               str(SAMPLE_B)), 1, "is not the clip", absent=("r.pdf",)),
    Case("report-video-unverifiable", ("report", "{tmp}/nofacts", "-o", "{tmp}/r.pdf",
                                       "--video", str(SAMPLE_A)), 1, "Cannot check",
         setup=_write_doc("nofacts", lambda d: _set(d, video={})), absent=("r.pdf",)),
    Case("report-video-missing", ("report", "{tmp}/moved", "-o", "{tmp}/r.html"), 0,
         "Key frames were left out", check=_no_frames_check,
         setup=_write_doc("moved", lambda d: _set(d, video={**d["video"],
                                                             "path": "/gone/clip.mp4"}))),
    Case("report-deeply-nested", ("report", "{tmp}/deep", "-o", "{tmp}/r.pdf"), 1,
         "nested too deeply", setup=_deep_dir, absent=("r.pdf",)),
    Case("report-20-mb-file", ("report", "{tmp}/huge.json", "-o", "{tmp}/r.pdf"), 1,
         "MB", setup=_huge, absent=("r.pdf",)),
    Case("report-json-array", ("report", "{tmp}/arr.json", "-o", "{tmp}/r.pdf"), 1,
         "expected a JSON object", setup=lambda ctx: (ctx.tmp / "arr.json").write_text("[1]"),
         absent=("r.pdf",)),
    Case("report-schema-99", ("report", "{tmp}/s99", "-o", "{tmp}/r.pdf"), 1,
         "schema_version", setup=_write_doc("s99", lambda d: _set(d, schema_version=99)),
         absent=("r.pdf",)),
    Case("report-5-mb-field", ("report", "{tmp}/big", "-o", "{tmp}/r.html"), 0,
         "Report written", setup=_write_doc("big", _big_note), check=_big_note_check),
    Case("report-escape-in-patient-id", ("report", "{base}/done", "-o", "{tmp}/r.html",
                                         "--patient", "P-1\x1b[2J"), 0, "Report written",
         check=_no_esc_in_report),
    Case("report-read-only-disk", ("report", "{base}/done", "-o", "{tmp}/ro/r.pdf"), 3,
         "read-only", setup=lambda ctx: ctx.mount("ro", ro=True), root=True),
    # ---- landmark files (exit 1, the message names the file and the field)
    Case("lm-decreasing-times", ("analyze", "--landmarks", "{tmp}/bad.parquet", "--out", OUT), 1,
         "'t_s' decreases at row 10",
         setup=lambda ctx: set_lm(ctx, "bad.parquet", lambda t: times(
             t, lambda a: a.__setitem__(10, a[8]))), absent=("out",)),
    Case("lm-duplicate-times", ("analyze", "--landmarks", "{tmp}/bad.parquet", "--out", OUT), 1,
         "'t_s' repeats at row 5",
         setup=lambda ctx: set_lm(ctx, "bad.parquet", lambda t: times(
             t, lambda a: a.__setitem__(5, a[4]))), absent=("out",)),
    Case("lm-nan-time", ("analyze", "--landmarks", "{tmp}/bad.parquet", "--out", OUT), 1,
         "'t_s' is missing or infinite at row 3",
         setup=lambda ctx: set_lm(ctx, "bad.parquet", lambda t: times(
             t, lambda a: a.__setitem__(3, np.nan))), absent=("out",)),
    Case("lm-metadata-not-json", ("analyze", "--landmarks", "{tmp}/bad.parquet", "--out", OUT),
         1, "'hipcheck metadata' is not valid JSON",
         setup=lambda ctx: set_lm(ctx, "bad.parquet", lambda t: meta(t, b"{not json")),
         absent=("out",)),
    Case("lm-metadata-a-list", ("analyze", "--landmarks", "{tmp}/bad.parquet", "--out", OUT), 1,
         "is not a JSON object",
         setup=lambda ctx: set_lm(ctx, "bad.parquet", lambda t: meta(t, b"[1, 2]")),
         absent=("out",)),
    Case("lm-frame-size", ("analyze", "--landmarks", "{tmp}/bad.parquet", "--out", OUT), 1,
         "'frame_size' must be [width, height]",
         setup=lambda ctx: set_lm(ctx, "bad.parquet",
                                  lambda t: hipcheck_meta(t, frame_size=[0, "x"])),
         absent=("out",)),
    Case("lm-video-not-an-object", ("analyze", "--landmarks", "{tmp}/bad.parquet", "--out",
                                    OUT), 1, "'video' must be an object",
         setup=lambda ctx: set_lm(ctx, "bad.parquet", lambda t: hipcheck_meta(t, video=[1])),
         absent=("out",)),
    Case("lm-missing-column", ("analyze", "--landmarks", "{tmp}/bad.parquet", "--out", OUT), 1,
         "lacks 1 landmark columns",
         setup=lambda ctx: set_lm(ctx, "bad.parquet", lambda t: t.drop(["left_knee_y"])),
         absent=("out",)),
    Case("lm-text-column", ("analyze", "--landmarks", "{tmp}/bad.parquet", "--out", OUT), 1,
         "'left_hip_x' must be numbers",
         setup=lambda ctx: set_lm(ctx, "bad.parquet", lambda t: column(
             t, "left_hip_x", ["a"] * t.num_rows)), absent=("out",)),
    Case("lm-visibility-out-of-range", ("analyze", "--landmarks", "{tmp}/bad.parquet", "--out",
                                        OUT), 1, "'nose_visibility' must lie in 0-1",
         setup=lambda ctx: set_lm(ctx, "bad.parquet", lambda t: column(
             t, "nose_visibility", np.full(t.num_rows, 5.0, np.float32))), absent=("out",)),
    Case("lm-infinite-coordinate", ("analyze", "--landmarks", "{tmp}/bad.parquet", "--out",
                                    OUT), 1, "'nose_x' is infinite",
         setup=lambda ctx: set_lm(ctx, "bad.parquet", lambda t: column(
             t, "nose_x", np.full(t.num_rows, np.inf, np.float32))), absent=("out",)),
    Case("lm-x-without-y", ("analyze", "--landmarks", "{tmp}/bad.parquet", "--out", OUT), 1,
         "has only one of x and y",
         setup=lambda ctx: set_lm(ctx, "bad.parquet", lambda t: column(
             t, "nose_y", np.full(t.num_rows, np.nan, np.float32))), absent=("out",)),
    Case("lm-no-rows", ("analyze", "--landmarks", "{tmp}/bad.parquet", "--out", OUT), 1,
         "holds no frames",
         setup=lambda ctx: set_lm(ctx, "bad.parquet", lambda t: t.slice(0, 0)), absent=("out",)),
    Case("lm-not-hipcheck", ("analyze", "--landmarks", "{tmp}/bad.parquet", "--out", OUT), 1,
         "no hipcheck metadata",
         setup=lambda ctx: pq.write_table(pa.table({"a": [1]}), ctx.tmp / "bad.parquet"),
         absent=("out",)),
    Case("lm-not-parquet", ("analyze", "--landmarks", "{tmp}/bad.parquet", "--out", OUT), 1,
         "not a readable Parquet",
         setup=lambda ctx: (ctx.tmp / "bad.parquet").write_text("hello"), absent=("out",)),
    Case("lm-escape-sequence-in-video-path", ("analyze", "--landmarks", "{tmp}/esc.parquet",
                                              "--out", OUT), 0, "clip]0;pwned[2J.mp4",
         setup=_escape_in_source),
    Case("lm-two-people-message-channel", ("analyze", "--landmarks", "{tmp}/two.parquet",
                                           "--out", OUT), 0, "a second person in view",
         setup=_two_people),
    # ---- program, history, compare
    Case("program-deeply-nested", ("program", "--from", "{tmp}/deep"), 1, "nested too deeply",
         setup=_deep_dir),
    Case("program-out-missing-folder", ("program", "--from", "{base}/done", "-o",
                                        "{tmp}/no/p.txt"), 3, "does not exist", absent=("no",)),
    Case("program-bad-format", ("program", "--from", "{base}/done", "--format", "pdf"), 2,
         "Unknown format"),
    Case("history-read-only-database", ("history", "save", "{base}/done", "--person",
                                        "P-secret-42", "--db", "{tmp}/dbdisk/h.sqlite"), 1,
         "is read-only", setup=_ro_db, check=_no_sql, root=True),
    Case("history-escape-in-person-id", ("history", "save", "{base}/done", "--person",
                                         "Mallory\x1b]0;pwned\x07", "--db", "{tmp}/h.sqlite"), 0,
         "Saved session", check=_esc_person_check),
    Case("history-deeply-nested", ("history", "save", "{tmp}/deep", "--person", "p", "--db",
                                   "{tmp}/h.sqlite"), 1, "nested too deeply", setup=_deep_dir,
         absent=("h.sqlite",)),
    Case("history-db-is-a-folder", ("history", "save", "{base}/done", "--person", "p", "--db",
                                    "{tmp}"), 1, "is a folder"),
    Case("history-delete-nothing", ("history", "delete", "--yes", "--db", "{tmp}/h.sqlite"), 2,
         "Give either --person ID or --session ID"),
    Case("compare-plot-missing-folder", ("compare", "{base}/done", "{base}/done", "--plot",
                                         "{tmp}/no/t.png"), 3, "does not exist", absent=("no",)),
    Case("compare-one-file", ("compare", "{base}/done"), 2, "Give exactly two"),
    # ---- batch
    Case("batch-out-is-a-file", ("batch", _v("plain.mp4"), "--out", "{tmp}/f"), 3, "is a file",
         setup=lambda ctx: (ctx.tmp / "f").write_text("x")),
    Case("batch-scheduler-not-a-url", ("batch", _v("plain.mp4"), "--out", OUT, "--scheduler",
                                       "not a url"), 2, "not a Dask scheduler address",
         absent=("out",)),
    Case("batch-scheduler-not-dask", ("batch", _v("plain.mp4"), "--out", OUT, "--scheduler",
                                      "tcp://127.0.0.1:{port}"), 1,
         "answers, but not as a Dask scheduler", setup=_closing_server, absent=("out",)),
    Case("batch-report-docx", ("batch", _v("plain.mp4"), "--out", OUT, "--report", "docx"), 2,
         "Unknown report format", absent=("out",)),
    Case("batch-max-side-0", ("batch", _v("plain.mp4"), "--out", OUT, "--max-side", "0"), 2,
         "max-side", absent=("out",)),
    Case("batch-workers-0", ("batch", _v("plain.mp4"), "--out", OUT, "--workers", "0"), 2,
         "workers", absent=("out",)),
    Case("batch-out-in-use", ("batch", _v("text.mp4"), "--out", OUT), 3,
         ("in use by another hipcheck run", LOCK_NAME), setup=_lock),
    Case("batch-formula-injection", ("batch", "--manifest", "{tmp}/m.csv", "--out", OUT,
                                     "--workers", "1", "--no-progress"), 1, "2 failed",
         setup=_manifest, check=_manifest_check),
    Case("batch-read-only-disk", ("batch", _v("plain.mp4"), "--out", "{tmp}/ro/out"), 3,
         "read-only", setup=lambda ctx: ctx.mount("ro", ro=True), root=True),
    Case("batch-full-disk", ("batch", "--manifest", "{tmp}/m.csv", "--out", "{tmp}/disk/out",
                             "--reanalyze", "--workers", "1", "--no-progress"), 3,
         "disk is full", setup=_batch_full, check=_batch_full_check, root=True),
    # ---- synth
    Case("synth-20000x20000", ("synth", "-o", "{tmp}/s.mp4", "--size", "20000x20000"), 2,
         "at most 4096", absent=("s.mp4",)),
    Case("synth-100k-fps", ("synth", "-o", "{tmp}/s.mp4", "--fps", "100000"), 2, "fps must be",
         absent=("s.mp4",)),
    Case("synth-million-reps", ("synth", "-o", "{tmp}/s.mp4", "--reps", "1000000"), 2,
         "reps must be", absent=("s.mp4",)),
    Case("synth-onto-a-folder", ("synth", "-o", "{tmp}"), 2, "is a folder"),
    # ---- app
    Case("app-port-in-use", ("app", "--port", "{port}"), 2, "already in use",
         setup=_port_in_use),
    Case("app-port-0", ("app", "--port", "0"), 2, "port"),
]  # fmt: skip


def _not_in(output: str, text: str) -> None:
    assert text not in output


def _leftover_files(root: Path) -> list[str]:
    bad = []
    for p in root.rglob("*"):
        marker = p.name.startswith(STAGING_PREFIX) or p.name == LOCK_NAME
        if marker or (p.is_file() and (is_temporary(p) or p.name.endswith(".part"))):
            bad.append(str(p))
    return bad


@pytest.fixture
def ctx(tmp_path: Path, base: Path) -> Iterator[Ctx]:
    c = Ctx(tmp=tmp_path, base=base)
    yield c
    with contextlib.suppress(Exception):
        c.sock.close()  # type: ignore[attr-defined]
    with contextlib.suppress(Exception):
        c.holder.release()  # type: ignore[attr-defined]
    for where in reversed(c.mounts):
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile(case: Case, ctx: Ctx) -> None:
    if case.root and os.geteuid() != 0:
        pytest.skip("needs root to mount a small or read-only tmpfs")
    if case.nonroot and os.geteuid() == 0:
        pytest.skip("root ignores file permissions (the read-only disk cases cover it)")
    if case.setup:
        case.setup(ctx)
    args = [
        a.format(tmp=ctx.tmp, base=ctx.base, lm=ctx.lm, port=getattr(ctx, "port", 0))
        for a in case.args
    ]
    t0 = time.perf_counter()
    result = runner.invoke(app, args)
    elapsed = time.perf_counter() - t0
    output = result.output
    # rich wraps long lines anywhere (even inside a file name): compare without spaces
    flat = "".join(output.split())
    assert result.exit_code == case.code, output
    messages = case.message if isinstance(case.message, tuple) else (case.message,)
    messages = tuple("".join(m.split()) for m in messages)
    if case.id == "video-flipped-moov-bytes":
        assert any(m in flat for m in messages), output
    else:
        for m in messages:
            assert m in flat, output
    assert "Traceback" not in output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert ESC not in output
    assert elapsed < 120
    for name in case.absent:
        assert not (ctx.tmp / name).exists(), f"{name} was left behind"
    if case.check:
        case.check(ctx, flat)
    if hasattr(ctx, "holder"):
        ctx.holder.release()  # type: ignore[attr-defined]
    assert not _leftover_files(ctx.tmp)


def test_catalogue_size() -> None:
    """The catalogue keeps its breadth: every area has cases, ids are unique."""
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 80
    prefixes = {i.split("-")[0] for i in ids}
    assert {"video", "analyze", "out", "report", "lm", "history", "batch", "synth"} <= prefixes


# --- cases that need a real standard output -------------------------------------------


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from hipcheck.cli import main; main()", *args]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO / "src")}


def test_program_to_a_full_standard_output(base: Path) -> None:
    """``hipcheck program ... > /dev/full``: a message, exit 3, no traceback."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        res = subprocess.run(_cli("program", "--from", str(base / "done")), stdout=full,
                             stderr=subprocess.PIPE, text=True, env=_env(), timeout=120)  # fmt: skip
    assert res.returncode == 3, res.stderr
    assert "Cannot write to the standard output" in " ".join(res.stderr.split())
    assert "Traceback" not in res.stderr and "Exception ignored" not in res.stderr


def test_program_into_a_closed_pipe(base: Path) -> None:
    """``hipcheck program ... | head -0``: the reader is gone; no traceback, no noise."""
    proc = subprocess.Popen(_cli("program", "--from", str(base / "done")),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())  # fmt: skip
    proc.stdout.close()  # the reader left before anything was written
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert proc.returncode == 3
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
