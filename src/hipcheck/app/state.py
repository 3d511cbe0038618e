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
import secrets
import tempfile
import threading
import weakref
from collections import OrderedDict
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
RUN_KEY = "run"
ERROR_KEY = "error"

#: cached analyses kept in memory (each holds an annotated video)
CACHE_ENTRIES = 8
#: runs kept in memory for page reloads (across all browser sessions)
RUNS_KEPT = 32
#: query parameter naming the run shown on the page
RUN_PARAM = "run"
#: model choice of the page -> ``model`` argument of the analysis
MODEL_ARGUMENTS: dict[str, str | None] = {"standard": None, "high": "heavy"}
HEAVY_MISSING = (
    "The high-accuracy (heavy) pose model is not installed, so the standard model was used."
)

ProgressFn = Callable[[int, "int | None"], None]


@dataclass(frozen=True)
class Options:
    """Everything the user chose on the page.

    ``task``, ``side``, ``sex`` and ``markers`` change the analysis (and the cache key),
    and so does ``model`` (``standard`` or ``high``); ``equipment``, ``level`` and
    ``lateral_hip_pain`` only change the program, which is rebuilt from the findings in
    an instant.
    """

    task: str = "auto"
    side: str = "auto"
    sex: str = "unspecified"
    markers: str = "auto"
    model: str = "standard"
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
        PNG images by stance side: the bottom frame of the worst rep of each side,
        skeleton and angles drawn (the worst rep overall first).
    video_mp4
        The annotated clip (H.264 MP4), or None if it could not be made.
    notes
        Problems with the optional extras (annotated video, key frames), in plain words.
    """

    name: str
    digest: str
    assessment: dict[str, Any]
    kinematics: pd.DataFrame
    key_frames: dict[str, bytes] = field(default_factory=dict)
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
        ``progress(phase)`` returns the ``(frames_done, frames_total)`` callback of that
        phase: ``pose`` (finding the pose) or ``draw`` (the annotated video).

    Raises
    ------
    hipcheck.errors.HipcheckError
        Unreadable video, no person, nothing measurable.
    """
    from hipcheck.pipeline import analyze_video

    phase: Callable[[str], ProgressFn | None] = progress or (lambda _label: None)
    # analyze_video, not landmarks + analysis: it also runs the skin-marker pass.
    analysis = analyze_video(path, config, backend=backend, progress=phase("pose"))
    notes: list[str] = []
    frames = _optional(
        notes, "key frames", lambda: _key_frame_pngs(path, analysis.landmarks, analysis)
    )
    worst = _worst_side(analysis.assessment)
    if frames and worst in frames:  # the worst rep overall first
        frames = {worst: frames[worst], **{k: v for k, v in frames.items() if k != worst}}
    video = _optional(
        notes,
        "annotated video",
        lambda: _annotated_mp4(path, analysis, phase("draw")),
    )
    kin = analysis.kinematics.copy()
    kin.attrs = {}
    return StoredResult(
        name=PurePath(str(path)).name,
        digest="",
        assessment=analysis.assessment.to_dict(),
        kinematics=kin,
        key_frames=frames or {},
        video_mp4=video,
        notes=notes,
    )


def _worst_side(assessment: Assessment) -> str | None:
    from hipcheck.reports.metrics import worst_rep

    worst = worst_rep(assessment)
    return worst.side if worst is not None else None


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


def _key_frame_pngs(path: str | Path, landmarks: Any, analysis: Any) -> dict[str, bytes]:
    """Return the bottom key frame of the worst rep of each stance side, as PNG by side."""
    from hipcheck.reports.annotate import extract_key_frames, key_frame_reps
    from hipcheck.reports.report_html import image_png

    assessment = analysis.assessment
    reps = key_frame_reps(assessment, per_side=True)
    frames = extract_key_frames(path, landmarks, assessment, per_side=True)
    if len(frames) != len(reps):  # a frame could not be decoded: sides unknown
        return {f"frame {i + 1}": image_png(f) for i, f in enumerate(frames)}
    return {rep.side: image_png(f) for rep, f in zip(reps, frames, strict=True)}


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


