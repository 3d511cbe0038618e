"""The analysis pipeline: video -> landmarks -> cleaned series -> kinematics -> reps -> assessment.

Public entry points: :func:`analyze_video` and :func:`analyze_landmarks` return an
:class:`Analysis`; :meth:`Analysis.save` writes the output contract (design.md §5):

- ``assessment.json``: the :class:`~hipcheck.model.Assessment` (schema in docs/SCHEMA.md);
- ``reps.csv``: one row per repetition and limb;
- ``landmarks.parquet``: the raw landmark series (re-analysis never re-runs the model);
- ``kinematics.parquet``: the per-frame kinematics used for the plots.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hipcheck import __version__
from hipcheck.config import AnalysisConfig
from hipcheck.errors import NotMeasurableError
from hipcheck.landmarks import LM, LandmarkSeries

if TYPE_CHECKING:  # pandas and the analysis modules load on first use (see analyze_video)
    import pandas as pd

    from hipcheck.model import Assessment

#: What the analysis after the pose model imports; :func:`analyze_video` imports it in a
#: background thread while the model runs, so the import costs no wall time.
ANALYSIS_MODULES = (
    "pandas",
    "hipcheck.markers",
    "hipcheck.assessment",
    "hipcheck.filtering",
    "hipcheck.kinematics",
    "hipcheck.reps",
    "hipcheck.tables",
    "hipcheck.program",
    "hipcheck.io.landmarks",
)

logger = logging.getLogger(__name__)

#: A frame-to-frame move of the mid-hip larger than this many leg lengths, or a leg
#: length change larger than this fraction, is a tracking jump (often a second person
#: taking over the skeleton; design.md §7) [HEUR].
JUMP_SHIFT = 0.25
JUMP_SCALE = 0.30


@dataclass
class Analysis:
    """Everything one analysis produced."""

    assessment: Assessment
    kinematics: pd.DataFrame
    landmarks: LandmarkSeries

    def save(self, out_dir: str | Path) -> dict[str, Path]:
        """Write the output files into ``out_dir`` atomically; return their paths."""
        from hipcheck.io.landmarks import save_landmarks
        from hipcheck.tables import reps_table

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            "assessment": out / "assessment.json",
            "reps": out / "reps.csv",
            "landmarks": out / "landmarks.parquet",
            "kinematics": out / "kinematics.parquet",
        }
        _atomic_write_text(
            paths["assessment"],
            json.dumps(self.assessment.to_dict(), indent=2, allow_nan=False, default=_json_default),
        )
        _atomic_write_text(paths["reps"], reps_table(self.assessment).to_csv(index=False))
        save_landmarks(self.landmarks, paths["landmarks"])
        tmp = paths["kinematics"].with_name("kinematics.parquet.part")
        kin = self.kinematics.copy()
        kin.attrs = {}
        kin.to_parquet(tmp, index=False)
        tmp.replace(paths["kinematics"])
        return paths


def _json_default(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def tracking_jumps(series: LandmarkSeries) -> np.ndarray:
    """Flag frames where the skeleton jumps (boolean per frame of ``series``).

    A jump is a frame-to-frame move of the mid-hip by more than ``JUMP_SHIFT`` leg
    lengths, or a change of leg length (hip-ankle, mean of both sides) by more than
    ``JUMP_SCALE``: no body part of a person squatting moves that fast between two
    video frames, but the skeleton does when MediaPipe switches to another person.
    """
    hips = (series.xy[:, LM.LEFT_HIP] + series.xy[:, LM.RIGHT_HIP]) / 2
    leg = (
        np.linalg.norm(series.xy[:, LM.LEFT_HIP] - series.xy[:, LM.LEFT_ANKLE], axis=1)
        + np.linalg.norm(series.xy[:, LM.RIGHT_HIP] - series.xy[:, LM.RIGHT_ANKLE], axis=1)
    ) / 2
    shift = np.linalg.norm(np.diff(hips, axis=0), axis=1)
    ref = np.fmax(leg[1:], leg[:-1])
    with np.errstate(invalid="ignore", divide="ignore"):
        jump = (shift > JUMP_SHIFT * ref) | (np.abs(leg[1:] / leg[:-1] - 1) > JUMP_SCALE)
    out = np.zeros(series.n_frames, dtype=bool)
    out[1:] = jump & np.isfinite(ref)
    return out


def _clip_quality(kin: pd.DataFrame, series: LandmarkSeries) -> list[str]:
    import pandas as pd

    notes = []
    detected = series.detected.mean() if series.n_frames else 0.0
    if detected < 0.9:
        notes.append(
            f"A person was found in only {detected:.0%} of the frames: keep the whole body in "
            "view for the whole clip."
        )
    views = kin["view"].value_counts(normalize=True)
    if len(views) and views.index[0] != "frontal":
        notes.append(
            f"The camera mostly sees the person from the {views.index[0]} ({views.iloc[0]:.0%} "
            "of frames): pelvic drop, knee valgus and trunk lean are frontal-plane measures "
            "and are not measurable from this view. Film from the front, camera square to "
            "the person at pelvis-knee height."
        )
    if kin.get("tracking_jump", pd.Series(dtype=bool)).sum() > 2:
        notes.append(
            "The skeleton jumped between frames several times; another person may be in view. "
            "Film with only the person being tested in frame."
        )
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
    **options
        Field overrides for ``config`` (None values are ignored).
    """
    from hipcheck.assessment import build_assessment
    from hipcheck.filtering import clean_series
    from hipcheck.io.landmarks import load_landmarks
    from hipcheck.kinematics import frame_kinematics
    from hipcheck.reps import detect_reps

    config = (config or AnalysisConfig()).with_(**options)
    if not isinstance(series, LandmarkSeries):
        series = load_landmarks(series)
    if series.detected.sum() < 3:
        raise NotMeasurableError(
            f"Too few frames with a person in {series.source or 'the landmark series'}.",
            "Film the whole body from the front with one person in frame.",
        )
    jumps = tracking_jumps(series)
    cutoff_hz, cutoff_note = _usable_cutoff(config.cutoff_hz, series.t_s)
    cleaned = clean_series(
        series,
        visibility_threshold=config.visibility_threshold,
        max_gap_s=config.max_gap_s,
        cutoff_hz=cutoff_hz,
        order=config.filter_order,
    )
    kin = frame_kinematics(cleaned)
    sources = _apply_marker_angles(kin, marker_angles(cleaned.t_s) if marker_angles else None)
    # Map jump flags (raw time axis) onto the cleaned, uniform grid.
    idx = np.clip(np.searchsorted(series.t_s, cleaned.t_s), 0, series.n_frames - 1)
    kin["tracking_jump"] = jumps[idx]
    fps = 1.0 / float(np.median(np.diff(cleaned.t_s))) if cleaned.n_frames > 1 else 30.0
    try:
        baseline, depth, windows, rejected = detect_reps(kin, fps, config)
    except ValueError as exc:
        raise NotMeasurableError(
            f"No usable hips and ankles in {series.source or 'the landmark series'} ({exc}).",
            "Film the whole body, feet included, from the front.",
        ) from exc
    kin["depth"] = depth
    _add_relative_columns(kin, baseline.frames)
    kin["rep"] = 0
    kin["stance"] = ""
    for i, w in enumerate(windows, start=1):
        kin.loc[w.start : w.end, "rep"] = i
        kin.loc[w.start : w.end, "stance"] = w.side
    video = dict(series.video)
    video.setdefault("width", series.frame_size[0])
    video.setdefault("height", series.frame_size[1])
    video["frames_used"] = int(cleaned.n_frames)
    video["analysis_fps"] = fps
    quality = _clip_quality(kin, series)
    if cutoff_note:
        quality.append(cutoff_note)
    if rejected:
        quality.append(
            f"{len(rejected)} depth dip(s) were not counted as repetitions "
            f"({', '.join(sorted({f for r in rejected for f in r.flags}))})."
        )
    assessment = build_assessment(
        kin, windows, baseline, config=config, video=video, sources=sources, clip_quality=quality
    )
    assessment.hipcheck_version = __version__
    assessment.summary["baseline"] = {
        "start_s": float(kin["t_s"].iloc[baseline.start_frame]),
        "end_s": float(kin["t_s"].iloc[baseline.end_frame]),
        "bilateral": baseline.bilateral,
    }
    assessment.summary["processing"] = cleaned.log
    _attach_program(assessment)
    return Analysis(assessment=assessment, kinematics=kin, landmarks=series)


