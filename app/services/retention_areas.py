"""Retention beyond the sync log's events: every place that keeps customers' data has an
age after which it goes (``RetentionPolicy`` in ``retention``), and this module applies
it and says how much each place holds now.

- search index, last sent: a record no source has shown for ``index_days`` (its index
  row and what a flow last sent of it; the identity link stays);
- duplicate finder: snapshots not read again for ``matching_days`` (unless an open
  review group shows them), decided review groups, scans;
- merge history: after ``merge_days`` a merge can no longer be undone: its before/after
  and the names in its title go, the fact stays;
- drift samples: the sample values of schema snapshots older than ``drift_sample_days``
  (the field lists stay);
- retry queue, conflicts, alerts: settled entries older than ``event_days``;
- archives: archived sync-log files older than ``archive_days``;
- database backups: on the date in their names (``…-until-YYYY-MM-DD.db``), taken
  ``backup_days`` before;
- received leads: each lead POSTed to an ADF inbox is kept as received (XML) in the
  inbox's spool folder; read ones go after ``payload_days``, as sync-log payloads do.

Deletes run in batches, each its own transaction, so a running sync is never held up long.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.exc import DBAPIError

from app.store import Store
from app.store.models import UTCDateTime

BATCH = 5000
_TS = UTCDateTime()
_ARCHIVE_STAMP = re.compile(r"sync-log-(\d{8})-\d{6}")
_BACKUP_UNTIL = re.compile(r"-until-(\d{4}-\d{2}-\d{2})")
_BACKUP_STAMP = re.compile(r"rooftop-v\d+-(\d{8})-")
Cancelled = Callable[[], bool]


def _cut(now: datetime, days: int) -> Any:
    return _TS.process_bind_param(now - timedelta(days=days), None)  # type: ignore[arg-type]


def _batched_delete(
    store: Store, select_ids: str, table: str, params: dict[str, Any], cancelled: Cancelled
) -> int:
    """Delete the rows ``select_ids`` names (LIMIT :n), a batch per transaction."""
    delete = text(f"DELETE FROM {table} WHERE rowid IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    total = 0
    while not cancelled():
        with store.session() as s:
            ids = [r[0] for r in s.execute(text(select_ids), {**params, "n": BATCH})]
            if not ids:
                break
            s.execute(delete, {"ids": ids})
        total += len(ids)
        if len(ids) < BATCH:
            break
    return total


def search_index(store: Store, days: int, now: datetime, cancelled: Cancelled) -> int:
    """Index rows and last-sent state of records no source has shown for ``days``."""
    cut = _cut(now, days)
    n = _batched_delete(
        store,
        "SELECT id FROM record_index WHERE updated_at < :cut LIMIT :n",
        "record_index",
        {"cut": cut},
        cancelled,
    )
    n += _batched_delete(
        store,
        "SELECT rowid FROM delivery_state WHERE delivered_at < :cut LIMIT :n",
        "delivery_state",
        {"cut": cut},
        cancelled,
    )
    if n:  # deleted words otherwise linger in the full-text index's older segments
        with store.session() as s:
            s.execute(text("INSERT INTO record_index_fts(record_index_fts) VALUES ('optimize')"))
    return n


def matching(store: Store, days: int, now: datetime, cancelled: Cancelled) -> int:
    """Duplicate-finder snapshots not read again for ``days`` (unless an open review
    group shows them), decided review groups and old scans."""
    cut = _cut(now, days)
    with store.session() as s:
        shown = {
            int(i)
            for (ids,) in s.execute(
                text("SELECT record_ids FROM match_candidates WHERE status = 'open'")
            )
            for i in json.loads(ids or "[]")
        }
        old = [
            int(r[0])
            for r in s.execute(
                text("SELECT id FROM match_records WHERE loaded_at < :c"), {"c": cut}
            )
        ]
    stale = [i for i in old if i not in shown]
    n = 0
    for start in range(0, len(stale), BATCH):
        if cancelled():
            break
        with store.session() as s:
            part = stale[start : start + BATCH]
            s.execute(
                text("DELETE FROM match_records WHERE id IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": part},
            )
        n += len(part)
    n += _batched_delete(
        store,
        "SELECT id FROM match_candidates WHERE status != 'open' "
        "AND coalesce(decided_at, created_at) < :cut LIMIT :n",
        "match_candidates",
        {"cut": cut},
        cancelled,
    )
    n += _batched_delete(
        store,
        "SELECT id FROM match_scans WHERE started_at < :cut AND id NOT IN "
        "(SELECT scan_id FROM match_candidates WHERE scan_id IS NOT NULL) LIMIT :n",
        "match_scans",
        {"cut": cut},
        cancelled,
    )
    return n


def merges(store: Store, days: int, now: datetime) -> int:
    """Merges older than ``days`` keep the fact (who, when, how many) and lose what undo
    needs: the records' before/after and the names in the title."""
    cut = _cut(now, days)
    with store.session() as s:
        rows = list(
            s.execute(
                text(
                    "SELECT id, record_ids FROM merges WHERE merged_at < :c "
                    "AND status NOT IN ('expired', 'erased')"
                ),
                {"c": cut},
            )
        )
        for merge_id, record_ids in rows:
            count = len(json.loads(record_ids or "[]"))
            s.execute(
                text(
                    "UPDATE merges SET status = CASE WHEN status = 'merged' THEN 'expired' "
                    "ELSE status END, title = :t, before = '{}', after = '{}', "
                    "overrides = '{}' WHERE id = :i"
                ),
                {"t": f"{count} records merged", "i": merge_id},
            )
    return len(rows)


