"""The writer registry: every file of an analysis folder, written one way for everyone.

The CLI (``analyze``), the app's downloads and every batch clip write their outputs
through :data:`WRITERS`; each entry knows its file name and how to write it from an
:class:`AnalysisData` (assessment, kinematics, landmarks and, when at hand, the clip).
:func:`save_analysis` writes a chosen set into a folder as one unit (see
:mod:`hipcheck.outputs.folder`): staged, then committed with ``assessment.json`` last.

The assessment is used through its public API only (``to_dict`` and
:func:`hipcheck.tables.reps_table`), so the model may change shape underneath.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from hipcheck.errors import UsageError
from hipcheck.outputs.atomic import atomic_path, atomic_write_bytes, atomic_write_text
from hipcheck.outputs.folder import MARKER, OutputFolder
from hipcheck.reports import ReportOptions, report_format

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from hipcheck.landmarks import LandmarkSeries
    from hipcheck.model import Assessment

#: progress(frames_done, frames_expected_or_None)
ProgressFn = Callable[[int, "int | None"], None]


@dataclass
class AnalysisData:
    """What the writers read.

    Attributes
    ----------
    assessment
        The assessment.
    kinematics
        Per-frame kinematics (None when not available).
    landmarks
        The landmark series (None when not available).
    video
        The analysed clip, when it is at hand and matches the assessment (annotated
        video and key frames need it); else None and ``video_note`` says why.
    video_note
        Why there is no video (shown in reports instead of the key frames).
    """

    assessment: Assessment
    kinematics: pd.DataFrame | None = None
    landmarks: LandmarkSeries | None = None
    video: Path | None = None
    video_note: str | None = None

    @classmethod
    def of(cls, analysis: Any, video: str | os.PathLike[str] | None = None) -> AnalysisData:
        """Wrap a :class:`hipcheck.pipeline.Analysis` (and its clip, if at hand)."""
        return cls(
            assessment=analysis.assessment,
            kinematics=analysis.kinematics,
            landmarks=analysis.landmarks,
            video=None if video is None else Path(video),
        )

    def key_frames(self) -> list[np.ndarray]:
        """Key frames (worst rep per side, skeleton and angles drawn); [] without the clip."""
        if self.video is None or self.landmarks is None:
            return []
        from hipcheck.reports.annotate import extract_key_frames

        return extract_key_frames(self.video, self.landmarks, self.assessment)

    def report_options(self, base: ReportOptions | None = None) -> ReportOptions:
        """Return ``base`` completed with this analysis' kinematics, key frames and notes."""
        base = base or ReportOptions()
        notes = list(base.notes)
        frames = self.key_frames()
        if not frames and self.video_note:
            notes.append(self.video_note)
        return dataclasses.replace(
            base,
            kinematics=self.kinematics if base.kinematics is None else base.kinematics,
            key_frames=list(base.key_frames) or frames,
            notes=notes,
        )


@dataclass(frozen=True)
class OutputOptions:
    """Options of the optional outputs.

    Attributes
    ----------
    report
        Patient id, date and notes for a report (the rest is filled from the analysis).
    progress
        ``progress(done, total)`` while the annotated video is drawn.
    """

    report: ReportOptions = dataclasses.field(default_factory=ReportOptions)
    progress: ProgressFn | None = None


def _json_default(value: object) -> object:
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, PurePath):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def assessment_json(assessment: Assessment) -> str:
    """Return the ``assessment.json`` text of an assessment."""
    doc = assessment.to_dict()
    return json.dumps(doc, indent=2, allow_nan=False, default=_json_default) + "\n"


def reps_csv(assessment: Assessment) -> str:
    """Return the ``reps.csv`` text (formula-looking cells neutralised for spreadsheets)."""
    from hipcheck.sanitize import to_csv_text
    from hipcheck.tables import reps_table

    return to_csv_text(reps_table(assessment))


def parquet_bytes(df: pd.DataFrame) -> bytes:
    """Return a DataFrame as Parquet bytes (no index, no pandas attrs)."""
    frame = df.copy()
    frame.attrs = {}
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def _write_assessment(data: AnalysisData, path: Path, options: OutputOptions) -> None:
    atomic_write_text(path, assessment_json(data.assessment), "assessment.json")


def _write_reps(data: AnalysisData, path: Path, options: OutputOptions) -> None:
    atomic_write_text(path, reps_csv(data.assessment), "reps.csv")


def _write_landmarks(data: AnalysisData, path: Path, options: OutputOptions) -> None:
    from hipcheck.io.landmarks import save_landmarks

    if data.landmarks is None:
        raise ValueError("no landmarks to write")
    save_landmarks(data.landmarks, path)


def _write_kinematics(data: AnalysisData, path: Path, options: OutputOptions) -> None:
    if data.kinematics is None:
        raise ValueError("no kinematics to write")
    atomic_write_bytes(path, parquet_bytes(data.kinematics), "kinematics.parquet")


