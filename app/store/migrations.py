"""Versioned schema migrations with a backup taken before any change.

Each migration is a list of SQL statements that moves the schema from version N-1 to N.
The version lives in SQLite's ``user_version`` pragma. Add a migration by appending to
``MIGRATIONS``; never edit one that has shipped.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.store import (
    schema_delivery,
    schema_flows,
    schema_mapping,
    schema_matching,
    schema_privacy,
    schema_reconcile,
    schema_retailing,
    schema_scheduling,
    schema_search,
    schema_segments,
    schema_synclog,
    schema_throughput,
    schema_waiting,
)
from app.store.errors import StoreError

log = logging.getLogger(__name__)

_V1 = [
    """CREATE TABLE connection_profiles (
        id INTEGER PRIMARY KEY,
        uid VARCHAR(36) NOT NULL UNIQUE,
        name VARCHAR(200) NOT NULL UNIQUE,
        kind VARCHAR(64) NOT NULL,
        settings JSON NOT NULL,
        secret_fields JSON NOT NULL,
        is_demo BOOLEAN NOT NULL DEFAULT 0,
        created_at DATETIME NOT NULL,
        updated_at DATETIME NOT NULL,
        last_test_at DATETIME,
        last_test_ok BOOLEAN,
        last_test_message TEXT,
        last_used_at DATETIME
    )""",
    """CREATE TABLE flows (
        id INTEGER PRIMARY KEY,
        slug VARCHAR(100) NOT NULL UNIQUE,
        name VARCHAR(200) NOT NULL,
        source_profile_id INTEGER REFERENCES connection_profiles(id) ON DELETE RESTRICT,
        source_stream VARCHAR(100) NOT NULL DEFAULT '',
        dest_profile_id INTEGER REFERENCES connection_profiles(id) ON DELETE RESTRICT,
        dest_stream VARCHAR(100) NOT NULL DEFAULT '',
        mode VARCHAR(20) NOT NULL DEFAULT 'incremental',
        enabled BOOLEAN NOT NULL DEFAULT 1,
        schedule JSON NOT NULL,
        ownership JSON NOT NULL,
        created_at DATETIME NOT NULL,
        updated_at DATETIME NOT NULL
    )""",
    """CREATE TABLE mappings (
        id INTEGER PRIMARY KEY,
        flow_id INTEGER NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        rules JSON NOT NULL,
        comment TEXT NOT NULL DEFAULT '',
        created_by VARCHAR(100) NOT NULL DEFAULT '',
        created_at DATETIME NOT NULL,
        UNIQUE (flow_id, version)
    )""",
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        flow_id INTEGER REFERENCES flows(id) ON DELETE SET NULL,
        "trigger" VARCHAR(20) NOT NULL DEFAULT 'manual',
        triggered_by VARCHAR(100) NOT NULL DEFAULT '',
        dry_run BOOLEAN NOT NULL DEFAULT 0,
        status VARCHAR(30) NOT NULL DEFAULT 'running',
        started_at DATETIME NOT NULL,
        finished_at DATETIME,
        read_count INTEGER NOT NULL DEFAULT 0,
        created_count INTEGER NOT NULL DEFAULT 0,
        updated_count INTEGER NOT NULL DEFAULT 0,
        unchanged_count INTEGER NOT NULL DEFAULT 0,
        failed_count INTEGER NOT NULL DEFAULT 0,
        parked_count INTEGER NOT NULL DEFAULT 0,
        error TEXT
    )""",
    "CREATE INDEX ix_runs_flow_started ON runs (flow_id, started_at)",
    """CREATE TABLE record_outcomes (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        entity VARCHAR(50) NOT NULL,
        record_key VARCHAR(200) NOT NULL,
        golden_id VARCHAR(36),
        action VARCHAR(20) NOT NULL,
        status VARCHAR(20) NOT NULL,
        error TEXT,
        payload_hash VARCHAR(64),
        attempt INTEGER NOT NULL DEFAULT 1,
        destination_id VARCHAR(200),
        started_at DATETIME NOT NULL,
        duration_ms INTEGER,
        source_payload TEXT,
        sent_payload TEXT,
        response_payload TEXT
    )""",
    "CREATE INDEX ix_outcomes_run ON record_outcomes (run_id)",
    "CREATE INDEX ix_outcomes_key ON record_outcomes (entity, record_key)",
    "CREATE INDEX ix_outcomes_status ON record_outcomes (status)",
    """CREATE TABLE links (
        id INTEGER PRIMARY KEY,
        entity VARCHAR(50) NOT NULL,
        system VARCHAR(100) NOT NULL,
        external_id VARCHAR(200) NOT NULL,
        golden_id VARCHAR(36) NOT NULL,
        created_at DATETIME NOT NULL,
        UNIQUE (entity, system, external_id)
    )""",
    "CREATE INDEX ix_links_golden ON links (golden_id)",
    """CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at DATETIME NOT NULL,
        os_user VARCHAR(100) NOT NULL,
        action VARCHAR(50) NOT NULL,
        object_type VARCHAR(50) NOT NULL,
        object_id VARCHAR(100) NOT NULL DEFAULT '',
        object_name VARCHAR(200) NOT NULL DEFAULT '',
        diff JSON NOT NULL
    )""",
    "CREATE INDEX ix_audit_at ON audit_log (at)",
    """CREATE TABLE settings (
        "key" VARCHAR(100) PRIMARY KEY,
        value JSON
    )""",
]

