"""The landmark series: hipcheck's one data model for pose output.

A :class:`LandmarkSeries` holds the 33 BlazePose landmarks of every decoded frame of
a clip, in **pixels** of the upright (rotation-applied) frame:

- image frame: x to the right, y **down**, origin at the top-left pixel corner;
- ``left``/``right`` in landmark names are the **subject's** sides (MediaPipe's
  labels), not the image's; in a frontal, non-mirrored view the subject's left is on
  the image right;
- frames in which no person was found stay on the time axis with NaN coordinates
  (and NaN visibility), so timestamps always match the video.

Arrays (``n`` frames, ``K = 33`` landmarks):

============== ============ =====================================================
name           shape        meaning
============== ============ =====================================================
``t_s``        (n,)         presentation timestamp of each frame, seconds
``xy``         (n, K, 2)    x, y in pixels
``z``          (n, K)       MediaPipe relative depth, scaled by the frame width
                            (pixels; smaller = nearer the camera)
``visibility`` (n, K)       MediaPipe visibility, 0-1
``presence``   (n, K)       MediaPipe presence, 0-1 (NaN if the backend has none)
============== ============ =====================================================

Metadata: ``frame_size`` (width, height) in pixels, ``model`` (backend and variant),
``source`` (the file it came from), ``video`` (the video facts as a dict) and
``log`` (a list of dicts recording every operation that produced the series).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import numpy as np

#: BlazePose landmark names, index = MediaPipe index.
LANDMARK_NAMES: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner",
    "right_eye", "right_eye_outer", "left_ear", "right_ear", "mouth_left",
    "mouth_right", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index",
    "right_index", "left_thumb", "right_thumb", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel",
    "right_heel", "left_foot_index", "right_foot_index",
)  # fmt: skip

N_LANDMARKS = len(LANDMARK_NAMES)


class LM(IntEnum):
    """MediaPipe BlazePose landmark indices used by the analysis (subject's sides)."""

    NOSE = 0
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


#: Per side, the landmarks of one lower limb and trunk side, keyed by joint name.
SIDE_LANDMARKS: dict[str, dict[str, int]] = {
    side: {
        joint: int(LM[f"{side.upper()}_{joint.upper()}"])
        for joint in ("shoulder", "hip", "knee", "ankle", "heel", "foot_index", "wrist")
    }
    for side in ("left", "right")
}


def other_side(side: str) -> str:
    """Return the other side: ``"left"`` <-> ``"right"``."""
    if side not in ("left", "right"):
        raise ValueError(f"Expected 'left' or 'right', got {side!r}.")
    return "right" if side == "left" else "left"


def strictly_increasing(t_s: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """Return timestamps with repeats or reversals nudged forward by ``step`` seconds.

    Some damaged files and CSV exports repeat a timestamp; order is kept.
    """
    out = np.asarray(t_s, dtype=np.float64).copy()
    for i in range(1, out.size):
        if out[i] <= out[i - 1]:
            out[i] = out[i - 1] + step
    return out


@dataclass
class LandmarkSeries:
    """Pose landmarks of a clip in pixels (see the module docstring for the schema).

    Use :meth:`empty` to build one frame by frame and :meth:`validate` at boundaries.
    """

    t_s: np.ndarray
    xy: np.ndarray
    z: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    frame_size: tuple[int, int]
    model: str
    source: str = ""
    video: dict[str, Any] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.validate()

    @property
    def n_frames(self) -> int:
        """Number of frames on the time axis."""
        return int(self.t_s.shape[0])

    @property
    def detected(self) -> np.ndarray:
        """Boolean (n,): True where the backend found a person."""
        return np.isfinite(self.xy[:, :, 0]).any(axis=1)

    def validate(self) -> None:
        """Check shapes, dtypes and time order; raise ``ValueError`` listing every problem."""
        n = np.asarray(self.t_s).shape[0] if np.ndim(self.t_s) == 1 else -1
        problems = []
        if n < 0:
            problems.append(f"t_s must be 1-D, got shape {np.shape(self.t_s)}.")
        expected = {
            "xy": (n, N_LANDMARKS, 2),
            "z": (n, N_LANDMARKS),
            "visibility": (n, N_LANDMARKS),
            "presence": (n, N_LANDMARKS),
        }
        for name, shape in expected.items():
            got = np.shape(getattr(self, name))
            if got != shape:
                problems.append(f"{name} must have shape {shape}, got {got}.")
        if n > 1 and not np.all(np.diff(self.t_s) > 0):
            problems.append("t_s must be strictly increasing.")
        if len(self.frame_size) != 2 or min(self.frame_size) <= 0:
            problems.append(f"frame_size must be (width, height) > 0, got {self.frame_size}.")
        if problems:
            raise ValueError("Invalid LandmarkSeries: " + " ".join(problems))

    @classmethod
    def empty(
        cls,
        n: int,
        frame_size: tuple[int, int],
        model: str,
        source: str = "",
    ) -> LandmarkSeries:
        """Return a series of ``n`` frames filled with NaN (timestamps 0..n-1 s placeholders)."""
        nan = np.full((n, N_LANDMARKS), np.nan, dtype=np.float32)
        return cls(
            t_s=np.arange(n, dtype=np.float64),
            xy=np.full((n, N_LANDMARKS, 2), np.nan, dtype=np.float32),
            z=nan.copy(),
            visibility=nan.copy(),
            presence=nan.copy(),
            frame_size=(int(frame_size[0]), int(frame_size[1])),
            model=model,
            source=source,
        )

    def point(self, index: int) -> np.ndarray:
        """Return the (n, 2) pixel track of one landmark."""
        return self.xy[:, index, :]

    def with_log(self, operation: str, **params: Any) -> LandmarkSeries:
        """Return a copy whose log has one more entry (operation and its parameters)."""
        return LandmarkSeries(
            t_s=self.t_s,
            xy=self.xy,
            z=self.z,
            visibility=self.visibility,
            presence=self.presence,
            frame_size=self.frame_size,
            model=self.model,
            source=self.source,
            video=dict(self.video),
            log=[*self.log, {"operation": operation, **params}],
        )
