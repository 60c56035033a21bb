"""The run log: a row per run, a row per record per attempt, the retry queue, conflicts.
This is what the sync log viewer reads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from app.store import bulk
from app.store.models import Conflict, ParkedRecord, RecordOutcome, Run, table_of, utcnow
from app.sync.hashing import KEY_HASH_CHARS


class OutcomeStatus:
    DELIVERED = "delivered"
    UNCHANGED = "unchanged"
    PARKED = "parked"  # rejected by a rule or by the destination: in the retry queue
    FAILED = "failed"  # transient: will be read again on the next run
    PLANNED = "planned"  # dry run


@dataclass
class Outcome:
    record_key: str
    entity: str
    action: str  # create | update | skip | reject
    status: str
    golden_id: str | None = None
    dest_id: str | None = None
    error: str | None = None
    payload_hash: str | None = None
    attempt: int = 1
    started_at: datetime | None = None
    duration_ms: int | None = None
    # a payload is a value, or bytes already packed by ``app.store.payload_codec``
    source_payload: dict[str, Any] | bytes | None = None
    sent_payload: dict[str, Any] | bytes | None = None
    response_payload: dict[str, Any] | None = None
    replay_of: int | None = None


def start_run(
    session: Session,
    flow_id: int,
    *,
    trigger: str,
    triggered_by: str,
    dry_run: bool,
    cursor: str | None,
    job_id: int | None = None,
) -> int:
    """A new run row; its job is ``job_id`` (another run of the same job), else its own."""
    run = Run(
        flow_id=flow_id,
        trigger=trigger,
        triggered_by=triggered_by,
        dry_run=dry_run,
        status="running",
        started_at=utcnow(),
        cursor_before=cursor,
        job_id=job_id,
    )
    session.add(run)
    session.flush()
    if job_id is None:
        run.job_id = run.id
    return int(run.id)


def cut_off(session: Session, flow_id: int) -> bool:
    """Did the flow's last run end before every batch it sent was answered and recorded:
    killed (still 'running' — the caller holds the flow's lock, so it is not) or failed?
    Its last batch may then be at the destination with no link here to say so."""
    status = session.scalar(
        select(Run.status)
        .where(Run.flow_id == flow_id, Run.dry_run.is_(False))
        .order_by(Run.id.desc())
        .limit(1)
    )
    return status in ("running", "failed")


DEAD_RUN = (
    "The run stopped without finishing (the program was closed or killed, or the disk was "
    "full); the next run went on from its last saved point."
)


def close_dead_runs(session: Session, flow_id: int) -> int:
    """Mark the flow's runs still 'running' as failed. Call only while holding the flow's
    lock: no run of it is alive then, so such a run died before it could say so."""
    result = session.execute(
        update(Run)
        .where(Run.flow_id == flow_id, Run.status == "running")
        .values(status="failed", finished_at=utcnow(), error=DEAD_RUN)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def write_outcomes(
    session: Session, run_id: int, flow_id: int, outcomes: Iterable[Outcome]
) -> None:
    write_outcome_rows(session, outcome_rows(run_id, flow_id, outcomes))


def write_outcome_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert rows made by :func:`outcome_rows`."""
    bulk.write_rows(session, table_of(RecordOutcome), rows)


def outcome_rows(run_id: int, flow_id: int, outcomes: Iterable[Outcome]) -> list[dict[str, Any]]:
    """The run-log rows of ``outcomes`` (no store needed: a sender thread makes a batch's
    while the store writer is busy with the one before)."""
    now = utcnow()
    return [
        {
            "run_id": run_id,
            "flow_id": flow_id,
            "entity": o.entity,
            "record_key": o.record_key[:200],
            "golden_id": o.golden_id,
            "action": o.action,
            "status": o.status,
            "error": o.error,
            # as the idempotency key carries it (128 bits tell two versions of a record
            # apart; the other half was 32 of the ~620 bytes a record cost the log)
            "payload_hash": o.payload_hash[:KEY_HASH_CHARS] if o.payload_hash else None,
            "attempt": o.attempt,
            "destination_id": o.dest_id,
            "started_at": o.started_at or now,
            "duration_ms": o.duration_ms,
            "source_payload": _stored(o.source_payload),
            "sent_payload": _stored(o.sent_payload),
            "response_payload": bulk.json_text(o.response_payload),
            "replay_of": o.replay_of,
        }
        for o in outcomes
    ]


def _stored(payload: dict[str, Any] | bytes | None) -> str | bytes | None:
    return payload if isinstance(payload, bytes) else bulk.json_text(payload)


def park(
    session: Session,
    flow_id: int,
    run_id: int,
    records: Iterable[tuple[str, str | None, dict[str, Any], str]],
) -> int:
    """Put (key, golden id, source payload, reason) in the retry queue. A key already
    waiting there is updated (attempts + 1) rather than queued twice."""
    now = utcnow()
    count = 0
    for key, golden, payload, reason in records:
        count += 1
        existing = session.scalar(
            select(ParkedRecord).where(
                ParkedRecord.flow_id == flow_id,
                ParkedRecord.record_key == key,
                ParkedRecord.status == "open",
            )
        )
        if existing is not None:
            existing.attempts += 1
            existing.reason = reason
            existing.source_payload = payload
            existing.run_id = run_id
            existing.last_failed_at = now
            continue
        session.add(
            ParkedRecord(
                flow_id=flow_id,
                run_id=run_id,
                record_key=key,
                golden_id=golden,
                source_payload=payload,
                reason=reason,
                attempts=1,
                status="open",
                first_failed_at=now,
                last_failed_at=now,
            )
        )
    return count


def has_open_parked(session: Session, flow_id: int) -> bool:
    """Whether the flow's retry queue holds anything open."""
    found = session.scalar(
        select(ParkedRecord.id)
        .where(ParkedRecord.flow_id == flow_id, ParkedRecord.status == "open")
        .limit(1)
    )
    return found is not None


def open_parked_count(session: Session, flow_id: int) -> int:
    """How many records wait in the flow's retry queue."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(ParkedRecord)
            .where(ParkedRecord.flow_id == flow_id, ParkedRecord.status == "open")
        )
        or 0
    )


def resolve_parked(session: Session, flow_id: int, keys: Iterable[str]) -> None:
    """A record that was parked has now been delivered: close its queue entry."""
    wanted = list(keys)
    for i in range(0, len(wanted), 500):
        session.execute(
            update(ParkedRecord)
            .where(
                ParkedRecord.flow_id == flow_id,
                ParkedRecord.status == "open",
                ParkedRecord.record_key.in_(wanted[i : i + 500]),
            )
            .values(status="resolved", resolved_at=utcnow())
        )


def record_conflicts(
    session: Session,
    flow_id: int,
    run_id: int,
    conflicts: Iterable[tuple[str, str, str, str | None, str | None, str]],
) -> int:
    """(golden id, key, field, source value, kept value, winner) for each conflict."""
    now = utcnow()
    rows = [
        {
            "run_id": run_id,
            "flow_id": flow_id,
            "golden_id": g,
            "record_key": k,
            "field": f,
            "source_value": sv,
            "kept_value": kv,
            "winner": w,
            "at": now,
        }
        for g, k, f, sv, kv, w in conflicts
    ]
    if rows:
        session.execute(insert(table_of(Conflict)), rows)
    return len(rows)


def finish_run(
    session: Session,
    run_id: int,
    *,
    status: str,
    counts: dict[str, int],
    error: str | None,
    cursor_after: str | None,
) -> None:
    run = session.get(Run, run_id)
    assert run is not None
    run.status = status
    run.finished_at = utcnow()
    run.error = error
    run.cursor_after = cursor_after
    run.read_count = counts.get("read", 0)
    run.created_count = counts.get("created", 0)
    run.updated_count = counts.get("updated", 0)
    run.unchanged_count = counts.get("unchanged", 0)
    run.failed_count = counts.get("failed", 0)
    run.parked_count = counts.get("parked", 0)
    run.conflict_count = counts.get("conflicts", 0)


def problems_of_run(session: Session, run_id: int, limit: int = 10) -> list[tuple[str, str]]:
    """(record key, reason) of the first records a run parked or failed to deliver."""
    rows = session.execute(
        select(RecordOutcome.record_key, RecordOutcome.error)
        .where(
            RecordOutcome.run_id == run_id,
            RecordOutcome.status.in_((OutcomeStatus.PARKED, OutcomeStatus.FAILED)),
        )
        .order_by(RecordOutcome.id)
        .limit(limit)
    ).all()
    return [(str(k), str(e or "no reason given")) for k, e in rows]
