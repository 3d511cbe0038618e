"""Synthetic ground-truth clips of a drawn figure with known angles.

The figure does single-leg squats, step-downs and double-leg squats with known pelvic
drop, knee valgus (FPPA), trunk lean and depth.

Public API::

    from hipcheck.synth import ClipSpec, generate_clip, render_frames, load_truth
    truth = generate_clip("clip.mp4", ClipSpec(side="left", fppa_deg=15), seed=1)

Submodules are imported lazily (no OpenCV import until needed).
"""

from __future__ import annotations

from hipcheck._lazy import lazy_getattr

_LAZY = {
    "ClipSpec": "hipcheck.synth.generate",
    "FrameTruth": "hipcheck.synth.generate",
    "generate_clip": "hipcheck.synth.generate",
    "render_frames": "hipcheck.synth.generate",
    "Truth": "hipcheck.synth.truth",
    "load_truth": "hipcheck.synth.truth",
    "truth_path": "hipcheck.synth.truth",
}

__all__ = list(_LAZY)


__getattr__ = lazy_getattr(__name__, _LAZY)