_MARKER_METRICS = {
    "pelvic_drop_deg": ("pelvic_drop_left_deg", "pelvic_drop_right_deg"),
    "knee_valgus_deg": ("fppa_left_deg", "fppa_right_deg"),
    "trunk_lean_deg": ("trunk_lean_left_deg", "trunk_lean_right_deg"),
}


def _apply_marker_angles(kin: pd.DataFrame, angles: pd.DataFrame | None) -> dict[str, str]:
    """Replace landmark angle columns by marker-based ones; return the source per metric."""
    sources = dict.fromkeys(_MARKER_METRICS, "landmarks")
    if angles is None:
        return sources
    for metric, cols in _MARKER_METRICS.items():
        if all(c in angles for c in cols) and np.isfinite(angles[list(cols)].to_numpy()).any():
            for c in cols:
                kin[f"landmark_{c}"] = kin[c]
                kin[c] = angles[c].to_numpy(float)
            sources[metric] = "markers"
    return sources


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


def _add_relative_columns(kin: pd.DataFrame, frames: np.ndarray) -> None:
    for col in [c for c in kin.columns if c.endswith("_deg")]:
        base = float(np.nanmean(kin[col].to_numpy(float)[frames]))
        kin[col.removesuffix("_deg") + "_rel_deg"] = kin[col] - base


