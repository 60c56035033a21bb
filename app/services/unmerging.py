"""Unmerge: the links and golden records put back exactly as they were before a merge.

A merge keeps a snapshot (``Merge.before``) of every link it re-pointed and every golden
record it replaced; undoing it writes that snapshot back and reopens the cluster in the
queue. Merges carried into the CRM are not undone there, and the audit entry says so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.errors import RooftopError
from app.services import audit
from app.services.golden_links import ENTITY, link_key, point_link, put_golden
from app.store.errors import NotFoundError
from app.store.matching_models import GoldenRecord, MatchCandidate, Merge
from app.store.models import Link


def undo_merge(s: Session, merge_id: int, user: str, now: datetime) -> None:
    """Undo merge ``merge_id`` in session ``s``. Refuses a merge already undone and one
    that a later merge built on."""
    m = _undoable(s, merge_id)
    _restore_links(s, m.before["links"], now)
    _restore_golden(s, m.golden_id, m.before.get("golden", {}), now)
    m.status, m.undone_at, m.undone_by = "undone", now, user
    if m.candidate_id is not None:
        cand = s.get(MatchCandidate, m.candidate_id)
        if cand is not None:
            cand.status, cand.decided_at, cand.decided_by = "open", None, None
    _audit(s, m)


def _undoable(s: Session, merge_id: int) -> Merge:
    m = s.get(Merge, merge_id)
    if m is None:
        raise NotFoundError(f"Merge {merge_id} does not exist.")
    if m.status == "erased":
        raise RooftopError(
            "A privacy erasure removed what this merge was about; it cannot be undone."
        )
    if m.status == "expired":
        raise RooftopError(
            "This merge is older than the retention policy keeps what an undo needs."
        )
    if m.status not in ("merged", "partial"):
        raise RooftopError("This merge was already undone.")
    later = s.scalar(
        select(func.count(Merge.id)).where(
            Merge.id > m.id,
            Merge.status.in_(("merged", "partial")),
            Merge.golden_id == m.golden_id,
        )
    )
    if later:
        raise RooftopError("A later merge built on this one; undo that merge first.")
    return m


def _restore_links(s: Session, before: list[dict[str, Any]], now: datetime) -> None:
    """Each link back to its golden id before the merge; a link the merge made is removed."""
    for b in before:
        row = s.scalar(
            select(Link).where(
                Link.entity == ENTITY,
                Link.system == b["system"],
                Link.external_id == b["external_id"],
            )
        )
        if b["golden_id"] is None:
            if row is not None:
                s.delete(row)
        else:
            point_link(s, row, b["system"], b["external_id"], b["golden_id"], now)


def _restore_golden(s: Session, merged_id: str, before: dict[str, Any], now: datetime) -> None:
    """The golden records as they were; the merge's own record goes if it made it."""
    if merged_id not in before:
        s.execute(delete(GoldenRecord).where(GoldenRecord.golden_id == merged_id))
    for gid, snap in before.items():
        put_golden(s, gid, snap["entity"], snap["fields"], snap["sources"], now)


def _audit(s: Session, m: Merge) -> None:
    links = m.before["links"]
    audit.record(
        s,
        "unmerge",
        "customer",
        object_id=m.golden_id,
        object_name=m.title,
        before={"links": {link_key(b["system"], b["external_id"]): m.golden_id for b in links}},
        after={"links": {link_key(b["system"], b["external_id"]): b["golden_id"] for b in links}},
        extra={
            "merge_id": m.id,
            "crm_note": "Merges done inside the CRM are not undone there." if m.propagation else "",
        },
    )
