"""The marker confirmation rule on built scenes, standing-frame choice, and the pass's cost.

Each scene is a drawn standing person (shirt, trousers, skin, shoes on a wall and floor)
with known landmarks and whatever saturated patches a case needs: real discs at the
marker sites, a lone logo, a saturated shirt, discs at the wrong places. Only discs at
the right places may be confirmed. No pose model, no shared data.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import cv2
import numpy as np
import pytest

from hipcheck.config import AnalysisConfig
from hipcheck.landmarks import LM, LandmarkSeries
from hipcheck.markers import marker_pass, markers_for_series
from hipcheck.markers.confirm import MIN_SITES, confirm_marker_set, disc_like
from hipcheck.markers.detect import DISC_DIAMETER_PER_LEG, PRESETS, detect_blobs
from hipcheck.markers.frames import (
    MIN_DISC_PX,
    WORK_DISC_PX,
    body_scale_px,
    standing_crops,
    standing_frames,
    working_scale,
)
from hipcheck.markers.identify import (
    ASIS_LATERAL_PER_LEG,
    ASIS_UP_PER_LEG,
    SITES,
)

GREEN = (40, 250, 60)
ORANGE = (250, 120, 20)
SHIRT, TROUSERS, SKIN, SHOES = (40, 80, 170), (40, 60, 110), (200, 150, 120), (30, 30, 30)
WALL, FLOOR = (205, 200, 190), (150, 120, 90)


@dataclass
class Scene:
    """A standing person in a ``size`` frame; joints in pixels (subject's left = image right)."""

    size: tuple[int, int] = (720, 1280)
    leg: float = 400.0
    n: int = 8
    fps: float = 10.0
    discs: Callable[[Scene, int], list[tuple[np.ndarray, float, tuple[int, int, int]]]] | None = (
        None
    )
    shirt: tuple[int, int, int] = SHIRT
    extra: Callable[[np.ndarray, Scene, int], None] | None = None
    seed: int = 3
    sway_px: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        rng = np.random.default_rng(self.seed)
        self.sway_px = rng.uniform(-1.5, 1.5, size=(self.n, 2))  # quiet standing

    def joints(self, i: int) -> dict[str, np.ndarray]:
        """Joint centres of frame ``i``, pixels."""
        k = self.leg / 400.0
        cx, w, h = self.size[0] / 2, self.size[0], self.size[1]
        hip_y = h * 0.5
        base = {
            "left_shoulder": (cx + 85 * k, hip_y - 240 * k),
            "right_shoulder": (cx - 85 * k, hip_y - 240 * k),
            "left_hip": (cx + 45 * k, hip_y),
            "right_hip": (cx - 45 * k, hip_y),
            "left_knee": (cx + 47 * k, hip_y + 200 * k),
            "right_knee": (cx - 47 * k, hip_y + 200 * k),
            "left_ankle": (cx + 48 * k, hip_y + 400 * k),
            "right_ankle": (cx - 48 * k, hip_y + 400 * k),
        }
        assert hip_y + 420 * k < h and cx + 200 * k < w
        return {name: np.asarray(p) + self.sway_px[i] for name, p in base.items()}

    def sites(self, i: int) -> dict[str, np.ndarray]:
        """True marker centres of frame ``i`` (ASIS above and lateral of the hip joint)."""
        j = self.joints(i)
        up = np.array([0.0, -ASIS_UP_PER_LEG * self.leg])
        lat = np.array([ASIS_LATERAL_PER_LEG * self.leg, 0.0])
        return {
            "asis_left": j["left_hip"] + up + lat,
            "asis_right": j["right_hip"] + up - lat,
            "patella_left": j["left_knee"],
            "patella_right": j["right_knee"],
            "ankle_left": j["left_ankle"],
            "ankle_right": j["right_ankle"],
            "sternum": (j["left_shoulder"] + j["right_shoulder"]) / 2,
        }

    @property
    def disc_radius(self) -> float:
        return DISC_DIAMETER_PER_LEG * self.leg / 2

    def image(self, i: int) -> np.ndarray:
        """Frame ``i``, RGB."""
        w, h = self.size
        k = self.leg / 400.0
        img = np.empty((h, w, 3), np.uint8)
        img[:] = WALL
        j = self.joints(i)
        floor_y = int(j["left_ankle"][1] + 20 * k)
        img[floor_y:] = FLOOR

        def pt(p: np.ndarray) -> tuple[int, int]:
            return round(float(p[0])), round(float(p[1]))

        for side in ("left", "right"):  # legs: thigh and shank as thick lines
            cv2.line(img, pt(j[f"{side}_hip"]), pt(j[f"{side}_knee"]), TROUSERS, int(44 * k))
            cv2.line(img, pt(j[f"{side}_knee"]), pt(j[f"{side}_ankle"]), TROUSERS, int(36 * k))
            cv2.ellipse(img, pt(j[f"{side}_ankle"] + [0, 14 * k]), (int(22 * k), int(12 * k)), 0, 0, 360, SHOES, -1)  # fmt: skip
        torso = np.array(
            [
                j["left_shoulder"] + [12 * k, 0],
                j["right_shoulder"] - [12 * k, 0],
                j["right_hip"] - [30 * k, -10 * k],
                j["left_hip"] + [30 * k, 10 * k],
            ]
        )
        cv2.fillPoly(img, [np.round(torso).astype(np.int32)], self.shirt)
        head = (j["left_shoulder"] + j["right_shoulder"]) / 2 - [0, 70 * k]
        cv2.circle(img, pt(head), int(45 * k), SKIN, -1)
        for side in ("left", "right"):  # hands on hips
            cv2.circle(img, pt(j[f"{side}_hip"] + [(1 if side == "left" else -1) * 62 * k, -20 * k]), int(14 * k), SKIN, -1)  # fmt: skip
        if self.extra is not None:
            self.extra(img, self, i)
        for centre, radius, colour in self.discs(self, i) if self.discs else []:
            cv2.circle(img, pt(centre), max(1, round(radius * 1.15)), (30, 30, 30), -1, cv2.LINE_AA)
            cv2.circle(img, pt(centre), max(1, round(radius)), colour, -1, cv2.LINE_AA)
        noise = np.random.default_rng([self.seed, i]).normal(0, 2.0, img.shape)
        return np.clip(img + noise, 0, 255).astype(np.uint8)

    def series(self) -> LandmarkSeries:
        """Landmarks of the scene (what a pose model would give, a few pixels off)."""
        w, h = self.size
        s = LandmarkSeries.empty(self.n, (w, h), model="scene", source="built scene")
        s.t_s = np.arange(self.n) / self.fps
        xy = np.full((self.n, 33, 2), np.nan, np.float32)
        off = {"hip": (3, -5), "knee": (-2, 3), "ankle": (2, -3), "shoulder": (0, 4)}
        for i in range(self.n):
            for name, p in self.joints(i).items():
                side, joint = name.split("_")
                xy[i, LM[f"{side.upper()}_{joint.upper()}"]] = p + np.asarray(off[joint])
        s.xy = xy
        s.visibility = np.where(np.isfinite(xy[..., 0]), 0.95, np.nan).astype(np.float32)
        return s


def _at_sites(colour=GREEN, skip=(), scale_of=None):  # noqa: ANN001, ANN202
    """Discs at the marker sites (optionally leaving some out or resizing some)."""

    def discs(scene: Scene, i: int):  # noqa: ANN202
        out = []
        for name, c in scene.sites(i).items():
            if name in skip:
                continue
            r = scene.disc_radius * (scale_of(name) if scale_of else 1.0)
            out.append((c, r, colour(name) if callable(colour) else colour))
        return out

    return discs


def _verdict(scene: Scene):  # noqa: ANN202
    """The marker pass (markers auto) on the scene; its confirmation summary."""
    series = scene.series()
    images = [scene.image(i) for i in range(scene.n)]
    result = markers_for_series(images, series, AnalysisConfig(markers="auto"))
    return result.summary.get("confirmation"), result


def test_discs_at_the_sites_are_confirmed() -> None:
    best, result = _verdict(Scene(discs=_at_sites()))
    assert best is not None and best["confirmed"], best and best["reason"]
    assert best["colour"]["name"] == "green" and set(best["sites"]) == set(SITES)
    assert result.summary["used"] is True and result.angles is not None
    # the tracked centres are the drawn ones
    scene = Scene(discs=_at_sites())
    # (a disc drawn at pixel (x, y) is centred at (x + 0.5, y + 0.5): pixel corners at 0)
    truth = np.round([[scene.sites(i)[s] for s in SITES] for i in range(scene.n)]) + 0.5
    assert np.nanmax(np.linalg.norm(result.tracks.xy - truth, axis=2)) < 0.5


def _logo(img: np.ndarray, scene: Scene, i: int) -> None:
    """A saturated green logo on the shirt, where one ASIS marker would be."""
    c = scene.sites(i)["asis_left"]
    cv2.circle(img, (round(c[0]), round(c[1])), round(scene.disc_radius), GREEN, -1)


def _big_logo(img: np.ndarray, scene: Scene, i: int) -> None:
    """A saturated green patch on the chest, three discs wide."""
    c = scene.sites(i)["sternum"] + [0, 60]
    cv2.circle(img, (round(c[0]), round(c[1])), round(3 * scene.disc_radius), GREEN, -1)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(Scene(extra=_logo), id="lone disc-sized logo at an ASIS"),
        pytest.param(Scene(extra=_big_logo), id="lone saturated patch on the chest"),
        pytest.param(Scene(shirt=GREEN), id="saturated green shirt"),
        pytest.param(Scene(shirt=(250, 130, 20)), id="saturated orange shirt"),
        pytest.param(
            Scene(
                discs=lambda s, i: [
                    (c + [0.3 * s.leg, 0], r, col) for c, r, col in _at_sites()(s, i)
                ]
            ),  # fmt: skip
            id="seven discs shifted off the sites",
        ),
        pytest.param(
            Scene(
                discs=lambda s, i: [
                    (c + [0, -0.5 * s.leg], r, col) for c, r, col in _at_sites()(s, i)
                ]
            ),  # fmt: skip
            id="seven discs on the body at the wrong places",
        ),
        pytest.param(
            Scene(discs=_at_sites(skip=("patella_left", "patella_right", "ankle_left"))),
            id="four discs only",
        ),
        pytest.param(
            Scene(discs=_at_sites(colour=lambda n: GREEN if n.endswith("left") else ORANGE)),
            id="two colours",
        ),
        pytest.param(
            Scene(discs=_at_sites(scale_of=lambda n: 1.7 if n.startswith("asis") else 0.6)),
            id="two sizes",
        ),
        pytest.param(
            Scene(discs=lambda s, i: _at_sites()(s, i) if i % 2 else []),
            id="discs in half of the standing frames",
        ),
    ],
)
def test_look_alikes_are_not_confirmed(case: Scene) -> None:
    best, result = _verdict(case)
    assert best is not None and not best["confirmed"]
    assert result.angles is None and result.summary["used"] is False
    reason = result.summary["reason"]
    assert reason.startswith("no markers found: ") and len(reason) > 30


