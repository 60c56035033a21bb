"""Dismissing records from the retry queue: the only way a record stops waiting for replay
without being delivered. It needs a reason; who dismissed it, when and why stay on the
queue entry (status ``dismissed``) and in the audit log. The record's delivery state keeps
its failure mark, so a later run of the flow still sends it rather than skipping it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services import audit
from app.services.errors import ValidationError
from app.services.flows import FlowService
from app.store import Store
from app.store.log_timeline import open_parked_for_events
from app.store.models import Flow, ParkedRecord, utcnow

MAX_REASON = 500


@dataclass(frozen=True)
class Dismissed:
    count: int
    flows: list[str]  # names of the flows whose queues shrank
    by: str
    reason: str

    def message(self) -> str:
        if not self.count:
            return "Nothing was dismissed: none of those records is waiting for replay."
        where = ", ".join(self.flows)
        return (
            f"Dismissed {self.count:,} record(s) from the retry queue of {where}; they no "
            f"longer count as waiting. Recorded as {self.by}: “{self.reason}”."
        )


def _reason(reason: str) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise ValidationError(
            "Say why these records are dismissed.",
            {"reason": "required: it is kept with the records and in the audit log"},
        )
    return text[:MAX_REASON]


def dismiss(
    store: Store,
    flow_ref: str | int,
    *,
    reason: str,
    keys: Sequence[str] | None = None,
    by: str | None = None,
) -> Dismissed:
    """Dismiss the flow's waiting records (those with ``keys``, else all of them)."""
    why, who = _reason(reason), by or audit.current_os_user()
    flow = FlowService(store).get(flow_ref)
    with store.session() as s:
        query = select(ParkedRecord.id).where(
            ParkedRecord.flow_id == flow.id, ParkedRecord.status == "open"
        )
        if keys is not None:
            query = query.where(ParkedRecord.record_key.in_(list(keys)))
        ids = list(s.scalars(query))
        count = _close(s, {flow.id: ids}, who, why)
    return Dismissed(count, [flow.name] if count else [], who, why)


def dismiss_events(
    store: Store, outcome_ids: Sequence[int], *, reason: str, by: str | None = None
) -> Dismissed:
    """Dismiss the waiting records behind the selected sync-log events."""
    why, who = _reason(reason), by or audit.current_os_user()
    with store.session() as s:
        parked = open_parked_for_events(s, [int(i) for i in outcome_ids])
        count = _close(s, parked, who, why)
        query = select(Flow.name).where(Flow.id.in_(list(parked))).order_by(Flow.name)
        names = [str(n) for n in s.scalars(query)]
    return Dismissed(count, names if count else [], who, why)


def _close(s: Session, parked: dict[int, list[int]], who: str, why: str) -> int:
    now, count = utcnow(), 0
    for flow_id, ids in parked.items():
        rows = s.scalars(
            select(ParkedRecord).where(ParkedRecord.id.in_(ids), ParkedRecord.status == "open")
        ).all()
        if not rows:
            continue
        for r in rows:
            r.status, r.resolved_at = "dismissed", now
            r.dismissed_by, r.dismiss_reason = who, why
        flow = s.get(Flow, flow_id)
        audit.record(
            s,
            "dismiss",
            "retry_queue",
            object_id=flow.slug if flow else str(flow_id),
            object_name=flow.name if flow else "",
            extra={
                "records": [r.record_key for r in rows][:200],
                "count": len(rows),
                "reason": why,
                "dismissed_by": who,
            },
        )
        count += len(rows)
    return count
