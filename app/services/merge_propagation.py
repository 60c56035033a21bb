"""A merge carried into the source systems that can merge records themselves (the CRM's
merge endpoint). Systems that cannot keep their duplicates; later syncs update one of
them through the links."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select

from app.errors import RooftopError
from app.services.merging_views import RecordView
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import ConnectionProfile

log = logging.getLogger(__name__)
# system uid -> object with merge(winner_id, loser_ids); None when it cannot merge
MergerLookup = Callable[[str], Any]


def propagate(members: Sequence[RecordView], merger_for: MergerLookup) -> dict[str, Any]:
    """Merge duplicates inside systems that can (the CRM): newest record wins. Returns what
    happened per system label; systems with one member are left out."""
    out: dict[str, Any] = {}
    by_system: dict[str, list[RecordView]] = {}
    for r in members:
        by_system.setdefault(r.system, []).append(r)
    for system, recs in by_system.items():
        if len(recs) < 2:
            continue
        merger = merger_for(system)
        label = recs[0].system_label
        if merger is None:
            out[label] = {
                "status": "not supported",
                "message": "Later syncs update one record through the links.",
            }
            continue
        out[label] = _merge_inside(merger, label, recs)
    return out


def _merge_inside(merger: Any, label: str, recs: list[RecordView]) -> dict[str, Any]:
    recs = sorted(recs, key=lambda r: r.updated_at, reverse=True)
    winner, losers = recs[0].external_id, [r.external_id for r in recs[1:]]
    try:
        merger.merge(winner, losers)
    except RooftopError as exc:
        log.warning("merge in %s failed: %s", label, exc)
        return {"status": "failed", "message": str(exc), "winner": winner, "losers": losers}
    return {"status": "merged", "winner": winner, "losers": losers}


def profile_merger(store: Store, system: str) -> Any:
    """The connector of connection profile ``system`` when it can merge records, else None."""
    with store.session() as s:
        pid = s.scalar(select(ConnectionProfile.id).where(ConnectionProfile.uid == system))
    if pid is None:
        return None
    try:
        conn = ProfileService(store).connector(int(pid))
    except RooftopError:
        return None
    return conn if callable(getattr(conn, "merge", None)) else None
