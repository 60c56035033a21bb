"""Per-flow state: the incremental cursor and the last payload delivered per golden id."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session

from app.store import bulk
from app.store.models import DeliveryState, FlowState, table_of, utcnow


@dataclass(frozen=True)
class Delivered:
    golden_id: str
    dest_id: str | None
    payload_hash: str
    payload: dict[str, Any]
    failed_since: bool = False  # a later attempt failed: send again, never skip


def get_cursor(session: Session, flow_id: int) -> str | None:
    row = session.get(FlowState, flow_id)
    return row.cursor if row else None


def set_cursor(session: Session, flow_id: int, cursor: str | None, run_id: int) -> None:
    stmt = insert(FlowState).values(
        flow_id=flow_id, cursor=cursor, last_run_id=run_id, updated_at=utcnow()
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["flow_id"],
            set_={"cursor": cursor, "last_run_id": run_id, "updated_at": utcnow()},
        )
    )


def mark_success(session: Session, flow_id: int) -> None:
    row = session.get(FlowState, flow_id)
    if row is None:
        row = FlowState(flow_id=flow_id, updated_at=utcnow())
        session.add(row)
    row.last_success_at = utcnow()


def reset_cursor(session: Session, flow_id: int) -> None:
    session.execute(delete(FlowState).where(FlowState.flow_id == flow_id))


def delivered(session: Session, flow_id: int, golden: Sequence[str]) -> dict[str, Delivered]:
    out: dict[str, Delivered] = {}
    unique = list(dict.fromkeys(golden))
    for i in range(0, len(unique), 500):
        rows = session.execute(
            select(
                DeliveryState.golden_id,
                DeliveryState.dest_id,
                DeliveryState.payload_hash,
                DeliveryState.payload,
                DeliveryState.failed_at,
            ).where(
                DeliveryState.flow_id == flow_id,
                DeliveryState.golden_id.in_(unique[i : i + 500]),
            )
        )
        for gold, dest, digest, payload, failed_at in rows:
            out[gold] = Delivered(gold, dest, digest, payload, failed_at is not None)
    return out


def save_delivered(
    session: Session,
    flow_id: int,
    rows: Iterable[tuple[str, str, str | None, str, dict[str, Any]]],
) -> None:
    """Upsert (golden id, record key, dest id, hash, payload) after the destination acked."""
    write_delivered(session, delivered_rows(flow_id, rows))


def delivered_rows(
    flow_id: int, rows: Iterable[tuple[str, str, str | None, str, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The delivery-state rows :func:`write_delivered` upserts (no store needed)."""
    now = utcnow()
    return [
        {
            "flow_id": flow_id,
            "golden_id": g,
            "record_key": k,
            "dest_id": d,
            "payload_hash": h,
            "payload": bulk.json_text(p),  # serialised here, off the store writer
            "delivered_at": now,
            "failed_at": None,
        }
        for g, k, d, h, p in rows
    ]


def write_delivered(session: Session, values: list[dict[str, Any]]) -> None:
    """Upsert rows made by :func:`delivered_rows`."""
    bulk.write_rows(
        session,
        table_of(DeliveryState),
        values,
        conflict=("flow_id", "golden_id"),
        update=("record_key", "dest_id", "payload_hash", "payload", "delivered_at", "failed_at"),
    )


def mark_failed(session: Session, flow_id: int, golden: Iterable[str | None]) -> None:
    """The last attempt at these records failed: what was delivered before is no longer
    a reason to skip them (the destination may not hold it), until one is accepted."""
    unique = [g for g in dict.fromkeys(golden) if g]
    now = utcnow()
    for i in range(0, len(unique), 500):
        session.execute(
            update(DeliveryState)
            .where(
                DeliveryState.flow_id == flow_id,
                DeliveryState.golden_id.in_(unique[i : i + 500]),
            )
            .values(failed_at=now)
        )
