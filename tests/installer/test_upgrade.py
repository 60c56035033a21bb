"""An upgrade keeps everything: a data folder written by an older schema, opened by this
build, still has every profile (secret in the keyring), flow, mapping, schedule, run,
outcome and audit row, and a backup of the old database was taken first.

The old database is made by applying only the first N migrations, then filling it with
plain SQL that is valid for schema v1, so the test keeps working when migrations are
appended: every older version up to the current one is upgraded in turn.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import secrets
from app.paths import AppPaths
from app.services import audit
from app.services.flows import FlowService
from app.services.profiles import ProfileService
from app.store import open_store
from app.store.migrations import LATEST_VERSION, MIGRATIONS, migrate
from app.sync import identity

OLD_VERSIONS = list(range(1, LATEST_VERSION))
RETIRED = {"contact_index"}  # derived tables a migration folded into another (v8)
T0 = "2024-03-01 08:00:00.000000"  # how UTCDateTime stores a timestamp (naive UTC)
T1 = "2024-03-01 08:05:30.000000"

SCHEDULE = {"every_minutes": 15, "cron": "*/15 7-20 * * 1-6", "timezone": "America/Chicago"}
RULES = {
    "format": "rooftop-mapping",
    "version": 1,
    "rules": [
        {"target": "email", "sources": ["EMAIL"], "steps": [{"name": "email"}], "required": True},
        {"target": "last_name", "sources": ["LAST"], "steps": [], "required": False},
    ],
}


@pytest.fixture
def secret_owner() -> Iterator[tuple[str, str]]:
    uid = str(uuid.uuid4())
    owner = f"profile/{uid}"
    value = f"upgrade-test-key-{uuid.uuid4().hex}"
    secrets.set_secret(owner, "api_key", value)
    yield uid, value
    secrets.delete_secret(owner, "api_key")


def _old_store(paths: AppPaths, version: int, uid: str) -> None:
    """A database at schema ``version`` holding one of everything, written with v1 SQL."""
    migrate(paths.database, paths.backups_dir, MIGRATIONS[:version])
    conn = sqlite3.connect(paths.database)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == version
        cur = conn.cursor()
        settings = {"base_url": "https://crm.example.com/api", "api_key_header": "X-API-Key"}
        for name, kind, pid_uid in (
            ("Main street CRM", "http_api", uid),
            ("Legacy DMS", "dms_legacy_kind_gone", str(uuid.uuid4())),  # unknown kind
        ):
            cur.execute(
                "INSERT INTO connection_profiles (uid, name, kind, settings, secret_fields, "
                "is_demo, created_at, updated_at, last_test_at, last_test_ok, "
                "last_test_message) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, 1, 'Connected')",
                (pid_uid, name, kind, json.dumps(settings), json.dumps(["api_key"]), T0, T0, T1),
            )
        crm, dms = (r[0] for r in cur.execute("SELECT id FROM connection_profiles ORDER BY id"))
        cur.execute(
            "INSERT INTO flows (slug, name, source_profile_id, source_stream, dest_profile_id, "
            "dest_stream, mode, enabled, schedule, ownership, created_at, updated_at) "
            "VALUES ('customers-dms-to-crm', 'Customers DMS to CRM', ?, 'customers', ?, "
            "'contacts', 'incremental', 1, ?, ?, ?, ?)",
            (dms, crm, json.dumps(SCHEDULE), json.dumps({"phone": "destination"}), T0, T0),
        )
        flow_id = cur.lastrowid
        for version_no, comment in ((1, "first"), (2, "added last name")):
            rules = RULES if version_no == 2 else {**RULES, "rules": RULES["rules"][:1]}
            cur.execute(
                "INSERT INTO mappings (flow_id, version, rules, comment, created_by, "
                "created_at) VALUES (?, ?, ?, ?, 'it-admin', ?)",
                (flow_id, version_no, json.dumps(rules), comment, T0),
            )
        for status, failed in (("succeeded", 0), ("completed_with_errors", 1)):
            cur.execute(
                'INSERT INTO runs (flow_id, "trigger", triggered_by, dry_run, status, '
                "started_at, finished_at, read_count, created_count, failed_count) "
                "VALUES (?, 'schedule', 'scheduler', 0, ?, ?, ?, 3, 2, ?)",
                (flow_id, status, T0, T1, failed),
            )
            run_id = cur.lastrowid
            for key in ("C100", "C101", "C102"):
                bad = failed and key == "C102"
                cur.execute(
                    "INSERT INTO record_outcomes (run_id, entity, record_key, golden_id, "
                    "action, status, error, payload_hash, started_at, duration_ms) "
                    "VALUES (?, 'customer', ?, ?, 'create', ?, ?, 'abc123', ?, 12)",
                    (
                        run_id,
                        key,
                        f"g-{key}",
                        "failed" if bad else "ok",
                        "email is not valid" if bad else None,
                        T0,
                    ),
                )
        cur.execute(
            "INSERT INTO links (entity, system, external_id, golden_id, created_at) "
            "VALUES ('customer', 'dms', 'C100', 'g-C100', ?)",
            (T0,),
        )
        cur.execute(
            "INSERT INTO audit_log (at, os_user, action, object_type, object_id, object_name, "
            "diff) VALUES (?, 'DEALER\\admin', 'create', 'profile', ?, 'Main street CRM', ?)",
            (T0, str(crm), json.dumps({"secrets": {"api_key": "stored"}})),
        )
        cur.execute("INSERT INTO settings (\"key\", value) VALUES ('scheduler.paused', 'false')")
        if 2 <= version < 8:  # the pre-entry contact index of v2..v7
            cur.execute(
                "INSERT INTO contact_index (system, external_id, email, phone) "
                "VALUES ('dms-uid', 'C9', 'ann@example.com', '+13135550100')"
            )
        conn.commit()
    finally:
        conn.close()


def _table_rows(db: Path) -> dict[str, tuple[list[str], set[tuple[object, ...]]]]:
    """Every ordinary table's columns and rows (FTS shadow tables left out)."""
    conn = sqlite3.connect(db)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                "AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE '%_fts%'"
            )
        ]
        out = {}
        for name in names:
            cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')]
            rows = set(conn.execute(f'SELECT {", ".join(f"[{c}]" for c in cols)} FROM "{name}"'))
            out[name] = (cols, rows)
        return out
    finally:
        conn.close()


