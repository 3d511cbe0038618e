"""Per-repetition metric values from the per-frame kinematics (before validity rules).

For each metric of the registry (:mod:`hipcheck.metrics`) and each limb key of a rep,
:func:`rep_values` reads the metric's kinematics column and returns a
:class:`~hipcheck.model.MetricValue` with

- ``bottom``: the value at peak knee flexion (the rep's lowest-pelvis frame);
- ``peak``: the extreme over the descent (start to bottom) in the fault direction
  (largest for angles, smallest for the knee/ankle ratio);
- ``baseline``: the mean of the column over the rep's standing reference frames;
- ``bottom_rel = bottom - baseline`` and ``peak_rel = peak - baseline``;
- ``value``: the headline named by the spec (``bottom_rel``, or ``bottom`` for the ratio).

A value can be read at another frame than the bottom (``read_frames``: the FPPA of a
single-leg rep deeper than the 2D angle's valid range, see
:func:`hipcheck.plausibility.fppa_read_frame`); ``bottom`` and ``peak`` then refer to
that frame and the descent before it, and ``read_s`` says when it was.

Double-leg squats have no stance side, so pelvic drop and trunk lean (``magnitude``
metrics) are read from the left-stance column (+ = the right side lower / leaning left)
and their headline is the unsigned deviation ``|bottom_rel|``; the peak is the descent
frame with the largest deviation.

The standing reference values of a set of frames are computed once by
:func:`reference_values` and shared by the assessment and the baseline-relative
kinematics columns, so both always agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from hipcheck.metrics import METRICS, MetricSpec
from hipcheck.model import MetricValue, Source


def metric_columns(kin: pd.DataFrame) -> list[str]:
    """Return the kinematics columns that carry a metric (those references are taken of)."""
    cols = []
    for m in METRICS:
        for side in ("left", "right"):
            col = m.column_for(side)
            if col in kin.columns and col not in cols:
                cols.append(col)
    return cols


def reference_values(kin: pd.DataFrame, frames: np.ndarray) -> dict[str, float]:
    """Mean of every metric column over the standing reference ``frames`` (NaN-aware).

    A column with no finite value in those frames gives NaN.
    """
    out = {}
    for col in metric_columns(kin):
        values = kin[col].to_numpy(float)[np.asarray(frames, dtype=int)]
        finite = values[np.isfinite(values)]
        out[col] = float(finite.mean()) if finite.size else float("nan")
    return out


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def metric_value(
    m: MetricSpec,
    series: np.ndarray,
    start: int,
    bottom: int,
    base: float,
    *,
    magnitude: bool = False,
    source: Source = "landmarks",
) -> MetricValue:
    """Bottom, descent peak and baseline-relative values of one per-frame series.

    Parameters
    ----------
    m
        The metric.
    series
        The metric's per-frame values (NaN where unknown).
    start, bottom
        Frame indices of the rep's start and its lowest-pelvis frame.
    base
        The standing reference value of the series.
    magnitude
        Report the unsigned deviation as the headline (double-leg squats).
    source
        ``landmarks`` or ``markers``.

    Returns
    -------
    MetricValue
        Status ``measured`` without a rating (rules come later), or ``not_measurable``
        when the bottom value or the reference is missing.
    """
    b = float(series[bottom])
    if not np.isfinite(b) or not np.isfinite(base):
        what = "skin markers" if source == "markers" else "body points"
        return MetricValue.not_measurable(
            f"The {what} were not visible at the bottom of the repetition or in the "
            "standing reference.",
            source,
        )
    descent = series[start : bottom + 1]
    descent = descent[np.isfinite(descent)]
    if magnitude:
        peak = float(descent[np.argmax(np.abs(descent - base))])
    elif m.worse == "lower":
        peak = float(descent.min())
    else:
        peak = float(descent.max())
    rel = b - base
    headline = abs(rel) if magnitude else (rel if m.headline == "bottom_rel" else b)
    return MetricValue(
        value=headline,
        bottom=b,
        bottom_rel=rel,
        peak=peak,
        peak_rel=peak - base,
        baseline=float(base),
        source=source,
    )


def rep_values(
    kin: pd.DataFrame,
    *,
    side: str,
    start: int,
    bottom: int,
    reference: dict[str, float],
    sources: dict[str, Source],
    metrics: Iterable[MetricSpec] = METRICS,
    read_frames: Mapping[tuple[str, str], int] | None = None,
) -> dict[str, dict[str, MetricValue]]:
    """Every metric value of one rep, keyed ``[metric][limb]`` (see :mod:`hipcheck.model`).

    Parameters
    ----------
    kin
        Per-frame kinematics (the analysis grid).
    side
        The rep's stance side (``left``/``right``) or ``both``.
    start, bottom
        Frame indices of the rep's start and bottom.
    reference
        :func:`reference_values` of the rep's standing reference.
    sources
        Source per metric name (``landmarks`` unless markers measured it).
    metrics
        The metrics to compute (default: the whole registry).
    read_frames
        ``(metric, limb) -> frame`` for values read at another frame than the bottom.
    """
    t = kin["t_s"].to_numpy(float)
    out: dict[str, dict[str, MetricValue]] = {}
    for m in metrics:
        limbs = m.limbs(side)
        if not limbs:
            continue
        values = {}
        for limb in limbs:
            col_side = limb if limb in ("left", "right") else "left"
            col = m.column_for(col_side)
            read = (read_frames or {}).get((m.name, limb))
            mv = metric_value(
                m,
                kin[col].to_numpy(float),
                start,
                bottom if read is None else read,
                reference.get(col, float("nan")),
                magnitude=limb == "both" and m.bilateral == "magnitude",
                source=sources.get(m.name, "landmarks"),
            )
            values[limb] = mv if read is None else replace(mv, read_s=float(t[read]))
        out[m.name] = values
    return out
