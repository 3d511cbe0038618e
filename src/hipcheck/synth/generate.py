"""Render synthetic clips and their truth.

Entry points: :class:`ClipSpec`, :func:`render_frames`, :func:`generate_clip`.

Coordinates in the truth are display pixels of the upright frame (after mirroring),
in OpenCV's pixel-index convention (pixel ``i`` spans ``[i - 0.5, i + 0.5]``), x
right, y down. Rotation metadata only changes how pixels are stored in the file.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import cv2
import numpy as np

from hipcheck.model import TASKS
from hipcheck.synth.figure import MARKERS, TRUTH_JOINTS, Body, marker_positions, solve_pose
from hipcheck.synth.motion import Timeline, build_timeline
from hipcheck.synth.render import (
    MARKER_RGB,
    RGB,
    Appearance,
    draw_background,
    draw_box,
    draw_figure,
    draw_markers,
    finish,
    sample_appearance,
)
from hipcheck.synth.truth import Truth, build_truth, truth_path

#: default depth (pelvis descent / leg length) per task
DEFAULT_DEPTH: dict[str, float] = {
    "single_leg_squat": 0.15,
    "step_down": 0.2,
    "double_leg_squat": 0.3,
}
FLOOR_ROW = 0.94  # floor line, fraction of the frame height
TOP_MARGIN = 0.04  # free space above the head, fraction of the frame height
#: largest frame side (px): 4K phone video is 3840x2160. A frame is drawn at
#: ``supersample`` x this size, so 20000x20000 would need tens of GB before the first
#: frame; the limit keeps a clip within a few hundred MB.
MAX_SIZE = 4096
#: highest frame rate (phones film slow motion at 240 fps)
MAX_FPS = 240.0
#: most repetitions in one clip (a set is 3-15; 100 is far beyond any protocol)
MAX_REPS = 100
#: longest clip (s): the motion plan holds a few arrays per frame, so the length is
#: bounded like the size (10 minutes is far beyond any protocol)
MAX_DURATION_S = 600.0


@dataclass(frozen=True)
class ClipSpec:
    """Everything that defines a synthetic clip (with the seed).

    Targets are the peak values at each rep's bottom (project sign conventions:
    ``fppa_deg`` + = valgus, ``pelvic_drop_deg`` + = non-stance side lower,
    ``trunk_lean_deg`` + = toward the stance side; ``depth`` = pelvis descent /
    leg length, default per task). ``jitter`` varies them per rep (relative SD).

    Video: ``fps`` nominal frame rate; ``vfr`` jitters timestamps (+-30 % of a frame);
    ``size`` display (width, height); ``rotation`` clockwise degrees a player must
    rotate the stored pixels (stored as metadata); ``mirrored`` flips the image
    horizontally (selfie view). ``markers`` draws skin markers.

    Appearance: ``appearance`` fields given here override the seeded random draw
    (``arms``, ``background`` = ``plain``/``textured``, ``noise_sigma``,
    ``blur_sigma``, ``jpeg_quality``).
    """

    task: str = "single_leg_squat"
    side: str = "left"
    reps: int = 5
    fppa_deg: float = 0.0
    pelvic_drop_deg: float = 0.0
    trunk_lean_deg: float = 0.0
    depth: float | None = None
    tempo_s: float = 2.0
    pause_s: float = 0.2
    pause_top_s: float = 0.4
    baseline_s: float = 1.5
    setup_steps: int = 0
    end_s: float = 0.6
    jitter: float = 0.1
    free_leg: str = "forward"
    box_height: float = 0.1
    fps: float = 30.0
    vfr: bool = False
    size: tuple[int, int] = (480, 640)
    rotation: int = 0
    mirrored: bool = False
    markers: bool = False
    marker_rgb: tuple[int, int, int] = MARKER_RGB
    yaw_deg: float = 0.0
    arms: str = "crossed"
    background: str | None = None
    noise_sigma: float | None = None
    blur_sigma: float | None = None
    jpeg_quality: int | None = None
    supersample: int = 2
    crf: int = 23
    appearance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = []
        if self.task not in TASKS:
            problems.append(f"task must be one of {TASKS}, got {self.task!r}")
        if self.task != "double_leg_squat" and self.side not in ("left", "right"):
            problems.append(f"side must be 'left' or 'right', got {self.side!r}")
        if not 0 <= self.reps <= MAX_REPS:
            problems.append(f"reps must be 0-{MAX_REPS}")
        if self.rotation % 90:
            problems.append("rotation must be a multiple of 90")
        if not 0 < self.fps <= MAX_FPS:
            problems.append(f"fps must be above 0 and at most {MAX_FPS:g}")
        if self.free_leg not in ("forward", "back"):
            problems.append("free_leg must be 'forward' or 'back'")
        if self.background not in (None, "plain", "textured"):
            problems.append("background must be 'plain', 'textured' or None")
        if min(self.size) < 32:
            problems.append("size must be at least 32x32")
        if max(self.size) > MAX_SIZE:
            problems.append(f"size must be at most {MAX_SIZE}x{MAX_SIZE} (4K video is 3840x2160)")
        times = (self.tempo_s, self.pause_s, self.pause_top_s, self.baseline_s, self.end_s)
        if not all(math.isfinite(t) and t >= 0 for t in times):
            problems.append("tempo and pause times must be finite and >= 0")
        else:
            longest = (
                self.baseline_s
                + self.end_s
                + max(self.reps, 1) * (self.tempo_s + self.pause_s + self.pause_top_s + 2.0)
            )
            if longest > MAX_DURATION_S:
                problems.append(f"the clip would last over {MAX_DURATION_S:g} s")
        if problems:
            raise ValueError("Invalid ClipSpec: " + "; ".join(problems) + ".")

    @property
    def stance(self) -> str:
        """Stance side of the reps (``both`` for a double-leg squat)."""
        return "both" if self.task == "double_leg_squat" else self.side

    @property
    def target_depth(self) -> float:
        """Requested depth (default per task)."""
        return DEFAULT_DEPTH[self.task] if self.depth is None else float(self.depth)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        d = asdict(self)
        d["size"] = list(self.size)
        d["marker_rgb"] = list(self.marker_rgb)
        return d


@dataclass
class FrameTruth:
    """Truth of one rendered frame (display pixels, subject's sides)."""

    t_s: float
    phase: str
    rep: int | None
    joints: dict[str, np.ndarray]
    markers: dict[str, np.ndarray]


@dataclass
class _Scene:
    spec: ClipSpec
    app: Appearance
    body: Body
    centre_x: float
    floor_y: float
    support_h: float
    background: np.ndarray
    timeline: Timeline
    times: np.ndarray
    noise_rng: np.random.Generator


def _appearance(spec: ClipSpec, rng: np.random.Generator) -> Appearance:
    overrides: dict[str, Any] = dict(spec.appearance)
    overrides.setdefault("arms", spec.arms)
    for name in ("noise_sigma", "blur_sigma", "jpeg_quality"):
        if getattr(spec, name) is not None:
            overrides[name] = getattr(spec, name)
    app = sample_appearance(rng, **overrides)
    if spec.background == "plain":
        app = replace(app, wall_texture="plain", floor_texture="plain")
    elif spec.background == "textured" and app.wall_texture == "plain":
        app = replace(app, wall_texture="tiles", floor_texture="planks")
    return app


def frame_times(spec: ClipSpec, duration_s: float, rng: np.random.Generator) -> np.ndarray:
    """Presentation times (s): ``i / fps``, jittered by up to +-30 % of a frame if VFR."""
    n = int(math.floor(duration_s * spec.fps)) + 1
    t = np.arange(n) / spec.fps
    if spec.vfr and n > 1:
        t[1:] += rng.uniform(-0.3, 0.3, n - 1) / spec.fps
    return t


def _scene(spec: ClipSpec, seed: int) -> _Scene:
    ss = int(spec.supersample)
    w, h = spec.size
    app = _appearance(spec, np.random.default_rng([seed, 1]))
    box_frac = spec.box_height if spec.task == "step_down" else 0.0
    stature = min(app.stature_frac, (FLOOR_ROW - TOP_MARGIN) / (1 + box_frac)) * h * ss
    body = Body.from_stature(stature, **app.proportions).yawed(spec.yaw_deg)
    centre_x = w * ss * (0.5 + app.centre_offset)
    floor_y = FLOOR_ROW * h * ss
    support_h = box_frac * stature
    background = draw_background((w * ss, h * ss), floor_y, app, np.random.default_rng([seed, 2]))
    if support_h > 0:
        draw_box(background, centre_x, floor_y, support_h, 2 * body.feet_half + 2.6 * body.foot_w)
    targets = {
        "depth": spec.target_depth,
        "pelvic_drop_deg": spec.pelvic_drop_deg,
        "fppa_deg": spec.fppa_deg,
        "trunk_lean_deg": spec.trunk_lean_deg,
    }
    timeline = build_timeline(
        spec.task,
        spec.side,
        spec.reps,
        targets,
        tempo_s=spec.tempo_s,
        pause_bottom_s=spec.pause_s,
        pause_top_s=spec.pause_top_s,
        baseline_s=spec.baseline_s,
        setup_steps=spec.setup_steps,
        end_s=spec.end_s,
        jitter=spec.jitter,
        free_leg=spec.free_leg,
        support_h=support_h,
        rng=np.random.default_rng([seed, 3]),
    )
    times = frame_times(spec, timeline.duration_s, np.random.default_rng([seed, 4]))
    return _Scene(
        spec=spec,
        app=app,
        body=body,
        centre_x=centre_x,
        floor_y=floor_y,
        support_h=support_h,
        background=background,
        timeline=timeline,
        times=times,
        noise_rng=np.random.default_rng([seed, 5]),
    )


def _to_display(p: np.ndarray, ss: int, width: int, mirrored: bool) -> np.ndarray:
    """Canvas pixel-index coordinates -> output pixel-index coordinates."""
    q = (np.asarray(p, float) - (ss - 1) / 2) / ss
    if mirrored:
        q = np.array([width - 1 - q[0], q[1]])
    return q


def _render_one(sc: _Scene, t: float) -> tuple[np.ndarray, FrameTruth]:
    spec, ss = sc.spec, int(sc.spec.supersample)
    w, h = spec.size
    phase = sc.timeline.phase_at(t)
    pose = phase.pose_at(t)
    sk = solve_pose(sc.body, pose, sc.centre_x, sc.floor_y, arms=sc.app.arms)
    sk.extra["lat_scale"] = math.cos(math.radians(spec.yaw_deg))
    canvas = sc.background.copy()
    draw_figure(canvas, sk, sc.body, sc.app)
    marks = marker_positions(sk, sc.body) if spec.markers else {}
    if marks:
        radius = 0.0125 * sc.body.px_per_m  # 25 mm discs
        # tuple(): the field is not converted, a caller may have given any 3-sequence
        draw_markers(canvas, marks, radius, cast("RGB", tuple(spec.marker_rgb)))
    image = cv2.resize(canvas, (w, h), interpolation=cv2.INTER_AREA) if ss > 1 else canvas
    image = finish(image, sc.app, sc.noise_rng)
    if spec.mirrored:
        image = np.ascontiguousarray(image[:, ::-1])
    joints = {k: _to_display(sk[k], ss, w, spec.mirrored) for k in TRUTH_JOINTS}
    markers = {k: _to_display(marks[k], ss, w, spec.mirrored) for k in MARKERS if k in marks}
    rep = phase.rep.index if phase.rep is not None else None
    return image, FrameTruth(
        t_s=float(t), phase=phase.name, rep=rep, joints=joints, markers=markers
    )


def render_frames(spec: ClipSpec, seed: int = 0) -> Iterator[tuple[float, np.ndarray, FrameTruth]]:
    """Yield ``(t_s, image, frame_truth)`` for every frame of the clip.

    ``image`` is the **display** (upright, mirrored if asked) RGB uint8 frame of
    ``spec.size``; :func:`generate_clip` rotates it for storage. The same ``spec``
    and ``seed`` give byte-identical frames.
    """
    sc = _scene(spec, seed)
    for t in sc.times:
        image, ft = _render_one(sc, float(t))
        yield float(t), image, ft


def stored_frame(image: np.ndarray, rotation: int) -> np.ndarray:
    """Pixels as stored for a display ``rotation`` (clockwise degrees to display).

    A player rotates the stored frame clockwise by ``rotation``; so we store the
    display frame rotated counter-clockwise by the same angle.
    """
    k = (int(rotation) // 90) % 4
    return np.ascontiguousarray(np.rot90(image, k=k)) if k else image


def truth_from_frames(spec: ClipSpec, seed: int, frames: list[FrameTruth]) -> Truth:
    """Assemble the clip :class:`Truth` from per-frame truths."""
    sc_reps = build_timeline_reps(spec, seed)
    joints = {k: np.array([f.joints[k] for f in frames]) for k in TRUTH_JOINTS}
    markers = {}
    if frames and frames[0].markers:
        markers = {k: np.array([f.markers[k] for f in frames]) for k in MARKERS}
    meta = {
        "rotation": int(spec.rotation) % 360,
        "mirrored": bool(spec.mirrored),
        # a pose model cannot see that an image is mirrored: it labels the subject's
        # left (on the image left) as "right", so a side-blind analysis finds this side
        "apparent_side": (
            {"left": "right", "right": "left"}.get(spec.stance, spec.stance)
            if spec.mirrored
            else spec.stance
        ),
        "vfr": bool(spec.vfr),
        "seed": int(seed),
        "spec": spec.to_dict(),
    }
    if markers:
        meta["marker_rgb"] = list(spec.marker_rgb)
    truth = build_truth(
        task=spec.task,
        side=spec.stance,
        fps=spec.fps,
        size=spec.size,
        t_s=np.array([f.t_s for f in frames]),
        phase=[f.phase for f in frames],
        joints=joints,
        markers=markers,
        rep_plans=sc_reps,
        meta=meta,
    )
    return truth


def build_timeline_reps(spec: ClipSpec, seed: int) -> list[Any]:
    """Return the planned reps of ``spec`` with ``seed`` (same plan as the rendered clip)."""
    return _scene(spec, seed).timeline.reps


def generate_clip(
    path: str | os.PathLike[str], spec: ClipSpec | None = None, *, seed: int = 0
) -> Truth:
    """Render ``spec`` to ``path`` (H.264 MP4) and write ``<stem>.truth.json`` beside it.

    Returns the :class:`Truth` (also saved). Frames are encoded as they are drawn.
    """
    from hipcheck.io.writer import VideoWriter

    spec = spec or ClipSpec()
    sc = _scene(spec, seed)
    frames: list[FrameTruth] = []
    path = Path(path)
    w, h = spec.size
    stored_size = (h, w) if (spec.rotation // 90) % 2 else (w, h)
    with VideoWriter(path, spec.fps, stored_size, crf=spec.crf, rotation=spec.rotation) as vw:
        for t in sc.times:
            image, ft = _render_one(sc, float(t))
            vw.write(stored_frame(image, spec.rotation), float(t))
            frames.append(ft)
    truth = truth_from_frames(spec, seed, frames)
    truth.meta["video"] = path.name
    truth.save(truth_path(path))
    return truth
