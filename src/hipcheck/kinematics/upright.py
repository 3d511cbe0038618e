"""Upright frames: where a person stands, found from the body itself.

The standing reference of a repetition must not depend on a quiet start: a phone clip
may begin mid-descent, a single-leg squatter may never put the free foot down, a clip
may end mid-rep. So every frame is judged on its own:

- **stance leg extended**: the hip-ankle distance of a leg is at least
  ``UPRIGHT_LEG_MIN`` of that leg's standing length (the clip's ``STANDING_PERCENTILE``
  of it). A knee bent by about 35 deg or more shortens it below that; a seated person's
  legs are much shorter;
- **pelvis at its standing height**: within ``UPRIGHT_PELVIS_TOL`` of the highest it
  stands nearby (:func:`standing_top`);
- **trunk upright**: the mid-hip to mid-shoulder line within ``UPRIGHT_TRUNK_MAX_DEG`` of
  the image vertical and at least ``UPRIGHT_TORSO_MIN`` of its standing length (forward
  flexion shortens it in a frontal view);
- **foot on the floor**: the extended leg's foot at its floor level, i.e. within
  ``FOOT_FLOOR_TOL`` leg lengths of the lowest place that foot reaches within
  ``FLOOR_WINDOW_S`` (so a camera that drifts slowly does not matter). When neither foot
  is on the floor while a leg is nearly straight, the person is in the air (the flight
  of a jump or hop): never upright.

A frame is *upright* when one leg satisfies all of this (single-leg stance counts: a
single-leg squatter may keep the free foot up between reps) and *bilateral* when both
legs do. Frame: image pixels, x right, y down; sides are the subject's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hipcheck.kinematics.floor import SIDES, feet_level_difference, foot_points

#: Percentile of a leg's hip-ankle distance taken as its standing length (legs are
#: longest when straight; the top few percent are tracking outliers).
STANDING_PERCENTILE = 90.0
#: A leg counts as extended at this fraction of its standing length or more. With equal
#: thigh and shank, a knee flexion of k deg shortens the hip-ankle distance to about
#: cos(k/2): 0.92 at 45 deg, 0.87 at 60 deg; 0.9 is about 50 deg. Real clips stand at
#: 0.95-1.0 between reps (hyva2, hyva7, ucsd, rohanx01) and reach 0.5-0.75 at the bottom.
UPRIGHT_LEG_MIN = 0.9
#: In bilateral stance both legs are straight: at least this fraction of their standing
#: length. Standing on both feet reads 0.97-1.00 (median of the shorter leg: rendered
#: set, ucsd, hyva_ja_paha, sit-to-stand, rohanx01); the free leg of single-leg stance,
#: foot lifted just off the floor, 0.84-0.94 (rendered set).
BILATERAL_LEG_MIN = 0.95
#: In a frontal view both feet of bilateral stance stand at about one level: their
#: heights (along the world vertical) differ by less than this (leg lengths). Measured
#: standing with both feet down: 0.04-0.05 (ucsd), 0.06-0.11 (hyva_ja_paha), 0.06-0.08
#: (sit-to-stand): one foot a little ahead, a small roll error. The free foot of a
#: single-leg squatter who keeps it up between reps hangs 0.24-0.31 higher (hyva2).
BILATERAL_LEVEL_TOL = 0.12
#: Largest trunk angle from the image vertical in upright stance (deg). Quiet stance is
#: within a few degrees; single-leg squatters shift up to about 10 deg; arms-out balance
#: up to about 20 deg (pose2sim). A hip hinge or a bow goes far beyond.
UPRIGHT_TRUNK_MAX_DEG = 30.0
#: Smallest projected torso length in upright stance, as a fraction of its standing
#: length (forward trunk flexion shortens it in a frontal view: 0.5-0.8 at squat bottoms).
UPRIGHT_TORSO_MIN = 0.85
#: A foot within this many leg lengths of its floor level is on the floor. Foot
#: landmarks jitter by about 0.01-0.02 leg lengths in quiet stance (real clips).
FOOT_FLOOR_TOL = 0.05
#: Both feet at least this far above their floor levels (leg lengths) with the body
#: stretched is flight. A seated person lifting the feet, or feet moving toward the
#: camera (perspective), also raise the feet but with the legs bent.
FLIGHT_MIN = 0.05
#: In flight at least one leg is nearly straight (a hop or jump takes off from it).
AIRBORNE_LEG_MIN = 0.85
#: The pelvis of an upright person is within this many leg lengths of its standing
#: height. Quiet standing jitters by about 0.01; a shallow single-leg squat of the
#: rendered set lowers the pelvis landmarks by 0.05-0.08 with the legs still above
#: ``UPRIGHT_LEG_MIN``.
UPRIGHT_PELVIS_TOL = 0.03
#: Window (s) and percentile of the pelvis height taken as its standing height.
TOP_WINDOW_S = 4.0
TOP_PERCENTILE = 95.0
#: Window (s) over which a foot's floor level (its lowest place) is taken.
FLOOR_WINDOW_S = 2.0
#: Percentile of a foot's image height in that window taken as its floor level.
FLOOR_LEVEL_PERCENTILE = 90.0


@dataclass(frozen=True)
class Upright:
    """Per-frame upright judgement of a clip.

    Attributes
    ----------
    upright
        Boolean per frame: standing on at least one extended leg, trunk up, foot down.
    bilateral
        Boolean per frame: both legs extended and both feet at their local floor level.
        Each foot's level is its own lowest place nearby, so a free foot that never
        comes down passes too; :func:`hipcheck.reps.detect_reps` also compares the feet
        with each other (``BILATERAL_LEVEL_TOL``) in a frontal view.
    airborne
        Boolean per frame: neither foot on the floor (flight of a jump or hop).
    leg_length_px
        Standing length of each leg (pixels).
    leg_ratio
        Per leg, hip-ankle distance / standing length per frame.
    on_floor
        Per foot, boolean per frame.
    foot_lift
        Per foot, height above its local floor level per frame (leg lengths, + = up).
    size
        The person's apparent size per frame relative to the clip (:func:`apparent_size`).
    """

    upright: np.ndarray
    bilateral: np.ndarray
    airborne: np.ndarray
    size: np.ndarray
    leg_length_px: dict[str, float]
    leg_ratio: dict[str, np.ndarray]
    on_floor: dict[str, np.ndarray]
    foot_lift: dict[str, np.ndarray]

    @property
    def standing_leg_px(self) -> float:
        """Mean standing leg length of both legs (pixels)."""
        values = [v for v in self.leg_length_px.values() if np.isfinite(v)]
        return float(np.mean(values)) if values else float("nan")


#: Segments whose image length gives the person's apparent size.
SIZE_SEGMENTS: tuple[str, ...] = (
    "shoulder_width_px",
    "hip_width_px",
    "torso_length_px",
    "left_shank_length_px",
    "right_shank_length_px",
    "head_width_px",
)
#: A segment shorter than this (leg lengths, clip median) is seen edge-on: not used.
SIZE_MIN_SEGMENT = 0.05
#: The apparent size is measured against the clip's first this many seconds...
SIZE_REFERENCE_S = 1.0
#: ... or this share of it, whichever is longer.
SIZE_REFERENCE_SHARE = 0.2
#: Window (s) of the running median that steadies the apparent size.
SIZE_SMOOTH_S = 0.3


def apparent_size(kin: pd.DataFrame, fps: float) -> np.ndarray:
    """Return the person's apparent size per frame, relative to the clip's start.

    Squatting changes some segments in the image, never all of them at once: the torso
    shortens with forward flexion in a frontal view, the shanks with the knees coming
    forward, the shoulders narrow when the arms reach forward (-18 % on the frontal
    single-leg squat landmark set), but the head keeps its width and, from the side,
    the torso its length. A zoom, or the person walking toward or away from the
    camera, changes every segment together. So per frame, with each segment relative to
    its median over the clip's first ``SIZE_REFERENCE_S`` (or ``SIZE_REFERENCE_SHARE``,
    whichever is longer: only changes matter), the size is the largest ratio when all
    segments are smaller, the smallest when all are larger, else unchanged from the
    reference; at least three segments must be seen
    (``SIZE_SEGMENTS``; segments edge-on, below ``SIZE_MIN_SEGMENT`` leg lengths, are
    skipped). A running median over ``SIZE_SMOOTH_S`` steadies it.
    """
    leg = _percentile(kin["leg_length_px"].to_numpy(float), STANDING_PERCENTILE)
    n = len(kin)
    first = np.arange(n) < max(int(round(SIZE_REFERENCE_S * fps)), int(SIZE_REFERENCE_SHARE * n))
    ratios = []
    for col in SIZE_SEGMENTS:
        if col not in kin:
            continue
        v = kin[col].to_numpy(float)
        ref = v[first & np.isfinite(v)]
        if not ref.size:
            ref = v[np.isfinite(v)]
        med = float(np.median(ref)) if ref.size else float("nan")
        if np.isfinite(med) and med >= SIZE_MIN_SEGMENT * leg:
            ratios.append(v / med)
    if len(ratios) < 3:
        return np.ones(n)
    r = np.vstack(ratios)
    seen = np.isfinite(r).sum(axis=0) >= 3
    with np.errstate(invalid="ignore"), np.errstate(all="ignore"):
        hi = np.nanmax(np.where(np.isfinite(r), r, -np.inf), axis=0)
        lo = np.nanmin(np.where(np.isfinite(r), r, np.inf), axis=0)
    size = np.where(hi < 1.0, hi, np.where(lo > 1.0, lo, 1.0))
    size = np.where(seen, size, np.nan)
    win = max(1, int(round(SIZE_SMOOTH_S * fps)) | 1)
    size = pd.Series(size).rolling(win, center=True, min_periods=1).median().to_numpy(float)
    return np.where(np.isfinite(size), size, 1.0)


def _percentile(values: np.ndarray, q: float) -> float:
    finite = values[np.isfinite(values)]
    return float(np.percentile(finite, q)) if finite.size else float("nan")


def local_floor_lift(foot_y: np.ndarray, fps: float, leg_px: float) -> np.ndarray:
    """Height of a foot above its local floor level (leg lengths, + = up).

    The floor level is the ``FLOOR_LEVEL_PERCENTILE`` of the foot's image y (the lowest
    places it reaches) over a centred ``FLOOR_WINDOW_S`` window, so a slow camera drift
    moves the level with it. NaN where the foot is not seen.
    """
    win = max(3, int(round(FLOOR_WINDOW_S * fps)) | 1)
    level = (
        pd.Series(foot_y)
        .rolling(win, center=True, min_periods=1)
        .quantile(FLOOR_LEVEL_PERCENTILE / 100.0)
        .to_numpy(float)
    )
    return (level - foot_y) / leg_px


def trunk_angle_deg(kin: pd.DataFrame) -> np.ndarray:
    """Angle of the mid-hip -> mid-shoulder line from the image vertical (deg, unsigned)."""
    sx = (kin["left_shoulder_x_px"] + kin["right_shoulder_x_px"]).to_numpy(float) / 2
    sy = (kin["left_shoulder_y_px"] + kin["right_shoulder_y_px"]).to_numpy(float) / 2
    hx = (kin["left_hip_x_px"] + kin["right_hip_x_px"]).to_numpy(float) / 2
    hy = (kin["left_hip_y_px"] + kin["right_hip_y_px"]).to_numpy(float) / 2
    with np.errstate(invalid="ignore"):
        return np.degrees(np.abs(np.arctan2(sx - hx, hy - sy)))


def find_upright(
    kin: pd.DataFrame, fps: float, *, roll_deg: float = 0.0, level_feet: bool = True
) -> Upright:
    """Judge every frame: upright on one leg, on both, or in the air (module docstring).

    Parameters
    ----------
    kin
        Per-frame kinematics (per-leg lengths, torso length, shoulders, hips, feet).
    fps
        Sampling rate of ``kin``.
    roll_deg
        Camera roll (:func:`hipcheck.kinematics.floor.estimate_roll`), for comparing
        the two feet's heights.
    level_feet
        Bilateral stance needs both feet at one level (``BILATERAL_LEVEL_TOL``): true for
        frontal and rear views, where both feet stand on one floor line; false for side
        views, where the far foot sits higher.
    """
    size = apparent_size(kin, fps)
    # Leg lengths in the person's own scale: a zoom does not bend or straighten legs.
    leg_len = {s: kin[f"{s}_leg_length_px"].to_numpy(float) / size for s in SIDES}
    standing = {s: _percentile(leg_len[s], STANDING_PERCENTILE) for s in SIDES}
    leg_px = float(np.nanmean([v for v in standing.values() if np.isfinite(v)] or [np.nan]))
    ratio = {s: leg_len[s] / standing[s] for s in SIDES}
    torso = kin["torso_length_px"].to_numpy(float)
    torso_ok = torso >= UPRIGHT_TORSO_MIN * _percentile(torso, STANDING_PERCENTILE)
    trunk_ok = trunk_angle_deg(kin) <= UPRIGHT_TRUNK_MAX_DEG
    lift, on_floor, extended = {}, {}, {}
    for s in SIDES:
        foot_y = foot_points(kin, s)[:, 1]
        lift[s] = local_floor_lift(foot_y, fps, leg_px)
        with np.errstate(invalid="ignore"):
            on_floor[s] = lift[s] <= FOOT_FLOOR_TOL
            extended[s] = ratio[s] >= UPRIGHT_LEG_MIN
    seen = {s: np.isfinite(lift[s]) for s in SIDES}
    with np.errstate(invalid="ignore"):
        stretched = np.fmax(ratio["left"], ratio["right"]) >= AIRBORNE_LEG_MIN
        off = {s: lift[s] >= FLIGHT_MIN for s in SIDES}
    airborne = seen["left"] & seen["right"] & off["left"] & off["right"] & stretched
    body = torso_ok & trunk_ok & ~airborne
    stands = {s: extended[s] & on_floor[s] for s in SIDES}
    # Pelvis at its standing height: within UPRIGHT_PELVIS_TOL of the highest it stands
    # nearby (a shallow squat keeps the legs above UPRIGHT_LEG_MIN but not the pelvis).
    # Standing on one leg raises the model's hip landmarks by 0.03-0.05 leg lengths over
    # standing on both (rendered set: the true pelvis does not rise), so each kind of
    # stance is compared with its own standing height.
    both = body & stands["left"] & stands["right"]
    with np.errstate(invalid="ignore"):
        both &= np.fmin(ratio["left"], ratio["right"]) >= BILATERAL_LEG_MIN
        if level_feet:
            both &= np.abs(feet_level_difference(kin, roll_deg, leg_px)) <= BILATERAL_LEVEL_TOL
    one = body & (stands["left"] | stands["right"]) & ~both
    # Single-leg stance is never lower than bilateral stance nearby, so its standing
    # height is the higher of the two tops (a shallow double-leg squat's frames, legs
    # still nearly straight, must not set their own standing height).
    top_both = standing_top(kin, both, fps)
    top_one = np.fmax(standing_top(kin, one, fps), top_both)
    height = -kin["pelvis_y_px"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        at_top = height >= np.where(both, top_both, top_one) - UPRIGHT_PELVIS_TOL * leg_px
    body &= at_top
    return Upright(
        upright=body & (stands["left"] | stands["right"]),
        bilateral=body & both,
        airborne=airborne,
        size=size,
        leg_length_px=standing,
        leg_ratio=ratio,
        on_floor=on_floor,
        foot_lift=lift,
    )


def standing_top(kin: pd.DataFrame, candidate: np.ndarray, fps: float) -> np.ndarray:
    """Return the pelvis standing height per frame (pixels, + = up in the image).

    The ``TOP_PERCENTILE`` of the pelvis height over the ``candidate`` frames within a
    centred ``TOP_WINDOW_S`` window (so a camera that drifts slowly moves the level
    with it); NaN where the window has no candidate frame.
    """
    height = -kin["pelvis_y_px"].to_numpy(float)
    cand = np.where(candidate, height, np.nan)
    win = max(3, int(round(TOP_WINDOW_S * fps)) | 1)
    return (
        pd.Series(cand)
        .rolling(win, center=True, min_periods=1)
        .quantile(TOP_PERCENTILE / 100.0)
        .to_numpy(float)
    )


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) index pairs of consecutive True runs (stop exclusive)."""
    padded = np.concatenate([[False], np.asarray(mask, bool), [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))