# v2: sync engine state — cursors, last delivered payloads, the retry queue, conflicts,
# and the contact index the leads flow's pre-entry duplicate check read (folded in v8).
_V2 = [
    """CREATE TABLE flow_state (
        flow_id INTEGER PRIMARY KEY REFERENCES flows(id) ON DELETE CASCADE,
        cursor TEXT,
        last_run_id INTEGER,
        last_success_at DATETIME,
        updated_at DATETIME NOT NULL
    )""",
    """CREATE TABLE delivery_state (
        flow_id INTEGER NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
        golden_id VARCHAR(36) NOT NULL,
        record_key VARCHAR(200) NOT NULL,
        dest_id VARCHAR(200),
        payload_hash VARCHAR(64) NOT NULL,
        payload JSON NOT NULL,
        delivered_at DATETIME NOT NULL,
        PRIMARY KEY (flow_id, golden_id)
    )""",
    """CREATE TABLE parked_records (
        id INTEGER PRIMARY KEY,
        flow_id INTEGER NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
        run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
        outcome_id INTEGER,
        record_key VARCHAR(200) NOT NULL,
        golden_id VARCHAR(36),
        source_payload JSON NOT NULL,
        reason TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 1,
        status VARCHAR(20) NOT NULL DEFAULT 'open',
        first_failed_at DATETIME NOT NULL,
        last_failed_at DATETIME NOT NULL,
        resolved_at DATETIME
    )""",
    "CREATE INDEX ix_parked_flow_status ON parked_records (flow_id, status)",
    "CREATE INDEX ix_parked_key ON parked_records (flow_id, record_key)",
    """CREATE TABLE conflicts (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs(id) ON DELETE CASCADE,
        flow_id INTEGER REFERENCES flows(id) ON DELETE CASCADE,
        golden_id VARCHAR(36) NOT NULL,
        record_key VARCHAR(200) NOT NULL,
        field VARCHAR(100) NOT NULL,
        source_value TEXT,
        kept_value TEXT,
        winner VARCHAR(20) NOT NULL,
        at DATETIME NOT NULL
    )""",
    "CREATE INDEX ix_conflicts_run ON conflicts (run_id)",
    """CREATE TABLE contact_index (
        id INTEGER PRIMARY KEY,
        system VARCHAR(100) NOT NULL,
        external_id VARCHAR(200) NOT NULL,
        email VARCHAR(254),
        phone VARCHAR(20),
        UNIQUE (system, external_id)
    )""",
    "CREATE INDEX ix_contact_index_email ON contact_index (system, email)",
    "CREATE INDEX ix_contact_index_phone ON contact_index (system, phone)",
    "ALTER TABLE record_outcomes ADD COLUMN flow_id INTEGER",
    "ALTER TABLE record_outcomes ADD COLUMN replay_of INTEGER",
    "CREATE INDEX ix_outcomes_flow ON record_outcomes (flow_id, started_at)",
    "ALTER TABLE runs ADD COLUMN conflict_count INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE runs ADD COLUMN cursor_before TEXT",
    "ALTER TABLE runs ADD COLUMN cursor_after TEXT",
    "ALTER TABLE flows ADD COLUMN options JSON NOT NULL DEFAULT '{}'",
]

# v3: the record search index (find a customer, VIN, stock, deal or RO number fast) with
# an FTS5 table over names, kept in step by triggers.
_V3 = [
    """CREATE TABLE record_index (
        id INTEGER PRIMARY KEY,
        entity VARCHAR(50) NOT NULL,
        system VARCHAR(100) NOT NULL,
        record_key VARCHAR(200) NOT NULL,
        golden_id VARCHAR(36),
        name VARCHAR(300) NOT NULL DEFAULT '',
        email VARCHAR(254),
        phone VARCHAR(20),
        vin VARCHAR(17),
        stock_number VARCHAR(50),
        deal_number VARCHAR(50),
        ro_number VARCHAR(50),
        customer_number VARCHAR(50),
        updated_at DATETIME NOT NULL,
        UNIQUE (entity, system, record_key)
    )""",
    "CREATE INDEX ix_record_index_golden ON record_index (golden_id)",
    "CREATE INDEX ix_record_index_email ON record_index (email)",
    "CREATE INDEX ix_record_index_phone ON record_index (phone)",
    "CREATE INDEX ix_record_index_vin ON record_index (vin)",
    "CREATE INDEX ix_record_index_stock ON record_index (stock_number)",
    "CREATE INDEX ix_record_index_deal ON record_index (deal_number)",
    "CREATE INDEX ix_record_index_ro ON record_index (ro_number)",
    "CREATE INDEX ix_record_index_customer ON record_index (customer_number)",
    "CREATE INDEX ix_record_index_key ON record_index (record_key)",
    """CREATE VIRTUAL TABLE record_index_fts USING fts5(
        name, content='record_index', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER record_index_ai AFTER INSERT ON record_index BEGIN
        INSERT INTO record_index_fts(rowid, name) VALUES (new.id, new.name);
    END""",
    """CREATE TRIGGER record_index_ad AFTER DELETE ON record_index BEGIN
        INSERT INTO record_index_fts(record_index_fts, rowid, name)
            VALUES ('delete', old.id, old.name);
    END""",
    """CREATE TRIGGER record_index_au AFTER UPDATE OF name ON record_index BEGIN
        INSERT INTO record_index_fts(record_index_fts, rowid, name)
            VALUES ('delete', old.id, old.name);
        INSERT INTO record_index_fts(rowid, name) VALUES (new.id, new.name);
    END""",
]

