"""Parked records as a replay's source rows.

A parked record is most often a whole source row that the destination or a mapping rule
refused: it goes back through the run as it is. A row the source could not even read (a
DMS extract's broken line, parked with its file, line, raw text and header) has no key
yet: the source reads it again as the admin corrected it (``reread_reject``), and its
queue entry is closed -- the row now goes on under its own key, delivered or parked again
like any other. One that still cannot be read stays parked with the reason; it never
stops the replay of the others."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.errors import RooftopError
from app.store.models import ParkedRecord, utcnow
from app.sync import run_log
from app.sync.run_context import RunContext
from app.sync.run_log import Outcome, OutcomeStatus


@dataclass
class ReplayRows:
    rows: list[dict[str, Any]] = field(default_factory=list)  # source rows to send again
    reread: list[int] = field(default_factory=list)  # parked ids whose row was read again
    unreadable: list[tuple[str, str | None, dict[str, Any], str]] = field(default_factory=list)


def split(source: Any, key: str, parked: Sequence[ParkedRecord]) -> ReplayRows:
    """Sort parked records into rows to replay and rejects that still cannot be read."""
    out = ReplayRows()
    reread = getattr(source, "reread_reject", None)
    for record in parked:
        payload = dict(record.source_payload or {})
        if str(payload.get(key) or ""):
            out.rows.append(payload)
            continue
        if reread is None:
            reason = f"{record.reason} (nothing to send: the source could not read this row)"
            out.unreadable.append((record.record_key, record.golden_id, payload, reason))
            continue
        try:
            out.rows.append(reread(payload))
            out.reread.append(record.id)
        except RooftopError as exc:
            out.unreadable.append((record.record_key, record.golden_id, payload, exc.message))
    return out


def record(ctx: RunContext, rows: ReplayRows, replay_of: dict[str, int], s: Session) -> None:
    """Store side: close the entries read again, park again what still cannot be read."""
    if rows.reread:
        s.execute(
            update(ParkedRecord)
            .where(ParkedRecord.id.in_(rows.reread))
            .values(status="resolved", resolved_at=utcnow())
        )
    if not rows.unreadable:
        return
    ctx.add("parked", run_log.park(s, ctx.flow.id, ctx.run_id, rows.unreadable))
    outcomes = [
        Outcome(
            key,
            ctx.source.spec.entity,
            "reject",
            OutcomeStatus.PARKED,
            gold,
            error=reason,
            source_payload=payload,
            replay_of=replay_of.get(key),
        )
        for key, gold, payload, reason in rows.unreadable
    ]
    run_log.write_outcomes(s, ctx.run_id, ctx.flow.id, outcomes)
