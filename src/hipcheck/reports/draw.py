"""Draw the pose skeleton and the measured angles on a frame (OpenCV).

Images are ``H x W x 3`` uint8 **RGB** arrays (colours below are RGB); drawing
functions return a new image and never modify their input. Landmarks are BlazePose
pixels in the same image (x right, y down, subject's sides, see
:mod:`hipcheck.landmarks`).

Line widths and text scale with the image (``min(W, H) / 360``), so labels stay
legible from 360x640 to 1080x1920.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np

from hipcheck.landmarks import LM, SIDE_LANDMARKS, LandmarkSeries, other_side
from hipcheck.model import Assessment, Rep
from hipcheck.reports.bands import rating_rgb

#: skeleton segments: (landmark a, landmark b, group); groups set colour and weight
_SEGMENTS: tuple[tuple[int, int, str], ...] = (
    # trunk
    (11, 12, "trunk"), (11, 23, "left"), (12, 24, "right"), (23, 24, "trunk"),
    # legs
    (23, 25, "left"), (25, 27, "left"), (27, 29, "left"), (29, 31, "left"), (27, 31, "left"),
    (24, 26, "right"), (26, 28, "right"), (28, 30, "right"), (30, 32, "right"), (28, 32, "right"),
    # arms and hands (thin)
    (11, 13, "arm"), (13, 15, "arm"), (15, 17, "arm"), (15, 19, "arm"), (15, 21, "arm"),
    (17, 19, "arm"), (12, 14, "arm"), (14, 16, "arm"), (16, 18, "arm"), (16, 20, "arm"),
    (16, 22, "arm"), (18, 20, "arm"),
    # face (thin)
    (0, 1, "face"), (1, 2, "face"), (2, 3, "face"), (3, 7, "face"), (0, 4, "face"),
    (4, 5, "face"), (5, 6, "face"), (6, 8, "face"), (9, 10, "face"),
)  # fmt: skip

_GROUP_COLOURS: dict[str, tuple[int, int, int]] = {
    "left": (80, 170, 255),  # subject's left: light blue
    "right": (255, 170, 60),  # subject's right: orange
    "trunk": (235, 235, 235),
    "arm": (200, 200, 200),
    "face": (200, 200, 200),
}
_LOWER_BODY = frozenset({"left", "right", "trunk"})
_WHITE = (255, 255, 255)
_LABEL_BG = (20, 20, 20)
_FONT = cv2.FONT_HERSHEY_SIMPLEX

#: angle label keys -> short on-image names
ANGLE_NAMES: dict[str, str] = {
    "fppa_left": "FPPA L",
    "fppa_right": "FPPA R",
    "pelvic_drop": "Pelvic drop",
    "trunk_lean": "Trunk lean",
    "kasr": "KASR",
}


@dataclass(frozen=True)
class AngleLabel:
    """An angle to write on the frame.

    Attributes
    ----------
    value
        Degrees (or the ratio for ``kasr``); None when not measurable.
    rating
        ``good``/``fair``/``poor`` colours the label and the lines; None = grey.
    status
        ``measured``, ``indicative`` (written with "~", never coloured by a rating) or
        ``not_measurable`` (written as "n/m").
    """

    value: float | None
    rating: str | None = None
    status: str = "measured"

    def text(self, name: str, unit: str = "°") -> str:
        """Return the label text, e.g. ``FPPA L 14.2°`` or ``Pelvic drop ~4.0° (indicative)``."""
        if self.status == "not_measurable" or self.value is None or not np.isfinite(self.value):
            return f"{name} n/m"
        number = f"{self.value:+.1f}°" if unit == "°" else f"{self.value:.2f}"
        if self.status == "indicative":
            return f"{name} ~{number} (ind.)"
        return f"{name} {number}"

    @property
    def colour(self) -> tuple[int, int, int]:
        """RGB colour: the rating's, grey when indicative or unrated."""
        return rating_rgb(self.rating if self.status == "measured" else None)