class ResultCache:
    """A small thread-safe LRU of finished analyses, shared by the browser sessions.

    Keyed by the clip's SHA-256, the analysis options and the model choice; values are
    plain :class:`StoredResult` data (callers get renamed copies, never the cached
    object). It lives in this process's memory only: nothing is written to disk.
    """

    def __init__(self, max_entries: int = CACHE_ENTRIES) -> None:
        self._items: OrderedDict[tuple[Any, ...], StoredResult] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key: tuple[Any, ...]) -> StoredResult | None:
        """Return the cached result of ``key`` (None if absent)."""
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple[Any, ...], value: StoredResult) -> None:
        """Cache ``value`` under ``key`` (dropping the oldest entry when full)."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()


@st.cache_resource(show_spinner=False)
def result_cache() -> ResultCache:
    """Return the process-wide :class:`ResultCache`."""
    return ResultCache()


def clear_cache() -> None:
    """Forget every cached analysis."""
    result_cache().clear()


def model_argument(choice: str) -> str | None:
    """Return the ``model`` argument of the analysis for a model choice of the page.

    ``standard`` is the bundled BlazePose full model (None); ``high`` asks the pose
    stage for its heavy model by name (``"heavy"``).
    """
    return MODEL_ARGUMENTS.get(choice)


def model_problem(choice: str) -> str | None:
    """Return why the chosen model cannot be used here (None when it can).

    The pose stage's model registry says whether the heavy model is installed (and its
    checksum verified); when it is not, the page analyses with the standard model and
    says so, with the install command.
    """
    if model_argument(choice) is None:
        return None
    from hipcheck.pose.models import resolve_model

    try:
        resolve_model(model_argument(choice))
    except HipcheckError as exc:
        return f"{HEAVY_MISSING} {exc.message} {exc.hint or ''}".strip()
    return None


def analyse_upload(
    name: str,
    data: bytes,
    options: Options,
    *,
    side: str | None = None,
    model: str | None = None,
    progress: Callable[[str], ProgressFn] | None = None,
) -> StoredResult:
    """Analyse uploaded bytes (cached) and return the result named after the upload.

    Parameters
    ----------
    name, data
        The clip's file name and bytes.
    options
        The page's options (task, side, sex and markers change the analysis).
    side
        Stance side forced for this clip (two-clip sessions: left clip, right clip);
        None: the options' side.
    model
        The pose model argument (None: the bundled model).
    progress
        ``progress(phase)`` returns the ``(done, total)`` callback of a phase
        (``pose`` or ``draw``).

    Raises
    ------
    hipcheck.errors.HipcheckError
        Unsupported file type, unreadable video, no person, nothing measurable.
    """
    suffix = check_video_name(name)
    digest = file_digest(data)
    key = options.analysis_key()
    if side is not None:
        key = (key[0], side, key[2], key[3])
    cache_key = (digest, key, model)
    cached = result_cache().get(cache_key)
    if cached is None:
        with temporary_copy(data, suffix) as path:
            try:
                cached = analyse_file(
                    path,
                    config_from_key(key),
                    backend=backend_for_new_clip(model),
                    progress=progress,
                )
            except HipcheckError as exc:
                raise _named(exc, str(path), name) from exc.__cause__
        cached.digest = digest
        result_cache().put(cache_key, cached)
    return rename(cached, name)


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
        key_frames=dict(result.key_frames),
        video_mp4=result.video_mp4,
        notes=list(result.notes),
    )


# --- what produced the results, and keeping them over a page reload ----------------------


@dataclass(frozen=True)
class Inputs:
    """What a set of results was made from: the clip(s), analysis options, model choice.

    ``clips`` holds ``(role, identity)`` pairs, role ``clip`` (one clip) or ``left`` /
    ``right`` (a two-clip session); the identity is the clip's name and the SHA-256 of
    its bytes (:func:`hipcheck.app.main.clip_identity`).
    """

    clips: tuple[tuple[str, str], ...]
    analysis: tuple[str, str, str, str]
    model: str

    def changes_from(self, old: Inputs, *, clips_known: bool = True) -> list[str]:
        """Return what differs from ``old`` in words (empty: the same inputs).

        With ``clips_known=False`` (no clip is chosen now, e.g. after a page reload the
        uploader is empty) the clips are not compared.
        """
        changed = []
        if clips_known and self.clips != old.clips:
            changed.append("clip")
        labels = ("task", "standing leg", "sex", "skin markers")
        changed += [
            lab for lab, a, b in zip(labels, self.analysis, old.analysis, strict=True) if a != b
        ]
        if self.model != old.model:
            changed.append("model")
        return changed


@dataclass
class Run:
    """One analysis job of the page: its inputs, the clips' results and the session.

    Attributes
    ----------
    token
        Random id of the run (in the page's URL, so a reload finds it again).
    inputs
        What produced the results.
    results
        ``role -> StoredResult`` (role ``clip``, or ``left`` and ``right``).
    assessment
        The assessment the page shows (``Assessment.to_dict()``): the clip's, or for two
        clips the two combined (each side from its own clip).
    sources
        Stance side -> the clip it came from.
    options
        The options of the page when it ran (restored after a reload).
    meta
        The session details (person, date, tested sides, notes) when it ran.
    model_note
        Set when the chosen model could not be used (what was used instead and why).
    saved_session
        History session id once saved.
    """

    token: str
    inputs: Inputs
    results: dict[str, StoredResult]
    assessment: dict[str, Any]
    sources: dict[str, str]
    options: Options
    meta: Any = None
    model_note: str | None = None
    saved_session: int | None = None

    def to_assessment(self) -> Assessment:
        """Return the shown assessment (validated)."""
        return Assessment.from_dict(self.assessment)

    @property
    def title(self) -> str:
        """The clip name(s) for headings."""
        return " + ".join(r.name for r in self.results.values())


class RunStore:
    """Runs kept in this process's memory by token, so a page reload can show them again.

    Bounded (oldest dropped first); nothing is written to disk, and a restart of the
    app forgets them all.
    """

    def __init__(self, max_entries: int = RUNS_KEPT) -> None:
        self._items: OrderedDict[str, Run] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, token: str) -> Run | None:
        """Return the run of ``token`` (None if unknown or dropped)."""
        with self._lock:
            return self._items.get(token)

    def put(self, run: Run) -> None:
        """Keep ``run`` (dropping the oldest run when full)."""
        with self._lock:
            self._items[run.token] = run
            self._items.move_to_end(run.token)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)


@st.cache_resource(show_spinner=False)
def run_store() -> RunStore:
    """Return the process-wide :class:`RunStore`."""
    return RunStore()


def new_token() -> str:
    """Return a random, unguessable run token."""
    return secrets.token_urlsafe(16)


# --- derived views of a result ---------------------------------------------------------


def with_program(assessment: Assessment, options: Options) -> Assessment:
    """Return the assessment with the program rebuilt for the user's options.

    The program depends on the equipment, level and hip pain, which do not change the
    analysis; rebuilding it from the findings takes milliseconds. If the program module
    rejects the options, the stored program is kept.
    """
    from hipcheck.program import ProgramInputError, attach_program

    try:
        return attach_program(assessment, options.program_context())
    except ProgramInputError:
        logger.warning("program options rejected: %s", options)
        return assessment


def key_frame_images(result: StoredResult) -> list[np.ndarray]:
    """Decode the stored key frames to RGB arrays (for the reports)."""
    from PIL import Image

    return [
        np.asarray(Image.open(io.BytesIO(png)).convert("RGB")) for png in result.key_frames.values()
    ]


def assessment_json(assessment: Assessment) -> str:
    """Return ``assessment.json`` text (the output layer's, as the CLI writes it)."""
    from hipcheck.outputs.writers import assessment_json as text

    return text(assessment)


def reps_csv(assessment: Assessment) -> str:
    """Return ``reps.csv`` text (the output layer's: spreadsheet formulas neutralised)."""
    from hipcheck.outputs.writers import reps_csv as text

    return text(assessment)


def report_document(
    assessment: Assessment,
    fmt: str,
    *,
    kinematics: pd.DataFrame | None = None,
    key_frames: list[np.ndarray] | None = None,
    patient_id: str | None = None,
    session_date: str | None = None,
) -> bytes:
    """Return a clinician report (``html`` or ``pdf``) as bytes: the app's one call site.

    The report carries the person's id and the session date when given; the protocol
    comes with the task.
    """
    from hipcheck.reports import ReportOptions, render_report_bytes

    options = ReportOptions(
        kinematics=kinematics,
        key_frames=key_frames or [],
        patient_id=patient_id or None,
        session_date=session_date or None,
    )
    return render_report_bytes(assessment, fmt, options)


def report_bytes(
    run: Run,
    assessment: Assessment,
    fmt: str,
    *,
    patient_id: str | None = None,
    session_date: str | None = None,
) -> bytes:
    """Return the clinician report (``html`` or ``pdf``) of a run.

    Key frames come from every clip of the run; the time series only for one clip (the
    plot shows one clip's time line).
    """
    results = list(run.results.values())
    return report_document(
        assessment,
        fmt,
        kinematics=results[0].kinematics if len(results) == 1 else None,
        key_frames=[img for r in results for img in key_frame_images(r)],
        patient_id=patient_id,
        session_date=session_date,
    )
