"""Marker-assisted measurement: skin markers on the ASIS, patellae, ankles and sternum.

The pose model cannot see pelvic drop (VALIDATION.md); clinical 2D video analysis
uses skin markers. This package finds saturated-colour disc markers in the video,
tells which is which from the pose landmarks (subject's sides, mirror-safe), tracks
them, and turns them into the pipeline's per-frame angle columns.

Entry point: :func:`markers_for_video` (used by :func:`hipcheck.pipeline.analyze_video`)
returns a :class:`MarkerResult` whose ``angles`` callable goes to
``analyze_landmarks(..., marker_angles=...)``; ``None`` angles mean "no markers, use
the landmarks".

Modules: :mod:`~hipcheck.markers.detect` (colour segmentation, sub-pixel centres),
:mod:`~hipcheck.markers.identify` (sites and assignment),
:mod:`~hipcheck.markers.track` (tracks, gaps, loss),
:mod:`~hipcheck.markers.calibrate` (automatic colour) and
:mod:`~hipcheck.markers.measures` (angles).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hipcheck.config import AnalysisConfig
from hipcheck.landmarks import LandmarkSeries
from hipcheck.markers.calibrate import calibrate_colour, markers_present
from hipcheck.markers.detect import PRESETS, MarkerColour, detect_blobs, get_colour
from hipcheck.markers.identify import SITES, expected_sites
from hipcheck.markers.measures import angle_function, marker_angles
from hipcheck.markers.track import MarkerTracks, body_scale_px, track_markers, video_images

__all__ = [
    "PRESETS",
    "SITES",
    "MarkerColour",
    "MarkerResult",
    "MarkerTracks",
    "angle_function",
    "check_marker_option",
    "calibrate_colour",
    "detect_blobs",
    "expected_sites",
    "get_colour",
    "marker_angles",
    "markers_for_series",
    "markers_for_video",
    "track_markers",
]

#: The colour is calibrated (or a named colour checked) on the frames of the first
#: this many seconds: the standing baseline at the start of a clip [HEUR].
CALIBRATION_S = 1.0
#: Frames sampled from that window for calibration.
CALIBRATION_FRAMES = 8
#: Markers are used only if both ASIS are tracked in at least this fraction of frames
#: (pelvic drop is why markers are worn) [HEUR].
MIN_ASIS_FRACTION = 0.5


@dataclass
class MarkerResult:
    """What the marker pass found.

    Attributes
    ----------
    angles
        ``f(t_s) -> DataFrame`` for ``analyze_landmarks(marker_angles=...)``, or None
        when markers are off or were not found (the analysis uses the landmarks).
    tracks
        The marker tracks (None when not tracked).
    summary
        JSON-ready facts: mode, whether markers were used, colour, per-site counts.
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


def _calibration_frames(
    series: LandmarkSeries, images: list[np.ndarray]
) -> tuple[list[np.ndarray], np.ndarray]:
    have = [i for i in range(len(images)) if series.detected[i]]
    pick = [have[int(j)] for j in np.linspace(0, len(have) - 1, min(len(have), CALIBRATION_FRAMES))]
    return [images[i] for i in pick], np.asarray(series.xy[pick], dtype=np.float64)


def check_marker_option(option: str) -> None:
    """Raise a user error unless ``option`` is ``auto``, ``off`` or a preset colour name."""
    key = str(option).strip().lower()
    if key not in ("auto", "off"):
        get_colour(key)


def markers_for_series(
    images: Iterable[np.ndarray], series: LandmarkSeries, config: AnalysisConfig
) -> MarkerResult:
    """Find, track and measure markers in ``images`` (frame ``i`` = row ``i`` of ``series``).

    ``config.markers`` is ``"off"`` (nothing is done), ``"auto"`` (the colour is
    calibrated from the first ``CALIBRATION_S`` seconds; no saturated hue concentrated
    at the marker sites = no markers) or a preset colour name (checked on the same
    frames). Markers are used when both ASIS are tracked in at least
    ``MIN_ASIS_FRACTION`` of the frames; otherwise the result has ``angles=None`` and
    the analysis falls back to the landmarks.

    Raises
    ------
    hipcheck.errors.HipcheckError
        ``config.markers`` names no known colour.
    """
    option = str(config.markers).strip().lower()
    summary: dict[str, Any] = {"mode": option, "used": False}
    if option == "off":
        return MarkerResult(None, summary=summary)
    preset = None if option == "auto" else get_colour(option)
    it = iter(images)
    t0 = float(series.t_s[0]) if series.n_frames else 0.0
    n_cal = int(np.searchsorted(series.t_s, t0 + CALIBRATION_S, side="right"))
    head = list(itertools.islice(it, max(n_cal, 1)))
    scale = body_scale_px(series)
    cal_images, cal_xy = _calibration_frames(series, head)
    if preset is None:
        colour = calibrate_colour(cal_images, cal_xy, scale)
    else:
        colour = preset if markers_present(cal_images, cal_xy, scale, preset) else None
    if colour is None:
        summary["reason"] = "no markers found in the standing frames at the start of the clip"
        note = None
        if preset is not None:
            note = (
                f"No {preset.name} skin markers were found at the start of the clip; all "
                "angles come from the pose landmarks (pelvic drop only indicative)."
            )
        return MarkerResult(None, summary=summary, note=note)
    tracks = track_markers(
        itertools.chain(head, it), series, colour, max_gap_s=config.max_gap_s, leg_length_px=scale
    )
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


def markers_for_video(
    path: str | Path, series: LandmarkSeries, config: AnalysisConfig
) -> MarkerResult:
    """Run :func:`markers_for_series` on the full-size frames of the video at ``path``."""
    if str(config.markers).strip().lower() == "off":
        return MarkerResult(None, summary={"mode": "off", "used": False})
    return markers_for_series(video_images(path), series, config)