def test_reason_names_the_failed_check() -> None:
    _, lone = _verdict(Scene(extra=_logo))
    assert (
        "only 0 of the 7" in lone.summary["reason"] or "only 1 of the 7" in lone.summary["reason"]
    )
    _, sizes = _verdict(
        Scene(discs=_at_sites(scale_of=lambda n: 1.6 if n.startswith("asis") else 0.75))
    )
    assert "size" in sizes.summary["reason"]


def test_a_set_needs_min_sites_with_both_asis() -> None:
    leg = 400.0
    for skip, ok in (
        ((), True),
        (("sternum", "ankle_left"), True),  # 5 sites, both ASIS
        (("sternum", "ankle_left", "ankle_right"), False),  # 4 sites
        (("asis_left",), False),  # 6 sites, one ASIS
    ):
        scene = Scene(discs=_at_sites(skip=skip))
        series = scene.series()
        crops = standing_crops(
            [scene.image(i) for i in range(scene.n)], range(scene.n), series.xy, leg
        )
        verdict = confirm_marker_set(crops, body_scale_px(series), PRESETS["green"])
        assert verdict.confirmed is ok, (skip, verdict.reason)
        assert (len(verdict.sites) >= MIN_SITES) or not ok


def test_blob_facts_known_shapes() -> None:
    """Fill, aspect and surround of drawn shapes (the disc-likeness inputs)."""
    img = np.full((200, 400, 3), 200, np.uint8)
    cv2.circle(img, (40, 40), 12, GREEN, -1)  # a disc on grey
    cv2.ellipse(img, (120, 40), (24, 8), 30, 0, 360, GREEN, -1)  # a 3:1 ellipse, tilted
    cv2.circle(img, (200, 40), 14, GREEN, 3)  # a ring
    cv2.rectangle(img, (250, 100), (390, 190), (95, 200, 105), -1)  # green cloth, less saturated
    cv2.circle(img, (320, 145), 12, GREEN, -1)  # a disc on it: same hue all around
    blobs = detect_blobs(img, PRESETS["green"])
    by_x = {round(float(x) / 40): i for i, x in enumerate(blobs.xy[:, 0])}
    disc, ellipse, ring, on_cloth = (by_x[k] for k in (1, 3, 5, 8))
    assert blobs.fill[disc] == pytest.approx(1.0, abs=0.05)
    assert blobs.aspect[disc] == pytest.approx(1.0, abs=0.05)
    assert blobs.surround[disc] == 0.0
    assert blobs.aspect[ellipse] == pytest.approx(3.0, abs=0.2)  # whatever its tilt
    assert blobs.fill[ellipse] == pytest.approx(1.0, abs=0.05)
    assert blobs.fill[ring] < 0.5
    assert blobs.surround[on_cloth] > 0.9  # the colour continues around it
    assert blobs.hue[disc] == pytest.approx(blobs.hue[on_cloth], abs=1)
    assert disc_like(blobs, leg_length_px=24 / DISC_DIAMETER_PER_LEG).tolist() == [
        i == disc for i in range(len(blobs))
    ]


