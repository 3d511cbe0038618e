"""hipcheck: screen single-leg squats, step-downs and squats from video.

The public API is imported lazily so that ``import hipcheck`` stays fast and has no
side effects (no model is loaded until a function needs it).
"""

from __future__ import annotations

from hipcheck._lazy import lazy_getattr

__version__ = "0.1.0"

_LAZY = {
    "analyze_video": "hipcheck.pipeline",
    "analyze_landmarks": "hipcheck.pipeline",
    "extract_landmarks": "hipcheck.pose",
    "open_video": "hipcheck.io.video",
    "probe_video": "hipcheck.io.video",
    "load_landmarks": "hipcheck.io.landmarks",
    "save_landmarks": "hipcheck.io.landmarks",
    "LandmarkSeries": "hipcheck.landmarks",
    "Assessment": "hipcheck.model",
    "HipcheckError": "hipcheck.errors",
}

__all__ = ["__version__", *_LAZY]


__getattr__ = lazy_getattr(__name__, _LAZY)
