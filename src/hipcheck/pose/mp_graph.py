"""The BlazePose graph of MediaPipe's legacy pose solution, with the landmark model chosen.

MediaPipe's ``mp.solutions.pose.Pose`` runs the graph ``pose_landmark_cpu.binarypb``
inside the mediapipe wheel. Its landmark model is picked by the ``model_complexity``
side packet from three file names relative to the wheel
(``modules/pose_landmark/pose_landmark_{lite,full,heavy}.tflite``); for 0 and 2 the
Python wrapper downloads the file into the installed package first. hipcheck never
does that. Instead, for the heavy model, it expands the graph once in Python and
replaces the heavy slot's file name by the absolute path of the installed, verified
file (MediaPipe loads absolute paths as they are), then starts the graph from that
config with ``model_complexity=2``. Everything else (detector, tracking, ROI logic)
is the same graph the full model runs in, so full and heavy differ only in the
landmark network, and nothing is written into site-packages.

Importing the ``mediapipe`` package runs its ``__init__``, which loads every legacy
solution, matplotlib (for drawing helpers) and the Tasks API: about 0.7 s of CPU that
the pose graph does not need. :func:`load_solution_base` imports only the graph
runtime when ``mediapipe`` is not imported yet, and leaves a hook so that any later
``mediapipe.<name>`` access completes the normal package import.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

import numpy as np

from hipcheck.errors import ModelError
from hipcheck.landmarks import N_LANDMARKS

#: The legacy pose graph and the model files the bundled (full) variant needs, relative
#: to the folder holding the ``mediapipe`` package.
BINARY_GRAPH = "mediapipe/modules/pose_landmark/pose_landmark_cpu.binarypb"
BUNDLED_FILES = (
    "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
    "mediapipe/modules/pose_detection/pose_detection.tflite",
)
#: The heavy slot of the graph's model switch (``model_complexity=2``).
HEAVY_SLOT = "mediapipe/modules/pose_landmark/pose_landmark_heavy.tflite"
COMPLEXITY = {"full": 1, "heavy": 2}

#: Calculator-option protos the pose graph's nodes use; they must be registered before
#: the graph is parsed (``mediapipe.python.solutions.pose`` imports the same list).
_OPTION_PROTOS = (
    "calculators.core.constant_side_packet_calculator_pb2",
    "calculators.core.gate_calculator_pb2",
    "calculators.core.split_vector_calculator_pb2",
    "calculators.image.warp_affine_calculator_pb2",
    "calculators.tensor.image_to_tensor_calculator_pb2",
    "calculators.tensor.inference_calculator_pb2",
    "calculators.tensor.tensors_to_classification_calculator_pb2",
    "calculators.tensor.tensors_to_detections_calculator_pb2",
    "calculators.tensor.tensors_to_landmarks_calculator_pb2",
    "calculators.tensor.tensors_to_segmentation_calculator_pb2",
    "calculators.tflite.ssd_anchors_calculator_pb2",
    "calculators.util.detections_to_rects_calculator_pb2",
    "calculators.util.landmarks_smoothing_calculator_pb2",
    "calculators.util.local_file_contents_calculator_pb2",
    "calculators.util.logic_calculator_pb2",
    "calculators.util.non_max_suppression_calculator_pb2",
    "calculators.util.rect_transformation_calculator_pb2",
    "calculators.util.thresholding_calculator_pb2",
    "calculators.util.visibility_smoothing_calculator_pb2",
    "framework.tool.switch_container_pb2",
)


def mediapipe_root() -> Path:
    """Return the folder that holds the ``mediapipe`` package (found without importing it)."""
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or spec.origin is None:
        raise ModelError(
            "The 'mediapipe' package is not installed.",
            "Install hipcheck with pip (it pins mediapipe==0.10.21).",
        )
    return Path(spec.origin).parent.parent


def bundled_full_path() -> Path | None:
    """Return the wheel's full landmark model, or None when mediapipe or the file is missing."""
    try:
        path = mediapipe_root() / BUNDLED_FILES[0]
    except ModelError:
        return None
    return path if path.is_file() else None


def _light_package() -> None:
    """Register ``mediapipe`` without running its ``__init__`` (completed on first use)."""
    if "mediapipe" in sys.modules:
        return
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or spec.loader is None:
        raise ModelError("The 'mediapipe' package is not installed.", None)
    loader = spec.loader
    pkg = importlib.util.module_from_spec(spec)

    def complete(name: str) -> Any:
        # PEP 562 hook: the first attribute the light module lacks runs the real
        # ``mediapipe/__init__.py`` in place, so ``import mediapipe as mp; mp.Image``
        # elsewhere in the process behaves as usual.
        del vars(pkg)["__getattr__"]
        loader.exec_module(pkg)
        return getattr(pkg, name)

    # a module-level function in the namespace (PEP 562), not a method of ModuleType
    vars(pkg)["__getattr__"] = complete
    sys.modules["mediapipe"] = pkg


