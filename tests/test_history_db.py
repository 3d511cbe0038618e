"""History store: round trip, lazy creation, migrations, deletion, errors."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from hipcheck.history.db import (
    TABLES,
    Base,
    HistoryError,
    HistoryStore,
    current_revision,
    default_location,
    upgrade,
)
from history_factory import make_assessment

HEAD = "0002_notes_and_source"


def _assessment(valgus: float = 14.0, drop: float = 2.0):
    return make_assessment(
        {"left": {"knee_valgus_deg": valgus, "pelvic_drop_deg": drop, "trunk_lean_deg": 3.0}}
    )


def _count(path: Path, sql: str, **params: object) -> int:
    with sqlite3.connect(path) as con:
        return con.execute(sql, params).fetchone()[0]


def test_round_trip(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite")
    a = _assessment()
    sid = store.save_assessment("  Pat O'Brien <ü>  ", a, date="2025-03-14", notes="first")
    got = store.get_assessment(sid)
    assert got.to_dict() == a.to_dict()
    assert a.program is not None and store.get_program(sid) == a.program.to_dict()
    [info] = store.list_sessions("Pat O'Brien <ü>")
    assert (info.id, info.person, info.date) == (sid, "Pat O'Brien <ü>", dt.date(2025, 3, 14))
    assert (info.task, info.overall_rating, info.notes) == ("single_leg_squat", "fair", "first")
    rows = {(r["metric"], r["side"]): r for r in store.metric_rows("Pat O'Brien <ü>")}
    assert set(rows) == {
        ("knee_valgus_deg", "left"),
        ("pelvic_drop_deg", "left"),
        ("trunk_lean_deg", "left"),
    }
    valgus = rows[("knee_valgus_deg", "left")]
    assert valgus["mean_value"] == pytest.approx(14.0)
    assert (valgus["n_reps"], valgus["status"], valgus["rating"]) == (3, "measured", "fair")
    store.close()


def test_no_program_no_program_row(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite")
    a = make_assessment({"right": {"trunk_lean_deg": 1.0}}, program=False)
    sid = store.save_assessment("p", a)
    assert store.get_program(sid) is None
    assert store.get_session(sid).date == dt.date.today()
    assert _count(tmp_path / "h.sqlite", "select count(*) from programs") == 0


def test_nothing_created_until_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HIPCHECK_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    expected = tmp_path / "xdg" / "hipcheck" / "history.sqlite"
    assert Path(default_location()) == expected
    store = HistoryStore()
    assert store.list_people() == []
    with pytest.raises(HistoryError):
        store.list_sessions("anyone")
    assert not (tmp_path / "xdg").exists()
    store.save_assessment("p", _assessment())
    assert expected.is_file()

    monkeypatch.setenv("HIPCHECK_DB", str(tmp_path / "env.sqlite"))
    assert HistoryStore().location == str(tmp_path / "env.sqlite")


def test_sqlalchemy_url(tmp_path: Path) -> None:
    store = HistoryStore(f"sqlite:///{tmp_path / 'u.sqlite'}")
    sid = store.save_assessment("p", _assessment())
    assert HistoryStore(tmp_path / "u.sqlite").get_assessment(sid).task == "single_leg_squat"


def test_head_schema_matches_models(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite")
    store.save_assessment("p", _assessment())
    engine = create_engine(f"sqlite:///{tmp_path / 'h.sqlite'}")
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    assert current_revision(engine) == HEAD


def test_migration_from_first_revision(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine, "0001_initial")
    cols = {c["name"] for c in inspect(engine).get_columns("sessions")}
    assert "notes" not in cols
    doc = _assessment(valgus=11.0).to_dict()
    with engine.begin() as conn:
        conn.execute(text("insert into people values (1, 'old pat', '2024-01-01 10:00:00')"))
        conn.execute(
            text(
                "insert into sessions (id, person_id, date, task, overall_rating, created) "
                "values (7, 1, '2024-01-02', 'single_leg_squat', 'fair', '2024-01-02 10:00:00')"
            )
        )
        conn.execute(text("insert into assessments values (7, 1, :doc)"), {"doc": json.dumps(doc)})
        conn.execute(
            text(
                "insert into metric_summaries (session_id, metric, side, mean_value, n_reps, "
                "status, rating) values (7, 'knee_valgus_deg', 'left', 11.0, 3, 'measured', "
                "'good')"
            )
        )
        program = doc["program"]
        conn.execute(text("insert into programs values (7, :p)"), {"p": json.dumps(program)})
    engine.dispose()

    store = HistoryStore(path)
    assert current_revision(create_engine(f"sqlite:///{path}")) == HEAD
    [info] = store.list_sessions("old pat")
    assert (info.id, info.date, info.notes) == (7, dt.date(2024, 1, 2), None)
    assert store.get_assessment(7).to_dict() == doc
    assert store.get_program(7) == program
    [row] = store.metric_rows("old pat")
    assert (row["mean_value"], row["source"]) == (11.0, "landmarks")
    # and the migrated database takes new data
    sid = store.save_assessment("old pat", _assessment(), notes="after migration")
    assert [s.id for s in store.list_sessions("old pat")] == [7, sid]


def test_downgrade_then_upgrade(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite")
    sid = store.save_assessment("p", _assessment(), notes="n")
    engine = create_engine(f"sqlite:///{tmp_path / 'h.sqlite'}")
    from alembic import command

    from hipcheck.history.db import alembic_config

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001_initial")
    assert "source" not in {c["name"] for c in inspect(engine).get_columns("metric_summaries")}
    engine.dispose()
    assert HistoryStore(tmp_path / "h.sqlite").get_assessment(sid).task == "single_leg_squat"


def _person_rows(path: Path, person: str) -> dict[str, int]:
    sub = "select s.id from sessions s join people p on p.id = s.person_id where p.identifier = :p"
    counts = {"people": _count(path, "select count(*) from people where identifier = :p", p=person)}
    counts["sessions"] = _count(path, f"select count(*) from ({sub})", p=person)
    for table in ("assessments", "metric_summaries", "programs"):
        counts[table] = _count(
            path, f"select count(*) from {table} where session_id in ({sub})", p=person
        )
    return counts


def test_delete_person_removes_everything(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    store = HistoryStore(path)
    keep = [store.save_assessment("keep", _assessment()) for _ in range(2)]
    gone = [store.save_assessment("gone", _assessment(), date=f"2025-0{i}-01") for i in (1, 2, 3)]
    before = _person_rows(path, "gone")
    assert before == {
        "people": 1,
        "sessions": 3,
        "assessments": 3,
        "metric_summaries": 9,
        "programs": 3,
    }
    # every data table of the schema is checked
    tables = set(inspect(create_engine(f"sqlite:///{path}")).get_table_names())
    assert tables - {"alembic_version"} == set(TABLES)

    assert store.delete_person("gone") == 3
    # nothing left anywhere: totals equal the other person's rows
    totals = {t: _count(path, f"select count(*) from {t}") for t in TABLES}
    assert totals == _person_rows(path, "keep")
    assert totals["people"] == 1 and totals["sessions"] == 2
    assert _count(path, "select count(*) from people where identifier = 'gone'") == 0
    for sid in gone:
        with pytest.raises(HistoryError):
            store.get_assessment(sid)
    assert [s.id for s in store.list_sessions("keep")] == keep
    with pytest.raises(HistoryError, match="No person"):
        store.delete_person("gone")


def test_delete_session(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    store = HistoryStore(path)
    s1 = store.save_assessment("p", _assessment())
    s2 = store.save_assessment("p", _assessment())
    store.delete_session(s1)
    assert [s.id for s in store.list_sessions("p")] == [s2]
    for table in ("assessments", "metric_summaries", "programs"):
        assert _count(path, f"select count(*) from {table} where session_id = {s1}") == 0
    with pytest.raises(HistoryError, match=f"No session {s1}"):
        store.delete_session(s1)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda s: s.save_assessment("p", _assessment(), date="14/03/2025"), "YYYY-MM-DD"),
        (lambda s: s.save_assessment("   ", _assessment()), "empty"),
        (lambda s: s.get_assessment(99), "No session 99"),
        (lambda s: s.list_sessions("nobody"), "No person 'nobody'"),
    ],
    ids=["bad-date", "empty-person", "missing-session", "unknown-person"],
)
def test_user_errors(tmp_path: Path, call, match: str) -> None:
    store = HistoryStore(tmp_path / "h.sqlite")
    store.save_assessment("someone", _assessment())
    with pytest.raises(HistoryError, match=match):
        call(store)


def test_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "notes.sqlite"
    bad.write_text("this is not sqlite\n" * 100)
    with pytest.raises(HistoryError, match="not a usable hipcheck history database"):
        HistoryStore(bad)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    HistoryStore(path).save_assessment("p", _assessment())
    with sqlite3.connect(path) as con:
        con.execute("update alembic_version set version_num = '0099_future'")
    with pytest.raises(HistoryError, match="newer hipcheck"):
        HistoryStore(path)
