"""Trend plot of a person's sessions (matplotlib Figure, no pyplot global state)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from hipcheck.history.compare import load_mdc
from hipcheck.metrics import NAMES as METRICS
from hipcheck.metrics import spec

COLORS = {"left": "#1f77b4", "right": "#d62728", "both": "#2ca02c"}


def plot_trend(df: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Plot each metric's mean value per session and side.

    Parameters
    ----------
    df
        Output of :func:`hipcheck.history.compare.trend` (or ``trend_from_assessments``).
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per metric with values; filled markers = measured, hollow =
        indicative; the shaded band is +- the minimum detectable change around each
        side's first value (changes inside it may be noise). Attached to an Agg canvas,
        so ``fig.savefig`` works without pyplot.
    """
    values = df[df["mean_value"].notna()] if len(df) else df
    present = [m for m in METRICS if m in set(values.get("metric", []))]
    n = max(len(present), 1)
    fig = Figure(figsize=(7.5, 2.3 * n + 0.8), layout="constrained")
    FigureCanvasAgg(fig)
    if not present:
        ax = fig.add_subplot()
        ax.text(0.5, 0.5, "No measured values to plot", ha="center", va="center")
        ax.set_axis_off()
        return fig

    sessions = df.drop_duplicates("session_id")[["session_id", "label"]]
    x_of = {sid: i for i, sid in enumerate(sessions["session_id"])}
    mdc = load_mdc()
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    for ax, metric in zip(axes, present, strict=True):
        sub = values[values["metric"] == metric]
        for side, g in sub.groupby("side", sort=True):
            color = COLORS.get(str(side), "#555555")
            x = np.array([x_of[s] for s in g["session_id"]], dtype=float)
            y = g["mean_value"].to_numpy(dtype=float)
            ax.plot(x, y, color=color, lw=1.5, label=str(side))
            measured = (g["status"] == "measured").to_numpy()
            ax.scatter(x[measured], y[measured], color=color, zorder=3)
            ax.scatter(
                x[~measured],
                y[~measured],
                facecolor="white",
                edgecolor=color,
                zorder=3,
            )
            if metric in mdc:
                ax.axhspan(y[0] - mdc[metric], y[0] + mdc[metric], color=color, alpha=0.08)
        if metric != "kasr":
            ax.axhline(0.0, color="0.6", lw=0.8)
        ax.set_title(spec(metric).axis_title, fontsize=10, loc="left")
        ax.legend(fontsize=8, loc="best")
        ax.grid(alpha=0.3)
    axes[-1].set_xticks(range(len(sessions)), list(sessions["label"]), rotation=20, ha="right")
    axes[-1].set_xlim(-0.5, len(sessions) - 0.5)
    fig.suptitle(title or "Re-test trend")
    # supxlabel (not fig.text) so constrained layout keeps it clear of the tick labels
    fig.supxlabel(
        "Hollow = indicative (not validated). Band = +- minimum detectable change from each "
        "side's first value: changes inside it may be noise.",
        fontsize=7,
    )
    return fig
