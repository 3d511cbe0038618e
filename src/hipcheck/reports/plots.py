"""Time-series and asymmetry plots (matplotlib, Agg canvas; no pyplot global state).

Every figure is a :class:`matplotlib.figure.Figure` attached to its own
:class:`~matplotlib.backends.backend_agg.FigureCanvasAgg`, so plotting works in
threads, servers and tests without selecting a global backend.

Signs follow :mod:`hipcheck.model`: pelvic drop + = non-stance side lower, FPPA + =
valgus, trunk lean + = toward the stance side. Pelvic drop and trunk lean are
stance-signed, so each has a left-stance and a right-stance series; within a rep the
series of its stance side is drawn bold.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from hipcheck.metrics import KNEE_VALGUS, PELVIC_DROP, TRUNK_LEAN, spec
from hipcheck.model import Assessment
from hipcheck.reports.bands import RATING_COLOURS, UNRATED_COLOUR, metric_bands
from hipcheck.reports.metrics import metric_status

#: line colour per side (subject's side)
SIDE_COLOURS: dict[str, str] = {"left": "#1f5fa8", "right": "#8e3aa8"}
#: gid of the artists marking repetitions (tests and callers can find them)
REP_SPAN_GID = "rep-span"
REP_BOTTOM_GID = "rep-bottom"


@dataclass(frozen=True)
class Panel:
    """One stacked panel: which metric (registry name) and which unit."""

    metric: str
    unit: str = "deg"


PANELS: tuple[Panel, ...] = tuple(Panel(m.name) for m in (PELVIC_DROP, KNEE_VALGUS, TRUNK_LEAN))
KASR_PANEL = Panel("kasr", unit="ratio")


def new_figure(width_in: float, height_in: float) -> Figure:
    """Return a figure with its own Agg canvas (no pyplot, no global backend)."""
    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def figure_to_png(fig: Figure, dpi: int = 120) -> bytes:
    """Render ``fig`` to PNG bytes."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.canvas.print_figure(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _series(kinematics: pd.DataFrame, metric: str, side: str) -> tuple[np.ndarray | None, bool]:
    """Return a side's series, relative to standing when the kinematics has it.

    Uses the ``*_rel_deg`` column (the same standing reference as the assessment's values)
    if present, else the absolute column; the flag says which.
    """
    col = spec(metric).column_for(side)
    rel = col.removesuffix("_deg") + "_rel_deg"
    if rel in kinematics:
        return kinematics[rel].to_numpy(dtype=float), True
    if col in kinematics:
        return kinematics[col].to_numpy(dtype=float), False
    return None, False


def _draw_bands(ax: Axes, metric: str, sex: str | None, lo: float, hi: float) -> str:
    """Shade good/fair/poor bands between ``lo`` and ``hi``; return the bands' note."""
    bands = metric_bands(metric, sex)
    if bands is None:
        return ""
    if bands.lower_is_worse:
        spans = (
            ("poor", lo, bands.poor),
            ("fair", bands.poor, bands.fair),
            ("good", bands.fair, hi),
        )
    else:
        spans = (
            ("good", lo, bands.fair),
            ("fair", bands.fair, bands.poor),
            ("poor", bands.poor, hi),
        )
    for rating, a, b in spans:
        if b > a:
            ax.axhspan(a, b, color=RATING_COLOURS[rating], alpha=0.09, lw=0, zorder=0)
    return bands.note


def _mark_reps(ax: Axes, assessment: Assessment, *, label: bool = True) -> None:
    """Shade each rep (start to end), mark its bottom and, if ``label``, number it."""
    top = blended_transform_factory(ax.transData, ax.transAxes)
    for rep in assessment.reps:
        span = ax.axvspan(rep.start_s, rep.end_s, color="#9e9e9e", alpha=0.14, lw=0, zorder=0.5)
        span.set_gid(REP_SPAN_GID)
        line = ax.axvline(rep.bottom_s, color="#424242", lw=0.8, ls=":", zorder=1)
        line.set_gid(REP_BOTTOM_GID)
        if label:
            side = rep.side[0].upper() if rep.side in ("left", "right") else "B"
            ax.text(
                0.5 * (rep.start_s + rep.end_s),
                0.97,
                f"{rep.index} {side}",
                transform=top,
                ha="center",
                va="top",
                fontsize=7,
                color="#424242",
                zorder=4,
                bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 0.6},
            )


def _note(ax: Axes, text: str, *, centre: bool) -> None:
    wrapped = textwrap.fill(text, 90)
    if centre:
        ax.text(0.5, 0.5, wrapped, transform=ax.transAxes, ha="center", va="center", fontsize=8,
                color="#424242", wrap=True)  # fmt: skip
    else:
        ax.text(0.01, 0.04, wrapped, transform=ax.transAxes, ha="left", va="bottom", fontsize=7,
                color="#424242", zorder=4,
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})  # fmt: skip


