"""Readable terminal summary of an assessment (used by ``hipcheck analyze``).

It says what was measured and what was not: when nothing could be rated there is no
findings line, no rating and no program, only what was not measured, why, and what to
film instead. Labels, units and formats come from the metric registry.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hipcheck.assessment.rules import flag_text
from hipcheck.metrics import METRICS, MetricSpec
from hipcheck.model import Assessment, MetricSummary, MetricValue

_STYLE = {"good": "green", "fair": "yellow", "poor": "red"}


def format_metric(m: MetricSpec, mv: MetricValue | MetricSummary | None) -> str:
    """One cell: headline value and rating, 'indicative' or 'not measurable'."""
    if mv is None:
        return "-"
    value = mv.value if isinstance(mv, MetricValue) else mv.mean
    if mv.status == "not_measurable" or value is None:
        return "[dim]not measurable[/]"
    text = m.format(value)
    if mv.status == "indicative":
        return f"[dim]{text} indicative[/]"
    if mv.rating:
        return f"[{_STYLE[mv.rating]}]{text} {mv.rating}[/]"
    return text


def _used(a: Assessment) -> list[MetricSpec]:
    return [m for m in METRICS if any(m.name in r.metrics for r in a.reps)]


def _rep_table(a: Assessment) -> Table:
    early = any(mv.read_s is not None and mv.shown for r in a.reps for _, _, mv in r.values())
    title = "Repetitions: values at the deepest point, relative to standing"
    if early:
        title += " (* read on the way down: see the note)"
    table = Table(title=title)
    metrics = _used(a)
    mixed = len({r.task for r in a.reps}) > 1
    any_flags = any(r.quality for r in a.reps)
    columns = ["#", *(["task"] if mixed else []), "stance", "bottom", "depth"]
    columns += [m.label for m in metrics] + (["quality"] if any_flags else [])
    for col in columns:
        table.add_column(col, overflow="fold")
    for rep in a.reps:
        row = [str(rep.index), *([rep.task.replace("_", " ")] if mixed else [])]
        row += [rep.side, f"{rep.bottom_s:.1f}s", f"{rep.depth:.2f}"]
        for m in metrics:
            values = rep.metrics.get(m.name, {})
            prefix = len(values) > 1
            row.append(
                "\n".join(
                    (f"{limb[0].upper()} " if prefix else "")
                    + format_metric(m, mv)
                    + ("*" if mv.read_s is not None and mv.shown else "")
                    for limb, mv in values.items()
                )
                or "-"
            )
        row += ["; ".join(flag_text(q) for q in rep.quality)] if any_flags else []
        table.add_row(*row)
    return table


def _summary_table(a: Assessment) -> Table:
    table = Table(title="Mean per leg (the rated values)")
    metrics = _used(a)
    table.add_column("leg")
    for m in metrics:
        table.add_column(m.label, overflow="fold")
    for side in a.sides():
        cells = []
        for m in metrics:
            entries = [s for s in a.summary if s.side == side and s.metric == m.name]
            prefix = len(entries) > 1
            cells.append(
                "\n".join(
                    (f"{s.limb[0].upper()} " if prefix else "") + format_metric(m, s)
                    for s in entries
                )
                or "-"
            )
        table.add_row("both legs" if side == "both" else side, *cells)
    return table


def print_assessment(assessment: Assessment, console: Console) -> None:
    """Print reps, per-leg means, findings (or what was not measured), notes, disclaimer."""
    a = assessment
    v = a.video
    console.print(
        f"[bold]{escape(v.path or '')}[/]  {v.width}x{v.height}, {(v.fps or 0):.1f} fps, "
        f"{(v.duration_s or 0):.1f} s\nTask: [bold]{a.task.replace('_', ' ')}[/]",
        highlight=False,
    )
    if a.reps:
        console.print(_rep_table(a))
        console.print(_summary_table(a))
    cover = a.coverage
    if not cover.rated:
        console.print(f"[bold]Not measured:[/] {escape(cover.message)}", highlight=False)
        if cover.advice:
            console.print(f"[bold]What to film:[/] {escape(cover.advice)}", highlight=False)
    else:
        console.print(escape(cover.message), highlight=False)
        if a.findings:
            console.print("[bold]Findings[/]")
            for f in a.findings:
                style = "dim" if not f.rated else _STYLE.get(f.severity, "")
                console.print(f"  [{style}]- {escape(f.summary)}[/]", highlight=False)
        else:
            console.print("[bold]Findings:[/] none of the rated measures is fair or poor.")
        if a.overall_rating:
            console.print(f"[bold]Overall:[/] [{_STYLE[a.overall_rating]}]{a.overall_rating}[/]")
    for note in a.quality:
        console.print(f"[yellow]Note:[/] {escape(note)}", highlight=False)
    reasons = {mv.reason for r in a.reps for _m, _l, mv in r.values() if mv.status == "indicative"}
    for reason in sorted(r for r in reasons if r):
        console.print(f"[dim]{escape(reason)}[/]", highlight=False)
    console.print(f"[dim]{escape(a.disclaimer)}[/]", highlight=False)
