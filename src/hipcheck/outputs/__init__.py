"""The output layer: analysis folders written as one unit and read back safely.

- :mod:`~hipcheck.outputs.atomic`: the one atomic-write helper (unique temporary file,
  flushed, renamed into place) and the mapping of write errors to clear messages;
- :mod:`~hipcheck.outputs.folder`: :class:`OutputFolder`, an output set staged and
  committed with ``assessment.json`` last (stale files of a previous run removed);
- :mod:`~hipcheck.outputs.lock`: the lock file that keeps a second run out of a folder;
- :mod:`~hipcheck.outputs.writers`: the writer registry (json, csv, parquet, annotated
  video, pdf, html) and :func:`save_analysis`, used by the CLI, the app and batch;
- :mod:`~hipcheck.outputs.load`: :func:`load_assessment` and :func:`load_analysis`.

Submodules are imported lazily (``hipcheck --help`` stays fast).
"""

from __future__ import annotations

from hipcheck._lazy import lazy_getattr

_LAZY = {
    "atomic_path": "hipcheck.outputs.atomic",
    "atomic_write_bytes": "hipcheck.outputs.atomic",
    "atomic_write_text": "hipcheck.outputs.atomic",
    "output_error": "hipcheck.outputs.atomic",
    "OutputFolder": "hipcheck.outputs.folder",
    "FolderLock": "hipcheck.outputs.lock",
    "AnalysisData": "hipcheck.outputs.writers",
    "OutputOptions": "hipcheck.outputs.writers",
    "WRITERS": "hipcheck.outputs.writers",
    "CORE_FORMATS": "hipcheck.outputs.writers",
    "OUTPUT_NAMES": "hipcheck.outputs.writers",
    "assessment_json": "hipcheck.outputs.writers",
    "reps_csv": "hipcheck.outputs.writers",
    "save_analysis": "hipcheck.outputs.writers",
    "select_formats": "hipcheck.outputs.writers",
    "write_outputs": "hipcheck.outputs.writers",
    "load_analysis": "hipcheck.outputs.load",
    "load_assessment": "hipcheck.outputs.load",
    "read_json_document": "hipcheck.io.jsonfile",
}

__all__ = list(_LAZY)


__getattr__ = lazy_getattr(__name__, _LAZY)
