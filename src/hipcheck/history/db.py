"""Session history store: SQLAlchemy 2.0 models and the :class:`HistoryStore` API.

Privacy: nothing is written unless :meth:`HistoryStore.save_assessment` is called; opening
a store that does not exist yet creates no file. The default database is a local SQLite
file (``$HIPCHECK_DB``, else ``$XDG_DATA_HOME/hipcheck/history.sqlite``, else
``~/.local/share/hipcheck/history.sqlite``); it never leaves the machine unless the user
points hipcheck at a server. A clinic server works through any SQLAlchemy URL, e.g.
``postgresql+psycopg://user@host/hipcheck`` (needs the ``psycopg`` driver installed;
the schema uses only portable types, with JSON stored as JSON on PostgreSQL).
:meth:`HistoryStore.delete_person` removes every row of that person from every table.

The schema is managed by Alembic (revisions in ``hipcheck/history/migrations``, shipped
inside the package); an existing database is upgraded to the newest revision when it is
opened.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.util.exc import CommandError
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from hipcheck.errors import HipcheckError
from hipcheck.history.summary import summarize_assessment
from hipcheck.model import Assessment
from hipcheck.sanitize import clean_id

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: environment variable naming the database file or URL
DB_ENV = "HIPCHECK_DB"


class HistoryError(HipcheckError):
    """The history database cannot be used as asked (unknown person, bad file ...)."""

    code = "history"


class Base(DeclarativeBase):
    """Declarative base of the history schema (the Alembic head must match it)."""


class PersonRow(Base):
    """A person, keyed by the identifier as entered (stripped of outer whitespace)."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identifier: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    created: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class SessionRow(Base):
    """One assessment session of a person."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True
    )
    date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    task: Mapped[str] = mapped_column(String(40), nullable=False)
    overall_rating: Mapped[str | None] = mapped_column(String(10))
    notes: Mapped[str | None] = mapped_column(Text)
    created: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class AssessmentRow(Base):
    """The full ``assessment.json`` document of a session."""

    __tablename__ = "assessments"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    schema_version: Mapped[int] = mapped_column(Integer, nullable=False)
    document: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)


class MetricRow(Base):
    """Per-metric, per-side summary of a session, for queries and trends."""

    __tablename__ = "metric_summaries"
    __table_args__ = (UniqueConstraint("session_id", "metric", "side"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    metric: Mapped[str] = mapped_column(String(40), nullable=False)
    side: Mapped[str] = mapped_column(String(10), nullable=False)
    mean_value: Mapped[float | None] = mapped_column(Float)
    n_reps: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    rating: Mapped[str | None] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(20), nullable=False, server_default="landmarks")


class ProgramRow(Base):
    """The exercise program given in a session (only when the assessment carries one)."""

    __tablename__ = "programs"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    document: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)


#: every table holding data of a person (tests check all are emptied on delete)
TABLES = ("people", "sessions", "assessments", "metric_summaries", "programs")


@dataclass(frozen=True)
class PersonInfo:
    """A person in the store with their number of sessions and last session date."""

    identifier: str
    created: dt.datetime
    n_sessions: int
    last_date: dt.date | None


@dataclass(frozen=True)
class SessionInfo:
    """A stored session (without its assessment document)."""

    id: int
    person: str
    date: dt.date
    task: str
    overall_rating: str | None
    notes: str | None
    created: dt.datetime


def default_location() -> str:
    """Return the database location: ``$HIPCHECK_DB`` or the per-user data folder."""
    env = os.environ.get(DB_ENV, "").strip()
    if env:
        return env
    base = os.environ.get("XDG_DATA_HOME", "").strip() or str(Path.home() / ".local" / "share")
    return str(Path(base) / "hipcheck" / "history.sqlite")


def _sqlite_file(url: str) -> Path | None:
    """Return the file of a file-backed SQLite URL, else None."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:"):
        return Path(u.database)
    return None


def _to_url(url_or_path: str | os.PathLike[str]) -> str:
    text = os.fspath(url_or_path)
    if "://" in text:
        return text
    path = Path(text).expanduser().resolve()
    if path.is_dir():
        raise HistoryError(
            f"The history database path {path} is a folder.",
            "Give a file name, e.g. history.sqlite.",
        )
    return f"sqlite:///{path}"


