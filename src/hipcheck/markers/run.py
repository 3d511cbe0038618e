"""The marker pass: confirm, identify and track a marker set; see :mod:`hipcheck.markers`."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd

from hipcheck.config import AnalysisConfig
from hipcheck.landmarks import LandmarkSeries
from hipcheck.markers.calibrate import find_marker_set
from hipcheck.markers.detect import MarkerColour, get_colour
from hipcheck.markers.frames import (
    MIN_STANDING_FRAMES,
    body_scale_px,
    scaled_series,
    standing_crops,
    standing_frames,
    video_frames,
    working_scale,
)
from hipcheck.markers.measures import angle_function
from hipcheck.markers.track import MarkerTracks, track_markers

#: Markers are used only if both ASIS are tracked in at least this fraction of frames
#: (pelvic drop is why markers are worn).
MIN_ASIS_FRACTION = 0.5

#: ``source(max_side)`` -> a fresh iterator over the clip's upright RGB frames, shrunk
#: so the longer side is ``max_side`` (None = full size).
FrameSource = Callable[[int | None], Iterator[np.ndarray]]


@dataclass
class MarkerResult:
    """What the marker pass found.

    Attributes
    ----------
    angles
        ``f(t_s) -> DataFrame`` for ``analyze_landmarks(marker_angles=...)`` (angle
        columns, plus the per-frame marker validity columns and marker pelvis width),
        or None when markers are off or were not found (the analysis uses the
        landmarks).
    tracks
        The marker tracks, full-size pixels (None when not tracked).
    summary
        JSON-ready facts: mode, whether markers were used and if not why
        (``reason``), the confirmation's numbers, colour, per-site counts, frames read.
    note
        A message for the assessment's quality notes (e.g. requested markers not found).
    """

    angles: Callable[[np.ndarray], pd.DataFrame] | None
    tracks: MarkerTracks | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    note: str | None = None

    def annotate(self, assessment: Any) -> None:
        """Record the summary (``summary["markers"]``) and note in an assessment."""
        assessment.summary["markers"] = self.summary
        if self.note:
            assessment.quality.append(self.note)


def logged_max_side(series: LandmarkSeries) -> int | None:
    """Return the ``max_side`` the landmarks were extracted with (series log), or None."""
    for entry in reversed(series.log or []):
        if entry.get("operation") == "extract_landmarks" and entry.get("max_side"):
            return int(entry["max_side"])
    return None


class _Counted:
    """Iterator wrapper that counts the frames taken from it."""

    def __init__(self, it: Iterator[np.ndarray]) -> None:
        self._it = it
        self.count = 0

    def __iter__(self) -> _Counted:
        return self

    def __next__(self) -> np.ndarray:
        item = next(self._it)
        self.count += 1
        return item

    def close(self) -> None:
        close = getattr(self._it, "close", None)
        if close is not None:
            close()


def _not_found(summary: dict[str, Any], reason: str, preset: MarkerColour | None) -> MarkerResult:
    summary["reason"] = f"no markers found: {reason}"
    note = None
    if preset is not None:
        note = (
            f"No {preset.name} skin markers were confirmed: {reason}. All angles come from "
            "the pose landmarks (pelvic drop only indicative)."
        )
    return MarkerResult(None, summary=summary, note=note)


def marker_pass(
    source: FrameSource,
    series: LandmarkSeries,
    config: AnalysisConfig,
    *,
    max_side: int | None = None,
) -> MarkerResult:
    """Confirm, track and measure skin markers in a clip (the engine of the entry points).

    ``config.markers`` is ``"off"`` (nothing is read), ``"auto"`` (the usual marker
    colours, then calibrated hues, each put to the confirmation rule of
    :mod:`hipcheck.markers.confirm`) or a preset colour name (only that colour).

    1. Standing frames are chosen from the landmarks (:func:`standing_frames`) and
       read from ``source`` at the working scale (:func:`working_scale`, honouring
       ``max_side``); reading stops after the last of them.
    2. No confirmed set: ``angles=None`` with ``summary["reason"]``; nothing more is read.
    3. Confirmed: the clip is read again, streaming, and the markers are tracked around
       their landmark-predicted sites; they are used when both ASIS are tracked in at
       least ``MIN_ASIS_FRACTION`` of the frames.

    Parameters
    ----------
    source
        ``source(max_side)`` returns a fresh iterator of the clip's upright RGB frames
        (frame ``i`` = row ``i`` of ``series``), shrunk to ``max_side`` if given.
    series
        The clip's pose landmarks, full-size pixels.
    config
        Analysis options (``markers``, ``max_gap_s``, filter).
    max_side
        The longer frame side the user asked for (``--max-side``); None = full size.

    Raises
    ------
    hipcheck.errors.HipcheckError
        ``config.markers`` names no known colour.
    """
    option = str(config.markers).strip().lower()
    summary: dict[str, Any] = {"mode": option, "used": False, "frames_read": 0}
    if option == "off":
        return MarkerResult(None, summary=summary)
    preset = None if option == "auto" else get_colour(option)
    leg = body_scale_px(series)
    standing = standing_frames(series)
    summary["standing_frames"] = [int(i) for i in standing]
    if len(standing) < MIN_STANDING_FRAMES or not np.isfinite(leg):
        return _not_found(
            summary,
            f"only {len(standing)} frames show the person standing upright with hips, knees "
            "and ankles visible; markers are confirmed on standing frames",
            preset,
        )
    width, height = series.frame_size
    longest = max(width, height)
    scale = working_scale(leg, longest, max_side)
    work_side = None if scale >= 1.0 else max(1, round(longest * scale))
    with closing(_Counted(source(work_side))) as frames:
        first = next(frames, None)
        if first is None:
            return _not_found(summary, "the video has no frames", preset)
        sx, sy = first.shape[1] / width, first.shape[0] / height
        work = scaled_series(series, sx, sy)
        work_leg = body_scale_px(work)
        crops = standing_crops(itertools.chain([first], frames), standing, work.xy, work_leg)
        del first  # only the body crops of the standing frames are kept
        summary["frames_read"] = frames.count
    summary["work_scale"] = round(float(sx), 4)
    best, tried = find_marker_set(crops, work_leg, preset)
    summary["colours_tried"] = len(tried)
    if best is not None:
        summary["confirmation"] = best.to_dict()
    if best is None or not best.confirmed:
        reason = best.reason if best is not None else "no candidate colour"
        return _not_found(summary, str(reason), preset)
    with closing(_Counted(source(work_side))) as frames:
        tracks = track_markers(
            frames,
            work,
            best.colour,
            max_gap_s=config.max_gap_s,
            leg_length_px=work_leg,
            disc_area_px=best.disc_area_px,
        )
        summary["frames_read"] += frames.count
    tracks.xy = tracks.xy / np.array([sx, sy])
    tracks.area = tracks.area / (sx * sy)
    summary.update(tracks.summary())
    found = tracks.found_fraction()
    asis = min(found["asis_left"], found["asis_right"])
    if asis < MIN_ASIS_FRACTION:
        summary["reason"] = f"both ASIS markers tracked in only {asis:.0%} of the frames"
        return MarkerResult(
            None,
            tracks,
            summary,
            "Skin markers were found but the ASIS markers were lost for most of the clip; "
            "all angles come from the pose landmarks (pelvic drop only indicative).",
        )
    summary["used"] = True
    angles = angle_function(
        tracks.xy, tracks.t_s, cutoff_hz=config.cutoff_hz, order=config.filter_order
    )
    return MarkerResult(angles, tracks, summary)


def _in_memory(images: Sequence[np.ndarray]) -> FrameSource:
    """Return a frame source over frames held in memory (shrunk on the fly when asked)."""

    def source(max_side: int | None) -> Iterator[np.ndarray]:
        for image in images:
            h, w = image.shape[:2]
            if max_side is not None and max(h, w) > max_side:
                s = max_side / max(h, w)
                size = (max(1, round(w * s)), max(1, round(h * s)))
                image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            yield image

    return source


def markers_for_series(
    images: Iterable[np.ndarray], series: LandmarkSeries, config: AnalysisConfig
) -> MarkerResult:
    """Run :func:`marker_pass` on frames held in memory (frame ``i`` = row ``i`` of ``series``).

    The pass reads the frames twice when a set is confirmed, so a one-shot iterator is
    first gathered into a list (for a video file use :func:`markers_for_video`, which
    streams).
    """
    frames = images if isinstance(images, Sequence) else list(images)
    return marker_pass(_in_memory(frames), series, config)


def markers_for_video(
    path: str | Path,
    series: LandmarkSeries,
    config: AnalysisConfig,
    *,
    max_side: int | None = None,
) -> MarkerResult:
    """Run :func:`marker_pass` on the video at ``path``, streaming its frames.

    ``max_side`` defaults to the one the landmarks were extracted with (series log).
    With markers ``off`` nothing is read (:func:`marker_pass`).
    """
    side = max_side if max_side is not None else logged_max_side(series)
    return marker_pass(lambda ms: video_frames(path, ms), series, config, max_side=side)