def _plot_panel(
    ax: Axes,
    panel: Panel,
    kinematics: pd.DataFrame,
    assessment: Assessment,
    sex: str | None,
) -> None:
    t = kinematics["t_s"].to_numpy(dtype=float)
    label = spec(panel.metric).label
    status = metric_status(assessment, panel.metric)
    source = assessment.metric_source(panel.metric)
    suffix = " (skin markers)" if source == "markers" else ""
    if status.status == "not_measurable":
        ax.set_title(f"{label}: not measurable{suffix}", fontsize=9, loc="left")
        _note(ax, f"Not measurable: {status.reason or 'no reason given'}", centre=True)
        ax.set_yticks([])
        return
    indicative = status.status == "indicative"
    relative_any = False
    finite: list[np.ndarray] = []
    if panel.metric == "kasr":
        values = kinematics["kasr"].to_numpy(dtype=float) if "kasr" in kinematics else None
        if values is not None:
            ax.plot(t, values, color="#37474f", lw=1.2, label="KASR")
            finite.append(values)
    else:
        bilateral_stance = panel.metric == "knee_valgus_deg"
        for side in ("left", "right"):
            values, relative = _series(kinematics, panel.metric, side)
            if values is None:
                continue
            relative_any |= relative
            finite.append(values)
            colour = SIDE_COLOURS[side]
            style = "--" if indicative else "-"
            name = side if bilateral_stance else f"{side} stance"
            faint = not bilateral_stance and any(
                r.side in ("left", "right") for r in assessment.reps
            )
            ax.plot(t, values, color=colour, ls=style, lw=0.8 if faint else 1.3,
                    alpha=0.45 if faint or indicative else 1.0, label=name)  # fmt: skip
            if faint:
                # bold over the reps where this side is the stance side
                mask = np.zeros_like(t, dtype=bool)
                for rep in assessment.reps:
                    if rep.side == side:
                        mask |= (t >= rep.start_s) & (t <= rep.end_s)
                ax.plot(t, np.where(mask, values, np.nan), color=colour, ls=style, lw=1.6,
                        alpha=0.6 if indicative else 1.0)  # fmt: skip
            _mark_bottoms(ax, t, values, assessment, panel.metric, side)
    data = np.concatenate([v[np.isfinite(v)] for v in finite]) if finite else np.array([])
    if data.size == 0:
        ax.set_title(f"{label}{suffix}", fontsize=9, loc="left")
        _note(ax, "No data in the kinematics for this metric.", centre=True)
        ax.set_yticks([])
        return
    # Bands only behind measured (rated) values: never over indicative or empty data.
    rated = status.status == "measured"
    bands = metric_bands(panel.metric, sex)
    lo, hi = float(data.min()), float(data.max())
    if bands is not None and rated:
        lo, hi = min(lo, bands.poor, bands.fair), max(hi, bands.poor, bands.fair)
    pad = 0.12 * max(hi - lo, 1e-3)
    # extra room at the top for the rep labels, at the bottom for an indicative note
    lo, hi = lo - (2.5 if indicative else 1) * pad, hi + 1.8 * pad
    ax.set_ylim(lo, hi)
    note = ""
    if rated:
        note = _draw_bands(ax, panel.metric, sex, lo, hi)
    ax.axhline(0 if panel.metric != "kasr" else 1, color="#bdbdbd", lw=0.6, zorder=0.6)
    title = f"{label}{suffix}"
    if indicative:
        title += " — indicative, not rated"
        _note(ax, status.reason, centre=False)
    if note:
        title += f" · {note}"
    ax.set_title(title, fontsize=9, loc="left")
    if panel.unit == "deg":
        ax.set_ylabel("deg, rel. to standing" if relative_any else "deg (absolute)", fontsize=8)
    else:
        ax.set_ylabel("ratio", fontsize=8)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False, ncol=2,
              borderaxespad=0.1)  # fmt: skip


def _mark_bottoms(
    ax: Axes, t: np.ndarray, values: np.ndarray, assessment: Assessment, metric: str, side: str
) -> None:
    """Dot each rep's bottom on its stance-side series, coloured by the rep's rating."""
    for rep in assessment.reps:
        mv = rep.metric(metric, side)
        if mv is None or not mv.shown:
            continue
        i = int(np.argmin(np.abs(t - rep.bottom_s)))
        if np.isfinite(values[i]):
            colour = RATING_COLOURS.get(mv.rating or "", UNRATED_COLOUR)
            ax.plot(t[i], values[i], "o", ms=4.5, color=colour, mec="white", mew=0.6, zorder=3)


