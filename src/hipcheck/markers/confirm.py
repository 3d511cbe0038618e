"""Is a marker set really there? The confirmation rule, on the standing frames.

A colour is accepted as a skin-marker set only when, on the standing frames
(:func:`hipcheck.markers.frames.standing_frames`):

1. **disc-like blobs** (:func:`disc_like`): each candidate is the size a 25 mm disc has
   for this body (from the leg length), round and filled (its moment ellipse) and
   *isolated*: the colour does not continue around it (a fragment of a shirt,
   trousers, skin or a floor of that hue is surrounded by more of it);
2. **at the landmark-predicted sites**: a disc is assigned to a site only within the
   site's search radius (:mod:`hipcheck.markers.identify`);
3. **present and stable**: a site counts when its disc is found in at least
   ``MIN_PRESENT_FRACTION`` of the standing frames, keeps its place (in the image or
   relative to the predicted site: spread at most ``MAX_OFFSET_SPREAD_PER_LEG`` leg
   lengths) and its size (``MAX_AREA_CV``);
4. **a set**: both ASIS and at least ``MIN_SITES`` sites in all; the discs agree in
   colour (hue range ``MAX_HUE_SPREAD``, saturation ratio ``MIN_SAT_RATIO``) and size
   (``MAX_AREA_RATIO``); they are stacked like a body (ASIS above patella above ankle on
   each side, sternum above the ASIS); and the colour is not all over the body (at most
   ``MAX_DISTRACTORS`` other disc-like blobs of it around the sites per frame).

Otherwise there are no markers and :class:`Confirmation.reason` says which check
failed, with its numbers. The thresholds come from what real marker sets look like
(rendered 25 mm discs and drawn discs, see each constant) and what the phantom
"markers" of clips without markers looked like (fragments of clothing, skin and
floors: ring shares 0.23-1.00, elongations up to 12:1).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hipcheck.markers.detect import Blobs, MarkerColour, detect_blobs, expected_disc_area_px
from hipcheck.markers.frames import StandingFrame
from hipcheck.markers.identify import SEARCH_RADIUS_PER_LEG, SITES, assign_blobs, expected_sites

#: Disc diameter relative to the one expected from the leg length (25 mm on a leg of
#: about 0.9 m). Measured on standing frames: 0.85-1.05 on the rendered set (where the
#: sternum disc is tilted), 1.1-1.3 on drawn figures; adult legs of 0.74-0.98 m alone
#: move it by -8 % / +20 %. The window also takes 14-40 mm discs.
MIN_DIAMETER_FACTOR, MAX_DIAMETER_FACTOR = 0.5, 1.8
#: Blob area / area of its moment ellipse (1 = a filled disc or ellipse): measured
#: 0.81-0.99 on marker discs of 7-22 px diameter (0.86 on a half-hidden one); clothing
#: and skin fragments spread from 0.17 up.
MIN_FILL = 0.75
#: Major / minor axis of the moment ellipse: measured 1.00-1.33 on discs facing the
#: camera (1.64 on a half-hidden one, which then does not count); fragments of clothing
#: reached 12.
MAX_ASPECT = 1.5
#: Largest share of the ring around a blob that has its colour: 0.00 on every whole
#: marker disc measured (0.16 on a half-hidden one); 0.23-1.00 on the blobs near the
#: sites in clips without markers, and every one of those under 0.45 failed the size or
#: shape checks as well.
MAX_SURROUND = 0.2
#: A site is confirmed when its disc is found in at least this share of standing frames.
MIN_PRESENT_FRACTION = 0.75
#: Spread (largest distance from the median) of a disc over the standing frames, leg
#: lengths: the smaller of its spread in the image (a person standing still) and of its
#: offset from the landmark-predicted site (a person who moved between standing
#: frames). Measured on marker discs: offset spreads up to 0.054 with the full pose
#: model, 0.11-0.13 at the knees and ankles with the lite model, whose landmarks jitter,
#: while the discs themselves stayed within 0.01; the search radius is 0.12-0.15, so a
#: blob that comes and goes in different places is not a marker.
MAX_OFFSET_SPREAD_PER_LEG = 0.08
#: Coefficient of variation of a disc's area over the standing frames (rigid disc).
MAX_AREA_CV = 0.35
#: Sites a set needs (both ASIS among them): the ASIS pair plus at least three of the
#: knee, ankle and sternum discs, so that a pair of look-alike blobs near the hips can
#: never pass alone.
MIN_SITES = 5
#: Largest hue range of the set's discs (OpenCV units, 2 deg each): measured 3.
MAX_HUE_SPREAD = 8.0
#: Smallest ratio of the least to the most saturated disc (median saturations):
#: measured 0.78 (shaded ankle discs on the rendered set).
MIN_SAT_RATIO = 0.55
#: Largest ratio of the biggest to the smallest disc (median areas): measured 1.43.
MAX_AREA_RATIO = 2.5
#: Other disc-like blobs of the colour in the search areas of the sites (median per
#: frame): a colour that is all over the clothing is not a marker colour. Measured 0 on
#: every marker clip.
MAX_DISTRACTORS = 2
#: Vertical order of a side's discs tolerates this many leg lengths of overlap.
ORDER_SLACK_PER_LEG = 0.02


def disc_like(blobs: Blobs, leg_length_px: float) -> np.ndarray:
    """Return which blobs look like a marker disc (size, roundness, isolation)."""
    if not len(blobs):
        return np.zeros(0, dtype=bool)
    area0 = expected_disc_area_px(leg_length_px)
    lo, hi = MIN_DIAMETER_FACTOR**2 * area0, MAX_DIAMETER_FACTOR**2 * area0
    return (
        (blobs.area >= lo)
        & (blobs.area <= hi)
        & (blobs.fill >= MIN_FILL)
        & (blobs.aspect <= MAX_ASPECT)
        & (blobs.surround <= MAX_SURROUND)
    )


@dataclass
class Confirmation:
    """The verdict on one colour.

    Attributes
    ----------
    colour
        The colour checked.
    confirmed
        True when every check passed.
    reason
        Why not (None when confirmed).
    sites
        The sites whose discs passed the per-site checks.
    disc_area_px
        Median core area of the confirmed discs, pixels of the frames checked (NaN
        when none).
    facts
        JSON-ready numbers behind the verdict (per site presence and spreads, hue
        range, saturation and area ratios, distractors).
    """

    colour: MarkerColour
    confirmed: bool
    reason: str | None
    sites: tuple[str, ...] = ()
    disc_area_px: float = float("nan")
    facts: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready summary."""
        return {
            "colour": self.colour.to_dict(),
            "confirmed": self.confirmed,
            "reason": self.reason,
            "sites": list(self.sites),
            **self.facts,
        }