def _attach_program(assessment: Assessment, context: object | None = None) -> None:
    try:
        from hipcheck.program import build_program
    except ImportError:  # the program module is optional while it is being built
        return
    assessment.program = build_program(assessment.findings, context).to_dict()  # type: ignore[arg-type]


def analyze_video(
    path: str | Path,
    config: AnalysisConfig | None = None,
    *,
    model: str | Path | None = None,
    backend: object | None = None,
    max_side: int | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    workers: int | None = None,
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
    **options
        Field overrides for ``config`` (task, side, sex, ...).

    Raises
    ------
    hipcheck.errors.HipcheckError
        Unreadable video, no person, nothing measurable.
    """
    from hipcheck.pose import extract_landmarks

    config = (config or AnalysisConfig()).with_(**options)

    def prepare() -> None:
        # while the pose model runs: a bad marker colour stops it within about a second,
        # and the analysis modules are imported by the time the landmarks are ready
        import importlib

        from hipcheck.markers import check_marker_option

        check_marker_option(config.markers)
        for name in ANALYSIS_MODULES:
            importlib.import_module(name)

    series = extract_landmarks(
        path,
        model=model,
        backend=backend,  # type: ignore[arg-type]
        max_side=max_side,
        progress=progress,
        workers=workers,
        concurrently=prepare,
    )
    return analyze_with_video(series, path, config)


def analyze_with_video(
    series: LandmarkSeries, path: str | Path, config: AnalysisConfig | None = None
) -> Analysis:
    """Analyse landmarks of a clip whose video is at hand: the skin-marker pass included.

    With ``config.markers`` ``auto`` the markers are used when found (else the landmark
    values, as :func:`analyze_landmarks`); ``off`` skips the marker pass.
    """
    from hipcheck.markers import markers_for_video

    config = config or AnalysisConfig()
    markers = markers_for_video(path, series, config)  # angles None: no markers, landmarks
    analysis = analyze_landmarks(series, config, marker_angles=markers.angles)
    markers.annotate(analysis.assessment)
    return analysis