def _enable_sqlite_fk(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


#: (words in the database driver's message, what it means, what to do)
_DB_PROBLEMS = (
    (
        ("readonly", "read-only"),
        "is read-only",
        "Make the file and its folder writable, or point --db (or HIPCHECK_DB) at another file.",
    ),
    (
        ("database is locked", "database table is locked"),
        "is locked by another program",
        "Close the other program using it (another hipcheck?) and try again.",
    ),
    (
        ("disk is full", "disk full", "no space"),
        "cannot grow: the disk is full",
        "Free some disk space and try again.",
    ),
    (
        ("unable to open", "could not connect", "connection refused", "authentication"),
        "cannot be opened",
        "Check that the file's folder exists and is writable, or the server URL and login.",
    ),
    (
        ("not a database", "malformed", "disk image"),
        "is not a usable hipcheck history database (damaged, or another kind of file)",
        "Point --db (or HIPCHECK_DB) at a hipcheck history file or a new file name.",
    ),
)


def database_error(exc: BaseException, location: str, action: str) -> HistoryError:
    """Return a user-facing error for a failed database operation.

    The message names the database and says what failed and why in plain words; it
    never contains the SQL statement or its parameters (a person's identifier).
    """
    orig = getattr(exc, "orig", None) or exc
    first = orig.args[0] if getattr(orig, "args", None) else ""
    text = str(getattr(orig, "strerror", None) or first).lower()
    for words, meaning, hint in _DB_PROBLEMS:
        if any(w in text for w in words):
            return HistoryError(
                f"The history database {location} {meaning}: {action} failed.", hint
            )
    return HistoryError(
        f"The history database {location} failed while {action} ({type(orig).__name__}).",
        "Check the database file (or server); point --db at a new file to start afresh.",
    )


F = TypeVar("F", bound=Callable[..., Any])


def _guarded(action: str) -> Callable[[F], F]:
    """Map database and file errors of a :class:`HistoryStore` method to HistoryError."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(self: HistoryStore, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except (SQLAlchemyError, OSError) as exc:
                raise database_error(exc, self.location, action) from None

        return wrapper  # type: ignore[return-value]

    return decorate


def alembic_config() -> Config:
    """Return an Alembic config for the packaged migrations (no ``alembic.ini`` needed)."""
    cfg = Config()
    # ConfigParser interpolates '%': escape it in the path
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database of ``engine`` to ``revision`` (default: the newest).

    SQLite foreign-key enforcement is switched off during the migration so that table
    rebuilds (Alembic batch mode) cannot cascade deletes.
    """
    cfg = alembic_config()
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()  # ends the autobegun (empty) transaction; the pragma stays
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def current_revision(engine: Engine) -> str | None:
    """Return the Alembic revision the database is at (None if never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _parse_date(date: dt.date | str | None) -> dt.date:
    if date is None:
        return dt.date.today()
    if isinstance(date, dt.datetime):
        return date.date()
    if isinstance(date, dt.date):
        return date
    try:
        return dt.date.fromisoformat(str(date).strip())
    except ValueError:
        raise HistoryError(
            f"Invalid session date {date!r}.", "Use the form YYYY-MM-DD, e.g. 2025-03-14."
        ) from None


def _clean_person(person: str) -> str:
    """Return the identifier as stored: control characters and outer whitespace removed."""
    ident = clean_id(person)
    if not ident:
        raise HistoryError("The person identifier is empty.", "Give --person ID.")
    if len(ident) > 200:
        raise HistoryError("The person identifier is longer than 200 characters.")
    return ident


class HistoryStore:
    """Opt-in store of assessment sessions, keyed by person and date.

    Parameters
    ----------
    url_or_path
        A SQLite file path, or any SQLAlchemy URL (``sqlite:///...``,
        ``postgresql+psycopg://...``). Default: :func:`default_location`.

    Notes
    -----
    A SQLite file that does not exist yet is created (with its folder) only by
    :meth:`save_assessment`; reading from it before returns empty results. An existing
    database, or a server URL, is upgraded to the newest schema revision on open.
    """

    def __init__(self, url_or_path: str | os.PathLike[str] | None = None) -> None:
        target = default_location() if url_or_path is None else url_or_path
        self.url = _to_url(target)
        try:
            self._file = _sqlite_file(self.url)
        except ArgumentError:
            raise HistoryError(
                f"Cannot understand the database location {os.fspath(target)!r}.",
                "Give a file path or a URL like postgresql+psycopg://user@host/db.",
            ) from None
        self._engine: Engine | None = None
        if self._file is None or self._file.exists():
            self._open()

    # -- connection ---------------------------------------------------------------
    @property
    def location(self) -> str:
        """The database file path, or the URL (password hidden) for server databases."""
        if self._file is not None:
            return str(self._file)
        return make_url(self.url).render_as_string(hide_password=True)

    @property
    def exists(self) -> bool:
        """True once the database exists (a file was created, or a server is used)."""
        return self._engine is not None

    def _open(self) -> Engine:
        if self._engine is not None:
            return self._engine
        if self._file is not None:
            try:
                self._file.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise database_error(exc, self.location, "creating its folder") from None
        try:
            engine = create_engine(self.url)
        except (ArgumentError, NoSuchModuleError, ImportError) as exc:
            raise HistoryError(
                f"Cannot open the database {self.location}: {exc}",
                "Check the URL and that its database driver is installed.",
            ) from None
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _enable_sqlite_fk)
        try:
            upgrade(engine)
        except CommandError as exc:
            engine.dispose()
            raise HistoryError(
                f"The database {self.location} has a schema this hipcheck does not know ({exc}).",
                "It was probably written by a newer hipcheck; upgrade hipcheck.",
            ) from None
        except DatabaseError as exc:
            engine.dispose()
            problem = database_error(exc, self.location, "opening it")
            if "failed while" in problem.message:  # none of the known causes
                problem = HistoryError(
                    f"{self.location} is not a usable hipcheck history database.",
                    "Point --db (or HIPCHECK_DB) at a hipcheck history file or a new file name.",
                )
            raise problem from None
        except (SQLAlchemyError, OSError) as exc:
            engine.dispose()
            raise database_error(exc, self.location, "opening it") from None
        self._engine = engine
        return engine

    def close(self) -> None:
        """Release database connections."""
        if self._engine is not None:
            self._engine.dispose()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ------------------------------------------------------------------
    @_guarded("saving the session")
    def save_assessment(
        self,
        person: str,
        assessment: Assessment,
        *,
        date: dt.date | str | None = None,
        notes: str | None = None,
    ) -> int:
        """Save an assessment as a new session of ``person``; return the session id.

        Parameters
        ----------
        person
            Identifier as entered (outer whitespace stripped); created on first use.
        assessment
            The assessment; its full document, per-metric summaries and program are stored.
        date
            Session date (``datetime.date`` or ``YYYY-MM-DD``); default today.
        notes
            Free-text clinician notes.
        """
        ident = _clean_person(person)
        day = _parse_date(date)
        doc = assessment.to_dict()
        now = dt.datetime.now(dt.UTC)
        with Session(self._open()) as s, s.begin():
            p = s.scalar(select(PersonRow).where(PersonRow.identifier == ident))
            if p is None:
                p = PersonRow(identifier=ident, created=now)
                s.add(p)
                s.flush()
            row = SessionRow(
                person_id=p.id,
                date=day,
                task=assessment.task,
                overall_rating=assessment.overall_rating,
                notes=notes,
                created=now,
            )
            s.add(row)
            s.flush()
            s.add(
                AssessmentRow(
                    session_id=row.id, schema_version=assessment.schema_version, document=doc
                )
            )
            for m in summarize_assessment(assessment):
                s.add(
                    MetricRow(
                        session_id=row.id,
                        metric=m.metric,
                        side=m.side,
                        mean_value=m.mean_value,
                        n_reps=m.n_reps,
                        status=m.status,
                        rating=m.rating,
                        source=m.source,
                    )
                )
            if assessment.program:
                s.add(ProgramRow(session_id=row.id, document=doc["program"]))
            return row.id

    @_guarded("deleting the session")
    def delete_session(self, session_id: int) -> None:
        """Delete one session with its assessment, metric summaries and program."""
        self._get_session_row(session_id)
        with Session(self._open()) as s, s.begin():
            self._delete_sessions(s, [session_id])

    @_guarded("deleting the person")
    def delete_person(self, person: str) -> int:
        """Delete a person and ALL their data; return the number of sessions deleted."""
        with Session(self._open()) as s, s.begin():
            p = self._person(s, person)
            ids = list(s.scalars(select(SessionRow.id).where(SessionRow.person_id == p.id)))
            self._delete_sessions(s, ids)
            s.execute(delete(PersonRow).where(PersonRow.id == p.id))
            return len(ids)

    @staticmethod
    def _delete_sessions(s: Session, ids: list[int]) -> None:
        # explicit deletes: SQLite only cascades with its foreign-key pragma on
        for table in (AssessmentRow, MetricRow, ProgramRow):
            s.execute(delete(table).where(table.session_id.in_(ids)))
        s.execute(delete(SessionRow).where(SessionRow.id.in_(ids)))

    # -- reading ------------------------------------------------------------------
    @staticmethod
    def _person(s: Session, person: str) -> PersonRow:
        ident = _clean_person(person)
        p = s.scalar(select(PersonRow).where(PersonRow.identifier == ident))
        if p is None:
            raise HistoryError(
                f"No person {ident!r} in the history database.",
                "See the stored people with `hipcheck history list`.",
            )
        return p

    @_guarded("reading the session")
    def _get_session_row(self, session_id: int) -> tuple[SessionRow, str]:
        if self._engine is None:
            raise HistoryError(f"No session {session_id}: the history database is empty.")
        with Session(self._engine) as s:
            row = s.get(SessionRow, int(session_id))
            if row is None:
                raise HistoryError(
                    f"No session {session_id} in the history database.",
                    "See the sessions with `hipcheck history list --person ID`.",
                )
            person = s.get(PersonRow, row.person_id)
            s.expunge(row)
            return row, person.identifier if person else ""

    @_guarded("listing the people")
    def list_people(self) -> list[PersonInfo]:
        """Return everyone in the store, sorted by identifier."""
        if self._engine is None:
            return []
        stmt = (
            select(
                PersonRow.identifier,
                PersonRow.created,
                func.count(SessionRow.id),
                func.max(SessionRow.date),
            )
            .outerjoin(SessionRow, SessionRow.person_id == PersonRow.id)
            .group_by(PersonRow.id)
            .order_by(PersonRow.identifier)
        )
        with Session(self._engine) as s:
            return [PersonInfo(*r) for r in s.execute(stmt)]

    @_guarded("listing the sessions")
    def list_sessions(self, person: str) -> list[SessionInfo]:
        """Return the sessions of ``person``, oldest first (by date, then saving order)."""
        if self._engine is None:
            _clean_person(person)
            raise HistoryError(
                f"No person {_clean_person(person)!r}: the history database is empty.",
                "Save an assessment first with `hipcheck history save`.",
            )
        with Session(self._engine) as s:
            p = self._person(s, person)
            rows = s.scalars(
                select(SessionRow)
                .where(SessionRow.person_id == p.id)
                .order_by(SessionRow.date, SessionRow.id)
            )
            return [_session_info(r, p.identifier) for r in rows]

    def get_session(self, session_id: int) -> SessionInfo:
        """Return one session's facts."""
        row, person = self._get_session_row(session_id)
        return _session_info(row, person)

    @_guarded("reading the assessment")
    def get_assessment(self, session_id: int) -> Assessment:
        """Return the assessment saved in a session."""
        self._get_session_row(session_id)
        with Session(self._open()) as s:
            row = s.get(AssessmentRow, int(session_id))
            if row is None:
                raise HistoryError(f"Session {session_id} has no stored assessment.")
            from hipcheck.assessment.load import AssessmentFileError, load_assessment

            try:
                return load_assessment(
                    row.document, source=f"the assessment of session {session_id}"
                )
            except AssessmentFileError as exc:
                raise HistoryError(exc.message) from None

    @_guarded("reading the program")
    def get_program(self, session_id: int) -> dict[str, Any] | None:
        """Return the program given in a session, or None."""
        self._get_session_row(session_id)
        with Session(self._open()) as s:
            row = s.get(ProgramRow, int(session_id))
            return None if row is None else row.document

    @_guarded("reading the metric summaries")
    def metric_rows(self, person: str) -> list[dict[str, Any]]:
        """Return the per-metric summaries of all sessions of ``person`` (oldest first).

        Each dict has ``session_id``, ``date``, ``task``, ``overall_rating``, ``metric``,
        ``side``, ``mean_value``, ``n_reps``, ``status``, ``rating`` and ``source``.
        """
        sessions = {x.id: x for x in self.list_sessions(person)}
        if not sessions:
            return []
        with Session(self._open()) as s:
            rows = s.scalars(
                select(MetricRow)
                .where(MetricRow.session_id.in_(list(sessions)))
                .order_by(MetricRow.session_id, MetricRow.metric, MetricRow.side)
            )
            out = []
            for r in rows:
                info = sessions[r.session_id]
                out.append(
                    {
                        "session_id": r.session_id,
                        "date": info.date,
                        "task": info.task,
                        "overall_rating": info.overall_rating,
                        "metric": r.metric,
                        "side": r.side,
                        "mean_value": r.mean_value,
                        "n_reps": r.n_reps,
                        "status": r.status,
                        "rating": r.rating,
                        "source": r.source,
                    }
                )
        out.sort(key=lambda d: (d["date"], d["session_id"]))
        return out


def _session_info(row: SessionRow, person: str) -> SessionInfo:
    return SessionInfo(
        id=row.id,
        person=person,
        date=row.date,
        task=row.task,
        overall_rating=row.overall_rating,
        notes=row.notes,
        created=row.created,
    )
