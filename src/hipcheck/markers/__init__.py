"""Marker-assisted measurement: skin markers on the ASIS, patellae, ankles and sternum.

The pose model cannot see pelvic drop (VALIDATION.md); clinical 2D video analysis
uses skin markers. This package confirms that a set of saturated-colour disc markers
is really worn (on standing frames chosen from the landmarks), tells which is which
from the pose landmarks (subject's sides, mirror-safe), tracks them, and turns them
into the pipeline's per-frame angle and marker-validity columns.

Entry point: :func:`markers_for_video` (used by :func:`hipcheck.pipeline.analyze_video`)
returns a :class:`MarkerResult` whose ``angles`` callable goes to
``analyze_landmarks(..., marker_angles=...)``; ``None`` angles mean "no markers, use
the landmarks", and ``summary["reason"]`` says why.

Cost: the pass decodes the video only up to the last standing frame it checks when no
marker set is confirmed; when one is, it reads the clip once more, streaming, on
frames shrunk so a disc is about 16 px across (:mod:`~hipcheck.markers.frames`),
searching only around the landmark-predicted sites.

Names resolve lazily (importing the package, e.g. for :func:`check_marker_option`, does not
load OpenCV, SciPy or pandas). Modules: :mod:`~hipcheck.markers.run` (the pass),
:mod:`~hipcheck.markers.frames` (standing frames, working scale, reading),
:mod:`~hipcheck.markers.detect` (colour segmentation, blob shape and colour facts),
:mod:`~hipcheck.markers.confirm` (the confirmation rule),
:mod:`~hipcheck.markers.calibrate` (candidate colours),
:mod:`~hipcheck.markers.identify` (sites and assignment),
:mod:`~hipcheck.markers.track` (tracks, gaps, loss) and
:mod:`~hipcheck.markers.measures` (angles, validity).
"""

from __future__ import annotations

from hipcheck._lazy import lazy_getattr

_LAZY = {
    "PRESETS": "hipcheck.markers.detect",
    "MarkerColour": "hipcheck.markers.detect",
    "detect_blobs": "hipcheck.markers.detect",
    "get_colour": "hipcheck.markers.detect",
    "check_marker_option": "hipcheck.markers.detect",
    "SITES": "hipcheck.markers.identify",
    "expected_sites": "hipcheck.markers.identify",
    "VALIDITY_COLUMNS": "hipcheck.markers.measures",
    "angle_function": "hipcheck.markers.measures",
    "marker_angles": "hipcheck.markers.measures",
    "MarkerTracks": "hipcheck.markers.track",
    "track_markers": "hipcheck.markers.track",
    "Confirmation": "hipcheck.markers.confirm",
    "confirm_marker_set": "hipcheck.markers.confirm",
    "find_marker_set": "hipcheck.markers.calibrate",
    "standing_frames": "hipcheck.markers.frames",
    "MarkerResult": "hipcheck.markers.run",
    "marker_pass": "hipcheck.markers.run",
    "markers_for_series": "hipcheck.markers.run",
    "markers_for_video": "hipcheck.markers.run",
    "logged_max_side": "hipcheck.markers.run",
    "MIN_ASIS_FRACTION": "hipcheck.markers.run",
}

__all__ = [
    "Confirmation",
    "MIN_ASIS_FRACTION",
    "MarkerColour",
    "MarkerResult",
    "MarkerTracks",
    "PRESETS",
    "SITES",
    "VALIDITY_COLUMNS",
    "angle_function",
    "check_marker_option",
    "confirm_marker_set",
    "detect_blobs",
    "expected_sites",
    "find_marker_set",
    "get_colour",
    "logged_max_side",
    "marker_angles",
    "marker_pass",
    "markers_for_series",
    "markers_for_video",
    "standing_frames",
    "track_markers",
]

__getattr__ = lazy_getattr(__name__, _LAZY)
