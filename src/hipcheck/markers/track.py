"""Per-frame marker tracks: detection, identification, gap filling and loss flags.

For every frame the blobs of the marker colour are found near the body
(:func:`~hipcheck.markers.detect.detect_blobs`), and assigned to the marker sites
(:func:`~hipcheck.markers.identify.assign_blobs`) using the pose landmarks of that
frame (which side is which) and the track's prediction from the previous frames
(continuity). Gaps up to ``max_gap_s`` are interpolated
(:func:`hipcheck.filtering.fill_gaps`); longer ones stay NaN and are flagged lost.

Frame: image pixels of the upright frame, x right, y down; sites are subject's sides.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hipcheck.filtering import DEFAULT_MAX_GAP_S, fill_gaps
from hipcheck.landmarks import LM, LandmarkSeries
from hipcheck.markers.detect import Blobs, MarkerColour, detect_blobs
from hipcheck.markers.frames import body_scale_px, video_frames
from hipcheck.markers.identify import SEARCH_RADIUS_PER_LEG, SITES, assign_blobs, expected_sites

#: A track predicts its next position (constant velocity) for this many frames after
#: its last detection; later it is re-acquired from the landmarks alone.
PREDICT_FRAMES = 5
#: Gate around a track's prediction, fraction of the leg length (markers move a few
#: pixels per frame at 30 fps).
TRACK_RADIUS_PER_LEG = 0.06
#: A detection whose area is below this fraction of the site's median area is marked
#: partly hidden (its centre may be biased toward the visible part).
PARTIAL_AREA_FRACTION = 0.6
#: Once a set is confirmed, a blob is tracked only if its area is within these
#: multiples of the confirmed discs' area (partly hidden discs are smaller, blurred
#: ones larger) and the colour does not continue around it (ring share at most
#: ``TRACK_MAX_SURROUND``: looser than the confirmation's, for motion blur).
TRACK_MIN_AREA, TRACK_MAX_AREA = 0.2, 3.0
TRACK_MAX_SURROUND = 0.5


@dataclass
class MarkerTracks:
    """Marker centres of every frame of a clip.

    Attributes
    ----------
    t_s
        ``(n,)`` frame times, seconds (those of the landmark series).
    xy
        ``(n, 7, 2)`` centres in :data:`~hipcheck.markers.identify.SITES` order after
        gap filling, pixels; NaN = lost.
    detected
        ``(n, 7)`` True where the marker was detected in that frame.
    area
        ``(n, 7)`` core pixel area of the detection (NaN where not detected).
    colour
        The colour that was tracked.
    max_gap_s
        Longest gap that was interpolated.
    """

    t_s: np.ndarray
    xy: np.ndarray
    detected: np.ndarray
    area: np.ndarray
    colour: MarkerColour
    max_gap_s: float = DEFAULT_MAX_GAP_S
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def lost(self) -> np.ndarray:
        """``(n, 7)`` True where the marker has no position (a gap too long to fill)."""
        return ~np.isfinite(self.xy[..., 0])

    @property
    def filled(self) -> np.ndarray:
        """``(n, 7)`` True where the position was interpolated across a short gap."""
        return ~self.detected & ~self.lost

    @property
    def partial(self) -> np.ndarray:
        """``(n, 7)`` True where the detected disc looked partly hidden (small area)."""
        with warnings.catch_warnings():
            # A site never detected has an all-NaN column: its median is NaN, no warning.
            warnings.simplefilter("ignore", RuntimeWarning)
            med = np.nanmedian(np.where(self.detected, self.area, np.nan), axis=0)
        with np.errstate(invalid="ignore"):
            return self.detected & (self.area < PARTIAL_AREA_FRACTION * med)

    def site(self, name: str) -> np.ndarray:
        """Return the ``(n, 2)`` track of one site (e.g. ``"asis_left"``)."""
        return self.xy[:, SITES.index(name)]

    def found_fraction(self) -> dict[str, float]:
        """Return, per site, the fraction of frames with a position (detected or filled)."""
        have = ~self.lost
        return {s: float(have[:, i].mean()) if have.size else 0.0 for i, s in enumerate(SITES)}

    def summary(self) -> dict[str, Any]:
        """Return a JSON-ready summary: colour, and per site detected/filled/lost frames."""
        sites = {}
        for i, s in enumerate(SITES):
            sites[s] = {
                "detected_frames": int(self.detected[:, i].sum()),
                "filled_frames": int(self.filled[:, i].sum()),
                "lost_frames": int(self.lost[:, i].sum()),
                "partly_hidden_frames": int(self.partial[:, i].sum()),
            }
        return {
            "colour": self.colour.to_dict(),
            "n_frames": int(self.t_s.shape[0]),
            "max_gap_s": float(self.max_gap_s),
            "sites": sites,
            **self.info,
        }


def _search_roi(expected: np.ndarray, margin: float) -> tuple[int, int, int, int] | None:
    ok = np.isfinite(expected[:, 0])
    if not ok.any():
        return None
    lo = np.floor(expected[ok].min(axis=0) - margin)
    hi = np.ceil(expected[ok].max(axis=0) + margin)
    return int(lo[0]), int(lo[1]), int(hi[0]), int(hi[1])


def _held_landmarks(series: LandmarkSeries) -> np.ndarray:
    """Landmarks with missing frames holding the last seen pose (search regions only)."""
    xy = np.array(series.xy, dtype=np.float64)
    last = None
    for i in range(xy.shape[0]):
        if np.isfinite(xy[i, LM.LEFT_HIP, 0]):
            last = xy[i]
        elif last is not None:
            xy[i] = last
    return xy


def _plausible(blobs: Blobs, disc_area_px: float | None) -> Blobs:
    """Return the blobs that can be one of the confirmed discs (size and isolation)."""
    if disc_area_px is None or not np.isfinite(disc_area_px) or not len(blobs):
        return blobs
    keep = (
        (blobs.area >= TRACK_MIN_AREA * disc_area_px)
        & (blobs.area <= TRACK_MAX_AREA * disc_area_px)
        & (blobs.surround <= TRACK_MAX_SURROUND)
    )
    return blobs.subset(keep)


def locate_markers(
    images: Iterable[np.ndarray],
    series: LandmarkSeries,
    colour: MarkerColour,
    *,
    leg_length_px: float | None = None,
    disc_area_px: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Detect and identify the markers frame by frame (no gap filling).

    Frames are read one at a time (streaming); only the per-frame centres are kept.

    Parameters
    ----------
    images
        Upright RGB frames, frame ``i`` matching row ``i`` of ``series`` (same pixel
        scale); extra frames are ignored, missing ones stay undetected.
    series
        Pose landmarks of the same clip (subject's sides).
    colour
        Marker colour.
    leg_length_px
        Body scale; default :func:`body_scale_px` of ``series``.
    disc_area_px
        Area of the confirmed discs; when given, only blobs of a plausible size for
        them (``TRACK_MIN_AREA``-``TRACK_MAX_AREA`` times) that stand out from their
        surroundings are tracked.

    Returns
    -------
    xy, area
        ``(n, 7, 2)`` detected centres (NaN = not found) and ``(n, 7)`` areas.
    """
    n = series.n_frames
    scale = body_scale_px(series) if leg_length_px is None else float(leg_length_px)
    xy = np.full((n, len(SITES), 2), np.nan)
    area = np.full((n, len(SITES)), np.nan)
    if not np.isfinite(scale) or scale <= 0:
        return xy, area
    lms = _held_landmarks(series)
    radius = SEARCH_RADIUS_PER_LEG * scale
    track_radius = TRACK_RADIUS_PER_LEG * scale
    last_seen = np.full(len(SITES), -(10**9))
    for i, image in enumerate(images):
        if i >= n:
            break
        expected = expected_sites(lms[i], scale)
        predicted = _predict(xy, last_seen, i)
        roi = _search_roi(expected, float(radius.max()))
        blobs = (
            Blobs.none()
            if roi is None
            else _plausible(
                detect_blobs(image, colour, leg_length_px=scale, roi=roi, near=(expected, radius)),
                disc_area_px,
            )
        )
        which = assign_blobs(
            blobs.xy, expected, predicted, search_radius=radius, track_radius=track_radius
        )
        hit = which >= 0
        xy[i, hit] = blobs.xy[which[hit]]
        area[i, hit] = blobs.area[which[hit]]
        last_seen[hit] = i
    return xy, area