def _frame_evidence(
    frame: StandingFrame, colour: MarkerColour, leg_length_px: float
) -> tuple[Blobs, np.ndarray, np.ndarray, int]:
    """Disc-like blobs of one frame, their site assignment, expected sites, distractors."""
    expected = expected_sites(frame.landmarks, leg_length_px)
    radius = SEARCH_RADIUS_PER_LEG * leg_length_px
    blobs = detect_blobs(
        None,
        colour,
        leg_length_px=leg_length_px,
        hsv=frame.hsv,
        origin=frame.origin,
        near=(expected, radius),
    )
    discs = blobs.subset(disc_like(blobs, leg_length_px))
    which = assign_blobs(
        discs.xy,
        expected,
        np.full_like(expected, np.nan),
        search_radius=radius,
        track_radius=float(radius.max()),
    )
    distractors = len(discs) - int((which >= 0).sum())
    return discs, which, expected, distractors


def confirm_marker_set(
    frames: Sequence[StandingFrame], leg_length_px: float, colour: MarkerColour
) -> Confirmation:
    """Apply the confirmation rule (module docstring) to ``colour`` on standing frames.

    Parameters
    ----------
    frames
        Standing frames (body crops in HSV, with their landmarks), same pixel scale as
        ``leg_length_px``.
    leg_length_px
        Standing leg length (hip to ankle), pixels.
    colour
        The colour to check.

    Returns
    -------
    Confirmation
        ``confirmed`` and the numbers behind it, or the reason it failed.
    """
    k = len(SITES)
    n = len(frames)
    if n == 0 or not np.isfinite(leg_length_px) or leg_length_px <= 0:
        return Confirmation(colour, False, "no standing frames to look for markers in")
    xy = np.full((n, k, 2), np.nan)
    offset = np.full((n, k, 2), np.nan)
    area = np.full((n, k), np.nan)
    hue = np.full((n, k), np.nan)
    sat = np.full((n, k), np.nan)
    distractors = np.zeros(n, dtype=int)
    need = int(np.ceil(MIN_PRESENT_FRACTION * n))
    for f, frame in enumerate(frames):
        if not _still_possible(area[:f], n - f, need):
            break  # not enough sites can reach the presence needed: no set, stop reading
        discs, which, expected, distractors[f] = _frame_evidence(frame, colour, leg_length_px)
        hit = which >= 0
        xy[f, hit] = discs.xy[which[hit]]
        offset[f, hit] = discs.xy[which[hit]] - expected[hit]
        area[f, hit] = discs.area[which[hit]]
        hue[f, hit] = discs.hue[which[hit]]
        sat[f, hit] = discs.sat[which[hit]]
    present = np.isfinite(area).mean(axis=0)
    site_facts: dict[str, dict[str, float]] = {}
    good = np.zeros(k, dtype=bool)
    for s, name in enumerate(SITES):
        seen = np.isfinite(area[:, s])
        checks = {"present": round(float(present[s]), 3)}
        if seen.sum() >= 2:
            spread = min(_spread(offset[seen, s]), _spread(xy[seen, s]))
            cv = float(np.std(area[seen, s]) / np.mean(area[seen, s]))
            checks.update(spread_leg=round(spread / leg_length_px, 4), area_cv=round(cv, 3))
            good[s] = (
                present[s] >= MIN_PRESENT_FRACTION
                and spread <= MAX_OFFSET_SPREAD_PER_LEG * leg_length_px
                and cv <= MAX_AREA_CV
            )
        site_facts[name] = checks
    sites = tuple(name for s, name in enumerate(SITES) if good[s])
    facts: dict[str, Any] = {
        "standing_frames": [int(fr.index) for fr in frames],
        "site_checks": site_facts,
        "distractors_median": float(np.median(distractors)),
    }
    result = Confirmation(colour, False, None, sites, float("nan"), facts)
    result.reason = _set_problem(good, hue, sat, area, xy, distractors, leg_length_px, facts)
    if result.reason is None:
        result.confirmed = True
        result.disc_area_px = float(np.nanmedian(area[:, good]))
    return result


