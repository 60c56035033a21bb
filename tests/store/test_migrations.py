import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import inspect

from app.paths import AppPaths
from app.store import open_store, schema_waiting
from app.store.errors import StoreError
from app.store.migrations import LATEST_VERSION, MIGRATIONS, migrate
from app.store.models import Base
from app.sync.search import index_rows


def test_fresh_store_is_migrated_with_wal_and_foreign_keys(paths: AppPaths) -> None:
    store = open_store(paths)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA user_version").scalar() == LATEST_VERSION
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.dispose()
    assert list(paths.backups_dir.iterdir()) == []  # nothing to back up on a new file


def test_migrated_schema_matches_the_orm_models(paths: AppPaths) -> None:
    store = open_store(paths)
    insp = inspect(store.engine)
    for table in Base.metadata.sorted_tables:
        db_cols = {c["name"]: c for c in insp.get_columns(table.name)}
        assert set(db_cols) == set(table.columns.keys()), table.name
        for col in table.columns:
            if not col.primary_key:
                assert db_cols[col.name]["nullable"] == col.nullable, (table.name, col.name)
    required = {
        "connection_profiles",
        "flows",
        "mappings",
        "runs",
        "record_outcomes",
        "links",
        "audit_log",
    }
    assert required <= set(insp.get_table_names())
    store.dispose()


def _v2_adds_column() -> list[list[str]]:
    return [*map(list, MIGRATIONS), ["ALTER TABLE flows ADD COLUMN notes TEXT"]]


def test_upgrade_backs_up_first_and_keeps_data(tmp_path: Path) -> None:
    db, backups = tmp_path / "rooftop.db", tmp_path / "backups"
    migrate(db, backups)
    con = sqlite3.connect(db)
    con.execute(
        "INSERT INTO audit_log (at, os_user, action, object_type, diff) "
        "VALUES ('2026-01-01', 'admin', 'create', 'x', '{}')"
    )
    con.commit()
    con.close()

    before, after, backup = migrate(db, backups, _v2_adds_column())

    assert (before, after) == (LATEST_VERSION, LATEST_VERSION + 1)
    assert backup is not None and backup.exists()
    old = sqlite3.connect(backup)
    assert old.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    assert old.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 1
    old.close()
    new = sqlite3.connect(db)
    assert new.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 1
    assert "notes" in [r[1] for r in new.execute("PRAGMA table_info(flows)")]
    new.close()


def test_failed_migration_rolls_back_and_says_where_the_backup_is(tmp_path: Path) -> None:
    db, backups = tmp_path / "rooftop.db", tmp_path / "backups"
    migrate(db, backups)
    broken = [*map(list, MIGRATIONS), ["ALTER TABLE flows ADD COLUMN x TEXT", "NOT SQL"]]
    with pytest.raises(StoreError) as err:
        migrate(db, backups, broken)
    assert "unchanged" in str(err.value)
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    assert "x" not in [r[1] for r in con.execute("PRAGMA table_info(flows)")]
    con.close()


def test_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "rooftop.db"
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA user_version = {LATEST_VERSION + 5}")
    con.close()
    with pytest.raises(StoreError, match="newer Rooftop Sync"):
        migrate(db, tmp_path / "backups")


def test_a_file_that_is_not_a_database_gives_a_readable_error(paths: AppPaths) -> None:
    paths.database.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=r"is damaged \(file is not a database\)"):
        open_store(paths)


def test_business_key_lookups_use_the_partial_indexes_and_names_the_fts(paths: AppPaths) -> None:
    store = open_store(paths)
    with store.engine.begin() as conn:
        for column in ("email", "phone", "vin", "stock_number", "ro_number", "customer_number"):
            plan = " ".join(
                str(row[-1])
                for row in conn.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN SELECT id FROM record_index WHERE {column} = 'X'"
                )
            )
            assert f"ix_record_index_{column.split('_')[0]}" in plan, (column, plan)
    with store.session() as s:  # new names reach FTS with their rows (v16: in bulk)
        frame = pd.DataFrame({"customer_id": ["C1"], "name": ["Zoë Ó Brien"]})
        index_rows(s, "customer", "dms", frame, "customer_id", {})
    with store.engine.begin() as conn:
        found = conn.exec_driver_sql(
            'SELECT rowid FROM record_index_fts WHERE record_index_fts MATCH \'"zoe"* "bri"*\''
        ).all()
        assert len(found) == 1
        tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
        assert "contact_index" not in tables  # folded into record_index (v8)
    store.dispose()


def test_v9_marks_delivered_records_waiting_in_the_retry_queue(tmp_path: Path) -> None:
    """A store upgraded with a parked record that had been delivered before: the record
    must not be skipped as unchanged by the next replay."""
    db, backups = tmp_path / "rooftop.db", tmp_path / "backups"
    migrate(db, backups, MIGRATIONS[:8])
    con = sqlite3.connect(db)
    con.executescript(
        """
        INSERT INTO flows (id, slug, name, schedule, ownership, created_at, updated_at)
            VALUES (1, 'f', 'F', '{}', '{}', '2026-01-01', '2026-01-01');
        INSERT INTO delivery_state (flow_id, golden_id, record_key, dest_id, payload_hash,
            payload, delivered_at) VALUES
            (1, 'g-parked', '606991', 'A1', 'h', '{}', '2026-01-01'),
            (1, 'g-fine', '606992', 'A2', 'h', '{}', '2026-01-01');
        INSERT INTO parked_records (flow_id, record_key, golden_id, source_payload, reason,
            attempts, status, first_failed_at, last_failed_at) VALUES
            (1, '606991', 'g-parked', '{}', 'no contact', 1, 'open', '2026-01-02', '2026-01-02');
        """
    )
    con.commit()
    con.close()
    migrate(db, backups)
    con = sqlite3.connect(db)
    marked = dict(con.execute("SELECT record_key, failed_at IS NOT NULL FROM delivery_state"))
    con.close()
    assert marked == {"606991": 1, "606992": 0}


def test_waiting_migration_makes_every_old_run_a_job_of_its_own(tmp_path: Path) -> None:
    """Runs from before jobs each become a job of one (their own id), so the last job's
    totals of an upgraded store are its last run's, as they were shown before."""
    db, backups = tmp_path / "rooftop.db", tmp_path / "backups"
    version = next(i for i, m in enumerate(MIGRATIONS) if m is schema_waiting.STATEMENTS)
    migrate(db, backups, MIGRATIONS[:version])
    con = sqlite3.connect(db)
    con.executescript(
        """
        INSERT INTO flows (id, slug, name, schedule, ownership, created_at, updated_at)
            VALUES (1, 'f', 'F', '{}', '{}', '2026-01-01', '2026-01-01');
        INSERT INTO runs (id, flow_id, status, started_at) VALUES
            (7, 1, 'completed_with_errors', '2026-01-01'), (8, 1, 'succeeded', '2026-01-02');
        """
    )
    con.commit()
    con.close()
    migrate(db, backups)
    con = sqlite3.connect(db)
    jobs = dict(con.execute("SELECT id, job_id FROM runs"))
    columns = {r[1] for r in con.execute("PRAGMA table_info(parked_records)")}
    con.close()
    assert jobs == {7: 7, 8: 8}
    assert {"dismissed_by", "dismiss_reason"} <= columns
