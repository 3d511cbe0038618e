"""Pose landmark estimation: one backend interface, the bundled BlazePose by default.

See :mod:`hipcheck.pose.backends` for the backends and :func:`extract_landmarks` for
turning a video into a :class:`~hipcheck.landmarks.LandmarkSeries`.
"""

from hipcheck.pose.backends import (
    BlazePoseBackend,
    PoseBackend,
    TasksBackend,
    make_backend,
)
from hipcheck.pose.extract import extract_landmarks

__all__ = [
    "BlazePoseBackend",
    "PoseBackend",
    "TasksBackend",
    "extract_landmarks",
    "make_backend",
]
