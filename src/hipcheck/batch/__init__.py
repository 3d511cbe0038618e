"""Batch analysis for researchers: folders, globs or a manifest in, tidy tables out.

Public API::

    from hipcheck.batch import run_batch
    result = run_batch(["videos/"], "out/", workers=2)           # or manifest="m.csv"
    result = run_batch(manifest="m.csv", out_dir="out/", scheduler="tcp://host:8786")

Outputs (see docs/BATCH.md): ``out/clips/<clip-id>/`` per clip (``assessment.json``,
``reps.csv``, ``landmarks.parquet``, ``kinematics.parquet``, ``status.json`` last),
``out/reps.{csv,parquet}``, ``out/clips.{csv,parquet}`` and ``out/run.log``.

Submodules are imported lazily (``hipcheck --help`` stays fast).
"""

from __future__ import annotations

from hipcheck._lazy import lazy_getattr

_LAZY = {
    "run_batch": "hipcheck.batch.runner",
    "analyze_clip": "hipcheck.batch.runner",
    "BatchResult": "hipcheck.batch.runner",
    "ClipJob": "hipcheck.batch.discover",
    "discover_inputs": "hipcheck.batch.discover",
    "read_manifest": "hipcheck.batch.discover",
    "build_tables": "hipcheck.batch.tables",
    "read_tables": "hipcheck.batch.tables",
}

__all__ = list(_LAZY)


__getattr__ = lazy_getattr(__name__, _LAZY)
