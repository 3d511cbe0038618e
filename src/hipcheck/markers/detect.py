"""Colour segmentation of skin markers and their sub-pixel centres.

Skin markers are small discs (about 25 mm) in a saturated colour. A pixel belongs to
a marker when its hue lies within ``hue_tol`` of the colour's hue and its saturation
and value are high (OpenCV HSV: hue 0-180, saturation and value 0-255). Connected
components of that mask are the candidate blobs; each blob's centre is the centroid
of the pixels around it weighted by a soft membership (saturation ramp x hue
closeness), so anti-aliased edge pixels count partly and the centre is sub-pixel.

Frame: image pixels of the upright RGB frame, x right, y down.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt

from hipcheck.errors import HipcheckError

#: Marker disc diameter as a fraction of the leg length (hip joint to ankle, about
#: 0.9 m in adults): 25 mm / 0.9 m. Blob size limits are relative to this.
DISC_DIAMETER_PER_LEG = 0.028
#: Accepted blob area as a multiple of the expected disc area: small = partly hidden
#: or far, large = closer to the camera or motion blur.
MIN_AREA_FACTOR = 0.12
MAX_AREA_FACTOR = 5.0
#: Soft-membership saturation ramp starts this far below ``sat_min`` (edge pixels).
_SAT_RAMP = 60
#: Pixels around a blob's bounding box included in its weighted centroid.
_CENTROID_PAD = 2
#: The ring in which a blob's surroundings are read, in equivalent radii of the blob
#: (``sqrt(area / pi)``): outside a disc's anti-aliased edge and dark rim, within about
#: one more diameter.
_RING_INNER, _RING_OUTER = 1.6, 2.6
#: A ring pixel shares the blob's colour if its hue is within the colour window and its
#: saturation is at least this fraction of the blob's median saturation.
SURROUND_SAT_FRACTION = 0.5


@dataclass(frozen=True)
class MarkerColour:
    """A marker colour as an HSV window (OpenCV ranges).

    Attributes
    ----------
    name
        Preset name or ``"calibrated"``.
    hue
        Hue centre, 0-180 (OpenCV; degrees / 2). Distances wrap around (red).
    hue_tol
        Half-width of the accepted hue window.
    sat_min, val_min
        Minimum saturation and value, 0-255, of a core marker pixel.
    """

    name: str
    hue: float
    hue_tol: float
    sat_min: float
    val_min: float

    def to_dict(self) -> dict[str, object]:
        """Return the colour as a JSON-ready dict."""
        return {
            "name": self.name,
            "hue": float(self.hue),
            "hue_tol": float(self.hue_tol),
            "sat_min": float(self.sat_min),
            "val_min": float(self.val_min),
        }


#: Named presets for fluorescent adhesive markers. Saturation floors sit above what
#: skin, clothing and most backgrounds reach (checked on the rendered set: scene greens
#: stay below saturation 120, the green discs' cores above 150).
PRESETS: dict[str, MarkerColour] = {
    "green": MarkerColour("green", hue=58.0, hue_tol=12.0, sat_min=140.0, val_min=80.0),
    "pink": MarkerColour("pink", hue=163.0, hue_tol=10.0, sat_min=140.0, val_min=90.0),
    "orange": MarkerColour("orange", hue=13.0, hue_tol=7.0, sat_min=170.0, val_min=120.0),
    "blue": MarkerColour("blue", hue=108.0, hue_tol=10.0, sat_min=150.0, val_min=70.0),
    "yellow": MarkerColour("yellow", hue=29.0, hue_tol=6.0, sat_min=160.0, val_min=140.0),
}
PRESETS["magenta"] = replace(PRESETS["pink"], name="magenta")


def get_colour(name: str) -> MarkerColour:
    """Return the preset called ``name`` (case-insensitive).

    Raises
    ------
    hipcheck.errors.HipcheckError
        Unknown colour name (the hint lists the presets).
    """
    key = name.strip().lower()
    if key not in PRESETS:
        raise HipcheckError(
            f"Unknown marker colour {name!r}.",
            f"Use auto, off or one of: {', '.join(sorted(PRESETS))}.",
        )
    return PRESETS[key]


def check_marker_option(option: str) -> None:
    """Raise a user error unless ``option`` is ``auto``, ``off`` or a preset colour name."""
    key = str(option).strip().lower()
    if key not in ("auto", "off"):
        get_colour(key)


@dataclass(frozen=True)
class Blobs:
    """Candidate marker blobs of one frame, with the shape and colour facts of each.

    Attributes
    ----------
    xy
        ``(m, 2)`` sub-pixel centres, pixels (x right, y down, origin at the frame's
        top-left corner: the centre of pixel ``(0, 0)`` is ``(0.5, 0.5)``).
    area
        ``(m,)`` pixel count of each blob's core mask.
    fill
        ``(m,)`` core area / area of the ellipse with the same second moments
        (``4 pi sqrt(det C)``, ``C`` the covariance of the pixel centres plus 1/12 per
        axis for the pixels' extent): about 1 for a filled disc or ellipse, lower for
        rings, crescents and ragged fragments.
    aspect
        ``(m,)`` major / minor axis of that ellipse (a disc facing the camera: 1),
        whatever the blob's orientation.
    hue, sat
        ``(m,)`` median hue (OpenCV units, 0-180) and saturation (0-255) of the core.
    surround
        ``(m,)`` fraction of a ring around the blob (1.6-2.6 equivalent radii) whose
        pixels share the blob's colour (hue within the colour window, saturation at
        least ``SURROUND_SAT_FRACTION`` of the blob's): about 0 for a disc stuck on
        differently coloured clothing, high for a fragment of a larger patch.
    """

    xy: np.ndarray
    area: np.ndarray
    fill: np.ndarray = field(default_factory=lambda: np.zeros(0))
    aspect: np.ndarray = field(default_factory=lambda: np.zeros(0))
    hue: np.ndarray = field(default_factory=lambda: np.zeros(0))
    sat: np.ndarray = field(default_factory=lambda: np.zeros(0))
    surround: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def none(cls) -> Blobs:
        """Return an empty set of blobs."""
        return cls(np.zeros((0, 2)), np.zeros(0))

    def __len__(self) -> int:
        return int(self.area.shape[0])

    def subset(self, keep: np.ndarray) -> Blobs:
        """Return the blobs selected by a boolean mask or index array."""
        return Blobs(
            self.xy[keep],
            self.area[keep],
            self.fill[keep],
            self.aspect[keep],
            self.hue[keep],
            self.sat[keep],
            self.surround[keep],
        )


def hue_distance(hue: np.ndarray, centre: float) -> np.ndarray:
    """Return the circular distance between OpenCV hues (0-180 wraps around)."""
    d = np.abs(np.asarray(hue).astype(np.float32) - np.float32(centre)) % 180.0
    return np.minimum(d, 180.0 - d)


def membership(hsv: np.ndarray, colour: MarkerColour) -> np.ndarray:
    """Return each pixel's soft membership of ``colour``, 0-1 (float32, image shape).

    1 for pixels inside the hue window with saturation >= ``sat_min``; falls off
    linearly over ``_SAT_RAMP`` saturation levels below it and over the outer third of
    the hue window, so anti-aliased edges weigh partly.
    """
    h, s, v = hsv[..., 0], hsv[..., 1].astype(np.float32), hsv[..., 2]
    hue_w = np.clip((colour.hue_tol - hue_distance(h, colour.hue)) / (colour.hue_tol / 3), 0, 1)
    sat_w = np.clip((s - (colour.sat_min - _SAT_RAMP)) / _SAT_RAMP, 0, 1)
    return (hue_w * sat_w * (v >= colour.val_min * 0.6)).astype(np.float32)


def colour_mask(hsv: np.ndarray, colour: MarkerColour) -> np.ndarray:
    """Return the core mask (uint8 0/255): hue within the window, saturation and value high."""
    lo_h, hi_h = colour.hue - colour.hue_tol, colour.hue + colour.hue_tol
    s_min, v_min = int(np.ceil(colour.sat_min)), int(np.ceil(colour.val_min))
    ranges = [(max(lo_h, 0.0), min(hi_h, 179.0))]
    if lo_h < 0:  # the window wraps around red
        ranges.append((180.0 + lo_h, 179.0))
    if hi_h > 179:
        ranges.append((0.0, hi_h - 180.0))
    mask = np.zeros(hsv.shape[:2], dtype=np.uint8)
    for a, b in ranges:
        lo, hi = max(int(np.ceil(a)), 0), min(int(np.floor(b)), 179)
        if hi < lo:  # a wrap-around sliver thinner than one hue step
            continue
        lower = np.array([lo, s_min, v_min], dtype=np.uint8)
        upper = np.array([hi, 255, 255], dtype=np.uint8)
        # inRange returns a uint8 mask (OpenCV's stub says any image type)
        mask |= cast("npt.NDArray[np.uint8]", cv2.inRange(hsv, lower, upper))
    return mask


def expected_disc_area_px(leg_length_px: float) -> float:
    """Return the expected pixel area of a marker disc for a leg of ``leg_length_px``."""
    d = DISC_DIAMETER_PER_LEG * float(leg_length_px)
    return float(np.pi / 4 * d * d)


def to_hsv(image_rgb: np.ndarray) -> np.ndarray:
    """Return the OpenCV HSV image (hue 0-180) of an RGB frame."""
    return cv2.cvtColor(np.ascontiguousarray(image_rgb), cv2.COLOR_RGB2HSV)


def detect_blobs(
    image_rgb: np.ndarray | None,
    colour: MarkerColour,
    *,
    leg_length_px: float | None = None,
    roi: tuple[int, int, int, int] | None = None,
    hsv: np.ndarray | None = None,
    origin: tuple[int, int] = (0, 0),
    near: tuple[np.ndarray, np.ndarray] | None = None,
) -> Blobs:
    """Find marker-coloured blobs, their sub-pixel centres, shape and colour facts.

    Parameters
    ----------
    image_rgb
        Upright RGB frame, ``(h, w, 3)`` uint8 (None when ``hsv`` is given).
    colour
        The marker colour.
    leg_length_px
        Body scale; blobs smaller than ``MIN_AREA_FACTOR`` or larger than
        ``MAX_AREA_FACTOR`` times the expected disc area are dropped. None keeps
        every blob of at least 3 pixels.
    roi
        Optional ``(x0, y0, x1, y1)`` search window (clipped to the frame); centres
        are returned in full-frame pixels.
    hsv
        The frame (or a crop of it) already converted with :func:`to_hsv`, instead of
        ``image_rgb``; ``origin`` is then the crop's top-left corner in the frame.
    origin
        Offset added to the centres when ``hsv`` is a crop.
    near
        Optional ``(centres (k, 2), radii (k,))`` in frame pixels: only blobs whose
        centroid lies within a radius of a centre are described and returned (NaN
        centres are ignored), which saves the shape and colour facts of everything
        far from the marker sites.

    Returns
    -------
    Blobs
        Centres (membership-weighted centroids), core areas and the shape/colour facts
        (see :class:`Blobs`); a streak (bounding box more than 3:1) is never a blob.
    """
    x0, y0 = int(origin[0]), int(origin[1])
    if hsv is None:
        if image_rgb is None:
            raise ValueError("detect_blobs needs image_rgb or hsv")
        img = image_rgb
        if roi is not None:
            h, w = image_rgb.shape[:2]
            x0, y0 = max(0, int(roi[0])), max(0, int(roi[1]))
            x1, y1 = min(w, int(np.ceil(roi[2]))), min(h, int(np.ceil(roi[3])))
            if x1 <= x0 or y1 <= y0:
                return Blobs.none()
            img = image_rgb[y0:y1, x0:x1]
        hsv = to_hsv(img)
    elif roi is not None:
        h, w = hsv.shape[:2]
        a0, b0 = max(0, int(roi[0]) - x0), max(0, int(roi[1]) - y0)
        a1, b1 = min(w, int(np.ceil(roi[2])) - x0), min(h, int(np.ceil(roi[3])) - y0)
        if a1 <= a0 or b1 <= b0:
            return Blobs.none()
        hsv, x0, y0 = hsv[b0:b1, a0:a1], x0 + a0, y0 + b0
    mask = colour_mask(hsv, colour)
    n, labels, stats, cents = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return Blobs.none()
    lo, hi = 3.0, np.inf
    if leg_length_px is not None and np.isfinite(leg_length_px) and leg_length_px > 0:
        area0 = expected_disc_area_px(leg_length_px)
        lo, hi = max(lo, MIN_AREA_FACTOR * area0), MAX_AREA_FACTOR * area0
    size = stats[1:, cv2.CC_STAT_AREA]
    short = np.maximum(np.minimum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]), 1)
    long_ = np.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT])
    # the right size, and a disc rather than a streak
    keep = (size >= lo) & (size <= hi) & (long_ <= 3 * short)
    if near is not None:
        centres, radii = (np.asarray(v, dtype=np.float64) for v in near)
        ok = np.isfinite(centres).all(axis=1)
        d = np.linalg.norm(
            cents[1:, None, :] + np.array([x0, y0]) + 0.5 - centres[None, ok], axis=2
        )
        keep &= (d <= radii[None, ok]).any(axis=1)
    rows = []
    for k in np.flatnonzero(keep) + 1:
        facts = _blob_facts(hsv, labels, stats[k], k, colour)
        if facts is not None:
            cx, cy, *rest = facts
            rows.append((cx + x0, cy + y0, *rest))
    if not rows:
        return Blobs.none()
    a = np.asarray(rows, dtype=np.float64)
    return Blobs(a[:, :2], a[:, 2], a[:, 3], a[:, 4], a[:, 5], a[:, 6], a[:, 7])


def _blob_facts(
    hsv: np.ndarray, labels: np.ndarray, stat: np.ndarray, k: int, colour: MarkerColour
) -> tuple[float, ...] | None:
    """Centre, area, fill, aspect, hue, saturation and surround of component ``k``."""
    bx, by, bw, bh, area = (int(v) for v in stat)
    h, w = labels.shape
    xa, ya = max(0, bx - _CENTROID_PAD), max(0, by - _CENTROID_PAD)
    xb, yb = min(w, bx + bw + _CENTROID_PAD), min(h, by + bh + _CENTROID_PAD)
    wpatch = membership(hsv[ya:yb, xa:xb], colour)
    total = float(wpatch.sum())
    if total <= 0:
        return None
    # pixel centres sit at +0.5 (origin at the top-left pixel corner)
    cx = float(wpatch.sum(axis=0) @ (np.arange(xa, xb) + 0.5)) / total
    cy = float(wpatch.sum(axis=1) @ (np.arange(ya, yb) + 0.5)) / total
    mine = labels[by : by + bh, bx : bx + bw] == k
    core = hsv[by : by + bh, bx : bx + bw][mine]
    offs = (core[:, 0].astype(np.float64) - colour.hue + 90.0) % 180.0 - 90.0
    hue = float((colour.hue + np.median(offs)) % 180.0)
    sat = float(np.median(core[:, 1]))
    # the ring around the blob: does the blob's colour continue there?
    r = float(np.sqrt(area / np.pi))
    r_in, r_out = _RING_INNER * r + 1.0, _RING_OUTER * r + 2.0
    qa, qb = max(0, int(cx - r_out)), min(w, int(np.ceil(cx + r_out)))
    pa, pb = max(0, int(cy - r_out)), min(h, int(np.ceil(cy + r_out)))
    dx = np.arange(qa, qb) + 0.5 - cx
    dy = np.arange(pa, pb) + 0.5 - cy
    d2 = dy[:, None] ** 2 + dx[None, :] ** 2
    ring = (d2 >= r_in * r_in) & (d2 <= r_out * r_out)
    surround = 0.0
    if ring.any():
        around = hsv[pa:pb, qa:qb][ring]
        same = (hue_distance(around[:, 0], hue) <= colour.hue_tol) & (
            around[:, 1] >= SURROUND_SAT_FRACTION * sat
        )
        surround = float(same.mean())
    fill, aspect = _ellipse_shape(mine)
    return cx, cy, float(area), fill, aspect, hue, sat, surround


def _ellipse_shape(pixels: np.ndarray) -> tuple[float, float]:
    """Fill (area / moment ellipse area) and aspect (major / minor axis) of a pixel mask.

    The moment ellipse has the covariance of the pixel centres plus 1/12 per axis (a
    pixel's own extent); a filled ellipse of any size has fill 1.
    """
    yy, xx = np.nonzero(pixels)
    area = float(yy.size)
    x = xx - xx.mean()
    y = yy - yy.mean()
    sxx, syy, sxy = (x * x).mean() + 1 / 12, (y * y).mean() + 1 / 12, (x * y).mean()
    det = max(sxx * syy - sxy * sxy, 1e-12)
    half_tr = (sxx + syy) / 2
    root = float(np.sqrt(max(half_tr * half_tr - det, 0.0)))
    lam_max, lam_min = half_tr + root, max(half_tr - root, 1e-12)
    return area / (4.0 * np.pi * float(np.sqrt(det))), float(np.sqrt(lam_max / lam_min))
