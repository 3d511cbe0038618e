"""``hipcheck history ...`` and ``hipcheck compare`` commands.

Privacy: only ``hipcheck history save`` writes to the history database; the other
commands read it (or, for ``compare A B``, only the two files) and never create it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from hipcheck.cli.present import err, out, present_errors
from hipcheck.errors import HipcheckError, OutputError, UsageError
from hipcheck.metrics import spec
from hipcheck.model import Assessment
from hipcheck.sanitize import clean_id

if TYPE_CHECKING:
    import pandas as pd

    from hipcheck.history.compare import Comparison
    from hipcheck.history.db import HistoryStore

VERDICT_STYLE = {"improved": "bold green", "worsened": "bold red"}

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="History database file or SQLAlchemy URL "
        "(default: $HIPCHECK_DB or ~/.local/share/hipcheck/history.sqlite).",
    ),
]
PersonOption = Annotated[str, typer.Option("--person", help="Person identifier, as entered.")]

history_app = typer.Typer(
    name="history",
    help="Saved sessions: opt-in, stored locally, deleted on request.",
    no_args_is_help=True,
)


def load_assessment(path: Path) -> Assessment:
    """Read and validate an ``assessment.json`` (or a folder holding one)."""
    from hipcheck.assessment.load import read_assessment

    return read_assessment(path)


def _store(db: str | None) -> HistoryStore:
    from hipcheck.history.db import HistoryStore

    return HistoryStore(db)


@history_app.command("save")
@present_errors
def save(
    assessment: Annotated[Path, typer.Argument(help="DIR/assessment.json (or DIR).")],
    person: PersonOption,
    date: Annotated[
        str | None, typer.Option("--date", help="Session date YYYY-MM-DD (default today).")
    ] = None,
    notes: Annotated[str | None, typer.Option("--notes", help="Clinician notes.")] = None,
    db: DbOption = None,
) -> None:
    """Save an assessment as a session of a person (the only command that stores data)."""
    a = load_assessment(assessment)
    with _store(db) as store:
        sid = store.save_assessment(person, a, date=date, notes=notes)
        info = store.get_session(sid)
        out.print(
            f"Saved session {sid} for {clean_id(info.person)!r} ({info.date.isoformat()}, "
            f"{info.task}) in {store.location}",
            highlight=False,
            markup=False,
        )


@history_app.command("list")
@present_errors
def list_(
    person: Annotated[
        str | None, typer.Option("--person", help="List this person's sessions.")
    ] = None,
    db: DbOption = None,
) -> None:
    """List the people in the history, or one person's sessions."""
    with _store(db) as store:
        if person is None:
            people = store.list_people()
            if not people:
                out.print(f"No saved sessions ({store.location}).", highlight=False, markup=False)
                return
            table = Table("Person", "Sessions", "Last session", title="People")
            for p in people:
                last = p.last_date.isoformat() if p.last_date else "-"
                table.add_row(_plain(p.identifier), str(p.n_sessions), last)
        else:
            sessions = store.list_sessions(person)
            table = Table("Session", "Date", "Task", "Overall", "Notes", title=_plain(person))
            for s in sessions:
                table.add_row(
                    str(s.id),
                    s.date.isoformat(),
                    s.task,
                    s.overall_rating or "-",
                    _plain(s.notes or ""),
                )
        out.print(table)


