"""Pose landmark estimation: one backend interface, the bundled BlazePose by default.

See :mod:`hipcheck.pose.backends` for the backends, :mod:`hipcheck.pose.models` for
choosing and installing models (``full``, ``heavy``, ``.task``) and
:func:`extract_landmarks` for turning a video into a
:class:`~hipcheck.landmarks.LandmarkSeries` (in segments on several processes when
that is faster: :mod:`hipcheck.pose.parallel`).

Names are imported on first use, so a worker process or ``hipcheck --help`` does not
pay for modules it does not need.
"""

from __future__ import annotations

from hipcheck._lazy import lazy_getattr

_LAZY = {
    "BlazePoseBackend": "hipcheck.pose.backends",
    "PoseBackend": "hipcheck.pose.backends",
    "TasksBackend": "hipcheck.pose.backends",
    "make_backend": "hipcheck.pose.backends",
    "extract_landmarks": "hipcheck.pose.extract",
    "PoseModel": "hipcheck.pose.models",
    "install_model": "hipcheck.pose.models",
    "list_models": "hipcheck.pose.models",
    "resolve_model": "hipcheck.pose.models",
}

__all__ = list(_LAZY)

__getattr__ = lazy_getattr(__name__, _LAZY)
