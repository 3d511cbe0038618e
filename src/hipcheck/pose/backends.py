"""Pose backends.

Every backend takes an upright RGB frame and a monotonic timestamp and returns the 33
BlazePose landmarks **normalised** to that frame (x/W, y/H, z scaled like x, visibility,
presence) as a ``(33, 5)`` float32 array, or None when no person is found. The caller
(:func:`hipcheck.pose.extract_landmarks`) converts to pixels.

- :class:`BlazePoseBackend` (default): the legacy ``mp.solutions.pose`` graph with the
  BlazePose *full* landmark model and the pose detector that ship inside the pinned
  ``mediapipe==0.10.21`` wheel. ``model_complexity=1`` is the only variant in the
  wheel (0 and 2 would be downloaded, which hipcheck never does). Tracking mode (the
  detector runs only when tracking is lost) and the model's own smoothing off, because
  hipcheck filters offline with a zero-lag Butterworth.
- :class:`TasksBackend`: the Tasks-API ``PoseLandmarker`` with a user-supplied
  ``.task`` bundle (lite/full/heavy), VIDEO running mode, strictly increasing
  millisecond timestamps.

One backend instance per clip or stream: re-creating it per frame destroys tracking
and speed.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Protocol

import numpy as np

from hipcheck.errors import ModelError
from hipcheck.landmarks import N_LANDMARKS

#: Model files the default backend needs inside the mediapipe wheel.
_BUNDLED_FILES = (
    "modules/pose_landmark/pose_landmark_full.tflite",
    "modules/pose_detection/pose_detection.tflite",
)


class PoseBackend(Protocol):
    """What every pose backend provides."""

    #: human-readable model description stored with the landmarks
    name: str

    def process(self, image_rgb: np.ndarray, t_ms: int) -> np.ndarray | None:
        """Return (33, 5) normalised x, y, z, visibility, presence, or None."""
        ...

    def reset(self) -> None:
        """Forget tracking state before a new clip or stream (keeps the model loaded)."""
        ...

    def close(self) -> None:
        """Release the model."""
        ...


def _mediapipe_dir() -> Path:
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or spec.origin is None:
        raise ModelError(
            "The 'mediapipe' package is not installed.",
            "Install hipcheck with pip (it pins mediapipe==0.10.21).",
        )
    return Path(spec.origin).parent


class BlazePoseBackend:
    """BlazePose full from the mediapipe wheel (legacy solutions API), fully offline.

    Parameters
    ----------
    min_detection_confidence, min_tracking_confidence
        MediaPipe thresholds (defaults 0.5).
    """

    name = "blazepose-full (mediapipe 0.10.21 legacy, bundled)"

    def __init__(
        self, min_detection_confidence: float = 0.5, min_tracking_confidence: float = 0.5
    ) -> None:
        root = _mediapipe_dir()
        missing = [f for f in _BUNDLED_FILES if not (root / f).is_file()]
        if missing:
            raise ModelError(
                f"The bundled BlazePose model files are missing from {root}: {missing}.",
                "Reinstall mediapipe==0.10.21 (newer releases do not ship the model), "
                "or pass a .task model file with --model.",
            )
        from mediapipe.python.solutions import pose as mp_pose

        self._pose = mp_pose.Pose(
            static_image_mode=False,
            model_complexity=1,
            smooth_landmarks=False,
            enable_segmentation=False,
            min_detection_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )

    def process(self, image_rgb: np.ndarray, t_ms: int) -> np.ndarray | None:
        """Run the model on one upright RGB frame (``t_ms`` unused: tracking is implicit)."""
        result = self._pose.process(image_rgb)
        if result.pose_landmarks is None:
            return None
        out = np.empty((N_LANDMARKS, 5), dtype=np.float32)
        for i, lm in enumerate(result.pose_landmarks.landmark):
            out[i] = (lm.x, lm.y, lm.z, lm.visibility, np.nan)
        return out

    def reset(self) -> None:
        """Forget tracking state: a reused instance then gives a fresh instance's output."""
        self._pose.reset()

    def close(self) -> None:
        """Release the graph."""
        self._pose.close()


class TasksBackend:
    """MediaPipe Tasks-API PoseLandmarker with a user-supplied ``.task`` bundle.

    Parameters
    ----------
    model_path
        Path to a ``pose_landmarker_{lite,full,heavy}.task`` file. Never downloaded.
    """

    def __init__(self, model_path: str | Path) -> None:
        path = Path(model_path).expanduser()
        if not path.is_file():
            raise ModelError(
                f"Pose model file not found: {path}.",
                "Pass the path of a MediaPipe .task bundle you have on this machine "
                "(hipcheck never downloads models), or omit --model to use the bundled one.",
            )
        from mediapipe.tasks.python import BaseOptions, vision

        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=1,
        )
        try:
            self._landmarker = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(
                f"Could not load the pose model {path}: {exc}",
                "Check that it is a MediaPipe PoseLandmarker .task bundle.",
            ) from exc
        self.name = f"tasks:{path.name}"
        self._options = options
        self._last_ms = -1

    def process(self, image_rgb: np.ndarray, t_ms: int) -> np.ndarray | None:
        """Run the model on one frame; timestamps are forced strictly increasing."""
        import mediapipe as mp

        t_ms = max(int(t_ms), self._last_ms + 1)
        self._last_ms = t_ms
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image_rgb))
        result = self._landmarker.detect_for_video(image, t_ms)
        if not result.pose_landmarks:
            return None
        out = np.empty((N_LANDMARKS, 5), dtype=np.float32)
        for i, lm in enumerate(result.pose_landmarks[0]):
            out[i] = (lm.x, lm.y, lm.z, lm.visibility, lm.presence)
        return out

    def reset(self) -> None:
        """Start a new VIDEO-mode stream (the Tasks API has no reset: rebuild the landmarker)."""
        from mediapipe.tasks.python import vision

        self._landmarker.close()
        self._landmarker = vision.PoseLandmarker.create_from_options(self._options)
        self._last_ms = -1

    def close(self) -> None:
        """Release the landmarker."""
        self._landmarker.close()


def make_backend(model: str | Path | None = None) -> PoseBackend:
    """Return the default bundled backend, or a Tasks backend for a ``.task`` path."""
    if model is None or str(model) in ("", "bundled", "blazepose"):
        return BlazePoseBackend()
    if Path(model).suffix != ".task":
        raise ModelError(
            f"Unsupported pose model file: {model}.",
            "Pass a MediaPipe PoseLandmarker .task bundle, or omit --model.",
        )
    return TasksBackend(model)
