"""Tidy tables from an assessment (``reps.csv`` and the batch ``reps`` table).

``reps_table`` has one row per repetition and limb: single-leg tasks give one row (the
stance limb), double-leg squats two (left and right; values of the rep as a whole, such
as the knee/ankle ratio, repeat on both rows). Columns: ``rep``, ``task``, ``side``
(stance side or ``both``), ``limb``, ``start_s``, ``bottom_s``, ``end_s``, ``depth``, then
for each metric of the registry (:mod:`hipcheck.metrics`, prefix ``short``:
``pelvic_drop``, ``knee_valgus``, ``trunk_lean``, ``kasr``): ``{short}`` = the headline
value (the number that is rated and shown everywhere else), ``{short}_bottom``,
``{short}_bottom_rel``, ``{short}_peak``, ``{short}_peak_rel``, ``{short}_baseline``,
``{short}_read_s``, ``{short}_status``, ``{short}_rating``, ``{short}_source``; then
``piva_score`` and ``quality`` (semicolon-separated flags). A value that is not measurable
is empty.
"""

from __future__ import annotations

import pandas as pd

from hipcheck.metrics import METRICS
from hipcheck.model import Assessment

#: per-metric column suffixes after the headline column, in order
FIELDS: tuple[str, ...] = (
    "bottom",
    "bottom_rel",
    "peak",
    "peak_rel",
    "baseline",
    "read_s",
    "status",
    "rating",
    "source",
)


def reps_columns() -> list[str]:
    """Return the columns of :func:`reps_table`, in order."""
    columns = ["rep", "task", "side", "limb", "start_s", "bottom_s", "end_s", "depth"]
    for m in METRICS:
        columns += [m.short] + [f"{m.short}_{f}" for f in FIELDS]
    return [*columns, "piva_score", "quality"]


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
            for m in METRICS:
                values = rep.metrics.get(m.name, {})
                mv = values.get(limb) or values.get(rep.side)  # type: ignore[call-overload]
                row[m.short] = mv.value if mv else None
                for f in FIELDS:
                    row[f"{m.short}_{f}"] = getattr(mv, f) if mv else None
            row["piva_score"] = rep.piva_score
            row["quality"] = ";".join(rep.quality)
            rows.append(row)
    return pd.DataFrame(rows, columns=reps_columns())
