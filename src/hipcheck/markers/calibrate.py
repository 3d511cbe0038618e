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


#: OpenCV 8-bit hues are 0-179; saturations 0-255.
N_HUES, N_SATS = 180, 256


def hue_sat_counts(hsv: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Return the ``(180, 256)`` counts of (hue, saturation) over the pixels in ``mask``.

    The candidate search works on these counts rather than on pixel lists: every
    statistic it needs (hue peaks, median and spread of the disc hue, saturation
    percentiles) is a weighted statistic of at most 180 x 256 values.
    """
    hue = hsv[..., 0][mask].astype(np.intp)
    sat = hsv[..., 1][mask]
    return np.bincount(hue * N_SATS + sat, minlength=N_HUES * N_SATS).reshape(N_HUES, N_SATS)


def percentile_of_counts(counts: np.ndarray, q: float) -> float:
    """Return ``np.percentile(values, q)`` of the integers ``0..len(counts)-1`` so counted.

    The same linear interpolation between the two nearest ranks as numpy's default;
    NaN when nothing is counted.
    """
    n = int(counts.sum())
    if n == 0:
        return float("nan")
    rank = q / 100.0 * (n - 1)
    lo = int(np.floor(rank))
    cum = np.cumsum(counts)
    v_lo = int(np.searchsorted(cum, lo, side="right"))
    v_hi = int(np.searchsorted(cum, min(lo + 1, n - 1), side="right"))
    return float(v_lo + (v_hi - v_lo) * (rank - lo))


def _hue_peaks(near: np.ndarray, far: np.ndarray, far_scale: float) -> list[tuple[int, float]]:
    """Return up to ``MAX_CANDIDATES`` hue peaks (bin, count) of near-site excess.

    ``near`` and ``far`` are per-hue pixel counts. The excess is the near-site hue
    histogram minus twice the background's rate, smoothed circularly over +-2 hue
    units (discs are not one exact hue). Peaks are taken greedily, each suppressing
    ``MAX_HUE_TOL`` around it.
    """
    excess = np.clip(near.astype(float) - 2.0 * far.astype(float) * far_scale, 0, None)
    smooth = np.asarray(sum(np.roll(excess, k) for k in range(-2, 3)))
    peaks = []
    hues = np.arange(N_HUES)
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
    near = np.zeros((N_HUES, N_SATS), dtype=np.int64)
    far = np.zeros((N_HUES, N_SATS), dtype=np.int64)
    used = near_px = far_px = 0
    for frame in frames:
        expected = expected_sites(frame.landmarks, leg_length_px)
        if not np.isfinite(expected[:2, 0]).all():
            continue
        hsv = frame.hsv
        local: np.ndarray = expected - np.asarray(frame.origin, dtype=np.float64)
        is_near = _near_mask(hsv.shape[:2], local, radius)
        sat = (hsv[..., 1] >= CANDIDATE_SAT) & (hsv[..., 2] >= CANDIDATE_VAL)
        near += hue_sat_counts(hsv, is_near & sat)
        far += hue_sat_counts(hsv, ~is_near & sat)
        used += 1
        near_px += int(is_near.sum())
        far_px += is_near.size - int(is_near.sum())
    if not used or near_px == 0:
        return []
    out = []
    for peak, count in _hue_peaks(near.sum(axis=1), far.sum(axis=1), near_px / max(far_px, 1)):
        if count < MIN_PEAK_PIXELS_PER_SITE * used * len(radius):
            break
        out.append(_colour_at(peak, near, far, name))
    return out


def _colour_at(peak: int, near: np.ndarray, far: np.ndarray, name: str) -> MarkerColour:
    """HSV window around a hue peak: centre, spread, saturation floor over the background.

    ``near`` and ``far`` are the (hue, saturation) counts of the saturated pixels near
    the marker sites and elsewhere on the body.
    """
    hues = np.arange(N_HUES)
    on = hue_distance(hues, peak) <= MAX_HUE_TOL
    offs = (hues - peak + 90) % N_HUES - 90  # circular offsets from the peak
    weight = np.where(on, near.sum(axis=1), 0).astype(float)
    offs_counts = np.bincount(offs + 90, weights=weight, minlength=N_HUES)
    centre = float((peak + percentile_of_counts(offs_counts, 50) - 90) % N_HUES)
    mean = float((weight * offs).sum() / weight.sum())
    spread = float(np.sqrt((weight * (offs - mean) ** 2).sum() / weight.sum()))
    tol = float(np.clip(3.0 * spread, MIN_HUE_TOL, MAX_HUE_TOL))
    back_sat = far[hue_distance(hues, centre) <= tol].sum(axis=0)
    floor = percentile_of_counts(back_sat, 99.5) + 10 if back_sat.any() else CANDIDATE_SAT
    median_sat = percentile_of_counts(near[on].sum(axis=0), 50)
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