def _set_problem(
    good: np.ndarray,
    hue: np.ndarray,
    sat: np.ndarray,
    area: np.ndarray,
    xy: np.ndarray,
    distractors: np.ndarray,
    leg_length_px: float,
    facts: dict[str, Any],
) -> str | None:
    """Return the first set-level check that fails, as a plain sentence (None: all pass)."""
    n_good = int(good.sum())
    asis = good[SITES.index("asis_left")] and good[SITES.index("asis_right")]
    if not asis or n_good < MIN_SITES:
        where = "" if asis else ", not at both ASIS"
        return (
            f"steady disc-like blobs of one colour were found at only {n_good} of the "
            f"{len(SITES)} marker sites{where}; a marker set needs both ASIS and at least "
            f"{MIN_SITES} sites"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        site_hue = np.array([_circular_median(hue[:, s]) for s in np.flatnonzero(good)])
        site_sat = np.nanmedian(sat[:, good], axis=0)
        site_area = np.nanmedian(area[:, good], axis=0)
    ref = float(site_hue[0])
    spread = float(np.ptp((site_hue - ref + 90.0) % 180.0 - 90.0))
    sat_ratio = float(site_sat.min() / site_sat.max())
    area_ratio = float(site_area.max() / site_area.min())
    facts.update(
        hue_spread=round(spread, 2),
        sat_ratio=round(sat_ratio, 3),
        area_ratio=round(area_ratio, 3),
    )
    if spread > MAX_HUE_SPREAD:
        return f"the blobs differ in hue by {spread:.0f} units (a marker set is one colour)"
    if sat_ratio < MIN_SAT_RATIO:
        return f"the blobs differ in saturation (ratio {sat_ratio:.2f}; one marker material)"
    if area_ratio > MAX_AREA_RATIO:
        return f"the blobs differ in size (ratio {area_ratio:.1f}; markers are one size)"
    if not _stacked_like_a_body(xy, good, leg_length_px):
        return "the blobs are not stacked like a body (ASIS above knees above ankles)"
    if float(np.median(distractors)) > MAX_DISTRACTORS:
        return (
            f"the colour appears as {np.median(distractors):.0f} other disc-like blobs on "
            "the body besides the marker sites (not a marker colour)"
        )
    return None


def _still_possible(area: np.ndarray, frames_left: int, need: int) -> bool:
    """Whether both ASIS and ``MIN_SITES`` sites can still be seen in ``need`` frames."""
    can = np.isfinite(area).sum(axis=0) + frames_left >= need
    asis = can[SITES.index("asis_left")] and can[SITES.index("asis_right")]
    return bool(asis and can.sum() >= MIN_SITES)


def _spread(points: np.ndarray) -> float:
    """Largest distance of ``(n, 2)`` points from their median point."""
    return float(np.linalg.norm(points - np.median(points, axis=0), axis=1).max())


def _circular_median(h: np.ndarray) -> float:
    """Median of OpenCV hues (0-180, circular), NaN ignored."""
    h = h[np.isfinite(h)]
    if not h.size:
        return float("nan")
    ref = float(h[0])
    return float((ref + np.median((h - ref + 90.0) % 180.0 - 90.0)) % 180.0)


def _stacked_like_a_body(xy: np.ndarray, good: np.ndarray, leg_length_px: float) -> bool:
    """ASIS above patella above ankle on each side, sternum above the ASIS (image y down)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a site never seen: NaN, skipped
        y = np.nanmedian(xy[..., 1], axis=0)
    slack = ORDER_SLACK_PER_LEG * leg_length_px
    chains = [
        ("asis_left", "patella_left", "ankle_left"),
        ("asis_right", "patella_right", "ankle_right"),
        ("sternum", "asis_left"),
        ("sternum", "asis_right"),
    ]
    for chain in chains:
        ys = [y[SITES.index(s)] for s in chain if good[SITES.index(s)]]
        if any(b < a - slack for a, b in zip(ys, ys[1:], strict=False)):
            return False
    return True


def best_of(results: Sequence[Confirmation]) -> Confirmation | None:
    """Return the confirmed result if any, else the one with the most sites (for its reason)."""
    for r in results:
        if r.confirmed:
            return r
    return max(results, key=lambda r: len(r.sites), default=None)
