"""Sync log retention: clear record payloads after N days and delete record events after
M days, optionally archiving them first to a compressed JSON-lines file. Works in small
batches (each its own transaction) so a running sync is never blocked for long; meant to
run in a background worker (the settings widget's "Clean up now", or daily at start-up)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import bindparam, text

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
    event_days: int = 365  # then the record events themselves are deleted
    archive: bool = True  # write what is removed to a .jsonl.gz file first
    archive_dir: str = ""  # empty: <data folder>/archive
    enabled: bool = True  # run daily in the background

    def validate(self) -> None:
        if not 1 <= self.payload_days <= 3650:
            raise ValidationError("Keep payloads for 1 to 3,650 days.")
        if not 1 <= self.event_days <= 3650:
            raise ValidationError("Keep record events for 1 to 3,650 days.")
        if self.event_days < self.payload_days:
            raise ValidationError("Record events must be kept at least as long as their payloads.")


@dataclass
class PruneReport:
    payloads_cleared: int = 0
    events_deleted: int = 0
    archive_path: str | None = None
    cancelled: bool = False
    finished_at: datetime | None = None

    def message(self) -> str:
        if not self.payloads_cleared and not self.events_deleted:
            return "Nothing to clean up: nothing is older than the retention settings."
        text_ = (
            f"Cleared the payloads of {self.payloads_cleared:,} record event(s) and deleted "
            f"{self.events_deleted:,} record event(s)."
        )
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
    report.cancelled = cancelled()
    report.finished_at = now
    state.last_run = now.isoformat()
    state.last_report = {"message": report.message(), **asdict(report), "finished_at": str(now)}
    _save_state(store, state)
    return report


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
