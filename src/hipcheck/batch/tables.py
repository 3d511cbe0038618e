"""Aggregate tables of a batch, rebuilt from the clip folders.

``reps``: one row per repetition and limb (:func:`hipcheck.tables.reps_table`) of every
clip analysed ok, with ``clip_id`` and the manifest metadata in front.

``clips``: one row per clip of the batch: ``status`` (``ok``, ``failed``, or ``pending``
when no run has finished it yet), the error code/message/hint, how it was analysed,
the task, rep count, overall rating, findings and quality notes, the video facts,
per-side summary values (``{side}_{metric}_{mean,sd,n,status,rating}``), then timing.

Metadata columns keep their manifest names unless a result column of either table has
that name (``task``, ``side``, ``path``, ...); then they are called ``manifest_<name>``.
Because the tables are rebuilt from the folders at the end of every run, a re-run or
a resumed run converges to the same tables.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hipcheck.assessment.load import read_assessment
from hipcheck.batch.discover import ClipJob
from hipcheck.batch.files import clips_dir, read_status
from hipcheck.errors import HipcheckError
from hipcheck.metrics import METRICS
from hipcheck.model import Assessment
from hipcheck.outputs.atomic import atomic_write_bytes, atomic_write_text
from hipcheck.sanitize import to_csv_text
from hipcheck.tables import reps_columns, reps_table

#: video facts copied into the clips table (from ``status.json``)
VIDEO_COLUMNS = (
    "container",
    "codec",
    "width",
    "height",
    "rotation",
    "fps",
    "duration_s",
    "n_frames",
    "vfr",
    "frames_decoded",
    "frames_lost",
    "frames_with_person",
)
#: columns that depend on the machine or the moment, not on the clip (tests ignore them)
TIMING_COLUMNS = ("pose_fps", "elapsed_s", "finished_at")
_STATS = ("mean", "sd", "n", "status", "rating")
#: (stance side, metric, limb, column stem) of every per-side summary column, from the
#: metric registry: ``left_knee_valgus``, ``both_knee_valgus_left``, ``both_kasr`` ...
_SUMMARY = [
    (side, m.name, limb, f"{side}_{m.short}" + (f"_{limb}" if limb != side else ""))
    for side in ("left", "right", "both")
    for m in METRICS
    for limb in m.limbs(side)
]


def summary_columns() -> list[str]:
    """Return the per-side summary columns of the clips table, in order."""
    cols = []
    for side in ("left", "right", "both"):
        cols.append(f"{side}_n_reps")
        cols += [f"{stem}_{s}" for sd, _, _, stem in _SUMMARY if sd == side for s in _STATS]
    return cols


def clip_columns() -> list[str]:
    """All clips-table columns except ``clip_id`` and the metadata."""
    return [
        "path",
        "rel",
        "status",
        "error_code",
        "error_message",
        "error_hint",
        "analysed_from",
        "task",
        "n_reps",
        "overall_rating",
        "rated",
        "coverage",
        "findings",
        "quality",
        *VIDEO_COLUMNS,
        *summary_columns(),
        "hipcheck_version",
        *TIMING_COLUMNS,
    ]


def _summary_values(assessment: Assessment) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for side in ("left", "right", "both"):
        row[f"{side}_n_reps"] = sum(r.side == side for r in assessment.reps)
    for side, metric, limb, stem in _SUMMARY:
        entry = assessment.summary_for(metric, side, limb)
        for s in _STATS:
            row[f"{stem}_{s}"] = getattr(entry, s) if entry is not None else None
    return row


def clip_row(job: ClipJob, status: dict[str, Any] | None, assessment: Assessment | None) -> dict:
    """One clips-table row (without metadata) from a clip's status and assessment."""
    row: dict[str, Any] = dict.fromkeys(clip_columns())
    row.update(path=job.path, rel=job.rel, status="pending")
    if status is None:
        return row
    err = status.get("error") or {}
    video = status.get("video") or {}
    row.update(
        status=status.get("status"),
        error_code=err.get("code"),
        error_message=err.get("message"),
        error_hint=err.get("hint"),
        analysed_from=status.get("analysed_from"),
        hipcheck_version=status.get("hipcheck_version"),
        pose_fps=video.get("pose_fps"),
        elapsed_s=status.get("elapsed_s"),
        finished_at=status.get("finished_at"),
        **{k: video.get(k) for k in VIDEO_COLUMNS},
    )
    if assessment is not None:
        row.update(
            task=assessment.task,
            n_reps=len(assessment.reps),
            overall_rating=assessment.overall_rating,
            rated=assessment.coverage.rated,
            coverage=assessment.coverage.message,
            findings=";".join(f"{f.id}:{f.side}:{f.severity}" for f in assessment.findings),
            quality=" | ".join(assessment.quality),
            **_summary_values(assessment),
        )
    return row


