"""Feed history in the sync log: one run per publication, and per-unit outcomes for what
changed on the channel (added, changed, removed — with why) and what was left out (parked
with the reason). Unchanged units are only counted. The last published row of each VIN
is kept in ``delivery_state`` (golden id = VIN) so the next run can say what changed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.connectors.feed_files import DeliveryReceipt
from app.formats.feeds.common import Exclusion, FeedFile
from app.store.models import DeliveryState
from app.sync import run_log, state
from app.sync.hashing import payload_hash
from app.sync.run_log import Outcome, OutcomeStatus

ENTITY = "inventory"


@dataclass
class Publication:
    """What one publication did, for the summary and the log."""

    listed: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: dict[str, str] = field(default_factory=dict)  # vin -> why
    unchanged: int = 0
    parked: list[Exclusion] = field(default_factory=list)


def _slim(unit: dict[str, str] | None) -> dict[str, Any]:
    """A unit as stored with an outcome: long text cut so the log stays small."""
    if not unit:
        return {}
    return {k: (v if len(v) <= 300 else v[:300] + "…") for k, v in unit.items()}


def receiver_refusals(feed: FeedFile, receipt: DeliveryReceipt) -> list[Exclusion]:
    """Rows the receiver refused (``row`` is the 1-based data row of our file)."""
    out = []
    for item in receipt.rejected:
        number = item.get("row")
        row = (
            feed.rows[number - 1]
            if isinstance(number, int) and 0 < number <= len(feed.rows)
            else {}
        )
        vin = str(row.get("vin") or item.get("vin") or "")
        stock = str(row.get("stock_number") or row.get("id") or "")
        out.append(Exclusion(vin, stock, f"the receiver refused it: {item.get('reason', '?')}"))
    return out


def record_publication(
    session: Session,
    flow_id: int,
    run_id: int,
    *,
    feed: FeedFile,
    receipt: DeliveryReceipt,
    parked: Iterable[Exclusion],
    units: dict[str, dict[str, str]],
    not_for_sale: dict[str, str],
) -> Publication:
    """Write outcomes, park exclusions, keep delivery state. ``units``: vin -> DMS unit;
    ``not_for_sale``: vin -> DMS status of units not listed because of their status."""
    pub = Publication(parked=[*parked, *feed.excluded, *receiver_refusals(feed, receipt)])
    refused = {e.vin for e in pub.parked if e.vin}
    current = {r["vin"]: r for r in feed.rows if r.get("vin") and r["vin"] not in refused}
    previous = {
        g: h
        for g, h in session.execute(
            select(DeliveryState.golden_id, DeliveryState.payload_hash).where(
                DeliveryState.flow_id == flow_id
            )
        )
    }
    reasons = {e.vin: e.reason for e in pub.parked if e.vin}
    outcomes: list[Outcome] = []
    saved: list[tuple[str, str, str | None, str, dict[str, Any]]] = []
    for vin, row in current.items():
        digest = payload_hash(row)
        saved.append((vin, units.get(vin, {}).get("stock_number", "") or vin, receipt.location,
                      digest, row))  # fmt: skip
        if previous.get(vin) == digest:
            pub.unchanged += 1
            continue
        new = vin not in previous
        (pub.added if new else pub.changed).append(vin)
        notes = feed.notes.get(vin)
        outcomes.append(
            Outcome(
                record_key=vin,
                entity=ENTITY,
                action="create" if new else "update",
                status=OutcomeStatus.DELIVERED,
                golden_id=vin,
                dest_id=receipt.location[:200],
                payload_hash=digest,
                source_payload=_slim(units.get(vin)),
                sent_payload=row,
                response_payload={"notes": notes} if notes else None,
            )
        )
    for vin in sorted(set(previous) - set(current)):
        why = (
            f"not for sale ({not_for_sale[vin]})"
            if vin in not_for_sale
            else reasons.get(vin, "no longer in the DMS inventory")
        )
        pub.removed[vin] = why
        outcomes.append(
            Outcome(
                record_key=vin,
                entity=ENTITY,
                action="delete",
                status=OutcomeStatus.DELIVERED,
                golden_id=vin,
                dest_id=receipt.location[:200],
                source_payload=_slim(units.get(vin)),
                response_payload={"removed": why},
            )
        )
    for item in pub.parked:
        outcomes.append(
            Outcome(
                record_key=item.vin or item.stock_number or item.reason[:80],
                entity=ENTITY,
                action="reject",
                status=OutcomeStatus.PARKED,
                golden_id=item.vin or None,
                error=item.reason,
                source_payload=_slim(units.get(item.vin)) or {"stock_number": item.stock_number},
            )
        )
    run_log.write_outcomes(session, run_id, flow_id, outcomes)
    run_log.park(
        session,
        flow_id,
        run_id,
        [
            (
                o.record_key,
                o.golden_id,
                o.source_payload if isinstance(o.source_payload, dict) else {},
                o.error or "",
            )
            for o in outcomes
            if o.status == OutcomeStatus.PARKED
        ],
    )
    run_log.resolve_parked(session, flow_id, list(current))
    state.save_delivered(session, flow_id, saved)
    gone = list(set(previous) - set(current))
    for i in range(0, len(gone), 500):
        session.execute(
            delete(DeliveryState).where(
                DeliveryState.flow_id == flow_id, DeliveryState.golden_id.in_(gone[i : i + 500])
            )
        )
    pub.listed = len(current)
    return pub


def published_vins(session: Session, flow_id: int) -> set[str]:
    """VINs on the channel after the last successful publication."""
    return set(
        session.scalars(select(DeliveryState.golden_id).where(DeliveryState.flow_id == flow_id))
    )