@pytest.mark.parametrize("old_version", OLD_VERSIONS, ids=[f"from-v{v}" for v in OLD_VERSIONS])
def test_upgrade_keeps_every_row_and_secret(
    tmp_path: Path, old_version: int, secret_owner: tuple[str, str]
) -> None:
    uid, secret_value = secret_owner
    paths = AppPaths(tmp_path / "RooftopSync").ensure()
    _old_store(paths, old_version, uid)
    before = _table_rows(paths.database)
    assert sum(len(rows) for _cols, rows in before.values()) >= 15

    store = open_store(paths)  # what the new version does on its first start
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA user_version").scalar() == LATEST_VERSION

        # every old row is still there, column for column (new columns may be added)
        after = _table_rows(paths.database)
        for table, (cols, rows) in before.items():
            if table in RETIRED:
                continue  # checked below: its rows live on elsewhere
            assert table in after, f"table {table} disappeared in the upgrade"
            new_cols, new_rows = after[table]
            idx = [new_cols.index(c) for c in cols]
            projected = {tuple(row[i] for i in idx) for row in new_rows}
            assert rows <= projected, f"rows of {table} changed in the upgrade"

        if 2 <= old_version < 8:  # contact_index (v2-v7) folded into record_index in v8
            with store.session() as s:
                assert identity.find_contact(s, "dms-uid", email="ann@example.com", phone=None)
                assert identity.find_contact(s, "dms-uid", email=None, phone="+13135550100") == "C9"

        # ... and the services read them as before
        profiles = {p.name: p for p in ProfileService(store).list()}
        assert set(profiles) == {"Main street CRM", "Legacy DMS"}
        crm = profiles["Main street CRM"]
        assert crm.settings["base_url"] == "https://crm.example.com/api"
        assert crm.last_test_ok is True
        assert ProfileService(store).secrets_for(crm.id) == {"api_key": secret_value}

        flow = FlowService(store).get("customers-dms-to-crm")
        assert flow.schedule == SCHEDULE
        assert flow.ownership == {"phone": "destination"}
        assert flow.mapping_version == 2
        assert [r.target for r in flow.mapping.rules] == ["email", "last_name"]
        assert flow.last_run_status == "completed_with_errors"

        entries = audit.recent(store)
        assert [(e.action, e.object_name) for e in entries] == [("create", "Main street CRM")]
    finally:
        store.dispose()

    # a copy of the old database was taken before anything changed
    backups = sorted(paths.backups_dir.glob(f"rooftop-v{old_version}-*.db"))
    assert len(backups) == 1
    assert _table_rows(backups[0]) == before
    conn = sqlite3.connect(backups[0])
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == old_version
    finally:
        conn.close()

    # the secret never left the keyring: the database holds no copy of it
    for path in paths.data_dir.rglob("*"):
        if path.is_file():
            assert secret_value.encode() not in path.read_bytes(), path


def test_reopening_an_upgraded_store_takes_no_second_backup(
    tmp_path: Path, secret_owner: tuple[str, str]
) -> None:
    paths = AppPaths(tmp_path / "RooftopSync").ensure()
    _old_store(paths, 1, secret_owner[0])
    open_store(paths).dispose()
    open_store(paths).dispose()
    assert len(list(paths.backups_dir.glob("rooftop-v*.db"))) == 1
