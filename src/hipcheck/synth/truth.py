"""Ground truth of a synthetic clip: built from the drawn geometry, saved as JSON.

The truth file ``<clip>.truth.json`` holds (display pixels of the upright frame, after
mirroring, x right, y down; sides are the subject's):

- ``task``, ``side`` (stance side, ``both`` for double-leg squats), ``reference_side``
  (the side the signed angles refer to: the stance side, or ``left`` for ``both``),
  ``fps``, ``size`` [w, h], ``n_frames``, ``duration_s``, ``rotation``, ``mirrored``,
  ``seed``, ``spec`` (the :class:`~hipcheck.synth.generate.ClipSpec` used),
  ``apparent_side``: the stance side a pose model reports (swapped when mirrored: the
  model labels sides as if the view were not mirrored; joints here keep the
  subject's true sides);
- ``t_s`` per frame, ``phase`` per frame (``baseline``, ``setup``, ``shift``, ``lift``,
  ``hold``, ``rep``, ``top``, ``lower``, ``unshift``, ``end``);
- ``joints``: per joint (``left_hip``, ``right_knee``, ``left_toe``... toe = foot
  index) a list of [x, y] per frame;
- ``angles`` per frame: ``pelvic_drop_deg``, ``trunk_lean_deg``, ``fppa_left_deg``,
  ``fppa_right_deg``, ``fppa_deg`` (the reference-side knee), ``depth``;
- ``baseline``: mean of each angle over the standing baseline (0.2 s to its end);
- ``leg_length_px``: standing mid-hip to mid-ankle height (pixels), the depth unit;
- ``markers`` (when drawn): per marker [x, y] per frame, with ``marker_rgb`` and
  ``marker_radius_px``;
- ``reps``: per rep ``index``, ``side``, ``task``, ``start_frame``, ``bottom_frame``,
  ``end_frame``, ``start_s``, ``bottom_s``, ``end_s``, ``bottom`` (true values at the
  bottom frame), ``bottom_rel`` (minus baseline), ``peak`` (the value of largest
  magnitude over the rep, sign kept) and ``targets`` (the requested values).

The bottom frame is the frame of lowest pelvis (largest depth; the middle one if the
pelvis rests there for several frames).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hipcheck.errors import HipcheckError
from hipcheck.synth import angles
from hipcheck.synth.figure import TRUTH_JOINTS

ANGLE_KEYS: tuple[str, ...] = (
    "pelvic_drop_deg",
    "trunk_lean_deg",
    "fppa_deg",
    "fppa_left_deg",
    "fppa_right_deg",
    "depth",
)
SCHEMA = "hipcheck.synth.truth/1"


def truth_path(video_path: str | os.PathLike[str]) -> Path:
    """``clip.mp4`` -> ``clip.truth.json`` (beside the clip)."""
    p = Path(video_path)
    return p.with_name(p.stem + ".truth.json")


def compute_angles(joints: dict[str, np.ndarray], reference_side: str) -> dict[str, np.ndarray]:
    """Per-frame true angles from joint tracks ``(n, 2)`` (see :mod:`.angles`).

    Pelvic drop and trunk lean refer to ``reference_side`` as the stance side; each
    knee's FPPA uses the other hip as its medial reference. ``depth`` is left out
    (it needs the baseline; see :func:`build_truth`).
    """
    s = reference_side
    o = "right" if s == "left" else "left"
    out = {
        "pelvic_drop_deg": angles.pelvic_drop_deg(joints[f"{s}_hip"], joints[f"{o}_hip"]),
        "trunk_lean_deg": angles.trunk_lean_deg(
            joints[f"{s}_hip"], joints[f"{o}_hip"], joints[f"{s}_shoulder"], joints[f"{o}_shoulder"]
        ),
    }
    for side, other in (("left", "right"), ("right", "left")):
        out[f"fppa_{side}_deg"] = angles.fppa_deg(
            joints[f"{side}_hip"],
            joints[f"{side}_knee"],
            joints[f"{side}_ankle"],
            joints[f"{other}_hip"],
        )
    out["fppa_deg"] = out[f"fppa_{s}_deg"]
    return out


def _middle_of_max(values: np.ndarray, tol: float = 1e-9) -> int:
    idx = np.flatnonzero(values >= np.max(values) - tol)
    return int(idx[len(idx) // 2])


def _extreme(values: np.ndarray) -> float:
    return float(values[int(np.argmax(np.abs(values)))])


@dataclass
class Truth:
    """In-memory truth of a clip (arrays; see the module docstring for the JSON)."""

    task: str
    side: str
    reference_side: str
    fps: float
    size: tuple[int, int]
    t_s: np.ndarray
    phase: list[str]
    joints: dict[str, np.ndarray]
    angles: dict[str, np.ndarray]
    baseline: dict[str, float]
    leg_length_px: float
    reps: list[dict[str, Any]]
    markers: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_frames(self) -> int:
        """Number of frames."""
        return int(len(self.t_s))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (coordinates rounded to 0.001 px, angles to 1e-4 deg)."""
        d: dict[str, Any] = {
            "schema": SCHEMA,
            "task": self.task,
            "side": self.side,
            "reference_side": self.reference_side,
            "fps": self.fps,
            "size": list(self.size),
            "n_frames": self.n_frames,
            "duration_s": float(self.t_s[-1]) if self.n_frames else 0.0,
            **self.meta,
            "leg_length_px": round(self.leg_length_px, 3),
            "t_s": [round(float(t), 6) for t in self.t_s],
            "phase": list(self.phase),
            "joints": {k: np.round(v, 3).tolist() for k, v in self.joints.items()},
            "angles": {k: np.round(v, 4).tolist() for k, v in self.angles.items()},
            "baseline": {k: round(v, 4) for k, v in self.baseline.items()},
            "reps": self.reps,
        }
        if self.markers:
            d["markers"] = {k: np.round(v, 3).tolist() for k, v in self.markers.items()}
        return d

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the truth JSON to ``path`` and return it."""
        p = Path(path)
        p.write_text(json.dumps(self.to_dict(), separators=(",", ":")) + "\n")
        return p

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Truth:
        """Rebuild from :meth:`to_dict` output."""
        known = {
            "schema", "task", "side", "reference_side", "fps", "size", "n_frames",
            "duration_s", "leg_length_px", "t_s", "phase", "joints", "angles",
            "baseline", "reps", "markers",
        }  # fmt: skip
        return cls(
            task=d["task"],
            side=d["side"],
            reference_side=d["reference_side"],
            fps=float(d["fps"]),
            size=(int(d["size"][0]), int(d["size"][1])),
            t_s=np.asarray(d["t_s"], float),
            phase=list(d["phase"]),
            joints={k: np.asarray(v, float) for k, v in d["joints"].items()},
            angles={k: np.asarray(v, float) for k, v in d["angles"].items()},
            baseline={k: float(v) for k, v in d["baseline"].items()},
            leg_length_px=float(d["leg_length_px"]),
            reps=list(d["reps"]),
            markers={k: np.asarray(v, float) for k, v in d.get("markers", {}).items()},
            meta={k: v for k, v in d.items() if k not in known},
        )

    def landmark_xy(self) -> np.ndarray:
        """Joint tracks as BlazePose-indexed pixels ``(n, 33, 2)``, NaN where not drawn.

        Lets the analysis run on perfect landmarks (toe = ``foot_index``).
        """
        from hipcheck.landmarks import LANDMARK_NAMES

        xy = np.full((self.n_frames, len(LANDMARK_NAMES), 2), np.nan)
        for name, track in self.joints.items():
            lm = name.replace("_toe", "_foot_index")
            if lm in LANDMARK_NAMES:
                xy[:, LANDMARK_NAMES.index(lm)] = track
        return xy


def build_truth(
    *,
    task: str,
    side: str,
    fps: float,
    size: tuple[int, int],
    t_s: np.ndarray,
    phase: list[str],
    joints: dict[str, np.ndarray],
    markers: dict[str, np.ndarray],
    rep_plans: list[Any],
    meta: dict[str, Any],
) -> Truth:
    """Compute angles, baseline and per-rep truths from per-frame joint tracks.

    ``rep_plans`` are :class:`~hipcheck.synth.motion.RepPlan` (times and targets).
    """
    ref = "left" if side == "both" else side
    t_s = np.asarray(t_s, float)
    ang = compute_angles(joints, ref)
    mid_hip_y = 0.5 * (joints["left_hip"][:, 1] + joints["right_hip"][:, 1])
    mid_ankle_y = 0.5 * (joints["left_ankle"][:, 1] + joints["right_ankle"][:, 1])
    phases = np.asarray(phase)
    base = (phases == "baseline") & (t_s >= min(0.2, 0.5 * t_s[phases == "baseline"].max()))
    if not base.any():
        base = np.zeros(len(t_s), bool)
        base[0] = True
    base_y = float(np.mean(mid_hip_y[base]))
    leg = float(np.mean(mid_ankle_y[base]) - base_y)
    ang["depth"] = angles.depth(mid_hip_y, base_y, leg)
    baseline = {k: float(np.mean(v[base])) for k, v in ang.items()}

    reps = []
    for plan in rep_plans:
        idx = np.flatnonzero((t_s >= plan.t_start - 1e-9) & (t_s <= plan.t_end + 1e-9))
        if len(idx) == 0:
            continue
        bottom = int(idx[_middle_of_max(ang["depth"][idx])])
        keys = list(ANGLE_KEYS)
        reps.append(
            {
                "index": plan.index,
                "side": plan.side,
                "task": task,
                "start_frame": int(idx[0]),
                "bottom_frame": bottom,
                "end_frame": int(idx[-1]),
                "start_s": float(t_s[idx[0]]),
                "bottom_s": float(t_s[bottom]),
                "end_s": float(t_s[idx[-1]]),
                "bottom": {k: round(float(ang[k][bottom]), 4) for k in keys},
                "bottom_rel": {k: round(float(ang[k][bottom] - baseline[k]), 4) for k in keys},
                "peak": {k: round(_extreme(ang[k][idx]), 4) for k in keys},
                "targets": {k: round(float(v), 4) for k, v in plan.targets.items()},
            }
        )
    return Truth(
        task=task,
        side=side,
        reference_side=ref,
        fps=float(fps),
        size=(int(size[0]), int(size[1])),
        t_s=t_s,
        phase=list(phase),
        joints=joints,
        angles=ang,
        baseline=baseline,
        leg_length_px=leg,
        reps=reps,
        markers=markers,
        meta=meta,
    )


def load_truth(path: str | os.PathLike[str]) -> Truth:
    """Load a truth file; ``path`` may be the clip itself or its ``.truth.json``.

    Raises
    ------
    HipcheckError
        If the file is missing or is not a synthetic truth file.
    """
    p = Path(path)
    if not p.name.endswith(".json"):
        p = truth_path(p)
    if not p.is_file():
        raise HipcheckError(
            f"No truth file at {p}.", "Truth files sit beside clips made by `hipcheck synth`."
        )
    try:
        d = json.loads(p.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise HipcheckError(f"Cannot read truth file {p}: {exc}.") from exc
    if not isinstance(d, dict) or d.get("schema") != SCHEMA:
        raise HipcheckError(f"{p} is not a hipcheck synthetic truth file ({SCHEMA}).")
    return Truth.from_dict(d)


__all__ = ["Truth", "build_truth", "compute_angles", "load_truth", "truth_path", "TRUTH_JOINTS"]
