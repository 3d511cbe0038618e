"""The analysis pipeline: video -> landmarks -> cleaned series -> kinematics -> reps -> assessment.

Public entry points: :func:`analyze_video` and :func:`analyze_landmarks` return an
:class:`Analysis`; the output layer (:mod:`hipcheck.outputs`, or :meth:`Analysis.save`)
writes the output contract:

- ``assessment.json``: the :class:`~hipcheck.model.Assessment` (schema in docs/SCHEMA.md);
- ``reps.csv``: one row per repetition and limb;
- ``landmarks.parquet``: the raw landmark series (re-analysis never re-runs the model);
- ``kinematics.parquet``: the per-frame kinematics used for the plots.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hipcheck.config import AnalysisConfig
from hipcheck.errors import NotMeasurableError
from hipcheck.landmarks import LandmarkSeries
from hipcheck.metrics import METRICS
from hipcheck.model import Assessment, Detection, PersonChange, RejectedDip, Source
from hipcheck.person import person_changes, person_notes, tracking_jumps

if TYPE_CHECKING:  # pandas and the analysis modules load on first use (see analyze_video)
    import pandas as pd

    from hipcheck.reps import Baseline, RepDetection, RepWindow

#: What the analysis after the pose model imports; :func:`analyze_video` imports it in a
#: background thread while the model runs, so the import costs no wall time.
ANALYSIS_MODULES = (
    "pandas",
    "hipcheck.markers.run",
    "hipcheck.assessment",
    "hipcheck.filtering",
    "hipcheck.kinematics",
    "hipcheck.reps",
    "hipcheck.tables",
    "hipcheck.program",
    "hipcheck.io.landmarks",
)

logger = logging.getLogger(__name__)

#: fewer frames (or frames with a person) than this cannot hold a movement: the filter
#: and the rep detector need at least a start, a bottom and an end
MIN_FRAMES = 3


@dataclass
class Analysis:
    """Everything one analysis produced."""

    assessment: Assessment
    kinematics: pd.DataFrame
    landmarks: LandmarkSeries

    def save(self, out_dir: str | Path, video: str | Path | None = None) -> dict[str, Path]:
        """Write the output files into ``out_dir`` as one unit; return their paths.

        A thin shortcut for :func:`hipcheck.outputs.save_analysis` (which also writes
        the annotated video and reports).
        """
        from hipcheck.outputs.writers import AnalysisData, save_analysis

        return save_analysis(AnalysisData.of(self, video), out_dir)


def check_movie(path: str | Path) -> None:
    """Refuse a still image or a clip shorter than :data:`MIN_FRAMES`, before the pose model.

    Reads only the container (a probe), so the message says what is wrong with the file
    ("a still image") instead of what the pose model later fails to find in it.

    Raises
    ------
    hipcheck.errors.VideoError
        The file is not a readable video.
    hipcheck.errors.NotMeasurableError
        A still image (an image format, or fewer than :data:`MIN_FRAMES` frames).
    """
    from hipcheck.io.video import probe_video

    info = probe_video(path)
    image = info.container == "image2" or info.container.endswith("_pipe")
    if image or (info.n_frames is not None and info.n_frames < MIN_FRAMES):
        what = "a still image" if image else f"a clip of only {info.n_frames} frame(s)"
        raise NotMeasurableError(
            f"{path} is {what}: a movement needs a video.",
            "Film a video of the whole movement: 1-2 s standing still, then the repetitions.",
        )


def _clip_quality(
    kin: pd.DataFrame, series: LandmarkSeries, detection: RepDetection | None = None
) -> list[str]:
    notes = []
    detected = series.detected.mean() if series.n_frames else 0.0
    if detected < 0.9:
        notes.append(
            f"A person was found in only {detected:.0%} of the frames: keep the whole body in "
            "view for the whole clip."
        )
    view = detection.view if detection is not None else None
    if view is not None and not view.frontal_metrics and view.reason:
        notes.append(view.reason)
    video = series.video
    if video.get("frames_lost"):
        notes.append(
            f"The video file is damaged: {video['frames_lost']} frames at the end could not "
            "be decoded."
        )
    fps = video.get("fps")
    if fps and fps < 24:
        notes.append(f"The video has only {fps:.0f} frames per second; 30 or more is recommended.")
    return notes


def analyze_landmarks(
    series: LandmarkSeries | str | Path,
    config: AnalysisConfig | None = None,
    *,
    marker_angles: Callable[[np.ndarray], pd.DataFrame] | None = None,
    marker_info: dict[str, Any] | None = None,
    notes: Sequence[str] = (),
    **options: object,
) -> Analysis:
    """Analyse a landmark series (or a saved ``landmarks.parquet``) without the pose model.

    Parameters
    ----------
    series
        A :class:`LandmarkSeries` or the path of a landmark file.
    config
        Analysis options; keyword ``options`` (task, side, sex, cutoff_hz, ...)
        override its fields.
    marker_angles
        Optional ``f(t_s) -> DataFrame`` giving marker-based per-frame angles on the
        analysis time grid, with any of the columns ``pelvic_drop_{left,right}_deg``,
        ``fppa_{left,right}_deg``, ``trunk_lean_{left,right}_deg`` (same signs as the
        landmark columns). Those columns replace the landmark-based ones and the
        assessment records ``markers`` as their source.
    marker_info
        The marker pass summary, recorded in the assessment's provenance.
    notes
        Extra plain-language notes for the assessment (e.g. from the marker pass).
    **options
        Field overrides for ``config`` (None values are ignored).
    """
    from hipcheck.assessment import build_assessment
    from hipcheck.filtering import clean_series
    from hipcheck.io.landmarks import load_landmarks
    from hipcheck.kinematics import frame_kinematics
    from hipcheck.program import attach_program
    from hipcheck.reps import detect_reps

    config = (config or AnalysisConfig()).with_(**options)
    if not isinstance(series, LandmarkSeries):
        series = load_landmarks(series)
    where = series.source or "the landmark series"
    if series.n_frames < MIN_FRAMES:
        raise NotMeasurableError(
            f"{where} has only {series.n_frames} frame(s): it is a still image or a clip too "
            "short to hold a movement.",
            "Film a video of the whole movement: 1-2 s standing still, then the repetitions.",
        )
    if series.detected.sum() < MIN_FRAMES:
        raise NotMeasurableError(
            f"A person was found in only {int(series.detected.sum())} of the "
            f"{series.n_frames} frames of {where}.",
            "Film the whole body from the front with one person in frame.",
        )
    jumps = tracking_jumps(series)
    changes = person_changes(series, jumps)
    cutoff_hz, cutoff_note = _usable_cutoff(config.cutoff_hz, series.t_s)
    cleaned = clean_series(
        series,
        visibility_threshold=config.visibility_threshold,
        max_gap_s=config.max_gap_s,
        cutoff_hz=cutoff_hz,
        order=config.filter_order,
    )
    kin, sources = with_marker_angles(
        frame_kinematics(cleaned), marker_angles(cleaned.t_s) if marker_angles else None
    )
    # Map jump flags (raw time axis) onto the cleaned, uniform grid.
    idx = np.clip(np.searchsorted(series.t_s, cleaned.t_s), 0, series.n_frames - 1)
    change = np.zeros(cleaned.n_frames, dtype=bool)
    for c in changes:
        change[int(np.argmin(np.abs(cleaned.t_s - c.t_s)))] = True
    kin = kin.assign(tracking_jump=jumps[idx], person_change=change)
    fps = 1.0 / float(np.median(np.diff(cleaned.t_s))) if cleaned.n_frames > 1 else 30.0
    try:
        detection = detect_reps(kin, fps, config)
        baseline, depth, windows, rejected = detection
    except ValueError as exc:
        raise NotMeasurableError(
            f"No usable hips and ankles in {series.source or 'the landmark series'} ({exc}).",
            "Film the whole body, feet included, from the front.",
        ) from exc
    kin = with_rep_columns(
        kin, depth, baseline, windows, detection.upright.leg_ratio if detection.upright else None
    )
    video = dict(series.video)
    video.setdefault("width", series.frame_size[0])
    video.setdefault("height", series.frame_size[1])
    video["frames_used"] = int(cleaned.n_frames)
    video["analysis_fps"] = fps
    quality = _clip_quality(kin, series, detection)
    quality += person_notes(changes)
    if cutoff_note:
        quality.append(cutoff_note)
    if rejected and windows:
        from hipcheck.assessment.rules import flag_text

        why = sorted({flag_text(f) for r in rejected for f in r.flags})
        dips = "1 dip was" if len(rejected) == 1 else f"{len(rejected)} dips were"
        quality.append(f"{dips} not counted as repetitions: {'; '.join(why)}.")
    quality += [n for n in notes if n]
    assessment = build_assessment(
        kin,
        windows,
        baseline,
        config=config,
        video=video,
        sources=sources,
        clip_quality=quality,
        processing=cleaned.log,
        markers=marker_info,
        no_reps_reason=detection.no_reps_reason,
        detection=_detection(kin, detection, changes),
    )
    return Analysis(assessment=attach_program(assessment), kinematics=kin, landmarks=series)


def _detection(kin: pd.DataFrame, detection: RepDetection, changes: Sequence[Any]) -> Detection:
    """Return the rep detector's verdict: what was seen, and which dips were not counted."""
    t = kin["t_s"].to_numpy(float)
    return Detection(
        activity=detection.activity,
        no_reps_reason=detection.no_reps_reason,
        view=detection.view.to_dict() if detection.view else None,
        rejected=tuple(
            RejectedDip(bottom_s=float(t[r.bottom]), flags=tuple(r.flags))
            for r in detection.rejected
        ),
        person_changes=tuple(
            PersonChange(t_s=float(c.t_s), shift=float(c.shift), scale=float(c.scale))
            for c in changes
        ),
    )


