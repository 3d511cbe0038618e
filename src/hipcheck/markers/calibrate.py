"""Which colour are the markers? Candidate colours, each put to the confirmation rule.

The usual marker colours (the presets of :mod:`hipcheck.markers.detect`) are tried
first. Then the automatic calibration: in the standing frames every marker sits near
its expected site (:func:`~hipcheck.markers.identify.expected_sites`), so the marker
colour is a saturated hue much more common near those sites than elsewhere on the
body: a hue histogram of saturated pixels near the sites, minus twice the rest of the
body crop's rate, gives up to ``MAX_CANDIDATES`` peaks; each becomes an HSV window
whose saturation floor sits above the background's saturation at that hue. A
candidate counts only if :func:`~hipcheck.markers.confirm.confirm_marker_set` accepts
it: a hue peak alone (a shirt, a shoe, skin) never makes a marker set.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from hipcheck.markers.confirm import Confirmation, best_of, confirm_marker_set
from hipcheck.markers.detect import PRESETS, MarkerColour, hue_distance
from hipcheck.markers.frames import StandingFrame
from hipcheck.markers.identify import SEARCH_RADIUS_PER_LEG, expected_sites

#: Pixels at least this saturated (0-255) and bright take part in the hue search; skin,
#: most clothing and walls stay below.
CANDIDATE_SAT = 110
CANDIDATE_VAL = 60
#: A hue peak must hold at least this many near-site pixels per frame and site (a
#: 25 mm disc covers about 100 px at 720x1280 when the person fills the frame).
MIN_PEAK_PIXELS_PER_SITE = 4.0
#: The saturation floor is at least this fraction of the discs' median saturation.
SAT_FRACTION = 0.6
#: Hue peaks tried, strongest first.
MAX_CANDIDATES = 3
#: Hue window limits (OpenCV hue units, 0-180).
MIN_HUE_TOL, MAX_HUE_TOL = 6.0, 14.0


def _near_mask(shape: tuple[int, ...], centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, dtype=np.uint8)
    for (x, y), r in zip(centres, radii, strict=True):
        if np.isfinite(x) and np.isfinite(y):
            cv2.circle(mask, (round(x), round(y)), max(1, round(r)), (1,), thickness=-1)
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
    smooth = np.asarray(sum(np.roll(excess, k) for k in range(-2, 3)))
    peaks = []
    hues = np.arange(180)
    for _ in range(MAX_CANDIDATES):
        peak = int(np.argmax(smooth))
        if smooth[peak] <= 0:
            break
        peaks.append((peak, float(smooth[peak])))
        smooth = np.where(hue_distance(hues, peak) <= MAX_HUE_TOL, 0.0, smooth)
    return peaks


def hue_candidates(
    frames: Sequence[StandingFrame], leg_length_px: float, *, name: str = "calibrated"
) -> list[MarkerColour]:
    """Colours whose saturated hue is concentrated at the marker sites (strongest first).

    Parameters
    ----------
    frames
        Standing frames (HSV body crops and their landmarks).
    leg_length_px
        Standing leg length, pixels of the frames.
    name
        Name given to the colours.
    """
    radius = SEARCH_RADIUS_PER_LEG * leg_length_px
    near_h, near_s, far_h, far_s = [], [], [], []
    near_px = far_px = 0
    for frame in frames:
        expected = expected_sites(frame.landmarks, leg_length_px)
        if not np.isfinite(expected[:2, 0]).all():
            continue
        hsv = frame.hsv
        local: np.ndarray = expected - np.asarray(frame.origin, dtype=np.float64)
        near = _near_mask(hsv.shape[:2], local, radius)
        sat = (hsv[..., 1] >= CANDIDATE_SAT) & (hsv[..., 2] >= CANDIDATE_VAL)
        near_h.append(hsv[..., 0][near & sat])
        near_s.append(hsv[..., 1][near & sat])
        far_h.append(hsv[..., 0][~near & sat])
        far_s.append(hsv[..., 1][~near & sat])
        near_px += int(near.sum())
        far_px += int((~near).sum())
    if not near_h or near_px == 0:
        return []
    nh, ns = np.concatenate(near_h), np.concatenate(near_s).astype(float)
    fh, fs = np.concatenate(far_h), np.concatenate(far_s).astype(float)
    out = []
    for peak, count in _hue_peaks(nh, fh, near_px / max(far_px, 1)):
        if count < MIN_PEAK_PIXELS_PER_SITE * len(near_h) * len(radius):
            break
        out.append(_colour_at(peak, nh, ns, fh, fs, name))
    return out


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


def find_marker_set(
    frames: Sequence[StandingFrame],
    leg_length_px: float,
    colour: MarkerColour | None = None,
) -> tuple[Confirmation | None, list[Confirmation]]:
    """Find a confirmed marker set in the standing frames.

    Parameters
    ----------
    frames
        Standing frames (HSV body crops and their landmarks).
    leg_length_px
        Standing leg length, pixels of the frames.
    colour
        A named colour to check; None tries the presets, then calibrated hues.

    Returns
    -------
    best, tried
        The confirmed result (or, when none is confirmed, the candidate that came
        closest, whose ``reason`` says why it failed; None if no colour was tried) and
        every result.
    """
    candidates = [colour] if colour is not None else list(dict.fromkeys(PRESETS.values()))
    tried = []
    for c in candidates:
        tried.append(confirm_marker_set(frames, leg_length_px, c))
        if tried[-1].confirmed:
            return tried[-1], tried
    if colour is None:
        for c in hue_candidates(frames, leg_length_px):
            tried.append(confirm_marker_set(frames, leg_length_px, c))
            if tried[-1].confirmed:
                return tried[-1], tried
    return best_of(tried), tried
