"""App state: options, the per-session pose backend, and the cached analysis.

Three rules from the design notes shape this module:

- **Cache by content, not by name**: results are keyed by the SHA-256 of the uploaded
  bytes plus the analysis options, and the cached value is plain data (the assessment
  dict, the kinematics table, PNG and MP4 bytes), never live objects.
- **One pose model per browser session**: a backend lives in ``st.session_state`` and
  is reused for every clip of that session; it is closed when replaced or when the
  session is garbage-collected (the legacy MediaPipe graph is not thread-safe, so it
  is never shared between sessions).
- **Nothing leaves the machine**: no URLs, no downloads; uploads go to a temporary
  folder that is removed when the analysis ends.
"""

from __future__ import annotations

import copy
import hashlib
import io
import logging
import tempfile
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from hipcheck.config import AnalysisConfig
from hipcheck.errors import HipcheckError, VideoError
from hipcheck.model import Assessment

logger = logging.getLogger(__name__)

#: session_state keys
BACKEND_KEY = "_hipcheck_pose_backend"
RESULT_KEY = "result"
ERROR_KEY = "error"

#: cached analyses kept in memory (each holds an annotated video)
CACHE_ENTRIES = 8

ProgressFn = Callable[[int, "int | None"], None]


@dataclass(frozen=True)
class Options:
    """Everything the user chose on the page.

    ``task``, ``side``, ``sex`` and ``markers`` change the analysis (and the cache key);
    ``equipment``, ``level`` and ``lateral_hip_pain`` only change the program, which is
    rebuilt from the findings in an instant.
    """

    task: str = "auto"
    side: str = "auto"
    sex: str = "unspecified"
    markers: str = "auto"
    equipment: tuple[str, ...] = ()
    level: str = "intermediate"
    lateral_hip_pain: bool = False

    def analysis_key(self) -> tuple[str, str, str, str]:
        """Return the options that change the analysis (part of the cache key)."""
        return (self.task, self.side, self.sex, self.markers)

    def config(self) -> AnalysisConfig:
        """Return the analysis configuration."""
        return config_from_key(self.analysis_key())

    def program_context(self) -> Any:
        """Return the :class:`hipcheck.program.ProgramContext` for these options."""
        from hipcheck.program import ProgramContext

        return ProgramContext(
            equipment=frozenset(self.equipment),
            level=self.level,
            lateral_hip_pain=self.lateral_hip_pain,
        )


def config_from_key(key: tuple[str, str, str, str]) -> AnalysisConfig:
    """Return the :class:`AnalysisConfig` of an :meth:`Options.analysis_key` tuple."""
    task, side, sex, markers = key
    return AnalysisConfig(task=task, side=side, sex=sex, markers=markers)  # type: ignore[arg-type]


@dataclass
class StoredResult:
    """One finished analysis as plain, picklable data (what the page renders).

    Attributes
    ----------
    name
        The clip's file name as the user knows it.
    digest
        SHA-256 of the clip's bytes.
    assessment
        ``Assessment.to_dict()``.
    kinematics
        Per-frame kinematics (for the plots and the report).
    key_frames
        PNG images: the bottom frame of the worst rep of each side, skeleton and angles
        drawn (the worst rep overall first).
    video_mp4
        The annotated clip (H.264 MP4), or None if it could not be made.
    notes
        Problems with the optional extras (annotated video, key frames), in plain words.
    """

    name: str
    digest: str
    assessment: dict[str, Any]
    kinematics: pd.DataFrame
    key_frames: list[bytes] = field(default_factory=list)
    video_mp4: bytes | None = None
    notes: list[str] = field(default_factory=list)

    def to_assessment(self) -> Assessment:
        """Return the stored :class:`Assessment` (validated; immutable)."""
        return Assessment.from_dict(self.assessment)


def file_digest(data: bytes) -> str:
    """Return the SHA-256 hex digest of ``data`` (the cache key of an upload)."""
    return hashlib.sha256(data).hexdigest()


def check_video_name(name: str) -> str:
    """Return the lower-case extension of ``name`` if it is an accepted video type.

    Raises
    ------
    hipcheck.errors.VideoError
        For any other extension.
    """
    from hipcheck.app.guide import VIDEO_TYPES

    suffix = PurePath(name).suffix.lower().lstrip(".")
    if suffix not in VIDEO_TYPES:
        raise VideoError(
            f"{name} is not a supported video file.",
            f"Upload a video ({', '.join(VIDEO_TYPES)}).",
        )
    return suffix


