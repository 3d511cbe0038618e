"""Repetition candidates: prominent peaks of the depth signal, cut clips included."""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks

from hipcheck.reps.model import RepWindow
from hipcheck.reps.thresholds import (
    EDGE_BOTTOM_S,
    EDGE_RIPPLE,
    GAP_EDGE_S,
    MIN_RELATIVE_PROMINENCE,
    REP_EDGE_FRACTION,
)


def segment_reps(
    depth: np.ndarray,
    fps: float,
    *,
    min_prominence: float = 0.05,
    min_distance_s: float = 1.0,
    min_duration_s: float = 0.5,
) -> list[RepWindow]:
    """Find repetition candidates as prominent peaks of the depth signal.

    A peak next to the clip's start or end is measured against its other side only
    (the clip may begin or end mid-rep); a peak within ``EDGE_BOTTOM_S`` of the first or
    last frame, or of a frame without a person (walking into view), is not a candidate
    (its bottom was not filmed).

    Parameters
    ----------
    depth
        Depth per frame (leg lengths, + = lower); NaN where unknown.
    fps
        Sampling rate.
    min_prominence
        Prominence in leg lengths.
    min_distance_s
        Minimum time between bottoms.
    min_duration_s
        Repetitions shorter than this are dropped.

    Returns
    -------
    list of RepWindow
        In time order, ``start <= bottom <= end``, non-overlapping, ``partial`` set for
        reps cut by the clip's start or end.
    """
    finite = np.isfinite(depth)
    if finite.sum() < 3:
        return []
    # Peaks need finite neighbours; fill NaN with the lowest finite depth for detection.
    d = np.where(finite, depth, np.nanmin(depth))
    n = d.size
    peaks, _ = find_peaks(d, distance=max(1, int(round(min_distance_s * fps))))
    edge = int(round(EDGE_BOTTOM_S * fps))
    # a bottom next to frames without a person was not filmed as a bottom either
    near_gap = near_missing(depth, fps)
    keep = [
        int(p)
        for p in peaks
        if edge_prominence(d, int(p)) >= max(min_prominence, MIN_RELATIVE_PROMINENCE * d[p])
        and edge <= p <= n - 1 - edge
        and not near_gap[p]
    ]
    windows: list[RepWindow] = []
    for i, p in enumerate(keep):
        lo = windows[-1].end if windows else 0
        hi = keep[i + 1] if i + 1 < len(keep) else n - 1
        start = _edge(d, p, lo, -1)
        end = _edge(d, p, hi, +1)
        left_floor, right_floor = float(d[lo : p + 1].min()), float(d[p : hi + 1].min())
        # A side whose lowest point is the clip's first (last) frame was cut by the clip:
        # the person was still down there. It is measured against the other side.
        cut_start = lo == 0 and _cut(d[: p + 1])
        cut_end = hi == n - 1 and _cut(d[p:][::-1])
        partial = None
        base = float(d[start])
        if cut_start and not cut_end:
            base = right_floor
            if d[0] - base > REP_EDGE_FRACTION * (d[p] - base):
                start, partial = 0, "start"
        elif cut_end and not cut_start:  # noqa: SIM102 - one rule per side
            if d[-1] - left_floor > REP_EDGE_FRACTION * (d[p] - left_floor):
                end, partial = n - 1, "end"
        if (end - start) / fps < min_duration_s - 1e-9 and partial is None:
            continue
        windows.append(
            RepWindow(start=start, bottom=p, end=end, depth=float(d[p] - base), partial=partial)
        )
    return windows


def near_missing(values: np.ndarray, fps: float) -> np.ndarray:
    """Return True for frames within ``GAP_EDGE_S`` of a frame without a value."""
    gap = ~np.isfinite(values)
    k = int(round(GAP_EDGE_S * fps))
    if k and gap.any():
        gap = np.convolve(gap.astype(int), np.ones(2 * k + 1, int), "same") > 0
    return gap


def edge_prominence(d: np.ndarray, p: int) -> float:
    """Return the prominence of the peak ``p`` of ``d``, a side cut by the clip ignored.

    The base on each side is the lowest point between the peak and the nearest higher
    point (or the clip's end). A side whose lowest point is the clip's first (last)
    frame was cut short: the person was already (still) down there, so only the other
    side tells how far they came up. Both sides cut: the higher base.
    """
    n = d.size
    higher_l = np.flatnonzero(d[:p] > d[p])
    # an equal peak further right (after a dip) counts as higher: two equal bottoms with
    # a small re-rise between them are one rep, measured at the later one
    r = d[p + 1 :]
    dipped = np.minimum.accumulate(r) < d[p] - 1e-12 if r.size else np.zeros(0, bool)
    higher_r = np.flatnonzero((r > d[p]) | ((r >= d[p]) & dipped))
    lo = int(higher_l[-1]) + 1 if higher_l.size else 0
    hi = p + 1 + int(higher_r[0]) if higher_r.size else n
    left, right = d[lo : p + 1], d[p:hi]
    cut_left = lo == 0 and _cut(left)
    cut_right = hi == n and _cut(right[::-1])
    if cut_left and not cut_right:
        return float(d[p] - right.min())
    if cut_right and not cut_left:
        return float(d[p] - left.min())
    return float(d[p] - max(left.min(), right.min()))


def _cut(side: np.ndarray) -> bool:
    """Return True when a side of a peak (first element at the clip edge) was cut.

    Cut: the person is still down at the clip's edge frame, by more than
    ``REP_EDGE_FRACTION`` of the peak's depth (where a rep starts and ends), and that
    frame is the side's lowest point (within ``EDGE_RIPPLE``, the zero-lag filter's
    ripple at a clip edge), so they were still going down (or already coming up). A
    standing edge is not cut, even when the ripple makes its last frame the lowest: a
    clip of hyva7 trimmed to start mid-descent (0.26 down) ends standing with a last
    frame 0.011 "above" standing, which made both sides look cut and hid the rep.
    """
    if side.size < 2:
        return False
    edge, peak = float(side[0]), float(side[-1])
    return edge > REP_EDGE_FRACTION * peak and edge <= float(np.min(side[1:])) + EDGE_RIPPLE


def _edge(d: np.ndarray, peak: int, limit: int, step: int) -> int:
    """Walk from the peak toward ``limit`` to where the rep starts (or ends).

    The edge is where depth falls below ``REP_EDGE_FRACTION`` of the rep's excursion
    above the lowest depth between the peak and ``limit``, which also works when the
    person does not stand fully up between reps.
    """
    idx = np.arange(peak, limit + step, step) if step > 0 else np.arange(peak, limit - 1, -1)
    idx = idx[(idx >= 0) & (idx < d.size)]
    if idx.size == 0:
        return peak
    floor = float(np.min(d[idx]))
    level = floor + REP_EDGE_FRACTION * (d[peak] - floor)
    below = idx[d[idx] <= level]
    return int(below[0]) if below.size else int(idx[-1])