def reserved_columns() -> set[str]:
    """Return the result columns of both tables (metadata with such a name is renamed)."""
    return {"clip_id", *reps_columns(), *clip_columns()}


def metadata_column(key: str) -> str:
    """Column name of a metadata key in both tables (``manifest_<key>`` on a clash)."""
    return f"manifest_{key}" if key in reserved_columns() else key


def _with_metadata(df: pd.DataFrame, metadata: dict[str, str]) -> pd.DataFrame:
    front = {metadata_column(key): value for key, value in metadata.items()}
    meta = pd.DataFrame({k: [v] * len(df) for k, v in front.items()}, index=df.index)
    return pd.concat([meta, df], axis=1)


def _load_assessment(clip_dir: Path) -> Assessment:
    return read_assessment(clip_dir / "assessment.json")


def build_tables(jobs: Sequence[ClipJob], out_dir: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rebuild the ``reps`` and ``clips`` tables from the clip folders of ``jobs``.

    Rows follow the order of ``jobs``. A clip counts as done only if its
    ``status.json`` says ``ok`` (and then its ``assessment.json`` is complete, because
    the status is written last).
    """
    rep_frames, clip_rows = [], []
    empty_reps = pd.DataFrame(columns=reps_columns())
    for job in jobs:
        clip_dir = clips_dir(out_dir) / job.clip_id
        status = read_status(clip_dir)
        assessment = None
        if status is not None and status.get("status") == "ok":
            try:
                assessment = _load_assessment(clip_dir)
            except HipcheckError as exc:  # damaged since it was written: redo on re-run
                status = {
                    **status,
                    "status": "failed",
                    "error": {"code": exc.code, "message": exc.message, "hint": exc.hint},
                }
        if assessment is not None:
            reps = reps_table(assessment)
            reps.insert(0, "clip_id", job.clip_id)
            rep_frames.append(_with_metadata(reps, job.metadata))
        row = pd.DataFrame([{"clip_id": job.clip_id, **clip_row(job, status, assessment)}])
        clip_rows.append(_with_metadata(row, job.metadata))
    if not rep_frames:
        empty = empty_reps.copy()
        empty.insert(0, "clip_id", pd.Series(dtype=object))
        rep_frames = [_with_metadata(empty, jobs[0].metadata if jobs else {})]
    reps = pd.concat(rep_frames, ignore_index=True)
    clips = pd.DataFrame(
        pd.concat(clip_rows, ignore_index=True).to_dict("records")
    )  # re-infer dtypes: per-row frames are all object
    reps = pd.DataFrame(reps.to_dict("records"), columns=reps.columns)
    return _front_clip_id(reps), _front_clip_id(clips)


def _front_clip_id(df: pd.DataFrame) -> pd.DataFrame:
    cols = ["clip_id"] + [c for c in df.columns if c != "clip_id"]
    return df[cols]


def write_tables(reps: pd.DataFrame, clips: pd.DataFrame, out_dir: str | Path) -> dict[str, Path]:
    """Write ``reps``/``clips`` as CSV and Parquet into ``out_dir`` atomically.

    In the CSV files, text cells a spreadsheet would run as a formula (``=``, ``+``,
    ``-``, ``@`` ...) get a leading apostrophe (:func:`hipcheck.sanitize.csv_safe`); the
    Parquet files keep the values as they are.
    """
    out = Path(out_dir)
    paths = {}
    for name, df in (("reps", reps), ("clips", clips)):
        csv_path, pq_path = out / f"{name}.csv", out / f"{name}.parquet"
        atomic_write_text(csv_path, to_csv_text(df), f"{name}.csv")
        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        atomic_write_bytes(pq_path, buf.getvalue(), f"{name}.parquet")
        paths[f"{name}_csv"], paths[f"{name}_parquet"] = csv_path, pq_path
    return paths


def read_tables(out_dir: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load ``reps.parquet`` and ``clips.parquet`` of a batch output folder."""
    out = Path(out_dir)
    return pd.read_parquet(out / "reps.parquet"), pd.read_parquet(out / "clips.parquet")