@contextmanager
def temporary_copy(data: bytes, suffix: str) -> Iterator[Path]:
    """Write ``data`` to a file in a new temporary folder; remove the folder afterwards."""
    with tempfile.TemporaryDirectory(prefix="hipcheck-upload-") as tmp:
        path = Path(tmp) / f"clip.{suffix.lstrip('.')}"
        path.write_bytes(data)
        yield path


# --- the pose backend: one per browser session ---------------------------------------


class _BackendHolder:
    """Owns a backend; closes it when replaced or when the session is collected."""

    def __init__(self, backend: Any, model: str | None) -> None:
        self.backend = backend
        self.model = model
        self._finalizer = weakref.finalize(self, _close_quietly, backend)

    def close(self) -> None:
        self._finalizer()


def _close_quietly(backend: Any) -> None:
    try:
        backend.close()
    except (RuntimeError, ValueError) as exc:  # an already-closed graph
        logger.debug("closing the pose backend: %s", exc)


def session_backend(model: str | None = None) -> Any:
    """Return this browser session's pose backend, creating it on first use.

    A backend for another ``model`` is closed and replaced.
    """
    from hipcheck.pose import make_backend

    holder = st.session_state.get(BACKEND_KEY)
    if holder is not None and holder.model == model:
        return holder.backend
    if holder is not None:
        holder.close()
    holder = _BackendHolder(make_backend(model), model)
    st.session_state[BACKEND_KEY] = holder
    return holder.backend


def backend_for_new_clip(model: str | None = None) -> Any:
    """Return this session's backend ready for a new clip, with no tracking state.

    MediaPipe tracks the person from frame to frame; a graph that has seen another clip
    starts from that clip's last position and gives different landmarks (measured on
    the rendered clips: up to 22 px on most frames) than a fresh one. A backend with a
    ``reset()`` method is reset and reused; one without is closed and replaced (making
    one takes about 10 ms).
    """
    holder = st.session_state.get(BACKEND_KEY)
    reset = getattr(holder.backend, "reset", None) if holder is not None else None
    if holder is not None and holder.model == model and callable(reset):
        reset()
        return holder.backend
    close_session_backend()
    return session_backend(model)


def close_session_backend() -> None:
    """Close and forget this session's pose backend (if any)."""
    holder = st.session_state.pop(BACKEND_KEY, None)
    if holder is not None:
        holder.close()


# --- the analysis ----------------------------------------------------------------------


def analyse_file(
    path: str | Path,
    config: AnalysisConfig,
    *,
    backend: Any = None,
    progress: Callable[[str], ProgressFn] | None = None,
) -> StoredResult:
    """Analyse one clip and make everything the page shows.

    Parameters
    ----------
    path
        The video file.
    config
        Analysis options.
    backend
        A pose backend to reuse (None: a fresh one for this clip).
    progress
        ``progress(phase_label)`` returns the ``(frames_done, frames_total)`` callback of
        that phase.

    Raises
    ------
    hipcheck.errors.HipcheckError
        Unreadable video, no person, nothing measurable.
    """
    from hipcheck.pipeline import analyze_video

    phase = progress or (lambda _label: None)
    # analyze_video, not landmarks + analysis: it also runs the skin-marker pass.
    analysis = analyze_video(path, config, backend=backend, progress=phase("Finding the pose"))
    notes: list[str] = []
    frames = _optional(
        notes, "key frames", lambda: _key_frame_pngs(path, analysis.landmarks, analysis)
    )
    video = _optional(
        notes,
        "annotated video",
        lambda: _annotated_mp4(path, analysis, phase("Drawing the annotated video")),
    )
    kin = analysis.kinematics.copy()
    kin.attrs = {}
    return StoredResult(
        name=PurePath(str(path)).name,
        digest="",
        assessment=analysis.assessment.to_dict(),
        kinematics=kin,
        key_frames=frames or [],
        video_mp4=video,
        notes=notes,
    )


def _optional(notes: list[str], what: str, make: Callable[[], Any]) -> Any:
    """Run an optional extra; on failure log it, add a note and return None.

    The numbers are the product: a failing drawing step must not hide them.
    """
    try:
        return make()
    except Exception:  # noqa: BLE001 - any failure of an extra is logged, never fatal
        logger.exception("could not make the %s", what)
        notes.append(f"The {what} could not be made for this clip.")
        return None


def _key_frame_pngs(path: str | Path, landmarks: Any, analysis: Any) -> list[bytes]:
    from hipcheck.reports.annotate import extract_key_frames
    from hipcheck.reports.metrics import worst_rep
    from hipcheck.reports.report_html import image_png

    assessment = analysis.assessment
    frames = extract_key_frames(path, landmarks, assessment, per_side=True)
    worst = worst_rep(assessment)
    sides = list(dict.fromkeys(r.side for r in assessment.reps))
    if worst is not None and worst.side in sides and len(frames) == len(sides):
        first = sides.index(worst.side)  # the worst rep overall comes first
        frames.insert(0, frames.pop(first))
    return [image_png(f) for f in frames]


