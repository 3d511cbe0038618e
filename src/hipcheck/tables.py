"""Tidy tables from an assessment (``reps.csv`` and the batch ``reps`` table).

``reps_table`` has one row per repetition and limb: single-leg tasks give one row (the
stance limb), double-leg squats two (left and right; pelvis and trunk values repeat).
Columns: ``rep``, ``task``, ``side`` (stance side or ``both``), ``limb``, ``start_s``,
``bottom_s``, ``end_s``, ``depth``, then for each metric ``pelvic_drop``, ``knee_valgus``,
``trunk_lean`` (degrees) and ``kasr`` (ratio): ``{metric}``, the headline value
(baseline-relative at peak knee flexion), ``{metric}_bottom``, ``{metric}_peak``,
``{metric}_peak_rel``, ``{metric}_status``, ``{metric}_rating``, ``{metric}_source``,
plus ``piva_score`` and ``quality`` (semicolon-separated flags).
"""

from __future__ import annotations

import pandas as pd

from hipcheck.model import Assessment, MetricValue

_NAMES = {
    "pelvic_drop_deg": "pelvic_drop",
    "knee_valgus_deg": "knee_valgus",
    "trunk_lean_deg": "trunk_lean",
    "kasr": "kasr",
}


def reps_table(assessment: Assessment) -> pd.DataFrame:
    """Return the per-rep, per-limb table of an assessment (see the module docstring)."""
    rows = []
    for rep in assessment.reps:
        limbs = ("left", "right") if rep.side == "both" else (rep.side,)
        for limb in limbs:
            row: dict[str, object] = {
                "rep": rep.index,
                "task": rep.task,
                "side": rep.side,
                "limb": limb,
                "start_s": rep.start_s,
                "bottom_s": rep.bottom_s,
                "end_s": rep.end_s,
                "depth": rep.depth,
            }
            for key, short in _NAMES.items():
                value = rep.metrics.get(key)
                if isinstance(value, dict) and key == "knee_valgus_deg":
                    value = value.get(limb)
                m = MetricValue.coerce(value)
                row[short] = m.bottom_rel if m else None
                row[f"{short}_bottom"] = m.bottom if m else None
                row[f"{short}_peak"] = m.peak if m else None
                row[f"{short}_peak_rel"] = m.peak_rel if m else None
                row[f"{short}_status"] = m.status if m else None
                row[f"{short}_rating"] = m.rating if m else None
                row[f"{short}_source"] = m.source if m else None
            row["piva_score"] = rep.piva_score
            row["quality"] = ";".join(rep.quality)
            rows.append(row)
    columns = ["rep", "task", "side", "limb", "start_s", "bottom_s", "end_s", "depth"]
    for short in _NAMES.values():
        columns += [short] + [
            f"{short}_{s}" for s in ("bottom", "peak", "peak_rel", "status", "rating", "source")
        ]
    columns += ["piva_score", "quality"]
    return pd.DataFrame(rows, columns=columns)
