"""Retention: one policy for every place that keeps customers' data. Here the sync log:
clear record payloads after N days and delete record events after M days, optionally
archiving them first to a compressed JSON-lines file; ``retention_areas`` does the search
index, the duplicate finder, merge history, drift samples, settled events, archives and
database backups. Works in small batches (each its own transaction) so a running sync is
never blocked for long; meant to run in a background worker (the Retention screen's
"Clean up now", or daily)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import bindparam, text

from app.services import retention_areas as areas
from app.services.errors import ValidationError
from app.store import Store, payload_codec
from app.store.models import Setting, UTCDateTime, utcnow

SETTING_KEY = "sync_log.retention"
STATE_KEY = "sync_log.retention.state"
BATCH = 5000
Progress = Callable[[int, int, str], None]
_TS = UTCDateTime()
_COLUMNS = (
    "id, run_id, flow_id, replay_of, entity, record_key, golden_id, action, status, error, "
    "payload_hash, attempt, destination_id, started_at, duration_ms, source_payload, "
    "sent_payload, response_payload"
)


@dataclass(frozen=True)
class RetentionPolicy:
    payload_days: int = 30  # then source / sent / response payloads are cleared
    event_days: int = 365  # then record events, settled retry entries, conflicts, alerts go
    archive: bool = True  # write what is removed to a .jsonl.gz file first
    archive_dir: str = ""  # empty: <data folder>/archive
    enabled: bool = True  # run daily in the background
    index_days: int = 1095  # search index rows and last-sent state of records not read since
    matching_days: int = 180  # duplicate-finder snapshots and decided review groups
    merge_days: int = 365  # merges can be undone this long; then what undo needs goes
    drift_sample_days: int = 30  # sample values in schema-drift snapshots
    archive_days: int = 730  # archived sync-log files
    backup_days: int = 90  # database backups taken before an upgrade

    def validate(self) -> None:
        for name, label in DAY_LIMITS.items():
            if not 1 <= int(getattr(self, name)) <= 3650:
                raise ValidationError(f"Keep {label} for 1 to 3,650 days.")
        if self.event_days < self.payload_days:
            raise ValidationError("Record events must be kept at least as long as their payloads.")


DAY_LIMITS = {
    "payload_days": "payloads",
    "event_days": "record events",
    "index_days": "the search index",
    "matching_days": "duplicate-finder snapshots",
    "merge_days": "merge undo data",
    "drift_sample_days": "drift samples",
    "archive_days": "archives",
    "backup_days": "database backups",
}


@dataclass
class PruneReport:
    payloads_cleared: int = 0
    events_deleted: int = 0
    archive_path: str | None = None
    cancelled: bool = False
    finished_at: datetime | None = None
    removed: dict[str, int] = field(default_factory=dict)  # other places: rows or files

    def message(self) -> str:
        others = {k: v for k, v in self.removed.items() if v}
        if not self.payloads_cleared and not self.events_deleted and not others:
            return "Nothing to clean up: nothing is older than the retention settings."
        text_ = (
            f"Cleared the payloads of {self.payloads_cleared:,} record event(s) and deleted "
            f"{self.events_deleted:,} record event(s)."
        )
        if others:
            text_ += " Also: " + ", ".join(f"{place} {n:,}" for place, n in others.items()) + "."
        if self.archive_path:
            text_ += f" Archived to {self.archive_path}."
        return text_ + (" Stopped early (cancelled)." if self.cancelled else "")


@dataclass
class _State:
    payload_watermark: int = 0  # every event up to this id has had its payloads cleared
    last_run: str | None = None
    last_report: dict[str, Any] = field(default_factory=dict)


def load_policy(store: Store) -> RetentionPolicy:
    with store.session() as s:
        row = s.get(Setting, SETTING_KEY)
        data = dict(row.value or {}) if row else {}
    known = RetentionPolicy.__dataclass_fields__
    return RetentionPolicy(**{k: v for k, v in data.items() if k in known})


def save_policy(store: Store, policy: RetentionPolicy) -> None:
    policy.validate()
    with store.session() as s:
        row = s.get(Setting, SETTING_KEY)
        if row is None:
            s.add(Setting(key=SETTING_KEY, value=asdict(policy)))
        else:
            row.value = asdict(policy)


def _load_state(store: Store) -> _State:
    with store.session() as s:
        row = s.get(Setting, STATE_KEY)
        data = dict(row.value or {}) if row else {}
    return _State(**{k: v for k, v in data.items() if k in _State.__dataclass_fields__})


def _save_state(store: Store, state: _State) -> None:
    with store.session() as s:
        row = s.get(Setting, STATE_KEY)
        if row is None:
            s.add(Setting(key=STATE_KEY, value=asdict(state)))
        else:
            row.value = asdict(state)


def last_run(store: Store) -> tuple[datetime | None, str]:
    """When the clean-up last ran and what it did (for the settings widget)."""
    state = _load_state(store)
    when = datetime.fromisoformat(state.last_run) if state.last_run else None
    return when, str(state.last_report.get("message", ""))


def archive_folder(store: Store, policy: RetentionPolicy) -> Path:
    return Path(policy.archive_dir) if policy.archive_dir else store.paths.data_dir / "archive"


class _Archive:
    """The compressed JSON-lines file, opened on first write only."""

    def __init__(self, folder: Path, now: datetime) -> None:
        self.path = folder / f"sync-log-{now.strftime('%Y%m%d-%H%M%S')}.jsonl.gz"
        self._fh: IO[str] | None = None

    def write(self, kind: str, rows: list[Any], session: Any) -> None:
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = gzip.open(self.path, "wt", encoding="utf-8")  # noqa: SIM115 — closed in close()
        names = [c.strip() for c in _COLUMNS.split(",")]
        for row in rows:
            record = dict(zip(names, row, strict=True))
            source, sent = record["source_payload"], record["sent_payload"]
            # compressed payloads are archived as JSON text
            record["sent_payload"] = payload_codec.sent_as_text(session, source, sent)
            record["source_payload"] = payload_codec.as_text(session, source)
            record["response_payload"] = payload_codec.as_text(session, record["response_payload"])
            self._fh.write(json.dumps({"kind": kind, **record}, default=str) + "\n")

    def close(self) -> str | None:
        if self._fh is None:
            return None
        self._fh.close()
        return str(self.path)


def prune(
    store: Store,
    policy: RetentionPolicy | None = None,
    *,
    now: datetime | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> PruneReport:
    """Apply the retention policy once. Safe to stop between batches and run again."""
    policy = policy or load_policy(store)
    policy.validate()
    now = now or utcnow()
    state = _load_state(store)
    report = PruneReport()
    archive = _Archive(archive_folder(store, policy), now) if policy.archive else None
    event_cut = _TS.process_bind_param(now - timedelta(days=policy.event_days), None)  # type: ignore[arg-type]
    payload_cut = _TS.process_bind_param(now - timedelta(days=policy.payload_days), None)  # type: ignore[arg-type]
    with store.session() as s:
        top = int(s.execute(text("SELECT coalesce(max(id), 0) FROM record_outcomes")).scalar() or 0)
    try:
        report.events_deleted = _delete_events(store, event_cut, top, archive, progress, cancelled)
        if not cancelled():
            cleared, state.payload_watermark = _clear_payloads(
                store, payload_cut, state.payload_watermark, top, archive, progress, cancelled
            )
            report.payloads_cleared = cleared
    finally:
        report.archive_path = archive.close() if archive else None
    if not cancelled():
        report.removed = _other_places(store, policy, now, progress, cancelled)
    report.cancelled = cancelled()
    report.finished_at = now
    state.last_run = now.isoformat()
    state.last_report = {"message": report.message(), **asdict(report), "finished_at": str(now)}
    _save_state(store, state)
    return report


def _other_places(
    store: Store,
    policy: RetentionPolicy,
    now: datetime,
    progress: Progress | None,
    cancelled: Callable[[], bool],
) -> dict[str, int]:
    """Every other place that keeps customers' data (``retention_areas``)."""
    archive_dirs = sorted({archive_folder(store, policy), store.paths.data_dir / "archive"})
    spools = areas.lead_spool_folders(store)
    steps: list[tuple[str, Callable[[], int]]] = [
        ("search index rows", lambda: areas.search_index(store, policy.index_days, now, cancelled)),
        ("matching rows", lambda: areas.matching(store, policy.matching_days, now, cancelled)),
        ("merges past undo", lambda: areas.merges(store, policy.merge_days, now)),
        ("drift samples", lambda: areas.drift_samples(store, policy.drift_sample_days, now)),
        ("settled events", lambda: areas.settled_events(store, policy.event_days, now, cancelled)),
        ("deal jackets", lambda: areas.retailing_inbox(store, policy.index_days, now, cancelled)),
        ("archives", lambda: areas.archives(archive_dirs, policy.archive_days, now)),
        ("backups", lambda: areas.backups(store.paths.backups_dir, policy.backup_days, now)),
        ("received leads", lambda: areas.lead_spools(spools, policy.payload_days, now)),
    ]
    done: dict[str, int] = {}
    for number, (place, step) in enumerate(steps, start=1):
        if cancelled():
            break
        if progress:
            progress(number, len(steps), f"Cleaning up: {place}")
        done[place] = step()
    return done


