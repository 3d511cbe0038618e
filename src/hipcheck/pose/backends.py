"""Pose backends.

Every backend takes an upright RGB frame and a monotonic timestamp and returns the 33
BlazePose landmarks **normalised** to that frame (x/W, y/H, z scaled like x, visibility,
presence) as a ``(33, 5)`` float32 array, or None when no person is found. The caller
(:func:`hipcheck.pose.extract_landmarks`) converts to pixels.

- :class:`BlazePoseBackend` (default): the legacy BlazePose graph of the pinned
  ``mediapipe==0.10.21`` wheel with its pose detector and the *full* landmark model
  inside the wheel, or the *heavy* landmark model once installed
  (:mod:`hipcheck.pose.models`, :mod:`hipcheck.pose.mp_graph`). Tracking mode (the
  detector runs only when tracking is lost) and the model's own smoothing off, because
  hipcheck filters offline with a zero-lag Butterworth.
- :class:`TasksBackend`: the Tasks-API ``PoseLandmarker`` with a user-supplied
  ``.task`` bundle (lite/full/heavy), VIDEO running mode, strictly increasing
  millisecond timestamps.

One backend instance per clip or stream: re-creating it per frame destroys tracking
and speed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from hipcheck.errors import ModelError
from hipcheck.landmarks import N_LANDMARKS
from hipcheck.pose.models import PoseModel, resolve_model


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


class BlazePoseBackend:
    """BlazePose (legacy graph) with the full model from the wheel or the installed heavy one.

    Parameters
    ----------
    variant
        ``full`` (bundled, zero set-up) or ``heavy`` (``hipcheck models install heavy``).
    model_path
        The heavy landmark model; default: the installed, verified one.
    min_detection_confidence, min_tracking_confidence
        MediaPipe thresholds (defaults 0.5).
    """

    def __init__(
        self,
        variant: str = "full",
        model_path: str | Path | None = None,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        from hipcheck.pose.mp_graph import PoseGraph

        if variant == "heavy" and model_path is None:
            from hipcheck.pose.models import resolve_model

            model_path = resolve_model("heavy").path
        self.variant = variant
        self.name = f"blazepose-{variant} (mediapipe 0.10.21 legacy graph)"
        self._graph = PoseGraph(
            variant,
            None if model_path is None else Path(model_path),
            min_detection_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )

    def process(self, image_rgb: np.ndarray, t_ms: int) -> np.ndarray | None:
        """Run the model on one upright RGB frame (``t_ms`` unused: tracking is implicit)."""
        return self._graph.process(image_rgb)

    def reset(self) -> None:
        """Forget tracking state: a reused instance then gives a fresh instance's output."""
        self._graph.reset()

    def close(self) -> None:
        """Release the graph."""
        self._graph.close()


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


def make_backend(model: str | Path | PoseModel | None = None) -> PoseBackend:
    """Return a backend for ``model``: None or ``full`` (bundled), ``heavy``, or a ``.task``.

    None always means the bundled full model (live mode and the app rely on that); the
    offline default is chosen by :func:`hipcheck.pose.extract_landmarks`.

    Raises
    ------
    hipcheck.errors.ModelError
        See :func:`hipcheck.pose.models.resolve_model`.
    """
    resolved = resolve_model(model)
    if resolved.kind == "task":
        return TasksBackend(resolved.path)  # type: ignore[arg-type]
    return BlazePoseBackend(resolved.kind, resolved.path)
