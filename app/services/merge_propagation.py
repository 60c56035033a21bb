"""A merge carried into the source systems that can merge records themselves (the CRM's
merge endpoint). Systems that cannot keep their duplicates; later syncs update one of
them through the links.

A merge that a system refused (``status`` "failed" in its propagation) is *partial*: the
records are one customer here but still several there. It stays partial until a retry
(``retry_failed``) gets every such system to follow."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
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
        recs = sorted(recs, key=lambda r: r.updated_at, reverse=True)
        winner, losers = recs[0].external_id, [r.external_id for r in recs[1:]]
        out[label] = {"system": system, **_merge_inside(merger, label, winner, losers)}
    return out


def is_partial(propagation: dict[str, Any]) -> bool:
    """Whether a system refused to follow the merge (it still holds the duplicates)."""
    return any(v.get("status") == "failed" for v in propagation.values())


def retry_failed(
    propagation: dict[str, Any], merger_for: MergerLookup, system_of: Callable[[str], str | None]
) -> dict[str, Any]:
    """The propagation with each refused system tried again (same winner and losers).
    ``system_of(label)`` finds the system uid of entries written before it was stored."""
    out = {k: dict(v) for k, v in propagation.items()}
    for label, entry in out.items():
        if entry.get("status") != "failed":
            continue
        system = entry.get("system") or system_of(label)
        merger = merger_for(system) if system else None
        attempts = int(entry.get("attempts", 1)) + 1
        if merger is None:
            entry.update(
                attempts=attempts,
                message=f"{label} cannot be reached to merge (its connection is gone or "
                "cannot merge records).",
            )
            continue
        done = _merge_inside(merger, label, str(entry["winner"]), list(entry["losers"]))
        entry.update(done, attempts=attempts, system=system)
        if done["status"] == "merged":
            entry.pop("message", None)
    return out


def _merge_inside(merger: Any, label: str, winner: str, losers: list[str]) -> dict[str, Any]:
    at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        merger.merge(winner, losers)
    except RooftopError as exc:
        log.warning("merge in %s failed: %s", label, exc)
        return {
            "status": "failed", "message": str(exc), "winner": winner, "losers": losers, "at": at,
        }  # fmt: skip
    return {"status": "merged", "winner": winner, "losers": losers, "at": at}


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
