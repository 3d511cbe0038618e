"""Readable terminal summary of an assessment (used by ``hipcheck analyze``)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from hipcheck.model import Assessment, MetricValue

_STYLE = {"good": "green", "fair": "yellow", "poor": "red"}
_LABELS = {
    "pelvic_drop_deg": "Pelvic drop",
    "knee_valgus_deg": "Knee valgus (FPPA)",
    "trunk_lean_deg": "Trunk lean",
    "kasr": "Knee/ankle ratio",
}


def format_metric(m: MetricValue | None, unit: str = "°") -> str:
    """One cell: value and rating, 'indicative' or 'not measurable'."""
    if m is None:
        return "-"
    if m.status == "not_measurable" or m.value is None:
        return "[dim]not measurable[/]"
    text = f"{m.value:+.1f}{unit}" if unit else f"{m.bottom:.2f}"
    if m.status == "indicative":
        return f"[dim]{text} indicative[/]"
    if m.rating:
        return f"[{_STYLE[m.rating]}]{text} {m.rating}[/]"
    return text


def print_assessment(assessment: Assessment, console: Console) -> None:
    """Print the reps table, per-side summary, findings, quality notes and disclaimer."""
    a = assessment
    v = a.video
    console.print(
        f"[bold]{v.get('path', '')}[/]  {v.get('width')}x{v.get('height')}, "
        f"{(v.get('fps') or 0):.1f} fps, {(v.get('duration_s') or 0):.1f} s  "
        f"task: [bold]{a.task}[/]",
        highlight=False,
    )
    table = Table(title="Repetitions: baseline-relative values at peak knee flexion")
    any_kasr = any("kasr" in r.metrics for r in a.reps)
    any_flags = any(r.quality for r in a.reps)
    mixed = len({r.task for r in a.reps}) > 1
    columns = [
        "#",
        *(["task"] if mixed else []),
        "stance",
        "bottom",
        "depth",
        "pelvic drop",
        "knee valgus",
        "trunk lean",
    ]
    columns += (["knee/ankle"] if any_kasr else []) + (["quality"] if any_flags else [])
    for col in columns:
        table.add_column(col, overflow="fold")
    for rep in a.reps:
        knee = rep.metrics.get("knee_valgus_deg", {})
        knee_txt = "\n".join(
            (f"{limb[0].upper()} " if len(knee) > 1 else "") + format_metric(m)
            for limb, m in knee.items()
        )
        row = [
            str(rep.index),
            *([rep.task.replace("_", " ")] if mixed else []),
            rep.side,
            f"{rep.bottom_s:.1f}s",
            f"{rep.depth:.2f}",
        ]
        row += [
            format_metric(rep.metrics.get("pelvic_drop_deg")),
            knee_txt,
            format_metric(rep.metrics.get("trunk_lean_deg")),
        ]
        row += [format_metric(rep.metrics.get("kasr"), unit="")] if any_kasr else []
        row += [", ".join(rep.quality)] if any_flags else []
        table.add_row(*row)
    console.print(table)
    if a.findings:
        console.print("[bold]Findings[/]")
        for f in a.findings:
            style = "dim" if not f.rated else _STYLE.get(f.severity, "")
            console.print(f"  [{style}]- {f.summary}[/]", highlight=False)
    else:
        console.print("[bold]Findings:[/] none in the fair or poor range.")
    if a.overall_rating:
        console.print(f"[bold]Overall:[/] [{_STYLE[a.overall_rating]}]{a.overall_rating}[/]")
    for note in a.quality:
        console.print(f"[yellow]Note:[/] {note}", highlight=False)
    indicative = {m.reason for r in a.reps for m in _flat(r.metrics) if m.status == "indicative"}
    for reason in sorted(r for r in indicative if r):
        console.print(f"[dim]{reason}[/]", highlight=False)
    console.print(f"[dim]{a.disclaimer}[/]", highlight=False)


def _flat(metrics: dict[str, object]) -> list[MetricValue]:
    out: list[MetricValue] = []
    for value in metrics.values():
        if isinstance(value, dict):
            out.extend(value.values())
        elif isinstance(value, MetricValue):
            out.append(value)
    return out