def usage(store: Store, policy: RetentionPolicy | None = None) -> list[areas.AreaUsage]:
    """What each place holds now (rows and bytes) and how long the policy keeps it."""
    policy = policy or load_policy(store)
    sizes = areas.table_bytes(store)
    kept = {
        "Sync log": f"payloads {policy.payload_days} d, events {policy.event_days} d",
        "Retry queue and conflicts": f"while waiting; settled {policy.event_days} d",
        "Search index": f"{policy.index_days} d after last read",
        "Last sent": f"{policy.index_days} d after last sent",
        "Duplicate finder": f"{policy.matching_days} d after last read",
        "Merge history": f"undo {policy.merge_days} d, then the fact only",
        "Drift samples": f"samples {policy.drift_sample_days} d",
        "Alerts": f"{policy.event_days} d after sent",
        "Digital-retailing inbox": f"{policy.index_days} d after a deal's last version",
    }
    out = [
        areas.AreaUsage(
            name,
            holds,
            kept[name],
            areas.rows_of(store, tables),
            sum(sizes.get(t, 0) for t in tables),
        )
        for name, holds, tables in areas.AREAS
    ]
    archive_dirs = sorted({archive_folder(store, policy), store.paths.data_dir / "archive"})
    files = [areas.files_of(d, "*.jsonl.gz") for d in archive_dirs]
    out.append(
        areas.AreaUsage(
            "Archives",
            "sync log events and payloads removed from the database",
            f"{policy.archive_days} d",
            sum(n for n, _b in files),
            sum(b for _n, b in files),
        )
    )
    n, b = areas.files_of(store.paths.backups_dir, "*.db")
    out.append(
        areas.AreaUsage(
            "Database backups", "the whole database, before each upgrade",
            f"{policy.backup_days} d (date in the name)", n, b,
        )
    )  # fmt: skip
    leads = [
        areas.files_of(folder / part, "*.xml")
        for folder in areas.lead_spool_folders(store)
        for part in ("incoming", "processed")
    ]
    out.append(
        areas.AreaUsage(
            "Received leads", "each lead POSTed to an ADF inbox, as it came (XML)",
            f"{policy.payload_days} d after it was read", sum(n for n, _b in leads),
            sum(b for _n, b in leads),
        )
    )  # fmt: skip
    n, b = areas.files_of(store.paths.logs_dir, "*.log*")
    out.append(
        areas.AreaUsage(
            "Log files", "what the app did (e-mails and phones masked)", "5 files of 2 MB", n, b
        )
    )
    return out