def plot_timeseries(
    kinematics: pd.DataFrame,
    assessment: Assessment,
    *,
    sex: str | None = None,
    width_in: float = 8.0,
    panel_height_in: float = 1.85,
) -> Figure:
    """Plot pelvic drop, FPPA (left and right) and trunk lean over time, stacked.

    Reps are shaded from start to end and numbered with their stance side; dotted lines
    mark each rep's bottom (peak knee flexion), and a dot there is coloured by the rep's
    rating. Faint horizontal bands show the rubric's good/fair/poor tiers (FPPA bands by
    ``sex``). A metric that is not measurable gets a note in place of its curve; an
    indicative one is drawn dashed grey, with no bands. Bilateral tasks add a KASR panel
    when the kinematics has ``kasr`` values.

    Parameters
    ----------
    kinematics
        Per-frame table with ``t_s`` and ``{pelvic_drop,fppa,trunk_lean}_{left,right}_deg``
        (and optionally ``*_rel_deg`` baseline-relative columns and ``kasr``).
    assessment
        The reps, statuses and sources to draw.
    sex
        ``female``, ``male`` or None (the rubric's unspecified FPPA bands).
    width_in, panel_height_in
        Figure width and height per panel, in inches.

    Returns
    -------
    matplotlib.figure.Figure
        One axis per panel, sharing the time axis.
    """
    panels = list(PANELS)
    has_kasr = "kasr" in kinematics and np.isfinite(kinematics["kasr"].to_numpy(float)).any()
    if has_kasr and any(r.side == "both" for r in assessment.reps):
        panels.append(KASR_PANEL)
    fig = new_figure(width_in, panel_height_in * len(panels) + 0.5)
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for ax, panel in zip(axes, panels, strict=False):
        _plot_panel(ax, panel, kinematics, assessment, sex)
        _mark_reps(ax, assessment, label=True)
        ax.tick_params(labelsize=7)
        ax.grid(axis="y", color="#eeeeee", lw=0.5)
    axes[-1].set_xlabel("time (s)", fontsize=8)
    t = kinematics["t_s"].to_numpy(dtype=float)
    if t.size:
        axes[-1].set_xlim(float(np.nanmin(t)), float(np.nanmax(t)))
    return fig


def plot_asymmetry(
    assessment: Assessment, *, sex: str | None = None, width_in: float = 6.0
) -> Figure:
    """Bar chart of the per-leg means (the assessment's summary) for left and right stance.

    Bars are the summary means with their SD; indicative means are hatched grey and
    not-measurable ones are absent. The rubric's fair and poor thresholds are drawn as
    ticks for rated metrics.
    """
    metrics = [PELVIC_DROP, KNEE_VALGUS, TRUNK_LEAN]
    fig = new_figure(width_in, 2.6)
    ax = fig.subplots()
    width = 0.38
    hatched = False
    for j, side in enumerate(("left", "right")):
        for i, m in enumerate(metrics):
            s = assessment.summary_for(m.name, side)
            if s is None or s.mean is None:
                continue
            indicative = s.status == "indicative"
            x = i + (j - 0.5) * width
            colour = UNRATED_COLOUR if indicative else SIDE_COLOURS[side]
            ax.bar(x, s.mean, width * 0.95, color=colour, alpha=0.85,
                   hatch="//" if indicative else None)  # fmt: skip
            hatched = hatched or indicative
            if s.sd is not None:
                ax.errorbar(x, s.mean, yerr=s.sd, color="#212121", capsize=2, lw=0.8)
    for i, m in enumerate(metrics):
        bands = metric_bands(m.name, sex)
        rated = any(
            (s := assessment.summary_for(m.name, side)) is not None and s.status == "measured"
            for side in ("left", "right")
        )
        if bands is not None and rated:
            ax.hlines(bands.fair, i - 0.45, i + 0.45, colors=RATING_COLOURS["fair"], lw=1.2)
            ax.hlines(bands.poor, i - 0.45, i + 0.45, colors=RATING_COLOURS["poor"], lw=1.2)
    ax.set_xticks(range(len(metrics)), [m.label for m in metrics], fontsize=8)
    ax.set_ylabel("deg, mean over reps", fontsize=8)
    ax.axhline(0, color="#bdbdbd", lw=0.6)
    # the legend names the side colours (a first bar may be an indicative, grey one)
    from matplotlib.patches import Patch

    handles = [Patch(color=SIDE_COLOURS[s], alpha=0.85, label=s) for s in ("left", "right")]
    if hatched:
        handles.append(Patch(facecolor=UNRATED_COLOUR, hatch="//", label="indicative"))
    ax.legend(handles=handles, fontsize=7, frameon=False, title="stance", title_fontsize=7)
    ax.tick_params(labelsize=7)
    return fig
