"""Automatic marker colour calibration from the standing frames.

In quiet standing every marker is visible and near its expected site
(:func:`~hipcheck.markers.identify.expected_sites`). The marker colour is the
saturated hue that is much more common near those sites than elsewhere in the frame:
a hue histogram of saturated pixels near the sites, minus the background's rate,
gives its peak; the saturation floor is set between the background's and the
markers' saturation at that hue. The result counts only if the calibrated colour
then finds disc-sized blobs at enough of the sites.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from hipcheck.markers.detect import PRESETS, MarkerColour, detect_blobs, hue_distance
from hipcheck.markers.identify import SEARCH_RADIUS_PER_LEG, assign_blobs, expected_sites

#: Pixels at least this saturated (0-255) and bright take part in the hue search; skin,
#: clothing and walls mostly stay below [HEUR].
CANDIDATE_SAT = 110
CANDIDATE_VAL = 60
#: The hue peak must hold at least this many near-site pixels per frame and site
#: (a 25 mm disc covers about 100 px at 720x1280 when the person fills the frame) [HEUR].
MIN_PEAK_PIXELS_PER_SITE = 4.0
#: Calibration succeeds when at least this many of the 7 sites get a blob in the
#: median standing frame, both ASIS included [HEUR].
MIN_SITES = 4
#: The saturation floor is at least this fraction of the discs' median saturation.
SAT_FRACTION = 0.6
#: Hue peaks tried, strongest first.
MAX_CANDIDATES = 3
#: Hue window limits (OpenCV hue units, 0-180) [HEUR].
MIN_HUE_TOL, MAX_HUE_TOL = 6.0, 14.0


def _near_mask(shape: tuple[int, int], centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, dtype=np.uint8)
    for (x, y), r in zip(centres, radii, strict=True):
        if np.isfinite(x) and np.isfinite(y):
            cv2.circle(mask, (round(x), round(y)), max(1, round(r)), 1, thickness=-1)
    return mask.astype(bool)


def _hue_peaks(near: np.ndarray, far: np.ndarray, far_scale: float) -> list[tuple[int, float]]:
    """Return up to ``MAX_CANDIDATES`` hue peaks (bin, count) of near-site excess.

    The excess is the near-site hue histogram minus twice the background's rate,
    smoothed circularly over +-2 hue units (discs are not one exact hue). Peaks are
    taken greedily, each suppressing ``MAX_HUE_TOL`` around it.
    """
    bins = np.arange(181)
    h_near = np.histogram(near, bins=bins)[0].astype(float)
    h_far = np.histogram(far, bins=bins)[0].astype(float) * far_scale
    excess = np.clip(h_near - 2.0 * h_far, 0, None)
    smooth = sum(np.roll(excess, k) for k in range(-2, 3))
    peaks = []
    hues = np.arange(180)
    for _ in range(MAX_CANDIDATES):
        peak = int(np.argmax(smooth))
        if smooth[peak] <= 0:
            break
        peaks.append((peak, float(smooth[peak])))
        smooth = np.where(hue_distance(hues, peak) <= MAX_HUE_TOL, 0.0, smooth)
    return peaks


def calibrate_colour(
    images: Sequence[np.ndarray],
    landmarks_xy: np.ndarray,
    leg_length_px: float,
    *,
    name: str = "calibrated",
) -> MarkerColour | None:
    """Find the marker colour in standing frames; None when no markers are found.

    Parameters
    ----------
    images
        Upright RGB frames of quiet standing (a handful is enough).
    landmarks_xy
        ``(len(images), 33, 2)`` pose landmarks of those frames, pixels.
    leg_length_px
        Body scale (standing hip-ankle distance), pixels.
    name
        Name given to the resulting colour.

    Returns
    -------
    MarkerColour or None
        The calibrated HSV window, or None if no saturated hue is concentrated at the
        marker sites or the calibrated colour does not find blobs at
        ``MIN_SITES`` sites (both ASIS included).
    """
    if not len(images) or not np.isfinite(leg_length_px) or leg_length_px <= 0:
        return None
    # The usual marker colours first: a preset that finds discs at the sites beats a
    # hue peak that saturated clothing or shoes near the sites can win.
    for preset in dict.fromkeys(PRESETS.values()):
        if markers_present(images, landmarks_xy, leg_length_px, preset):
            return preset
    radius = SEARCH_RADIUS_PER_LEG * leg_length_px
    near_h, near_s, far_h, far_s = [], [], [], []
    near_px = far_px = 0
    for image, lm in zip(images, landmarks_xy, strict=True):
        expected = expected_sites(lm, leg_length_px)
        if not np.isfinite(expected[:2, 0]).all():
            continue
        hsv = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2HSV)
        near = _near_mask(hsv.shape[:2], expected, radius)
        sat = (hsv[..., 1] >= CANDIDATE_SAT) & (hsv[..., 2] >= CANDIDATE_VAL)
        near_h.append(hsv[..., 0][near & sat])
        near_s.append(hsv[..., 1][near & sat])
        far_h.append(hsv[..., 0][~near & sat])
        far_s.append(hsv[..., 1][~near & sat])
        near_px += int(near.sum())
        far_px += int((~near).sum())
    if not near_h or near_px == 0:
        return None
    nh, ns = np.concatenate(near_h), np.concatenate(near_s).astype(float)
    fh, fs = np.concatenate(far_h), np.concatenate(far_s).astype(float)
    # Clothing can hold more saturated pixels near the sites than the discs do: try the
    # strongest hues in turn and keep the first that yields disc-sized blobs at the sites.
    for peak, count in _hue_peaks(nh, fh, near_px / max(far_px, 1)):
        if count < MIN_PEAK_PIXELS_PER_SITE * len(near_h) * len(radius):
            break
        colour = _colour_at(peak, nh, ns, fh, fs, name)
        if markers_present(images, landmarks_xy, leg_length_px, colour):
            return colour
    return None


def _colour_at(
    peak: int, nh: np.ndarray, ns: np.ndarray, fh: np.ndarray, fs: np.ndarray, name: str
) -> MarkerColour:
    """HSV window around a hue peak: centre, spread, saturation floor over the background."""
    on = hue_distance(nh, peak) <= MAX_HUE_TOL
    offs = (nh[on].astype(float) - peak + 90) % 180 - 90  # circular offsets from the peak
    centre = float((peak + np.median(offs)) % 180)
    tol = float(np.clip(3.0 * np.std(offs), MIN_HUE_TOL, MAX_HUE_TOL))
    marker_sat = ns[on]
    back_sat = fs[hue_distance(fh, centre) <= tol]
    floor = float(np.percentile(back_sat, 99.5)) + 10 if back_sat.size else CANDIDATE_SAT
    median_sat = float(np.percentile(marker_sat, 50))
    # above the background at this hue, but keeping at least half of the disc pixels
    sat_min = min(max(floor, CANDIDATE_SAT, SAT_FRACTION * median_sat), median_sat)
    return MarkerColour(name, hue=centre, hue_tol=tol, sat_min=sat_min, val_min=CANDIDATE_VAL)


def markers_present(
    images: Sequence[np.ndarray],
    landmarks_xy: np.ndarray,
    leg_length_px: float,
    colour: MarkerColour,
) -> bool:
    """Return True if ``colour`` finds markers at enough sites in the median frame.

    A frame passes when blobs are assigned to at least ``MIN_SITES`` sites, both ASIS
    among them; the clip passes when at least half of the frames do.
    """
    radius = SEARCH_RADIUS_PER_LEG * leg_length_px
    passed = []
    for image, lm in zip(images, landmarks_xy, strict=True):
        expected = expected_sites(lm, leg_length_px)
        if not np.isfinite(expected[:2, 0]).all():
            continue
        blobs = detect_blobs(image, colour, leg_length_px=leg_length_px)
        which = assign_blobs(
            blobs.xy,
            expected,
            np.full_like(expected, np.nan),
            search_radius=radius,
            track_radius=float(radius.max()),
        )
        passed.append(bool((which >= 0).sum() >= MIN_SITES and (which[:2] >= 0).all()))
    return bool(passed) and float(np.mean(passed)) >= 0.5