def _delete_events(
    store: Store,
    cut: Any,
    top: int,
    archive: _Archive | None,
    progress: Progress | None,
    cancelled: Callable[[], bool],
) -> int:
    """Delete events older than ``cut`` from the oldest id up. Parked events whose record
    still waits in the retry queue are kept: they say why it is there."""
    deleted = 0
    with store.session() as s:
        first = s.execute(text("SELECT min(id) FROM record_outcomes")).scalar()
        after = int(first or 1) - 1
    select_old = text(
        f"SELECT {_COLUMNS} FROM record_outcomes o WHERE id > :after AND id <= :upto "
        "AND started_at < :cut AND NOT (status = 'parked' AND EXISTS (SELECT 1 FROM "
        "parked_records p WHERE p.flow_id = o.flow_id AND p.record_key = o.record_key "
        "AND p.status = 'open')) ORDER BY id"
    )
    delete = text("DELETE FROM record_outcomes WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    while after < top and not cancelled():
        upto = after + BATCH
        with store.session() as s:
            rows = list(s.execute(select_old, {"after": after, "upto": upto, "cut": cut}))
            if rows:
                if archive:
                    archive.write("event", rows, s)
                s.execute(delete, {"ids": [r[0] for r in rows]})
            elif _newer_only(s, after, cut):
                break  # ids grow with time: from here on nothing is old enough
        deleted += len(rows)
        after = upto
        if progress:
            progress(min(after, top), top, f"Deleting old record events: {deleted:,} so far")
    return deleted


def _newer_only(session: Any, upto: int, cut: Any) -> bool:
    """True when the first event after id ``upto`` is already newer than the cut-off."""
    row = session.execute(
        text("SELECT started_at FROM record_outcomes WHERE id > :u ORDER BY id LIMIT 1"),
        {"u": upto},
    ).first()
    return row is None or str(row[0]) >= str(cut)


def _clear_payloads(
    store: Store,
    cut: Any,
    watermark: int,
    top: int,
    archive: _Archive | None,
    progress: Progress | None,
    cancelled: Callable[[], bool],
) -> tuple[int, int]:
    """Clear payloads older than ``cut`` from the watermark up; returns (cleared, new
    watermark). The watermark only moves past batches that are wholly old enough."""
    cleared, after = 0, watermark
    pick = text(
        f"SELECT {_COLUMNS} FROM record_outcomes WHERE id > :after AND id <= :upto "
        "AND started_at < :cut AND (source_payload IS NOT NULL OR sent_payload IS NOT NULL "
        "OR response_payload IS NOT NULL) ORDER BY id"
    )
    clear = text(
        "UPDATE record_outcomes SET source_payload = NULL, sent_payload = NULL, "
        "response_payload = NULL WHERE id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    newest_ok = watermark
    while after < top and not cancelled():
        upto = after + BATCH
        with store.session() as s:
            rows = list(s.execute(pick, {"after": after, "upto": upto, "cut": cut}))
            if rows:
                if archive:
                    archive.write("payloads", rows, s)
                s.execute(clear, {"ids": [r[0] for r in rows]})
            young = s.execute(
                text(
                    "SELECT 1 FROM record_outcomes WHERE id > :a AND id <= :u "
                    "AND started_at >= :c LIMIT 1"
                ),
                {"a": after, "u": upto, "c": cut},
            ).first()
        cleared += len(rows)
        if young is None and newest_ok == after:
            newest_ok = upto
        elif young is not None and not rows:
            break  # everything from here on is newer than the cut-off
        after = upto
        if progress:
            progress(min(after, top), top, f"Clearing old payloads: {cleared:,} so far")
    return cleared, min(newest_ok, top)


def due(store: Store, *, now: datetime | None = None) -> bool:
    """True when the daily background clean-up should run."""
    policy = load_policy(store)
    if not policy.enabled:
        return False
    when, _ = last_run(store)
    return when is None or (now or utcnow()) - when >= timedelta(hours=24)