def drift_samples(store: Store, days: int, now: datetime) -> int:
    """Sample values of schema snapshots not seen for ``days`` (the field lists stay)."""
    cut = _cut(now, days)
    changed = 0
    with store.session() as s:
        rows = list(
            s.execute(
                text("SELECT id, fields FROM schema_snapshots WHERE last_seen_at < :c"),
                {"c": cut},
            )
        )
        for snap_id, fields_json in rows:
            data = json.loads(fields_json or "{}")
            had = any(f.get("samples") for f in data.get("fields") or [])
            if not had:
                continue
            for info in data.get("fields") or []:
                info["samples"] = []
            s.execute(
                text("UPDATE schema_snapshots SET fields = :f WHERE id = :i"),
                {"f": json.dumps(data), "i": snap_id},
            )
            changed += 1
    return changed


def retailing_inbox(store: Store, days: int, now: datetime, cancelled: Cancelled) -> int:
    """Deal jackets no newer version of has come for ``days`` (a later version of such a
    deal is taken as new; the arrival numbers never repeat, see ``retailing_sequence``)."""
    return _batched_delete(
        store,
        "SELECT id FROM retailing_jackets WHERE updated_at < :cut LIMIT :n",
        "retailing_jackets",
        {"cut": _cut(now, days)},
        cancelled,
    )


def settled_events(store: Store, days: int, now: datetime, cancelled: Cancelled) -> int:
    """Resolved retry-queue entries, conflicts and sent alerts older than ``days``."""
    cut = _cut(now, days)
    return sum(
        _batched_delete(store, select_ids, table, {"cut": cut}, cancelled)
        for table, select_ids in (
            (
                "parked_records",
                "SELECT id FROM parked_records WHERE status != 'open' AND last_failed_at < :cut "
                "LIMIT :n",
            ),
            ("conflicts", "SELECT id FROM conflicts WHERE at < :cut LIMIT :n"),
            (
                "alert_events",
                "SELECT id FROM alert_events WHERE (sent_at IS NOT NULL OR suppressed) "
                "AND created_at < :cut LIMIT :n",
            ),
        )
    )


def _day(text_: str, fmt: str) -> datetime | None:
    try:
        return datetime.strptime(text_, fmt).replace(tzinfo=UTC)
    except ValueError:
        return None


def archives(folders: list[Path], days: int, now: datetime) -> int:
    gone = 0
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.glob("sync-log-*.jsonl.gz"):
            stamp = _ARCHIVE_STAMP.search(path.name)
            when = _day(stamp.group(1), "%Y%m%d") if stamp else None
            when = when or datetime.fromtimestamp(path.stat().st_mtime, UTC)
            if when < now - timedelta(days=days):
                path.unlink(missing_ok=True)
                gone += 1
    return gone