# --- standing frames -------------------------------------------------------------------


def test_standing_frames_skip_a_rep_under_way_at_the_start() -> None:
    """A clip that starts at the bottom of a squat: standing frames come after it."""
    scene = Scene(n=40, fps=30.0)
    series = scene.series()
    t = series.t_s
    # pelvis and knees go down 0.15 leg lengths over the first 0.6 s, then stand
    dip = np.clip(1 - t / 0.6, 0, 1) * 0.15 * scene.leg
    for lm in (LM.LEFT_HIP, LM.RIGHT_HIP, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER):
        series.xy[:, lm, 1] += dip.astype(np.float32)
    for lm in (LM.LEFT_KNEE, LM.RIGHT_KNEE):  # knees forward and out: bent in 2D
        series.xy[:, lm, 0] += (np.sign(series.xy[:, lm, 0] - 360) * dip * 0.8).astype(np.float32)
        series.xy[:, lm, 1] += (dip * 0.5).astype(np.float32)
    picked = standing_frames(series)
    assert len(picked) >= 3
    assert t[picked].min() >= 0.6 * (1 - 0.08 / 0.15) - 1e-9  # pelvis within 0.08 L of the top
    assert np.all(np.diff(t[picked]) >= 0.1 - 1e-9)


def test_standing_frames_need_visible_legs() -> None:
    series = Scene(n=20).series()
    series.visibility[:, LM.LEFT_ANKLE] = 0.2
    assert len(standing_frames(series)) == 0
    result = markers_for_series([], series, AnalysisConfig())
    assert result.summary["used"] is False and "standing" in result.summary["reason"]


