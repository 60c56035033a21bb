"""What a digital-retailing connection received, newest version per deal.

``offer`` keeps a jacket only when it is newer than the one stored for its deal (by the
jacket's own order: revision, then process time): a redelivery of the same version is a
``duplicate``, an older one that arrived late is ``stale``; neither changes anything.
Every stored version takes the next ``seq`` of its connection, the cursor ``since`` reads
by, so a run sees each deal's newest version once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.store.models import utcnow
from app.store.retailing_models import RetailingJacket, RetailingSequence

STORED, DUPLICATE, STALE = "stored", "duplicate", "stale"


@dataclass(frozen=True)
class Kept:
    """A stored jacket as the streams read it."""

    deal_key: str
    version: int
    stamp: str
    seq: int
    body: dict[str, Any]


def offer(
    session: Session,
    system: str,
    deal_key: str,
    order: tuple[int, str],
    body: dict[str, Any],
    event_id: str = "",
) -> str:
    """Store ``body`` as the deal's newest version unless a newer or equal one is kept:
    answers ``stored``, ``duplicate`` or ``stale``. The caller serialises offers of one
    connection (a write lock around the session)."""
    row = session.scalar(
        select(RetailingJacket).where(
            RetailingJacket.system == system, RetailingJacket.deal_key == deal_key
        )
    )
    if row is not None:
        kept = (row.version, row.stamp)
        if kept > order:
            return STALE
        if kept == order:
            return DUPLICATE
    seq = _next_seq(session, system)
    now = utcnow()
    if row is None:
        row = RetailingJacket(system=system, deal_key=deal_key, received_at=now)
        session.add(row)
    row.version, row.stamp, row.seq = order[0], order[1], seq
    row.body, row.event_id, row.updated_at = body, event_id, now
    return STORED


def _next_seq(session: Session, system: str) -> int:
    """The connection's next arrival number: above any it gave, kept or since removed."""
    mark = session.get(RetailingSequence, system)
    kept = session.scalar(
        select(func.coalesce(func.max(RetailingJacket.seq), 0)).where(
            RetailingJacket.system == system
        )
    )
    seq = max(int(kept or 0), mark.last_seq if mark is not None else 0) + 1
    if mark is None:
        session.add(RetailingSequence(system=system, last_seq=seq))
    else:
        mark.last_seq = seq
    return seq


def since(session: Session, system: str, after: int, limit: int = 500) -> list[Kept]:
    """Stored jackets of ``system`` with ``seq`` above ``after``, oldest first."""
    rows = session.scalars(
        select(RetailingJacket)
        .where(RetailingJacket.system == system, RetailingJacket.seq > after)
        .order_by(RetailingJacket.seq)
        .limit(limit)
    )
    return [Kept(r.deal_key, r.version, r.stamp, r.seq, dict(r.body)) for r in rows]


def by_keys(session: Session, system: str, keys: Iterable[str]) -> list[Kept]:
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return []
    rows = session.scalars(
        select(RetailingJacket)
        .where(RetailingJacket.system == system, RetailingJacket.deal_key.in_(wanted))
        .order_by(RetailingJacket.seq)
    )
    return [Kept(r.deal_key, r.version, r.stamp, r.seq, dict(r.body)) for r in rows]


def count(session: Session, system: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(RetailingJacket)
            .where(RetailingJacket.system == system)
        )
        or 0
    )


def forget(session: Session, systems: Iterable[str]) -> int:
    """Drop what these connections received (the demo's simulated tool starts fresh)."""
    listed = list(systems)
    if not listed:
        return 0
    result = session.execute(delete(RetailingJacket).where(RetailingJacket.system.in_(listed)))
    # the numbering starts again too: forgetting goes with the flows' cursors (demo reset)
    session.execute(delete(RetailingSequence).where(RetailingSequence.system.in_(listed)))
    return int(getattr(result, "rowcount", 0) or 0)
