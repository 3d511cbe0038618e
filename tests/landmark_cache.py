"""Cached pose landmarks of test clips (a plain module, import it from tests and benchmarks).

Running the pose model is the expensive part of the tests that use video. The landmarks
of a clip are written once to ``HIPCHECK_LANDMARK_CACHE`` (default
``<tmp>/hipcheck-cache/landmarks``) as ``<stem>.<model>.<max_side>.parquet`` (parquet from
:func:`hipcheck.io.landmarks.save_landmarks`; ``max_side`` is ``none`` for full-size
frames) and reused by later tests and sessions. A cached file is used only when it was
made from a file of the same size (stored in the series' video facts).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hipcheck.errors import LandmarkFileError
from hipcheck.io.landmarks import load_landmarks, save_landmarks
from hipcheck.landmarks import LandmarkSeries

MODEL = "full"


def cache_dir() -> Path:
    """Folder of the landmark cache."""
    default = Path(tempfile.gettempdir()) / "hipcheck-cache" / "landmarks"
    return Path(os.environ.get("HIPCHECK_LANDMARK_CACHE", default))


def cache_path(video: str | Path, max_side: int | None = None) -> Path:
    """Cache file of ``video``'s landmarks (bundled full model, ``max_side``)."""
    side = "none" if max_side is None else str(int(max_side))
    return cache_dir() / f"{Path(video).stem}.{MODEL}.{side}.parquet"


def cached_landmarks(video: str | Path, max_side: int | None = None) -> LandmarkSeries:
    """Landmarks of ``video`` from the cache, running the pose model once if needed."""
    path = cache_path(video, max_side)
    size = Path(video).stat().st_size
    if path.is_file():
        try:
            series = load_landmarks(path)
        except LandmarkFileError:  # a broken cache file is rebuilt
            series = None
        if series is not None and series.video.get("file_size", size) == size:
            return series
    from hipcheck.pose import extract_landmarks

    series = extract_landmarks(video, max_side=max_side)
    series.video["file_size"] = size
    save_landmarks(series, path)
    return series