def _predict(xy: np.ndarray, last_seen: np.ndarray, i: int) -> np.ndarray:
    """Constant-velocity prediction of each site for frame ``i`` (NaN = not tracked)."""
    pred = np.full((xy.shape[1], 2), np.nan)
    for k, j in enumerate(last_seen):
        if i - j > PREDICT_FRAMES or j < 0:
            continue
        vel = xy[j, k] - xy[j - 1, k] if j >= 1 and np.isfinite(xy[j - 1, k, 0]) else 0.0
        pred[k] = xy[j, k] + vel * (i - j)
    return pred


def track_markers(
    images: Iterable[np.ndarray],
    series: LandmarkSeries,
    colour: MarkerColour,
    *,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
    leg_length_px: float | None = None,
    disc_area_px: float | None = None,
) -> MarkerTracks:
    """Track the markers over a clip: locate, then interpolate gaps up to ``max_gap_s``.

    See :func:`locate_markers` for the parameters. Longer gaps stay NaN (lost).
    """
    raw, area = locate_markers(
        images, series, colour, leg_length_px=leg_length_px, disc_area_px=disc_area_px
    )
    detected = np.isfinite(raw[..., 0])
    filled = fill_gaps(raw, series.t_s, max_gap_s)
    return MarkerTracks(
        t_s=np.asarray(series.t_s, dtype=np.float64),
        xy=filled,
        detected=detected,
        area=area,
        colour=colour,
        max_gap_s=float(max_gap_s),
    )


def video_images(path: str | Path) -> Iterable[np.ndarray]:
    """Yield the upright RGB frames of a video at full size (streaming)."""
    yield from video_frames(path)


__all__ = [
    "MarkerTracks",
    "body_scale_px",
    "locate_markers",
    "track_markers",
    "video_images",
]