def test_working_scale_known_values() -> None:
    leg = 2000.0  # a 4K frame filled by the person: a disc is 56 px across
    disc = DISC_DIAMETER_PER_LEG * leg
    assert disc // WORK_DISC_PX == 3
    assert working_scale(leg, 4000) == pytest.approx(1 / 3)  # whole factors only
    # --max-side is honoured down to the smallest disc the checks can read
    assert working_scale(leg, 4000, max_side=1000) == pytest.approx(1 / 4)
    assert disc // MIN_DISC_PX == 6
    assert working_scale(leg, 4000, max_side=500) == pytest.approx(1 / 6)
    assert working_scale(leg, 4000, max_side=3000) == pytest.approx(1 / 3)
    assert working_scale(300.0, 640) == 1.0  # small discs are never shrunk
    assert working_scale(300.0, 640, max_side=320) == 1.0
    assert working_scale(700.0, 1920) == 1.0  # 20 px discs: 1.25 x the target is kept


# --- cost: streaming, bounded memory, early stop ----------------------------------------


class _LiveFrames:
    """A frame source that draws frames on demand and counts how many are alive at once."""

    def __init__(self, scene: Scene, n: int) -> None:
        self.scene, self.n = scene, n
        self.alive = self.peak = self.made = 0
        self.sizes: list[int | None] = []
        self._cache: dict[tuple[int, int | None], np.ndarray] = {}

    def _dead(self) -> None:
        self.alive -= 1

    def __call__(self, max_side: int | None) -> Iterator[np.ndarray]:
        self.sizes.append(max_side)
        w, h = self.scene.size
        s = 1.0 if max_side is None else max_side / max(w, h)
        small = replace(self.scene, size=(round(w * s), round(h * s)), leg=self.scene.leg * s)
        small.sway_px = self.scene.sway_px * s  # the same scene, drawn at the asked size
        self.drawn = small
        for i in range(self.n):
            k = i % self.scene.n
            if (k, max_side) not in self._cache:  # draw each pose once per size
                self._cache[k, max_side] = small.image(k)
            frame = self._cache[k, max_side].copy()
            self.made += 1
            self.alive += 1
            self.peak = max(self.peak, self.alive)
            weakref.finalize(frame, self._dead)
            yield frame
            del frame