# Later versions live beside the feature that needs them (one module per feature).
MIGRATIONS: Sequence[Sequence[str]] = (
    _V1,
    _V2,
    _V3,
    schema_scheduling.STATEMENTS,  # v4: alert state, events and signals
    schema_mapping.STATEMENTS,  # v5: schema snapshots for drift alerts
    schema_synclog.STATEMENTS,  # v6: indexes for the sync log viewer
    schema_matching.STATEMENTS,  # v7: match candidates, decisions, golden records, merges
    schema_search.STATEMENTS,  # v8: partial search indexes; contact_index folded into them
    schema_delivery.STATEMENTS,  # v9: delivery state marks a record whose last attempt failed
    schema_flows.STATEMENTS,  # v10: a flow's description (what it does, over which protocol)
    schema_waiting.STATEMENTS,  # v11: runs grouped into jobs; dismissed parked records say who/why
    schema_privacy.STATEMENTS,  # v12: erasure tombstones and the register of privacy requests
    schema_segments.STATEMENTS,  # v13: marketing segments, do-not-contact/erasures, list syncs
    schema_retailing.STATEMENTS,  # v14: the digital-retailing inbox of deal jackets
    schema_reconcile.STATEMENTS,  # v15: reconciliation and shadow-run reports
    schema_throughput.STATEMENTS,  # v16: compressed run-log payloads; name index in bulk
)
LATEST_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


BACKUP_DAYS = 90  # unless the retention policy says otherwise


def backup_days(conn: sqlite3.Connection) -> int:
    """How long the retention policy keeps database backups (its ``backup_days``)."""
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = 'sync_log.retention'").fetchone()
        days = int(json.loads(row[0]).get("backup_days", BACKUP_DAYS)) if row else BACKUP_DAYS
    except (sqlite3.Error, ValueError, TypeError, AttributeError):
        return BACKUP_DAYS
    return days if 1 <= days <= 3650 else BACKUP_DAYS


def backup_database(
    db_path: Path, backups_dir: Path, from_version: int, keep_days: int = BACKUP_DAYS
) -> Path:
    """Copy the database with SQLite's online backup API (safe with WAL) before a change.
    The name says when it ages out (``…-until-YYYY-MM-DD.db``): retention deletes it then,
    and an erasure can say how long a backup still holds the person."""
    backups_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    stamp = now.strftime("%Y%m%d-%H%M%S-%f")
    until = (now + timedelta(days=keep_days)).strftime("%Y-%m-%d")
    target = backups_dir / f"rooftop-v{from_version}-{stamp}-until-{until}.db"
    src = sqlite3.connect(db_path)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


def migrate(
    db_path: Path,
    backups_dir: Path,
    migrations: Sequence[Sequence[str]] = MIGRATIONS,
) -> tuple[int, int, Path | None]:
    """Bring the database file to the latest schema.

    Returns (version before, version after, backup path or None). A database newer than
    this build raises ``StoreError`` rather than being touched.
    """
    latest = len(migrations)
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        current = schema_version(conn)
        if current > latest:
            raise StoreError(
                f"The database {db_path} was written by a newer Rooftop Sync "
                f"(schema {current}, this version knows up to {latest}).",
                hint=f"Install the newer version again, or restore a backup from {backups_dir}.",
            )
        if current == latest:
            return current, current, None
        backup = (
            backup_database(db_path, backups_dir, current, backup_days(conn))
            if current > 0
            else None
        )
        if backup:
            log.info("Backed up database schema v%s to %s before migrating", current, backup)
        for version in range(current + 1, latest + 1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in migrations[version - 1]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version}")
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                conn.execute("ROLLBACK")
                raise StoreError(
                    f"Could not upgrade the database to schema {version}: {exc}",
                    hint=f"Your data is unchanged; a backup is in {backups_dir}.",
                ) from exc
            log.info("Migrated database to schema v%s", version)
        return current, latest, backup
    finally:
        conn.close()
