"""Geometry of the drawn figure: body proportions and the 2D skeleton of one pose.

Frame: display pixels of the upright, **unmirrored** image, x to the right, y down.
The subject faces the camera, so the subject's left is on the image right
(:data:`SIDE_SIGN`). Mirroring is applied later (:mod:`hipcheck.synth.generate`).

A pose is built from clinical quantities, so the truth never depends on the drawing:

- the stance ankle stays on its support (floor or box top);
- the mid-hip descends ``depth`` x standing leg length;
- the pelvis rotates about the **stance hip** by ``pelvic_drop_deg`` (+ = the other hip
  lower);
- the stance knee is displaced perpendicular to the hip-ankle line, toward the other
  hip for + ``fppa_deg`` (valgus), giving exactly that hip-knee-ankle angle;
- the trunk rotates about the mid-hip by ``trunk_lean_deg`` (+ = toward the stance side);
- the free leg is lifted (forward or back) or, in a step-down, reaches toward the floor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

#: image-x direction of each of the subject's sides in a frontal, unmirrored view
SIDE_SIGN: dict[str, float] = {"left": 1.0, "right": -1.0}

#: joints reported in the truth (subject's sides)
TRUTH_JOINTS: tuple[str, ...] = tuple(
    f"{side}_{joint}"
    for joint in ("shoulder", "hip", "knee", "ankle", "heel", "toe")
    for side in ("left", "right")
)

#: marker names (subject's sides), see :func:`marker_positions`
MARKERS: tuple[str, ...] = (
    "left_asis",
    "right_asis",
    "left_patella",
    "right_patella",
    "left_ankle",
    "right_ankle",
    "sternum",
)


@dataclass(frozen=True)
class Body:
    """Segment lengths and widths of the figure in display pixels.

    Defaults are fractions of stature from standard anthropometric tables (Winter),
    scaled by :meth:`from_stature`. ``hip_half`` is half the hip-joint-centre distance;
    ``pelvis_half`` half the outer (trochanteric) width of the drawn pelvis.
    """

    stature: float
    thigh: float
    shank: float
    ankle_h: float
    hip_half: float
    pelvis_half: float
    waist_half: float
    trunk: float
    shoulder_half: float
    neck: float
    head_h: float
    head_w: float
    upper_arm: float
    forearm: float
    foot_len: float
    foot_w: float
    limb_w: float
    feet_half: float

    @classmethod
    def from_stature(cls, stature_px: float, **scale: float) -> Body:
        """Return a body of ``stature_px`` pixels; ``scale`` multiplies named defaults."""
        h = float(stature_px)
        fractions = {
            "thigh": 0.245,
            "shank": 0.246,
            "ankle_h": 0.039,
            "hip_half": 0.052,
            "pelvis_half": 0.100,
            "waist_half": 0.085,
            "trunk": 0.288,
            "shoulder_half": 0.118,
            "neck": 0.045,
            "head_h": 0.125,
            "head_w": 0.088,
            "upper_arm": 0.186,
            "forearm": 0.146,
            "foot_len": 0.152,
            "foot_w": 0.058,
            "limb_w": 0.075,
            "feet_half": 0.058,
        }
        unknown = set(scale) - set(fractions)
        if unknown:
            raise ValueError(f"unknown body dimensions: {sorted(unknown)}")
        values = {k: v * h * scale.get(k, 1.0) for k, v in fractions.items()}
        return cls(stature=h, **values)

    @property
    def leg(self) -> float:
        """Standing hip-joint to ankle-joint length (pixels)."""
        return self.thigh + self.shank

    @property
    def px_per_m(self) -> float:
        """Pixels per metre, taking the figure as 1.75 m tall."""
        return self.stature / 1.75

    def yawed(self, yaw_deg: float) -> Body:
        """Return the body seen turned by ``yaw_deg``: lateral widths shrink by cos(yaw)."""
        c = math.cos(math.radians(yaw_deg))
        lateral = (
            "hip_half",
            "pelvis_half",
            "waist_half",
            "shoulder_half",
            "head_w",
            "feet_half",
        )
        return replace(self, **{k: getattr(self, k) * c for k in lateral})


@dataclass(frozen=True)
class Pose:
    """The clinical parameters of one frame (see the module docstring).

    Attributes
    ----------
    stance
        Leg carrying the body: ``left``, ``right`` or ``both`` (double-leg squat;
        pelvic drop and trunk lean then take the subject's left as the reference side).
    depth
        Mid-hip descent as a fraction of standing leg length (>= 0).
    pelvic_drop_deg, fppa_deg, trunk_lean_deg
        Project sign conventions (see :mod:`hipcheck.model`); ``fppa_deg`` applies to
        the stance knee, or to both knees when ``stance == "both"``.
    shift
        Weight shift toward the stance side, 0-1 (1 = pelvis moved 0.6 hip half-widths).
    lift
        Free-leg lift, 0 (foot down) to 1 (fully lifted).
    free_leg
        ``forward`` (hip and knee flexed, foot in front), ``back`` (knee flexed, foot
        behind) or ``step`` (step-down: leg forward, nearly straight, reaching down).
    support_h
        Height of the box under the feet at the start (step-down), pixels.
    """

    stance: str = "left"
    depth: float = 0.0
    pelvic_drop_deg: float = 0.0
    fppa_deg: float = 0.0
    trunk_lean_deg: float = 0.0
    shift: float = 0.0
    lift: float = 0.0
    free_leg: str = "forward"
    support_h: float = 0.0


@dataclass
class Skeleton:
    """2D joint centres of one pose (display pixels, unmirrored until :meth:`mirrored`).

    ``joints`` maps names (``left_hip``, ``neck``, ``head``...) to ``(2,)`` arrays.
    ``stance`` is the pose's stance (``left``/``right``/``both``); ``ref_side`` is the
    side the signed angles refer to.
    """

    joints: dict[str, np.ndarray]
    stance: str
    ref_side: str
    floor_y: float
    support_h: float
    free_leg: str
    extra: dict[str, float] = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.joints[name]

    def mirrored(self, width: int) -> Skeleton:
        """Return the skeleton of the horizontally flipped image (``x -> width - 1 - x``).

        Joint names keep the subject's sides; only image positions change.
        """
        joints = {k: np.array([width - 1 - v[0], v[1]]) for k, v in self.joints.items()}
        return replace(self, joints=joints)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / float(np.hypot(v[0], v[1]))


def _knee_offset(hip: np.ndarray, ankle: np.ndarray, ratio: float, fppa_deg: float) -> float:
    """Perpendicular knee offset (pixels, + toward the chosen side) giving ``fppa_deg``.

    The knee sits at ``ratio`` of the way from hip to ankle, displaced by ``e``; the
    hip-knee-ankle deviation is ``atan(e/(ratio D)) + atan(e/((1-ratio) D))``, which is
    monotonic in ``e``, so bisection finds it.
    """
    d = float(np.hypot(*(ankle - hip)))
    target = math.radians(abs(fppa_deg))
    lo, hi = 0.0, d
    for _ in range(60):
        e = 0.5 * (lo + hi)
        dev = math.atan(e / (ratio * d)) + math.atan(e / ((1 - ratio) * d))
        lo, hi = (e, hi) if dev < target else (lo, e)
    return math.copysign(0.5 * (lo + hi), fppa_deg)


def stance_knee(
    hip: np.ndarray, ankle: np.ndarray, other_hip: np.ndarray, body: Body, fppa_deg: float
) -> np.ndarray:
    """Knee centre on a loaded leg giving FPPA ``fppa_deg`` (+ = toward ``other_hip``)."""
    axis = ankle - hip
    ratio = body.thigh / body.leg
    normal = _unit(np.array([-axis[1], axis[0]]))
    if np.dot(normal, other_hip - hip) < 0:
        normal = -normal
    return hip + ratio * axis + _knee_offset(hip, ankle, ratio, fppa_deg) * normal


def _free_leg_points(
    hip: np.ndarray, lateral: float, body: Body, flex_deg: float, knee_deg: float
) -> tuple[np.ndarray, np.ndarray]:
    """Knee and ankle of a free leg from sagittal hip flexion and knee flexion.

    In the frontal view only the vertical projections of thigh and shank remain
    (cosines of their angles from vertical); ``lateral`` is an image-x offset.
    """
    thigh_v = body.thigh * math.cos(math.radians(flex_deg))
    shank_v = body.shank * math.cos(math.radians(flex_deg - knee_deg))
    direction = _unit(np.array([lateral, 1.0]))
    knee = hip + thigh_v * direction
    ankle = knee + shank_v * direction
    return knee, ankle


#: free-leg shapes when fully lifted: (hip flexion, knee flexion) in degrees
FREE_LEG_SHAPES: dict[str, tuple[float, float]] = {
    "forward": (60.0, 100.0),
    "back": (-10.0, 95.0),
    "step": (25.0, 8.0),
}


def free_leg(
    hip: np.ndarray, foot_x: float, lowest_ankle_y: float, body: Body, lift: float, shape: str
) -> tuple[np.ndarray, np.ndarray]:
    """Knee and ankle of the unloaded leg.

    ``lift`` blends from the foot down (0) to ``FREE_LEG_SHAPES[shape]`` (1). The
    ankle never goes below ``lowest_ankle_y`` (minus a clearance that grows with the
    lift for squats): the hip flexes further until it clears.
    """
    flex1, knee1 = FREE_LEG_SHAPES[shape]
    lateral = (foot_x - hip[0]) / body.leg
    if lift <= 0:
        ankle = np.array([foot_x, lowest_ankle_y])
        dist = float(np.hypot(*(ankle - hip)))
        if dist > body.leg:
            ankle = hip + (ankle - hip) * body.leg / dist
        knee = hip + (ankle - hip) * body.thigh / body.leg
        return knee, ankle
    clearance = 0.0 if shape == "step" else 0.2 * body.leg * lift
    limit = lowest_ankle_y - clearance
    flex, knee_flex = flex1 * lift, knee1 * lift
    knee, ankle = _free_leg_points(hip, lateral, body, flex, knee_flex)
    if ankle[1] > limit:
        lo, hi = flex, 89.0
        for _ in range(50):
            mid = 0.5 * (lo + hi)
            _, a = _free_leg_points(hip, lateral, body, mid, knee_flex)
            lo, hi = (mid, hi) if a[1] > limit else (lo, mid)
        knee, ankle = _free_leg_points(hip, lateral, body, hi, knee_flex)
    return knee, ankle


def _foot(ankle: np.ndarray, side_sign: float, body: Body, grounded: bool) -> dict[str, np.ndarray]:
    """Heel and toe (foot index) landmarks of a foot seen from the front.

    The toes are nearer the camera, so they project below the ankle; the heel sits
    behind and just below the ankle. A lifted foot hangs (toes lower, less spread).
    """
    out = 0.12 * body.foot_len * side_sign  # natural toe-out
    if grounded:
        heel = ankle + np.array([0.05 * body.foot_w * side_sign, 0.75 * body.ankle_h])
        toe = ankle + np.array([out, 1.55 * body.ankle_h])
    else:
        heel = ankle + np.array([0.0, 0.6 * body.ankle_h])
        toe = ankle + np.array([0.5 * out, 1.9 * body.ankle_h])
    return {"heel": heel, "toe": toe}


def arm_points(
    mid_sh: np.ndarray, up: np.ndarray, to_left: np.ndarray, body: Body, arms: str
) -> dict[str, np.ndarray]:
    """Elbow and wrist centres in the trunk frame for ``arms`` = ``crossed`` or ``hips``.

    ``crossed``: forearms folded across the chest, hands below the opposite shoulders
    (clear of the pelvis outline). ``hips``: hands on the iliac crests, elbows out.
    """
    down = -up
    out: dict[str, np.ndarray] = {}
    for side, sign in (("left", 1.0), ("right", -1.0)):
        shoulder = mid_sh + sign * body.shoulder_half * to_left
        if arms == "hips":
            elbow = shoulder + sign * 0.55 * body.upper_arm * to_left + 0.78 * body.upper_arm * down
            wrist = (
                mid_sh
                + sign * 0.95 * body.waist_half * to_left
                + (body.trunk - 0.04 * body.stature) * down
            )
        elif arms == "crossed":
            elbow = shoulder + sign * 0.12 * body.upper_arm * to_left + 0.80 * body.upper_arm * down
            height = 0.30 if side == "left" else 0.36
            wrist = mid_sh - sign * 0.70 * body.shoulder_half * to_left + height * body.trunk * down
        else:
            raise ValueError(f"arms must be 'crossed' or 'hips', got {arms!r}")
        out[f"{side}_elbow"] = elbow
        out[f"{side}_wrist"] = wrist
    return out


def solve_pose(
    body: Body, pose: Pose, centre_x: float, floor_y: float, arms: str = "crossed"
) -> Skeleton:
    """Return the skeleton of ``pose`` for a figure standing at ``centre_x`` on ``floor_y``.

    ``floor_y`` is the image row of the floor under the feet (the sole line). With
    ``pose.support_h > 0`` both feet start on a box of that height; a free foot can
    reach the real floor beside it. ``arms`` is ``crossed`` or ``hips``.
    """
    stance = pose.stance
    ref = "left" if stance == "both" else stance
    s = SIDE_SIGN[ref]
    o = -s
    other = "right" if ref == "left" else "left"
    ground = floor_y - pose.support_h
    ankle_y = ground - body.ankle_h
    mid0 = np.array([centre_x, ankle_y - body.leg])
    drop = math.radians(pose.pelvic_drop_deg)
    shift = 0.6 * body.hip_half * pose.shift * (0.0 if stance == "both" else 1.0)

    ankle_s = np.array([centre_x + s * body.feet_half, ankle_y])
    ankle_o0 = np.array([centre_x + o * body.feet_half, ankle_y])
    hip_s = np.array(
        [
            mid0[0] + s * body.hip_half + s * shift,
            mid0[1] + pose.depth * body.leg - body.hip_half * math.sin(drop),
        ]
    )
    # a straight leg cannot lengthen: keep the stance hip within reach of its ankle
    reach = 0.999 * body.leg
    dx = hip_s[0] - ankle_s[0]
    hip_s[1] = max(hip_s[1], ankle_s[1] - math.sqrt(max(reach**2 - dx**2, 0.0)))
    hip_o = hip_s + 2 * body.hip_half * np.array([o * math.cos(drop), math.sin(drop)])

    joints: dict[str, np.ndarray] = {f"{ref}_hip": hip_s, f"{other}_hip": hip_o}
    joints[f"{ref}_ankle"] = ankle_s
    joints[f"{ref}_knee"] = stance_knee(hip_s, ankle_s, hip_o, body, pose.fppa_deg)
    grounded = {ref: True, other: stance == "both" or pose.lift <= 0}
    if stance == "both":
        ankle_o = ankle_o0
        dxo = hip_o[0] - ankle_o[0]
        if hip_o[1] < ankle_o[1] - math.sqrt(max(reach**2 - dxo**2, 0.0)):
            ankle_o = hip_o + _unit(ankle_o - hip_o) * reach
        joints[f"{other}_ankle"] = ankle_o
        joints[f"{other}_knee"] = stance_knee(hip_o, ankle_o, hip_s, body, pose.fppa_deg)
    else:
        lowest = (floor_y if pose.free_leg == "step" else ground) - body.ankle_h
        foot_x = ankle_o0[0] + o * 0.15 * body.hip_half * pose.lift
        knee_o, ankle_o = free_leg(hip_o, foot_x, lowest, body, pose.lift, pose.free_leg)
        joints[f"{other}_knee"] = knee_o
        joints[f"{other}_ankle"] = ankle_o
        grounded[other] = bool(ankle_o[1] >= lowest - 0.5)
    for side in (ref, other):
        foot = _foot(joints[f"{side}_ankle"], SIDE_SIGN[side], body, grounded[side])
        joints[f"{side}_heel"] = foot["heel"]
        joints[f"{side}_toe"] = foot["toe"]

    lean = math.radians(pose.trunk_lean_deg)
    mid_hip = 0.5 * (hip_s + hip_o)
    up = np.array([s * math.sin(lean), -math.cos(lean)])
    to_left = np.array([-up[1], up[0]])  # perpendicular, toward the subject's left (+x)
    mid_sh = mid_hip + body.trunk * up
    joints["left_shoulder"] = mid_sh + body.shoulder_half * to_left
    joints["right_shoulder"] = mid_sh - body.shoulder_half * to_left
    joints["neck"] = mid_sh + 0.5 * body.neck * up
    joints["head"] = mid_sh + (body.neck + 0.5 * body.head_h) * up
    joints.update(arm_points(mid_sh, up, to_left, body, arms))
    return Skeleton(
        joints=joints,
        stance=stance,
        ref_side=ref,
        floor_y=floor_y,
        support_h=pose.support_h,
        free_leg=pose.free_leg if stance != "both" else "none",
        extra={"lift": pose.lift},
    )


def pelvis_frame(sk: Skeleton) -> tuple[np.ndarray, np.ndarray]:
    """Return unit vectors of the pelvis: toward the subject's left hip, and pelvic 'up'."""
    lat = _unit(sk["left_hip"] - sk["right_hip"])
    up = np.array([lat[1], -lat[0]])
    if up[1] > 0:
        up = -up
    return lat, up


def trunk_frame(sk: Skeleton) -> tuple[np.ndarray, np.ndarray]:
    """Return unit vectors of the trunk: toward the subject's left shoulder, and trunk 'up'."""
    lat = _unit(sk["left_shoulder"] - sk["right_shoulder"])
    up = np.array([lat[1], -lat[0]])
    if up[1] > 0:
        up = -up
    return lat, up


def marker_positions(sk: Skeleton, body: Body) -> dict[str, np.ndarray]:
    """Return the skin-marker centres.

    ASIS: 7 cm above and 3 cm lateral of each hip centre, rigid with the pelvis;
    mid-patellae at the knee centres; ankle midpoints at the ankle centres; sternum
    (jugular notch) midway between the shoulder centres.
    """
    lat, up = pelvis_frame(sk)
    m = body.px_per_m
    mk = {
        "left_asis": sk["left_hip"] + 0.03 * m * lat * _lat_scale(sk) + 0.07 * m * up,
        "right_asis": sk["right_hip"] - 0.03 * m * lat * _lat_scale(sk) + 0.07 * m * up,
        "left_patella": sk["left_knee"].copy(),
        "right_patella": sk["right_knee"].copy(),
        "left_ankle": sk["left_ankle"].copy(),
        "right_ankle": sk["right_ankle"].copy(),
        "sternum": 0.5 * (sk["left_shoulder"] + sk["right_shoulder"]),
    }
    return mk


def _lat_scale(sk: Skeleton) -> float:
    """Lateral scale from yaw (1 when frontal), stored by the generator."""
    return float(sk.extra.get("lat_scale", 1.0))