def _write_annotated(data: AnalysisData, path: Path, options: OutputOptions) -> None:
    from hipcheck.reports.annotate import write_annotated_video

    if data.video is None or data.landmarks is None or data.kinematics is None:
        raise UsageError(
            "The annotated video needs the clip, and it is not at hand"
            + (f": {data.video_note}" if data.video_note else "."),
            "Pass the video file (hipcheck analyze VIDEO --annotate).",
        )
    sex = data.assessment.sex
    with atomic_path(path, "annotated.mp4") as tmp:
        write_annotated_video(
            data.video,
            data.landmarks,
            data.kinematics,
            data.assessment,
            tmp,
            sex=sex,
            progress=options.progress,
        )


def _report_writer(fmt: str) -> Callable[[AnalysisData, Path, OutputOptions], None]:
    def write(data: AnalysisData, path: Path, options: OutputOptions) -> None:
        from hipcheck.reports import write_report

        write_report(data.assessment, path, fmt, data.report_options(options.report))

    return write


@dataclass(frozen=True)
class Writer:
    """One output file.

    Attributes
    ----------
    name
        Registry key (``json``, ``csv``, ``landmarks``, ``kinematics``, ``annotated``,
        ``pdf``, ``html``).
    filename
        Its name in an analysis folder.
    write
        ``write(data, path, options)``: writes the complete file at ``path`` atomically.
    needs_video
        True when the clip itself is needed (not only the analysis).
    """

    name: str
    filename: str
    write: Callable[[AnalysisData, Path, OutputOptions], None]
    needs_video: bool = False


WRITERS: dict[str, Writer] = {
    w.name: w
    for w in (
        Writer("json", MARKER, _write_assessment),
        Writer("csv", "reps.csv", _write_reps),
        Writer("landmarks", "landmarks.parquet", _write_landmarks),
        Writer("kinematics", "kinematics.parquet", _write_kinematics),
        Writer("annotated", "annotated.mp4", _write_annotated, needs_video=True),
        Writer("pdf", "report.pdf", _report_writer("pdf")),
        Writer("html", "report.html", _report_writer("html")),
    )
}
#: what every analysis folder holds
CORE_FORMATS: tuple[str, ...] = ("json", "csv", "landmarks", "kinematics")
#: every file name an analysis folder may hold (stale ones are removed on rewrite)
OUTPUT_NAMES: frozenset[str] = frozenset(w.filename for w in WRITERS.values())


def select_formats(*, annotate: bool = False, report: str | None = None) -> tuple[str, ...]:
    """Return the writers for a run: the core files, plus the annotated video and a report.

    Raises
    ------
    hipcheck.errors.UsageError
        ``report`` is not ``pdf`` or ``html``.
    """
    formats = list(CORE_FORMATS)
    if annotate:
        formats.append("annotated")
    if report:
        formats.append(report_format("", report))
    return tuple(formats)


def write_outputs(
    folder: OutputFolder,
    data: AnalysisData,
    formats: Sequence[str] = CORE_FORMATS,
    options: OutputOptions | None = None,
) -> dict[str, str]:
    """Write ``formats`` into the staging area of ``folder``; return name -> file name.

    Nothing is visible under the final names until ``folder.commit()``.
    """
    options = options or OutputOptions()
    written = {}
    for name in _ordered(formats):
        writer = WRITERS[name]
        writer.write(data, folder.path(writer.filename), options)
        written[name] = writer.filename
    return written


def _ordered(formats: Iterable[str]) -> list[str]:
    unknown = [f for f in formats if f not in WRITERS]
    if unknown:
        raise UsageError(
            f"Unknown output format(s): {', '.join(unknown)}.",
            f"Choose from: {', '.join(WRITERS)}.",
        )
    # the marker (assessment.json) last, although the commit orders the renames anyway
    return sorted(dict.fromkeys(formats), key=lambda f: f == "json")


def save_analysis(
    data: AnalysisData,
    out_dir: str | os.PathLike[str],
    formats: Sequence[str] = CORE_FORMATS,
    options: OutputOptions | None = None,
    *,
    lock: bool = True,
) -> dict[str, Path]:
    """Write an analysis folder as one unit; return name -> path of every file written.

    Outputs of a previous run in ``out_dir`` that this run does not rewrite are removed;
    on any failure the folder keeps the previous run's complete set (or stays absent).

    Raises
    ------
    hipcheck.errors.OutputError
        The folder cannot be created or written (the message says why and what to do).
    """
    with OutputFolder(out_dir, managed=OUTPUT_NAMES, lock=lock) as folder:
        written = write_outputs(folder, data, formats, options)
        final = folder.commit()
    return {name: final[filename] for name, filename in written.items()}
