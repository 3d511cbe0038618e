"""Drawing the figure and its scene with OpenCV (RGB uint8 arrays).

Everything is drawn on a canvas ``supersample`` times the output size with
anti-aliased primitives and sub-pixel coordinates, then reduced with area averaging:
smooth edges without blur. Colours are RGB tuples.

The figure is deliberately person-like for the pose model: a face with eyes, brows,
nose, mouth and hair; skin-coloured neck, forearms and hands; a shirt, a belt on a
tilting pelvis, trousers that follow the pelvis and the legs, and shoes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from hipcheck.synth.figure import Body, Skeleton, pelvis_frame, trunk_frame

RGB = tuple[int, int, int]

_SHIFT = 4  # sub-pixel bits for cv2 drawing
_ONE = 1 << _SHIFT
_AA = cv2.LINE_AA

SKIN_TONES: tuple[RGB, ...] = (
    (255, 222, 196),
    (241, 194, 150),
    (224, 172, 125),
    (198, 140, 95),
    (160, 105, 70),
    (110, 72, 50),
)
HAIR_COLOURS: tuple[RGB, ...] = ((30, 25, 20), (70, 45, 25), (120, 80, 40), (200, 170, 110))
SHIRT_COLOURS: tuple[RGB, ...] = (
    (200, 40, 45),
    (40, 80, 170),
    (235, 235, 235),
    (240, 170, 40),
    (120, 60, 140),
    (50, 140, 150),
    (90, 90, 95),
    (230, 120, 150),
)
TROUSER_COLOURS: tuple[RGB, ...] = (
    (40, 60, 110),
    (30, 30, 35),
    (90, 95, 105),
    (150, 125, 90),
    (25, 40, 70),
)
SHOE_COLOURS: tuple[RGB, ...] = ((240, 240, 240), (25, 25, 25), (120, 120, 125), (170, 40, 40))
WALL_COLOURS: tuple[RGB, ...] = (
    (225, 222, 210),
    (200, 210, 220),
    (235, 225, 200),
    (190, 190, 185),
    (215, 200, 190),
)
FLOOR_COLOURS: tuple[RGB, ...] = ((160, 120, 80), (120, 120, 125), (185, 160, 120), (90, 80, 75))
#: fluorescent green of the skin markers (no other scene colour is this saturated green)
MARKER_RGB: RGB = (40, 255, 40)


@dataclass(frozen=True)
class Appearance:
    """How the figure and scene look (all colours RGB).

    ``arms`` is ``crossed`` or ``hips``; ``wall_texture`` one of ``plain``,
    ``stripes``, ``tiles``, ``noise``; ``floor_texture`` ``plain`` or ``planks``.
    ``light`` is a multiplicative gradient (gain across x, gain down y).
    ``noise_sigma`` is Gaussian sensor noise (grey levels), ``blur_sigma`` a Gaussian
    blur (output pixels), ``jpeg_quality`` a JPEG round trip (None = off).
    ``proportions`` multiply :class:`~hipcheck.synth.figure.Body` defaults.
    """

    skin: RGB = SKIN_TONES[1]
    hair: RGB = HAIR_COLOURS[1]
    shirt: RGB = SHIRT_COLOURS[0]
    trousers: RGB = TROUSER_COLOURS[0]
    shoes: RGB = SHOE_COLOURS[0]
    belt: RGB = (60, 40, 25)
    wall: RGB = WALL_COLOURS[0]
    floor: RGB = FLOOR_COLOURS[0]
    wall_texture: str = "plain"
    floor_texture: str = "plain"
    arms: str = "crossed"
    light: tuple[float, float] = (0.0, 0.0)
    noise_sigma: float = 2.0
    blur_sigma: float = 0.0
    jpeg_quality: int | None = None
    stature_frac: float = 0.78
    centre_offset: float = 0.0
    proportions: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in self.__dict__.items()
            if k != "proportions"
        } | {"proportions": dict(self.proportions)}


def sample_appearance(rng: np.random.Generator, **overrides: Any) -> Appearance:
    """Draw a random appearance (seeded by ``rng``); ``overrides`` fix chosen fields."""

    def pick(options: tuple[Any, ...]) -> Any:
        return options[int(rng.integers(len(options)))]

    props = {
        "thigh": float(rng.uniform(0.95, 1.05)),
        "shank": float(rng.uniform(0.95, 1.05)),
        "hip_half": float(rng.uniform(0.92, 1.1)),
        "pelvis_half": float(rng.uniform(0.92, 1.1)),
        "shoulder_half": float(rng.uniform(0.9, 1.1)),
        "trunk": float(rng.uniform(0.95, 1.05)),
        "limb_w": float(rng.uniform(0.85, 1.2)),
    }
    shirt = pick(SHIRT_COLOURS)
    trousers = pick(TROUSER_COLOURS)
    values: dict[str, Any] = {
        "skin": pick(SKIN_TONES),
        "hair": pick(HAIR_COLOURS),
        "shirt": shirt,
        "trousers": trousers,
        "shoes": pick(SHOE_COLOURS),
        "wall": pick(WALL_COLOURS),
        "floor": pick(FLOOR_COLOURS),
        "wall_texture": pick(("plain", "stripes", "tiles", "noise")),
        "floor_texture": pick(("plain", "planks")),
        "arms": "crossed",
        "light": (float(rng.uniform(-0.15, 0.15)), float(rng.uniform(-0.12, 0.12))),
        "noise_sigma": float(rng.uniform(1.0, 4.0)),
        "blur_sigma": 0.0,
        "jpeg_quality": None,
        "stature_frac": float(rng.uniform(0.72, 0.8)),
        "centre_offset": float(rng.uniform(-0.04, 0.04)),
        "proportions": props,
    }
    unknown = set(overrides) - set(values)
    if unknown:
        raise ValueError(f"unknown appearance fields: {sorted(unknown)}")
    values.update({k: v for k, v in overrides.items() if v is not None})
    # shoes must stand out from the floor and the trousers, or the feet vanish
    for shoes in (values["shoes"], *SHOE_COLOURS):
        if min(_contrast(shoes, values["floor"]), _contrast(shoes, values["trousers"])) > 60:
            values["shoes"] = shoes
            break
    return Appearance(**values)


def _contrast(a: RGB, b: RGB) -> float:
    """Difference in luma (0-255) between two colours."""
    w = np.array([0.299, 0.587, 0.114])
    return float(abs(np.dot(w, np.subtract(a, b, dtype=float))))


# --- primitives -------------------------------------------------------------------


def _fx(p: np.ndarray) -> tuple[int, int]:
    return int(round(float(p[0]) * _ONE)), int(round(float(p[1]) * _ONE))


def _poly(img: np.ndarray, pts: list[np.ndarray], colour: RGB) -> None:
    arr = np.array([_fx(p) for p in pts], dtype=np.int32)
    cv2.fillPoly(img, [arr], colour, lineType=_AA, shift=_SHIFT)


def _disc(img: np.ndarray, c: np.ndarray, r: float, colour: RGB) -> None:
    cv2.circle(img, _fx(c), int(round(r * _ONE)), colour, -1, lineType=_AA, shift=_SHIFT)


def _ellipse(
    img: np.ndarray,
    c: np.ndarray,
    axes: tuple[float, float],
    angle_deg: float,
    colour: RGB,
    thickness: int = -1,
    arc: tuple[float, float] = (0.0, 360.0),
) -> None:
    ax = (max(1, int(round(axes[0] * _ONE))), max(1, int(round(axes[1] * _ONE))))
    cv2.ellipse(
        img, _fx(c), ax, angle_deg, arc[0], arc[1], colour, thickness, lineType=_AA, shift=_SHIFT
    )


def _line(img: np.ndarray, a: np.ndarray, b: np.ndarray, colour: RGB, width: float) -> None:
    cv2.line(img, _fx(a), _fx(b), colour, max(1, int(round(width))), lineType=_AA, shift=_SHIFT)


def _capsule(
    img: np.ndarray, a: np.ndarray, b: np.ndarray, wa: float, wb: float, colour: RGB
) -> None:
    """Tapered limb segment from ``a`` (width ``wa``) to ``b`` (width ``wb``)."""
    d = b - a
    n = float(np.hypot(*d))
    if n < 1e-6:
        _disc(img, a, max(wa, wb) / 2, colour)
        return
    perp = np.array([-d[1], d[0]]) / n
    _poly(img, [a + perp * wa / 2, b + perp * wb / 2, b - perp * wb / 2, a - perp * wa / 2], colour)
    _disc(img, a, wa / 2, colour)
    _disc(img, b, wb / 2, colour)


def _shade(colour: RGB, factor: float) -> RGB:
    return tuple(int(np.clip(c * factor, 0, 255)) for c in colour)  # type: ignore[return-value]


# --- scene ------------------------------------------------------------------------


def draw_background(
    size: tuple[int, int], floor_y: float, app: Appearance, rng: np.random.Generator
) -> np.ndarray:
    """Wall and floor of the scene (``size`` = canvas width, height), RGB uint8."""
    w, h = size
    img = np.empty((h, w, 3), np.uint8)
    horizon = int(round(floor_y - 0.09 * h))
    img[:horizon] = app.wall
    img[horizon:] = app.floor
    if app.wall_texture == "stripes":
        step = max(4, w // int(rng.integers(6, 14)))
        for x in range(0, w, step):
            img[:horizon, x : x + step // 2] = _shade(app.wall, 0.93)
    elif app.wall_texture == "tiles":
        step = max(4, w // int(rng.integers(8, 16)))
        for x in range(0, w, step):
            img[:horizon, x : x + 2] = _shade(app.wall, 0.85)
        for y in range(0, horizon, step):
            img[y : y + 2, :] = _shade(app.wall, 0.85)
    elif app.wall_texture == "noise":
        small = rng.normal(0.0, 1.0, (max(2, h // 120), max(2, w // 120)))
        field_ = cv2.resize(small, (w, horizon), interpolation=cv2.INTER_CUBIC)
        img[:horizon] = np.clip(
            np.asarray(app.wall, float) * (1 + 0.03 * field_[..., None]), 0, 255
        ).astype(np.uint8)
    if app.floor_texture == "planks":
        board_y, gap = float(horizon), 0.02 * h
        while board_y < h:
            img[int(board_y) : int(board_y) + 2, :] = _shade(app.floor, 0.8)
            board_y += gap
            gap *= 1.35  # nearer boards look wider
    # skirting board where wall meets floor
    img[horizon - max(2, h // 80) : horizon] = _shade(app.wall, 0.75)
    return img


def draw_box(img: np.ndarray, centre_x: float, floor_y: float, height: float, width: float) -> None:
    """Step box: front face from the floor up to ``height``, with a lighter top face."""
    top = floor_y - height
    x0, x1 = centre_x - width / 2, centre_x + width / 2
    depth = 0.35 * height
    face = (150, 110, 70)
    _poly(img, [np.array(p) for p in ((x0, top), (x1, top), (x1, floor_y), (x0, floor_y))], face)
    _poly(
        img,
        [np.array(p) for p in ((x0 + 0.06 * width, top - depth), (x1 - 0.06 * width, top - depth))]
        + [np.array((x1, top)), np.array((x0, top))],
        _shade(face, 1.25),
    )
    _line(img, np.array((x0, top)), np.array((x1, top)), _shade(face, 0.7), 2)


# --- figure -----------------------------------------------------------------------


def _leg(img: np.ndarray, sk: Skeleton, side: str, body: Body, app: Appearance) -> None:
    hip, knee, ankle = sk[f"{side}_hip"], sk[f"{side}_knee"], sk[f"{side}_ankle"]
    toe = sk[f"{side}_toe"]
    h = body.stature
    lw = body.limb_w / (0.075 * h)  # width scale from the body proportions
    w_top = 2 * (body.pelvis_half - body.hip_half) + 0.012 * h
    w_knee, w_ankle = 0.062 * h * lw, 0.046 * h * lw
    edge = max(1.0, 0.006 * h)
    dark = _shade(app.trousers, 0.55)
    _capsule(img, hip, knee, w_top + 2 * edge, w_knee + 2 * edge, dark)
    _capsule(img, knee, ankle, w_knee + 2 * edge, w_ankle + 2 * edge, dark)
    _capsule(img, hip, knee, w_top, w_knee, app.trousers)
    _capsule(img, knee, ankle, w_knee, w_ankle, app.trousers)
    # a faint knee crease helps read the joint
    _ellipse(img, knee, (0.35 * w_knee, 0.12 * w_knee), 0, _shade(app.trousers, 0.8))
    # shoe seen from the front: a rounded upper below the trouser hem, the toe box
    # (nearer the camera) lowest, and a darker sole edge
    fw = body.foot_w
    top_y = ankle[1] - 0.1 * body.ankle_h
    sole_y = toe[1] + 0.3 * body.ankle_h
    cx = 0.5 * (ankle[0] + toe[0])
    centre = np.array([cx, 0.5 * (top_y + sole_y)])
    _ellipse(
        img, centre, (0.6 * fw + edge, 0.5 * (sole_y - top_y) + edge), 0, _shade(app.shoes, 0.45)
    )
    _ellipse(img, centre, (0.6 * fw, 0.5 * (sole_y - top_y)), 0, app.shoes)
    _ellipse(
        img,
        np.array([cx, sole_y - 0.2 * body.ankle_h]),
        (0.55 * fw, 0.2 * body.ankle_h),
        0,
        _shade(app.shoes, 0.6),
    )
    _ellipse(
        img,
        np.array([toe[0], toe[1] - 0.1 * body.ankle_h]),
        (0.22 * fw, 0.15 * body.ankle_h),
        0,
        _shade(app.shoes, 0.85),
    )
    # trouser hem over the top of the shoe
    _capsule(
        img, ankle - np.array([0, 0.8 * body.ankle_h]), ankle, w_ankle, w_ankle * 1.08, app.trousers
    )


def _pelvis_points(sk: Skeleton, body: Body) -> dict[str, np.ndarray]:
    lat, up = pelvis_frame(sk)
    mid = 0.5 * (sk["left_hip"] + sk["right_hip"])
    h = body.stature
    belt_h = 0.055 * h
    pts = {
        "waist_l": mid + lat * body.waist_half + up * belt_h,
        "waist_r": mid - lat * body.waist_half + up * belt_h,
        "outer_l": mid + lat * body.pelvis_half + up * 0.005 * h,
        "outer_r": mid - lat * body.pelvis_half + up * 0.005 * h,
        "crotch": mid - up * 0.06 * h,
        "belt_mid": mid + up * belt_h,
    }
    for side in ("left", "right"):
        hip, knee = sk[f"{side}_hip"], sk[f"{side}_knee"]
        d = (knee - hip) / max(float(np.hypot(*(knee - hip))), 1e-6)
        sign = 1.0 if side == "left" else -1.0
        n = np.array([-d[1], d[0]])
        if np.dot(n, lat * sign) < 0:
            n = -n
        w_top = 2 * (body.pelvis_half - body.hip_half) + 0.012 * h
        pts[f"thigh_out_{side[0]}"] = hip + d * 0.12 * body.thigh + n * 0.5 * w_top
        pts[f"thigh_in_{side[0]}"] = hip + d * 0.18 * body.thigh - n * 0.5 * w_top
    return pts


def _pelvis(img: np.ndarray, sk: Skeleton, body: Body, app: Appearance) -> None:
    p = _pelvis_points(sk, body)
    outline = [
        p["waist_r"],
        p["waist_l"],
        p["outer_l"],
        p["thigh_out_l"],
        p["thigh_in_l"],
        p["crotch"],
        p["thigh_in_r"],
        p["thigh_out_r"],
        p["outer_r"],
    ]
    _poly(img, outline, app.trousers)
    edge = max(1.0, 0.005 * body.stature)
    dark = _shade(app.trousers, 0.55)
    for a, b in ((p["thigh_in_l"], p["crotch"]), (p["crotch"], p["thigh_in_r"])):
        _line(img, a, b, dark, edge)
    _line(img, p["belt_mid"], p["crotch"], _shade(app.trousers, 0.75), edge)  # fly seam


def _belt(img: np.ndarray, sk: Skeleton, body: Body, app: Appearance) -> None:
    p = _pelvis_points(sk, body)
    lat, up = pelvis_frame(sk)
    h = body.stature
    bw = 0.022 * h
    a, b = p["waist_r"] - lat * 0.004 * h, p["waist_l"] + lat * 0.004 * h
    _poly(img, [a + up * bw / 2, b + up * bw / 2, b - up * bw / 2, a - up * bw / 2], app.belt)
    c = p["belt_mid"]
    buckle = [
        c + lat * s1 * 0.014 * h + up * s2 * 0.013 * h
        for s1, s2 in ((-1, 1), (1, 1), (1, -1), (-1, -1))
    ]
    _poly(img, buckle, (200, 185, 120))


def _torso(img: np.ndarray, sk: Skeleton, body: Body, app: Appearance) -> None:
    lat_t, up_t = trunk_frame(sk)
    p = _pelvis_points(sk, body)
    lat_p, up_p = pelvis_frame(sk)
    h = body.stature
    sl, sr = sk["left_shoulder"], sk["right_shoulder"]
    pts = [
        sr - lat_t * 0.01 * h + up_t * 0.03 * h,
        sl + lat_t * 0.01 * h + up_t * 0.03 * h,
        sl + lat_t * 0.02 * h - up_t * 0.04 * h,
        sl - lat_t * 0.012 * h - up_t * 0.11 * h,
        p["waist_l"] + lat_p * 0.008 * h - up_p * 0.005 * h,
        p["waist_r"] - lat_p * 0.008 * h - up_p * 0.005 * h,
        sr + lat_t * 0.012 * h - up_t * 0.11 * h,
        sr - lat_t * 0.02 * h - up_t * 0.04 * h,
    ]
    _poly(img, pts, app.shirt)
    for s in (sl, sr):
        _disc(img, s, 0.034 * h, app.shirt)
    # collar
    mid = 0.5 * (sl + sr)
    _ellipse(
        img,
        mid + up_t * 0.02 * h,
        (0.03 * h, 0.02 * h),
        _deg(lat_t),
        _shade(app.shirt, 0.8),
        arc=(0, 180),
    )


def _deg(lat: np.ndarray) -> float:
    return math.degrees(math.atan2(lat[1], lat[0]))


def _head(img: np.ndarray, sk: Skeleton, body: Body, app: Appearance) -> None:
    lat, up = trunk_frame(sk)
    h = body.stature
    mid = 0.5 * (sk["left_shoulder"] + sk["right_shoulder"])
    head = sk["head"]
    rot = _deg(lat)
    _capsule(
        img, mid + up * 0.01 * h, head - up * 0.03 * h, 0.052 * h, 0.05 * h, _shade(app.skin, 0.9)
    )
    hw, hh = body.head_w / 2, body.head_h / 2
    for s in (-1, 1):  # ears
        _ellipse(
            img, head + lat * s * hw * 0.98, (0.13 * hw, 0.28 * hh), rot, _shade(app.skin, 0.92)
        )
    _ellipse(img, head - up * 0.04 * hh, (hw, hh), rot, app.skin)
    # hair: a cap over the crown plus a fringe
    _ellipse(img, head + up * 0.25 * hh, (1.04 * hw, 0.8 * hh), rot, app.hair, arc=(180, 360))
    _ellipse(img, head + up * 0.32 * hh, (0.95 * hw, 0.3 * hh), rot, app.hair)
    for s in (-1, 1):
        eye = head + lat * s * 0.4 * hw + up * 0.05 * hh
        _ellipse(img, eye, (0.22 * hw, 0.1 * hh), rot, (250, 250, 250))
        _disc(img, eye, 0.085 * hh, (60, 40, 30))
        _disc(img, eye, 0.04 * hh, (10, 10, 10))
        brow_a = eye + up * 0.2 * hh - lat * 0.2 * hw
        brow_b = eye + up * 0.22 * hh + lat * 0.2 * hw
        _line(img, brow_a, brow_b, _shade(app.hair, 0.8), max(1.0, 0.05 * hh))
    nose_top, nose_tip = head - up * 0.02 * hh, head - up * 0.3 * hh
    _line(img, nose_top, nose_tip, _shade(app.skin, 0.75), max(1.0, 0.04 * hh))
    _ellipse(img, nose_tip, (0.12 * hw, 0.05 * hh), rot, _shade(app.skin, 0.8))
    _ellipse(img, head - up * 0.55 * hh, (0.3 * hw, 0.12 * hh), rot, (150, 50, 50), arc=(0, 180))


def _arms(img: np.ndarray, sk: Skeleton, body: Body, app: Appearance) -> None:
    h = body.stature
    order = ("left", "right") if app.arms == "hips" else ("right", "left")
    for side in order:
        sh, el, wr = sk[f"{side}_shoulder"], sk[f"{side}_elbow"], sk[f"{side}_wrist"]
        _capsule(img, sh, el, 0.058 * h, 0.048 * h, _shade(app.shirt, 0.93))
        sleeve_end = sh + 0.6 * (el - sh)
        _capsule(img, sleeve_end, el, 0.044 * h, 0.04 * h, app.skin)
        _capsule(img, el, wr, 0.04 * h, 0.034 * h, app.skin)
        _capsule(img, sh, sleeve_end, 0.06 * h, 0.054 * h, app.shirt)
        d = (wr - el) / max(float(np.hypot(*(wr - el))), 1e-6)
        _ellipse(
            img,
            wr + d * 0.03 * h,
            (0.038 * h, 0.026 * h),
            math.degrees(math.atan2(d[1], d[0])),
            _shade(app.skin, 0.97),
        )


def draw_figure(img: np.ndarray, sk: Skeleton, body: Body, app: Appearance) -> None:
    """Draw the figure of skeleton ``sk`` (canvas pixels) onto ``img`` in place."""
    stance = sk.ref_side
    other = "right" if stance == "left" else "left"
    for side in ("left", "right"):
        # soft contact shadow under each foot resting on its support
        ankle = sk[f"{side}_ankle"]
        ground = sk.floor_y - sk.support_h
        if abs(ankle[1] + body.ankle_h - ground) < 0.01 * body.stature:
            centre = np.array([ankle[0], ground + 0.012 * body.stature])
            axes = (0.045 * body.stature, 0.01 * body.stature)
            _ellipse(img, centre, axes, 0, _shade(img_colour_at(img, *centre), 0.7))
    if sk.free_leg == "back":
        _leg(img, sk, other, body, app)
        _leg(img, sk, stance, body, app)
    else:
        _leg(img, sk, stance, body, app)
        _leg(img, sk, other, body, app)
    _pelvis(img, sk, body, app)
    _torso(img, sk, body, app)
    _belt(img, sk, body, app)
    _head(img, sk, body, app)
    _arms(img, sk, body, app)


def img_colour_at(img: np.ndarray, x: float, y: float) -> RGB:
    """Colour of ``img`` at a (clipped) point, for shadows that darken what is there."""
    h, w = img.shape[:2]
    xi = int(np.clip(round(x), 0, w - 1))
    yi = int(np.clip(round(y), 0, h - 1))
    return tuple(int(v) for v in img[yi, xi])  # type: ignore[return-value]


def draw_markers(
    img: np.ndarray, centres: dict[str, np.ndarray], radius: float, colour: RGB
) -> None:
    """Skin markers: saturated discs with a thin dark rim, centred on ``centres``."""
    for c in centres.values():
        _disc(img, c, radius * 1.15, (30, 30, 30))
        _disc(img, c, radius, colour)


# --- camera effects ---------------------------------------------------------------


def finish(img: np.ndarray, app: Appearance, rng: np.random.Generator) -> np.ndarray:
    """Apply lighting gradient, blur, sensor noise and JPEG artefacts (output size)."""
    h, w = img.shape[:2]
    out: np.ndarray = img.astype(np.float32)  # float32 throughout (OpenCV keeps the type)
    gx, gy = app.light
    if gx or gy:
        xs = np.linspace(-0.5, 0.5, w, dtype=np.float32)
        ys = np.linspace(-0.5, 0.5, h, dtype=np.float32)
        gain = 1.0 + 2 * gx * xs[None, :] + 2 * gy * ys[:, None]
        out *= gain[..., None]
    if app.blur_sigma > 0:
        out = cv2.GaussianBlur(out, (0, 0), app.blur_sigma)
    if app.noise_sigma > 0:
        out += np.float32(app.noise_sigma) * rng.standard_normal(out.shape, dtype=np.float32)
    result: np.ndarray = np.clip(out + 0.5, 0, 255).astype(np.uint8)
    if app.jpeg_quality is not None:
        ok, buf = cv2.imencode(
            ".jpg",
            cv2.cvtColor(result, cv2.COLOR_RGB2BGR),
            [cv2.IMWRITE_JPEG_QUALITY, int(app.jpeg_quality)],
        )
        if ok:
            result = cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    return result