def with_marker_angles(
    kin: pd.DataFrame, angles: pd.DataFrame | None
) -> tuple[pd.DataFrame, dict[str, Source]]:
    """Return a copy of ``kin`` with marker-based angle columns, and the source per metric.

    For each metric whose two per-side columns the marker angles carry (with some finite
    value), the landmark columns move to ``landmark_<column>`` and the marker values take
    their place; the source of that metric becomes ``markers``.
    """
    measured = [m for m in METRICS if m.marker_measured]
    sources: dict[str, Source] = {m.name: "landmarks" for m in measured}
    if angles is None:
        return kin, sources
    kin = kin.copy()
    for m in measured:
        cols = [m.column_for(side) for side in ("left", "right")]
        if all(c in angles for c in cols) and np.isfinite(angles[cols].to_numpy()).any():
            for c in cols:
                kin[f"landmark_{c}"] = kin[c]
                kin[c] = angles[c].to_numpy(float)
            sources[m.name] = "markers"
    # per-frame marker validity (markers_ok_*) and marker pelvis width, for the rep rules
    for col in angles.columns:
        if str(col).startswith("markers_"):
            kin[col] = angles[col].to_numpy()
    return kin, sources


def with_rep_columns(
    kin: pd.DataFrame,
    depth: np.ndarray,
    baseline: Baseline,
    windows: Sequence[RepWindow],
    leg_ratio: Mapping[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Return a copy of ``kin`` with ``depth``, ``rep``, ``stance`` and ``*_rel_deg`` columns.

    ``<metric column>_rel`` (``fppa_left_rel_deg`` ...) is the column minus its standing
    reference: the rep's own reference inside a rep, the clip's baseline elsewhere; the
    same reference values the assessment uses (:func:`hipcheck.assessment.values.reference_values`).
    With ``leg_ratio`` (per leg, hip-ankle distance over its standing length) also
    ``leg_shortening_left`` / ``_right`` = ``1 - leg_ratio``, the knee-flexion proxy the
    FPPA's valid range is judged on (:mod:`hipcheck.plausibility`).
    """
    from hipcheck.assessment.values import metric_columns, reference_values

    out = kin.copy()
    out["depth"] = depth
    for side, ratio in (leg_ratio or {}).items():
        out[f"leg_shortening_{side}"] = 1.0 - np.asarray(ratio, dtype=float)
    rep = np.zeros(len(out), dtype=int)
    stance = np.full(len(out), "", dtype=object)
    cols = [c for c in metric_columns(out) if c.endswith("_deg")]
    base = reference_values(out, baseline.frames)
    rel = {c: out[c].to_numpy(float) - base[c] for c in cols}
    for i, w in enumerate(windows, start=1):
        rep[w.start : w.end + 1] = i
        stance[w.start : w.end + 1] = w.side
        if w.reference is not None and w.reference is not baseline:
            own = reference_values(out, w.reference.frames)
            for c in cols:
                rel[c][w.start : w.end + 1] = out[c].to_numpy(float)[w.start : w.end + 1] - own[c]
    for c in cols:
        out[c.removesuffix("_deg") + "_rel_deg"] = rel[c]
    out["rep"] = rep
    out["stance"] = stance
    return out


#: The low-pass cut-off may use at most this fraction of the Nyquist frequency.
MAX_CUTOFF_OF_NYQUIST = 0.8


def _usable_cutoff(cutoff_hz: float, t_s: np.ndarray) -> tuple[float, str | None]:
    """Lower the filter cut-off for low frame rates (a live recording that dropped frames).

    A Butterworth cut-off must lie below the Nyquist frequency (fps / 2); at 10 fps the
    default 6 Hz cannot be used, so the cut-off drops to 0.8 x Nyquist and a quality note
    says why.
    """
    from hipcheck.filtering import nominal_fps

    if t_s.size < 2:
        return cutoff_hz, None
    limit = MAX_CUTOFF_OF_NYQUIST * nominal_fps(t_s) / 2.0
    if cutoff_hz <= limit:
        return cutoff_hz, None
    return limit, (
        f"Only about {nominal_fps(t_s):.0f} frames per second were available, so the "
        f"smoothing filter ran at {limit:.1f} Hz instead of {cutoff_hz:g} Hz; fast "
        "movements may read smaller. Film (or process) at 30 frames per second or more."
    )


def analyze_video(
    path: str | Path,
    config: AnalysisConfig | None = None,
    *,
    model: str | Path | None = None,
    backend: object | None = None,
    max_side: int | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    workers: int | None = None,
    prepare: Callable[[], object] | None = None,
    **options: object,
) -> Analysis:
    """Analyse a video end to end.

    Parameters
    ----------
    path
        Video file.
    config
        Analysis options (task, side, sex, filter ...); keyword ``options`` override it.
    model
        ``full``, ``heavy`` or a ``.task`` file; None: the offline default.
    backend
        A pose backend to reuse (the app keeps one per browser session); it is reset
        before the clip. ``model`` is then ignored.
    max_side
        Downscale frames for the pose model (speed); landmarks stay in full-size pixels.
    progress
        ``progress(frames_done, frames_expected)`` callback.
    workers
        Processes for the pose model (see :func:`hipcheck.pose.extract_landmarks`).
    prepare
        The caller's own preparation of what follows the analysis (importing its output
        modules, say), run in a background thread while the pose model runs, after the
        analysis modules are imported.
    **options
        Field overrides for ``config`` (task, side, sex, ...).

    Raises
    ------
    hipcheck.errors.HipcheckError
        Unreadable video, no person, nothing measurable.
    """
    from hipcheck.markers import check_marker_option
    from hipcheck.pose import extract_landmarks

    config = (config or AnalysisConfig()).with_(**options)
    check_marker_option(config.markers)  # a bad colour name fails before the pose pass
    check_movie(path)

    def side_work() -> None:
        # imported while the pose model runs, so they are ready with the landmarks
        import importlib

        for name in ANALYSIS_MODULES:
            importlib.import_module(name)
        if prepare is not None:
            prepare()

    series = extract_landmarks(
        path,
        model=model,
        backend=backend,
        max_side=max_side,
        progress=progress,
        workers=workers,
        concurrently=side_work,
    )
    return analyze_with_video(series, path, config)


def analyze_with_video(
    series: LandmarkSeries, path: str | Path, config: AnalysisConfig | None = None
) -> Analysis:
    """Analyse landmarks of a clip whose video is at hand: the skin-marker pass included.

    With ``config.markers`` ``auto`` the markers are used when a marker set is confirmed
    (else the landmark values, as :func:`analyze_landmarks`; ``summary["markers"]["reason"]``
    says why); ``off`` skips the marker pass. The marker pass reads the video at the
    ``max_side`` the landmarks were extracted with (series log).
    """
    from hipcheck.markers import markers_for_video

    config = config or AnalysisConfig()
    markers = markers_for_video(path, series, config)  # angles None: no markers, landmarks
    return analyze_landmarks(
        series,
        config,
        marker_angles=markers.angles,
        marker_info=markers.summary,
        notes=[markers.note] if markers.note else (),
    )