def lead_spool_folders(store: Store) -> list[Path]:
    """The folders where ADF inboxes keep leads received by HTTP POST."""
    from app.services.profiles import ProfileService

    folders = {
        str(p.settings.get("spool_folder") or "").strip()
        for p in ProfileService(store).list()
        if p.kind == "adf_inbox"
    }
    return [Path(f) for f in sorted(folders) if f]


def lead_spools(folders: list[Path], days: int, now: datetime) -> int:
    """Read leads (``processed/``) received over ``days`` ago, with the note beside each;
    one still waiting to be read is never touched."""
    gone = 0
    for folder in folders:
        place = folder / "processed"
        if not place.is_dir():
            continue
        for path in place.glob("*.xml"):
            if datetime.fromtimestamp(path.stat().st_mtime, UTC) < now - timedelta(days=days):
                path.unlink(missing_ok=True)
                path.with_suffix(".json").unlink(missing_ok=True)
                gone += 1
    return gone


def backup_ages_out(path: Path, days: int) -> datetime:
    """When a database backup ages out: the date in its name, else ``days`` after it was
    taken (older names carry only that)."""
    until = _BACKUP_UNTIL.search(path.name)
    if until:
        day = _day(until.group(1), "%Y-%m-%d")
        if day is not None:
            return day + timedelta(days=1)
    stamp = _BACKUP_STAMP.search(path.name)
    taken = _day(stamp.group(1), "%Y%m%d") if stamp else None
    taken = taken or datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return taken + timedelta(days=days)


def backups(folder: Path, days: int, now: datetime) -> int:
    gone = 0
    if folder.is_dir():
        for path in folder.glob("rooftop-v*.db"):
            if backup_ages_out(path, days) <= now:
                path.unlink(missing_ok=True)
                gone += 1
    return gone


# --- how much each place holds -----------------------------------------------------------
@dataclass(frozen=True)
class AreaUsage:
    area: str
    holds: str
    kept: str
    rows: int
    bytes: int


AREAS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Sync log", "a line per record per attempt, with what was read and sent",
     ("record_outcomes",)),
    ("Retry queue and conflicts", "records waiting to be sent again; fields both sides changed",
     ("parked_records", "conflicts")),
    ("Search index", "names, e-mails, phones and numbers of every record read",
     ("record_index", "record_index_fts", "record_index_fts_data", "record_index_fts_idx",
      "record_index_fts_config")),
    ("Last sent", "what each flow last delivered of each record", ("delivery_state",)),
    ("Duplicate finder", "customer snapshots, review groups, decisions, golden records",
     ("match_records", "match_candidates", "match_pairs", "match_decisions", "match_scans",
      "golden_records")),
    ("Merge history", "who merged which customers, and what undo needs", ("merges",)),
    ("Drift samples", "field lists with a few sample values per field", ("schema_snapshots",)),
    ("Alerts", "alert messages and what they were about", ("alert_events", "alert_state")),
    ("Digital-retailing inbox", "the newest version of each deal built online (never an SSN)",
     ("retailing_jackets",)),
)  # fmt: skip


def table_bytes(store: Store) -> dict[str, int]:
    """Bytes each table holds with its indexes (SQLite's dbstat; estimated from the
    column sizes where this SQLite lacks it)."""
    out: dict[str, int] = {}
    with store.session() as s:
        try:
            rows = s.execute(
                text(
                    "SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize) FROM dbstat d "
                    "LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1"
                )
            ).all()
            return {str(n): int(b or 0) for n, b in rows}
        except DBAPIError:
            pass
        for (table,) in s.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")):
            cols = [r[1] for r in s.execute(text(f"PRAGMA table_info('{table}')"))]
            if not cols:
                continue
            size = " + ".join(f'coalesce(length("{c}"), 0)' for c in cols)
            out[str(table)] = int(s.scalar(text(f'SELECT sum({size}) FROM "{table}"')) or 0)
    return out


def rows_of(store: Store, tables: tuple[str, ...]) -> int:
    with store.session() as s:
        return sum(
            int(s.scalar(text(f'SELECT count(*) FROM "{t}"')) or 0)
            for t in tables
            if not t.startswith("record_index_fts")
        )


def files_of(folder: Path, pattern: str) -> tuple[int, int]:
    if not folder.is_dir():
        return 0, 0
    found = [p for p in folder.glob(pattern) if p.is_file()]
    return len(found), sum(p.stat().st_size for p in found)