def _as_label(value: AngleLabel | float | None) -> AngleLabel | None:
    if value is None or isinstance(value, AngleLabel):
        return value
    return AngleLabel(float(value), None)


@dataclass(frozen=True)
class _Scale:
    """Sizes derived from the image size."""

    s: float

    @classmethod
    def of(cls, image: np.ndarray) -> _Scale:
        h, w = image.shape[:2]
        return cls(max(min(h, w) / 360.0, 0.5))

    @property
    def thick(self) -> int:
        return max(2, round(2.5 * self.s))

    @property
    def thin(self) -> int:
        return max(1, round(1.2 * self.s))

    @property
    def radius(self) -> int:
        return max(2, round(3.0 * self.s))

    @property
    def font(self) -> float:
        return 0.42 * self.s

    @property
    def font_thick(self) -> int:
        return max(1, round(1.1 * self.s))


def _pt(p: np.ndarray) -> tuple[int, int]:
    return int(round(float(p[0]))), int(round(float(p[1])))


def _ok(xy: np.ndarray, vis: np.ndarray | None, i: int, min_visibility: float) -> bool:
    if not np.all(np.isfinite(xy[i])):
        return False
    return vis is None or not np.isfinite(vis[i]) or vis[i] >= min_visibility


def _dashed_line(
    img: np.ndarray, a: np.ndarray, b: np.ndarray, colour: tuple[int, int, int], thickness: int
) -> None:
    """Draw a dashed line from ``a`` to ``b`` (OpenCV has none)."""
    length = float(np.hypot(*(b - a)))
    dash = max(4.0, 3.0 * thickness + 3)
    n = max(1, int(length // (2 * dash)))
    for k in range(n + 1):
        t0, t1 = (2 * k * dash) / max(length, 1e-9), ((2 * k + 1) * dash) / max(length, 1e-9)
        if t0 >= 1:
            break
        p0, p1 = a + (b - a) * t0, a + (b - a) * min(t1, 1.0)
        cv2.line(img, _pt(p0), _pt(p1), colour, thickness, cv2.LINE_AA)


def _text_size(text: str, sc: _Scale) -> tuple[int, int, int]:
    """Width, height and baseline of ``text`` (a degree sign counts as a small circle)."""
    plain = text.replace("°", "o")
    (w, h), base = cv2.getTextSize(plain, _FONT, sc.font, sc.font_thick)
    return w, h, base


def put_label(
    img: np.ndarray,
    text: str,
    anchor: tuple[float, float],
    colour: tuple[int, int, int],
    sc: _Scale,
    *,
    align: str = "left",
) -> tuple[int, int, int, int]:
    """Write ``text`` on a dark box at ``anchor`` (box's left or right middle), in place.

    The degree sign, which Hershey fonts lack, is drawn as a small circle. The box is
    kept inside the image. Returns the box ``(x0, y0, x1, y1)``.
    """
    h_img, w_img = img.shape[:2]
    w, h, base = _text_size(text, sc)
    pad = max(2, round(3 * sc.s))
    x0 = anchor[0] - (w + 2 * pad if align == "right" else 0)
    y0 = anchor[1] - (h + base) / 2 - pad
    x0 = int(np.clip(x0, 0, max(0, w_img - w - 2 * pad - 1)))
    y0 = int(np.clip(y0, 0, max(0, h_img - h - base - 2 * pad - 1)))
    x1, y1 = x0 + w + 2 * pad, y0 + h + base + 2 * pad
    roi = img[y0:y1, x0:x1]
    roi[:] = (0.35 * roi + 0.65 * np.array(_LABEL_BG)).astype(np.uint8)
    cv2.rectangle(img, (x0, y0), (x1, y1), colour, max(1, sc.thin), cv2.LINE_AA)
    x, y = x0 + pad, y0 + pad + h
    for k, part in enumerate(text.split("°")):
        if k > 0:  # a degree sign precedes this part
            r = max(1, round(h * 0.17))
            cv2.circle(
                img, (x + r + 1, y - h + r), r, _WHITE, max(1, sc.font_thick // 2 + 1), cv2.LINE_AA
            )
            x += 2 * r + 3
        if part:
            cv2.putText(img, part, (x, y), _FONT, sc.font, _WHITE, sc.font_thick, cv2.LINE_AA)
            x += cv2.getTextSize(part, _FONT, sc.font, sc.font_thick)[0][0]
    return x0, y0, x1, y1


def draw_skeleton(
    image: np.ndarray,
    landmarks_xy: np.ndarray,
    visibility: np.ndarray | None = None,
    *,
    angles: Mapping[str, AngleLabel | float | None] | None = None,
    stance: str | None = None,
    min_visibility: float = 0.5,
) -> np.ndarray:
    """Return a copy of ``image`` with the skeleton, measurement lines and angle labels.

    Drawn: the BlazePose skeleton (legs and trunk thick, subject's left blue, right
    orange; arms and face thin); the hip line with a dashed horizontal reference
    (pelvic drop); the trunk line mid-hip to mid-shoulder with a dashed vertical
    reference (trunk lean); and, for the stance limb (both limbs if ``stance`` is None),
    hip-knee-ankle lines with the dashed hip-ankle line (FPPA). Lines and labels take
    the colour of the rating in ``angles``.

    Parameters
    ----------
    image
        ``H x W x 3`` uint8 RGB.
    landmarks_xy
        ``(33, 2)`` BlazePose pixels; NaN rows are skipped.
    visibility
        ``(33,)`` visibility; landmarks below ``min_visibility`` are skipped.
    angles
        ``fppa_left``, ``fppa_right``, ``pelvic_drop``, ``trunk_lean`` (and ``kasr``)
        mapped to an :class:`AngleLabel` or a plain number (drawn unrated).
    stance
        ``left``/``right`` stance limb for single-leg tasks, None for both.
    min_visibility
        Landmarks with a lower visibility are not drawn (nor lines through them).

    Returns
    -------
    numpy.ndarray
        The annotated copy.
    """
    img = np.ascontiguousarray(image, dtype=np.uint8).copy()
    xy = np.asarray(landmarks_xy, dtype=float)
    vis = None if visibility is None else np.asarray(visibility, dtype=float)
    sc = _Scale.of(img)
    labels = {k: _as_label(v) for k, v in (angles or {}).items()}

    def ok(i: int) -> bool:
        return _ok(xy, vis, i, min_visibility)

    for a, b, group in _SEGMENTS:
        if ok(a) and ok(b):
            width = sc.thick if group in _LOWER_BODY else sc.thin
            cv2.line(img, _pt(xy[a]), _pt(xy[b]), _GROUP_COLOURS[group], width, cv2.LINE_AA)

    _draw_pelvis_and_trunk(img, xy, ok, labels, sc, stance)
    limbs = (stance,) if stance in ("left", "right") else ("left", "right")
    for limb in limbs:
        _draw_fppa(img, xy, ok, labels.get(f"fppa_{limb}"), limb, sc)

    for i in range(xy.shape[0]):
        if ok(i) and i >= int(LM.LEFT_SHOULDER):
            cv2.circle(img, _pt(xy[i]), sc.radius, _WHITE, -1, cv2.LINE_AA)
            cv2.circle(img, _pt(xy[i]), sc.radius, (40, 40, 40), 1, cv2.LINE_AA)
    return img


def _mid(xy: np.ndarray, a: int, b: int) -> np.ndarray:
    return 0.5 * (xy[a] + xy[b])


def _draw_pelvis_and_trunk(
    img: np.ndarray,
    xy: np.ndarray,
    ok,
    labels: dict[str, AngleLabel | None],
    sc: _Scale,
    stance: str | None,
) -> None:
    lh, rh, ls, rs = (
        int(LM.LEFT_HIP),
        int(LM.RIGHT_HIP),
        int(LM.LEFT_SHOULDER),
        int(LM.RIGHT_SHOULDER),
    )
    if not (ok(lh) and ok(rh)):
        return
    hip_width = float(np.hypot(*(xy[lh] - xy[rh])))
    pelvic = labels.get("pelvic_drop")
    colour = pelvic.colour if pelvic else _WHITE
    cv2.line(img, _pt(xy[lh]), _pt(xy[rh]), colour, sc.thick + 1, cv2.LINE_AA)
    # horizontal reference through the stance hip (or the pelvis centre)
    pivot = xy[SIDE_LANDMARKS[stance]["hip"]] if stance in ("left", "right") else _mid(xy, lh, rh)
    half = np.array([0.75 * hip_width, 0.0])
    _dashed_line(img, pivot - half, pivot + half, _WHITE, sc.thin)
    mid_hip = _mid(xy, lh, rh)
    # labels go outside the non-stance hip; the stance knee's FPPA label is on the other side
    outward = _outward(xy, stance, lh, rh)
    if pelvic is not None:
        x = (
            xy[lh][0] if outward * (xy[lh][0] - xy[rh][0]) > 0 else xy[rh][0]
        ) + outward * 0.5 * hip_width
        put_label(img, pelvic.text(ANGLE_NAMES["pelvic_drop"]), (x, mid_hip[1] + 10 * sc.s),
                  pelvic.colour, sc, align="right" if outward < 0 else "left")  # fmt: skip
    if ok(ls) and ok(rs):
        mid_sh = _mid(xy, ls, rs)
        trunk = labels.get("trunk_lean")
        colour = trunk.colour if trunk else _WHITE
        cv2.line(img, _pt(mid_hip), _pt(mid_sh), colour, sc.thick, cv2.LINE_AA)
        length = float(np.hypot(*(mid_sh - mid_hip)))
        _dashed_line(img, mid_hip, mid_hip - np.array([0.0, length]), _WHITE, sc.thin)
        if trunk is not None:
            x = (
                xy[ls][0] if outward * (xy[ls][0] - xy[rs][0]) > 0 else xy[rs][0]
            ) + outward * 0.3 * hip_width
            put_label(img, trunk.text(ANGLE_NAMES["trunk_lean"]), (x, mid_sh[1] - 14 * sc.s),
                      trunk.colour, sc, align="right" if outward < 0 else "left")  # fmt: skip


def _outward(xy: np.ndarray, stance: str | None, lh: int, rh: int) -> float:
    """Image x direction (+1/-1) from the pelvis toward the non-stance side (left if none)."""
    if stance not in ("left", "right"):
        return -1.0
    stance_hip = xy[lh] if stance == "left" else xy[rh]
    other_hip = xy[rh] if stance == "left" else xy[lh]
    return float(np.sign(other_hip[0] - stance_hip[0])) or -1.0


def _draw_fppa(
    img: np.ndarray, xy: np.ndarray, ok, label: AngleLabel | None, limb: str, sc: _Scale
) -> None:
    idx = SIDE_LANDMARKS[limb]
    hip, knee, ankle = idx["hip"], idx["knee"], idx["ankle"]
    if not (ok(hip) and ok(knee) and ok(ankle)):
        return
    colour = label.colour if label else _GROUP_COLOURS[limb]
    _dashed_line(img, xy[hip], xy[ankle], _WHITE, sc.thin)
    cv2.line(img, _pt(xy[hip]), _pt(xy[knee]), colour, sc.thick + 1, cv2.LINE_AA)
    cv2.line(img, _pt(xy[knee]), _pt(xy[ankle]), colour, sc.thick + 1, cv2.LINE_AA)
    if label is None:
        return
    other = SIDE_LANDMARKS[other_side(limb)]["hip"]
    # lateral = away from the other hip, so the two knees' labels never collide
    lateral = np.sign(xy[hip][0] - xy[other][0]) if ok(other) else (1.0 if limb == "left" else -1.0)
    anchor = (xy[knee][0] + lateral * 14 * sc.s, xy[knee][1])
    put_label(img, label.text(ANGLE_NAMES[f"fppa_{limb}"]), anchor, label.colour, sc,
              align="left" if lateral >= 0 else "right")  # fmt: skip


def angles_from_rep(rep: Rep) -> dict[str, AngleLabel]:
    """Return the angle labels of a rep: headline values (baseline-relative, at the bottom)."""
    out: dict[str, AngleLabel] = {}
    for limb, mv in rep.metrics.get("knee_valgus_deg", {}).items():
        if limb in ("left", "right"):
            out[f"fppa_{limb}"] = AngleLabel(mv.value, mv.rating, mv.status)
    for metric, key in (("pelvic_drop_deg", "pelvic_drop"), ("trunk_lean_deg", "trunk_lean")):
        value = rep.metric(metric)
        if value is not None:
            out[key] = AngleLabel(value.value, value.rating, value.status)
    return out


def caption_bar(image: np.ndarray, text: str, *, bottom: bool = False) -> np.ndarray:
    """Return a copy of ``image`` with ``text`` on a dark bar across the top (or bottom)."""
    img = np.ascontiguousarray(image, dtype=np.uint8).copy()
    sc = _Scale.of(img)
    w, h, base = _text_size(text, sc)
    if w > img.shape[1] - 12 * sc.s:  # shrink the text to fit the width
        sc = _Scale(sc.s * (img.shape[1] - 12 * sc.s) / w)
        w, h, base = _text_size(text, sc)
    bar = h + base + round(8 * sc.s)
    top = img.shape[0] - bar if bottom else 0
    img[top : top + bar] = (0.3 * img[top : top + bar]).astype(np.uint8)
    x, y = round(6 * sc.s), top + round(4 * sc.s) + h
    for k, part in enumerate(text.split("°")):
        if k > 0:
            r = max(1, round(h * 0.17))
            cv2.circle(img, (x + r + 1, y - h + r), r, _WHITE, 1, cv2.LINE_AA)
            x += 2 * r + 3
        cv2.putText(img, part, (x, y), _FONT, sc.font, _WHITE, sc.font_thick, cv2.LINE_AA)
        x += cv2.getTextSize(part, _FONT, sc.font, sc.font_thick)[0][0]
    return img


def key_frame(
    image: np.ndarray,
    landmarks: LandmarkSeries | np.ndarray,
    rep: Rep,
    assessment: Assessment | None = None,
) -> np.ndarray:
    """Return the key frame of ``rep``: skeleton, lines and the rep's rated angles.

    Parameters
    ----------
    image
        The decoded (upright, RGB) frame at ``rep.bottom_frame``.
    landmarks
        The clip's :class:`LandmarkSeries` (row ``rep.bottom_frame`` is used) or the
        ``(33, 2)`` pixel landmarks of that frame.
    rep
        The repetition (usually :func:`hipcheck.reports.metrics.worst_rep`).
    assessment
        Gives the task name for the caption; optional.
    """
    if isinstance(landmarks, LandmarkSeries):
        row = int(np.clip(rep.bottom_frame, 0, landmarks.n_frames - 1))
        xy, vis = landmarks.xy[row], landmarks.visibility[row]
    else:
        xy, vis = np.asarray(landmarks, dtype=float), None
    stance = rep.side if rep.side in ("left", "right") else None
    img = draw_skeleton(image, xy, vis, angles=angles_from_rep(rep), stance=stance)
    side = f"{rep.side} stance" if stance else "both legs"
    task = (assessment.task.replace("_", " ").capitalize() + ": ") if assessment is not None else ""
    caption = f"{task}rep {rep.index}, {side}, bottom at {rep.bottom_s:.2f} s"
    fppa = rep.metric("knee_valgus_deg", rep.side) if stance else None
    if fppa is not None and fppa.read_s is not None and fppa.shown:
        caption += f" (knee valgus read at {fppa.read_s:.2f} s, on the way down)"
    return caption_bar(img, caption)