def _annotated_mp4(path: str | Path, analysis: Any, progress: ProgressFn | None) -> bytes:
    """Return the annotated video, drawn by the output layer's writer (as CLI and batch).

    The FPPA bands follow the sex in the assessment's options.
    """
    from hipcheck.outputs.writers import WRITERS, AnalysisData, OutputOptions

    with tempfile.TemporaryDirectory(prefix="hipcheck-video-") as tmp:
        out = Path(tmp) / "annotated.mp4"
        data = AnalysisData.of(analysis, path)
        WRITERS["annotated"].write(data, out, OutputOptions(progress=progress))
        return out.read_bytes()


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def cached_analysis(
    digest: str, analysis_key: tuple[str, str, str, str], _path: str
) -> StoredResult:
    """Analyse the clip at ``_path`` (cached by its ``digest`` and the options).

    ``_path`` is not part of the cache key (leading underscore): the same bytes under
    another name or folder are the same clip. The progress bar is created inside this
    function so that Streamlit can replay (and remove) it on a cache hit.
    """
    from hipcheck.app.views import FrameProgress

    bar = FrameProgress()
    try:
        result = analyse_file(
            _path,
            config_from_key(analysis_key),
            backend=backend_for_new_clip(),
            progress=bar.phase,
        )
    finally:
        bar.close()
    result.digest = digest
    return result


def analyse_upload(name: str, data: bytes, options: Options) -> StoredResult:
    """Analyse uploaded bytes (cached) and return the result named after the upload.

    Raises
    ------
    hipcheck.errors.HipcheckError
        Unsupported file type, unreadable video, no person, nothing measurable.
    """
    suffix = check_video_name(name)
    digest = file_digest(data)
    with temporary_copy(data, suffix) as path:
        try:
            result = cached_analysis(digest, options.analysis_key(), str(path))
        except HipcheckError as exc:
            raise _named(exc, str(path), name) from exc.__cause__
    return rename(result, name)


def _named(error: HipcheckError, path: str, name: str) -> HipcheckError:
    """Return ``error`` with the temporary path replaced by the upload's name."""
    error.message = error.message.replace(path, name)
    if error.hint:
        error.hint = error.hint.replace(path, name)
    error.args = (error.message if not error.hint else f"{error.message} {error.hint}",)
    return error


def rename(result: StoredResult, name: str) -> StoredResult:
    """Return ``result`` with the clip's display name set (also in the assessment)."""
    assessment = copy.deepcopy(result.assessment)
    assessment.setdefault("video", {})["path"] = name
    return StoredResult(
        name=name,
        digest=result.digest,
        assessment=assessment,
        kinematics=result.kinematics,
        key_frames=list(result.key_frames),
        video_mp4=result.video_mp4,
        notes=list(result.notes),
    )


# --- derived views of a result ---------------------------------------------------------


def with_program(result: StoredResult, options: Options) -> Assessment:
    """Return the result's assessment with the program rebuilt for the user's options.

    The program depends on the equipment, level and hip pain, which do not change the
    analysis; rebuilding it from the findings takes milliseconds. If the program module
    rejects the options, the stored program is kept.
    """
    from hipcheck.program import ProgramInputError, attach_program

    assessment = result.to_assessment()
    try:
        return attach_program(assessment, options.program_context())
    except ProgramInputError:
        logger.warning("program options rejected: %s", options)
        return assessment


def key_frame_images(result: StoredResult) -> list[np.ndarray]:
    """Decode the stored key frames to RGB arrays (for the reports)."""
    from PIL import Image

    return [np.asarray(Image.open(io.BytesIO(png)).convert("RGB")) for png in result.key_frames]


def assessment_json(assessment: Assessment) -> str:
    """Return ``assessment.json`` text (the output layer's, as the CLI writes it)."""
    from hipcheck.outputs.writers import assessment_json as text

    return text(assessment)


def reps_csv(assessment: Assessment) -> str:
    """Return ``reps.csv`` text (the output layer's: spreadsheet formulas neutralised)."""
    from hipcheck.outputs.writers import reps_csv as text

    return text(assessment)


def report_bytes(result: StoredResult, assessment: Assessment, fmt: str) -> bytes:
    """Return the clinician report (``html`` or ``pdf``) for a result."""
    from hipcheck.reports import ReportOptions, render_report_bytes

    options = ReportOptions(kinematics=result.kinematics, key_frames=key_frame_images(result))
    return render_report_bytes(assessment, fmt, options)
