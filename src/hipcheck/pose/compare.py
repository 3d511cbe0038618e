"""How far two landmark runs of the same clip are apart (pure functions).

Used by the seam test and ``benchmarks/seams.py`` to state the tolerance of the
parallel (segmented) run against the single-process run, in landmark pixels and in
every number the assessment reports per repetition.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from hipcheck.landmarks import LandmarkSeries

#: Landmarks count in the pixel comparison when both runs see them at least this well.
MIN_VISIBILITY = 0.5


def landmark_distances(
    a: LandmarkSeries, b: LandmarkSeries, frames: slice | np.ndarray | None = None
) -> np.ndarray:
    """Pixel distances between the two runs' landmarks that both see (flat array).

    Parameters
    ----------
    a, b
        Two series of the same clip (same frames).
    frames
        Frames to compare (default all).

    Raises
    ------
    ValueError
        The series have different frame counts.
    """
    if a.n_frames != b.n_frames:
        raise ValueError(f"different frame counts: {a.n_frames} vs {b.n_frames}")
    sel = slice(None) if frames is None else frames
    seen = (a.visibility[sel] > MIN_VISIBILITY) & (b.visibility[sel] > MIN_VISIBILITY)
    d = np.linalg.norm(a.xy[sel] - b.xy[sel], axis=-1)
    return d[seen & np.isfinite(d)]


def summarise_distances(d: np.ndarray) -> dict[str, float]:
    """Median, 95th percentile and maximum of pixel distances (NaN when empty)."""
    if d.size == 0:
        return {"n": 0, "median_px": np.nan, "p95_px": np.nan, "max_px": np.nan}
    return {
        "n": int(d.size),
        "median_px": float(np.median(d)),
        "p95_px": float(np.percentile(d, 95)),
        "max_px": float(d.max()),
    }


def _numbers(obj: Any, path: str = "") -> Iterator[tuple[str, float]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _numbers(v, f"{path}.{k}" if path else str(k))
    elif isinstance(obj, bool) or obj is None:
        return
    elif isinstance(obj, int | float):
        yield path, float(obj)


def _rep_numbers(rep: dict[str, Any]) -> dict[str, Any]:
    timing = {k: v for k, v in rep.items() if k.endswith(("_s", "_frame")) or k == "depth"}
    return {**rep.get("metrics", {}), "timing": timing}


def rep_metric_differences(a: dict[str, Any], b: dict[str, Any]) -> dict[str, float]:
    """Absolute differences of every number of each repetition: metrics and timing.

    Parameters
    ----------
    a, b
        Two assessments as dicts (``Assessment.to_dict()``) with the same repetitions.

    Returns
    -------
    dict
        ``"rep<i>.<metric>[.<limb>].<field>"`` -> ``|a - b|`` (NaN when only one side
        has a number); timing as ``"rep<i>.timing.<start_s|bottom_s|...>"``.

    Raises
    ------
    ValueError
        The assessments found different numbers of repetitions.
    """
    reps_a, reps_b = a.get("reps", []), b.get("reps", [])
    if len(reps_a) != len(reps_b):
        raise ValueError(f"different repetitions: {len(reps_a)} vs {len(reps_b)}")
    out: dict[str, float] = {}
    for i, (ra, rb) in enumerate(zip(reps_a, reps_b, strict=True), start=1):
        na = dict(_numbers(_rep_numbers(ra)))
        nb = dict(_numbers(_rep_numbers(rb)))
        for key in sorted(set(na) | set(nb)):
            va, vb = na.get(key), nb.get(key)
            out[f"rep{i}.{key}"] = abs(va - vb) if va is not None and vb is not None else np.nan
    return out


def metric_summary(diffs: dict[str, float]) -> dict[str, float]:
    """Largest difference per metric and field, over repetitions and limbs.

    A number present in one run and missing in the other counts as infinitely far.
    """
    worst: dict[str, float] = {}
    for key, v in diffs.items():
        parts = key.split(".")
        name = f"{parts[1]}.{parts[-1]}"  # metric . field (limbs pooled)
        worst[name] = max(worst.get(name, 0.0), v if np.isfinite(v) else np.inf)
    return worst