@history_app.command("delete")
@present_errors
def delete(
    person: Annotated[
        str | None, typer.Option("--person", help="Delete this person and ALL their data.")
    ] = None,
    session: Annotated[
        int | None, typer.Option("--session", help="Delete only this session.")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    db: DbOption = None,
) -> None:
    """Delete a person with all their sessions, assessments and programs (or one session)."""
    if (person is None) == (session is None):
        raise UsageError("Give either --person ID or --session ID.")
    with _store(db) as store:
        if session is not None:
            info = store.get_session(session)
            what = f"session {session} of {clean_id(info.person)!r} ({info.date.isoformat()})"
        else:
            assert person is not None  # one of the two was given
            n = len(store.list_sessions(person))
            what = f"{clean_id(person)!r} and all their data ({n} session(s))"
        if not yes and not typer.confirm(f"Delete {what}?", err=True):
            err.print("Nothing deleted.")
            raise typer.Exit(1)
        if session is not None:
            store.delete_session(session)
        elif person is not None:
            store.delete_person(person)
        out.print(f"Deleted {what}.", highlight=False, markup=False)


def _plain(text: str) -> str:
    """Return user-entered text safe to print: no control characters, no rich markup."""
    from rich.markup import escape

    return escape(clean_id(text))


def _fmt(value: float | None, n: int, status: str, metric: str) -> str:
    if value is None:
        return "n/m"
    text = f"{value:.2f}" if metric == "kasr" else f"{value:+.1f}"
    suffix = " ind." if status == "indicative" else ""
    return f"{text} (n={n}){suffix}"


def print_comparison(cmp: Comparison, label_a: str, label_b: str) -> None:
    """Print a comparison as a rich table with its suggestion and MDC note."""
    table = Table(title=f"Change from A ({_plain(label_a)}) to B ({_plain(label_b)})")
    for col in ("Metric", "Side", "A", "B", "Change", "MDC", "Verdict", "Note"):
        table.add_column(col, overflow="fold")
    for c in cmp.changes:
        change = "-" if c.change is None else f"{c.change:+.2f}"
        mark = "* " if c.real_change else ""
        style = VERDICT_STYLE.get(c.verdict, "")
        verdict = f"[{style}]{mark}{c.verdict}[/]" if style else c.verdict
        table.add_row(
            spec(c.metric).label,
            c.side,
            _fmt(c.value_a, c.n_a, c.status_a, c.metric),
            _fmt(c.value_b, c.n_b, c.status_b, c.metric),
            change,
            "-" if c.mdc is None else f"{c.mdc:g}",
            verdict,
            c.note,
        )
    out.print(table)
    out.print("* = real change (at or above the minimum detectable change).", highlight=False)
    s = cmp.suggestion
    out.print(f"[bold]Program:[/] {s.text}", highlight=False)
    for r in s.reasons:
        out.print(f"  - {r}", highlight=False, markup=False)
    out.print(cmp.note, highlight=False, markup=False)


def _save_plot(df: pd.DataFrame, path: Path, title: str) -> None:
    from hipcheck.history.plots import plot_trend
    from hipcheck.outputs.atomic import atomic_path

    if not path.parent.is_dir():
        raise OutputError(
            f"Cannot write {path}: folder {path.parent} does not exist.",
            "Create the folder first, or give --plot a path in an existing folder.",
        )
    if path.is_dir():
        raise OutputError(f"Cannot write {path}: it is a folder.", "Give a file name ending .png.")
    fig = plot_trend(df, title=title)
    try:
        with atomic_path(path, "the plot") as tmp:
            fig.savefig(tmp, dpi=120)
    except ValueError as exc:
        raise UsageError(f"Cannot write the plot {path}: {exc}", "Use a .png file name.") from None
    out.print(f"Trend plot -> {path}", highlight=False, markup=False)


def compare(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Two assessment files A B (no database needed)."),
    ] = None,
    person: Annotated[
        str | None, typer.Option("--person", help="Compare sessions of this person.")
    ] = None,
    sessions: Annotated[
        tuple[int, int] | None,
        typer.Option("--sessions", help="Session ids A B (default: the person's last two)."),
    ] = None,
    phase: Annotated[
        int | None,
        typer.Option("--phase", min=1, max=3, help="Program phase followed since A (1-3)."),
    ] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write a trend plot (PNG).")] = None,
    db: DbOption = None,
) -> None:
    """Compare two sessions per metric and side; changes count only above the MDC."""
    from hipcheck.history.compare import compare_sessions, trend, trend_from_assessments

    if files:
        if len(files) != 2 or person is not None or sessions is not None:
            raise UsageError(
                "Give exactly two assessment files, or --person ID [--sessions A B].",
                "e.g. hipcheck compare before/assessment.json after/assessment.json",
            )
        a, b = (load_assessment(f) for f in files)
        cmp = compare_sessions(a, b, current_phase=phase)
        print_comparison(cmp, str(files[0]), str(files[1]))
        if plot is not None:
            df = trend_from_assessments([(f"A {files[0].parent.name}", a), ("B", b)])
            _save_plot(df, plot, "Re-test trend")
        return
    if person is None and sessions is None:
        raise UsageError("Give two assessment files, or --person ID [--sessions A B].")
    with _store(db) as store:
        if sessions is not None:
            infos = [store.get_session(i) for i in sessions]
            owners = {i.person for i in infos}
            if len(owners) > 1 or (person is not None and owners != {clean_id(person)}):
                raise HipcheckError(
                    f"Sessions {sessions[0]} and {sessions[1]} do not belong to one person"
                    + (f" ({clean_id(person)!r})." if person else "."),
                    "See the sessions with `hipcheck history list --person ID`.",
                )
        else:
            assert person is not None  # checked above: a person or sessions
            infos = store.list_sessions(person)[-2:]
            if len(infos) < 2:
                raise HipcheckError(
                    f"{clean_id(person)!r} has {len(infos)} saved session(s); "
                    "a comparison needs two.",
                    "Save the re-test with `hipcheck history save`.",
                )
        ia, ib = infos
        a, b = store.get_assessment(ia.id), store.get_assessment(ib.id)
        cmp = compare_sessions(a, b, current_phase=phase)
        print_comparison(cmp, f"{ia.date.isoformat()} #{ia.id}", f"{ib.date.isoformat()} #{ib.id}")
        if plot is not None:
            _save_plot(trend(store, ib.person), plot, f"Re-test trend: {clean_id(ib.person)}")


def register(app: typer.Typer) -> None:
    """Add the ``history`` command group and the ``compare`` command to ``app``."""
    app.add_typer(history_app, name="history")
    app.command("compare")(present_errors(compare))