def _long_series(scene: Scene, n: int) -> LandmarkSeries:
    """Landmarks of ``n`` frames cycling through the scene's poses."""
    base = scene.series()
    s = LandmarkSeries.empty(n, scene.size, model="scene", source="built scene")
    s.t_s = np.arange(n) / 30.0
    s.xy = base.xy[np.arange(n) % scene.n]
    s.visibility = base.visibility[np.arange(n) % scene.n]
    return s


@pytest.mark.parametrize("with_markers", [False, True])
def test_marker_pass_streams_with_bounded_memory(with_markers: bool) -> None:
    # a 2400x4000 frame with the person filling it: a disc is 50 px across at full size
    scene = Scene(size=(2400, 4000), leg=1800.0, discs=_at_sites() if with_markers else None)
    n = 60
    source = _LiveFrames(scene, n)
    result = marker_pass(source, _long_series(scene, n), AnalysisConfig())
    # never more than a few frames alive at once (the one being read and the first one)
    assert source.peak <= 3
    # frames shrunk to the working scale, never decoded at 4000 px
    assert all(m is not None and m < 4000 for m in source.sizes)
    standing = result.summary["standing_frames"]
    if with_markers:
        assert result.summary["used"] is True
        assert source.sizes == [source.sizes[0]] * 2  # confirmation pass, tracking pass
        assert result.summary["frames_read"] == standing[-1] + 1 + n
        assert result.tracks is not None and result.tracks.xy.shape == (n, 7, 2)
        # the centres come back in full-size pixels
        small = source.drawn  # the discs were drawn at the working scale, at pixel centres
        scale = np.array(small.size) / np.array(scene.size)
        drawn = np.round([small.sites(i % scene.n)["asis_left"] for i in range(n)]) + 0.5
        err = np.linalg.norm(result.tracks.site("asis_left") - drawn / scale, axis=1)
        assert np.nanmax(err) < 0.5  # full-size pixels (0.16 working pixels)
    else:
        assert result.summary["used"] is False
        assert len(source.sizes) == 1  # no second pass
        assert result.summary["frames_read"] == standing[-1] + 1 < n  # stopped early