def load_solution_base() -> type:
    """Import MediaPipe's graph runtime (``SolutionBase``) as cheaply as possible."""
    _light_package()
    for name in _OPTION_PROTOS:
        importlib.import_module(f"mediapipe.{name}")
    from mediapipe.python.solution_base import SolutionBase

    return SolutionBase


def heavy_graph_config(model_path: Path) -> Any:
    """Return the pose graph, expanded, with the heavy slot pointing at ``model_path``."""
    from mediapipe.calculators.core import constant_side_packet_calculator_pb2 as csp
    from mediapipe.framework import calculator_pb2
    from mediapipe.python._framework_bindings import resource_util, validated_graph_config

    root = mediapipe_root()
    resource_util.set_resource_dir(str(root))
    validated = validated_graph_config.ValidatedGraphConfig()
    validated.initialize(binary_graph_path=str(root / BINARY_GRAPH))
    config = calculator_pb2.CalculatorGraphConfig()
    config.ParseFromString(validated.binary_config)
    replaced = 0
    for node in config.node:
        if node.calculator != "ConstantSidePacketCalculator":
            continue
        options = node.options.Extensions[csp.ConstantSidePacketCalculatorOptions.ext]
        for packet in options.packet:
            if packet.HasField("string_value") and packet.string_value == HEAVY_SLOT:
                packet.string_value = str(Path(model_path).resolve())
                replaced += 1
    if replaced != 1:  # a mediapipe release with another graph layout
        raise ModelError(
            f"This mediapipe release's pose graph has no single heavy-model slot ({replaced}).",
            "Use mediapipe==0.10.21 (pinned by hipcheck) or --model full.",
        )
    return config


class PoseGraph:
    """One running legacy BlazePose graph (tracking mode, no smoothing, no segmentation).

    Parameters
    ----------
    variant
        ``full`` (bundled) or ``heavy``.
    model_path
        The verified heavy landmark model (required for ``heavy``).
    min_detection_confidence, min_tracking_confidence
        MediaPipe's thresholds.
    """

    def __init__(
        self,
        variant: str = "full",
        model_path: Path | None = None,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        if variant not in COMPLEXITY:
            raise ValueError(f"variant must be full or heavy, got {variant!r}")
        root = mediapipe_root()
        missing = [f for f in BUNDLED_FILES if not (root / f).is_file()]
        if missing:
            raise ModelError(
                f"The bundled BlazePose model files are missing from {root}: {missing}.",
                "Reinstall mediapipe==0.10.21 (newer releases do not ship the model), "
                "or pass a .task model file with --model.",
            )
        solution_base = load_solution_base()
        graph: dict[str, Any] = {"binary_graph_path": BINARY_GRAPH}
        if variant == "heavy":
            if model_path is None:
                raise ValueError("the heavy variant needs model_path")
            graph = {"graph_config": heavy_graph_config(model_path)}
        self._solution = solution_base(
            **graph,
            side_inputs={
                "model_complexity": COMPLEXITY[variant],
                "smooth_landmarks": False,
                "enable_segmentation": False,
                "smooth_segmentation": False,
                "use_prev_landmarks": True,
            },
            calculator_params={
                "posedetectioncpu__TensorsToDetectionsCalculator.min_score_thresh": (
                    min_detection_confidence
                ),
                "poselandmarkbyroicpu__tensorstoposelandmarksandsegmentation"
                "__ThresholdingCalculator.threshold": min_tracking_confidence,
            },
            outputs=["pose_landmarks"],
        )

    def process(self, image_rgb: np.ndarray) -> np.ndarray | None:
        """Landmarks of one RGB frame: (33, 5) normalised x, y, z, visibility, NaN."""
        result = self._solution.process({"image": image_rgb})
        landmarks = result.pose_landmarks
        if landmarks is None:
            return None
        out = np.empty((N_LANDMARKS, 5), dtype=np.float32)
        for i, lm in enumerate(landmarks.landmark):
            out[i] = (lm.x, lm.y, lm.z, lm.visibility, np.nan)
        return out

    def reset(self) -> None:
        """Forget tracking state."""
        self._solution.reset()

    def close(self) -> None:
        """Stop the graph."""
        self._solution.close()
