"""Merge and unmerge duplicate customers (store side).

A merge picks the surviving golden id, re-points every member's link ``(customer,
system, external id) -> golden id`` to it, writes the golden record (survivorship plus
the admin's per-field picks), and keeps a snapshot of the links and golden records it
replaced, so an unmerge (``app.services.unmerging``) puts back exactly the previous
state. Source-record snapshots are never changed. Every merge and unmerge is audited.
Where the destination supports merging (the CRM's merge endpoint), the CRM duplicates
are merged there too (``app.services.merge_propagation``). A merge a system refused is
``partial`` (status) until ``retry`` gets every such system to follow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import RooftopError
from app.matching.survivorship import Golden, propose
from app.services import audit
from app.services.golden_links import ENTITY, link_key, point_link, put_golden
from app.services.match_decisions import RecordKey, is_decided, remember_different
from app.services.matching_queue import MatchingQueue, best_title
from app.services.merge_propagation import (
    MergerLookup,
    is_partial,
    profile_merger,
    propagate,
    retry_failed,
)
from app.services.merging_views import (
    ClusterDetail,
    MergeView,
    PairView,
    RecordView,
    merge_view,
    record_views,
    source_records,
)
from app.services.unmerging import undo_merge
from app.store import Store
from app.store.errors import NotFoundError
from app.store.ids import new_golden_id
from app.store.matching_models import GoldenRecord, MatchCandidate, MatchPair, MatchRecord, Merge
from app.store.models import Link, utcnow

__all__ = ["ClusterDetail", "MergeService", "MergeView", "PairView", "RecordView", "source_records"]


class MergeService:
    """What the duplicate review does with a cluster: read it, decide, merge, unmerge."""

    def __init__(self, store: Store, *, mergers: MergerLookup | None = None) -> None:
        self.store = store
        self.queue = MatchingQueue(store)
        self.mergers = mergers

    # --- reading ------------------------------------------------------------------
    def detail(self, candidate_id: int) -> ClusterDetail:
        """The cluster's records (with their golden ids) and its pairs, best pair first."""
        with self.store.session() as s:
            cand = self.queue.get(s, candidate_id)
            records = record_views(s, [int(i) for i in cand.record_ids])
            pairs = [
                PairView(p.a_record, p.b_record, p.score, p.band, p.reasons)
                for p in s.scalars(
                    select(MatchPair)
                    .where(MatchPair.candidate_id == candidate_id)
                    .order_by(MatchPair.score.desc())
                )
            ]
            return ClusterDetail(cand.id, cand.score, cand.band, cand.status, records, pairs)

    def proposal(self, candidate_id: int, overrides: Mapping[str, str] | None = None) -> Golden:
        """The golden record a merge of the whole cluster would write."""
        return propose(source_records(self.detail(candidate_id).records), overrides)

    # --- decisions ----------------------------------------------------------------
    def not_duplicate(self, candidate_id: int) -> int:
        """Remember every pair of the cluster as different people; returns pairs stored."""
        with self.store.session() as s:
            cand = self.queue.get(s, candidate_id)
            recs = {
                r.id: r
                for r in s.scalars(select(MatchRecord).where(MatchRecord.id.in_(cand.record_ids)))
            }
            ids = sorted(recs)
            now, user = utcnow(), audit.current_os_user()
            keys = [(recs[i].system, recs[i].external_id) for i in ids]
            stored = remember_different(s, keys, user, now)
            cand.status, cand.decided_at, cand.decided_by = "not_duplicate", now, user
            audit.record(
                s,
                "not_duplicate",
                "duplicate",
                object_id=str(cand.id),
                object_name=cand.title,
                extra={"records": [f"{recs[i].system_label} {recs[i].external_id}" for i in ids]},
            )
            return stored

    def skip(self, candidate_id: int) -> None:
        """Move the cluster out of the open queue without deciding."""
        with self.store.session() as s:
            cand = self.queue.get(s, candidate_id)
            cand.status = "skipped"

    def is_not_duplicate(self, a: RecordKey, b: RecordKey) -> bool:
        """Whether records ``a`` and ``b`` ``(system, external id)`` were marked different."""
        with self.store.session() as s:
            return is_decided(s, a, b)

    # --- merge / unmerge ----------------------------------------------------------
    def merge(
        self,
        candidate_id: int,
        *,
        overrides: Mapping[str, str] | None = None,
        record_ids: Sequence[int] | None = None,
    ) -> MergeView:
        """Merge the cluster (or ``record_ids`` of it) into one golden record."""
        plan = self._plan(candidate_id, overrides, record_ids)
        user, now = audit.current_os_user(), utcnow()
        with self.store.session() as s:
            merge_id = _record_merge(s, plan, user, now)
        propagation = propagate(plan.members, self._merger)
        if propagation:
            with self.store.session() as s:
                done = s.get(Merge, merge_id)
                if done is not None:
                    done.propagation = propagation
                    if is_partial(propagation):
                        done.status = "partial"
        return self.get_merge(merge_id)

    def retry(self, merge_id: int) -> MergeView:
        """Ask the systems that refused a partial merge to merge again; the merge is no
        longer partial once every one of them followed. Audited either way."""
        with self.store.session() as s:
            m = s.get(Merge, merge_id)
            if m is None:
                raise NotFoundError(f"Merge {merge_id} does not exist.")
            if m.status != "partial":
                raise RooftopError("Only a partial merge can be retried: every system followed.")
            before = dict(m.propagation)
            labels = {
                r.system_label: r.system
                for r in s.scalars(select(MatchRecord).where(MatchRecord.id.in_(m.record_ids)))
            }
        after = retry_failed(before, self._merger, labels.get)
        with self.store.session() as s:
            m = s.get(Merge, merge_id)
            assert m is not None
            m.propagation = after
            m.status = "partial" if is_partial(after) else "merged"
            audit.record(
                s,
                "merge_retry",
                "customer",
                object_id=m.golden_id,
                object_name=m.title,
                before={k: v.get("status") for k, v in before.items()},
                after={k: v.get("status") for k, v in after.items()},
                extra={"merge_id": merge_id},
            )
        return self.get_merge(merge_id)

    def _plan(
        self,
        candidate_id: int,
        overrides: Mapping[str, str] | None,
        record_ids: Sequence[int] | None,
    ) -> _MergePlan:
        detail = self.detail(candidate_id)
        picked = None if record_ids is None else set(record_ids)
        members = [r for r in detail.records if picked is None or r.id in picked]
        if len(members) < 2:
            raise RooftopError("Pick at least two records to merge.")
        return _MergePlan(
            candidate_id=candidate_id,
            members=members,
            golden=propose(source_records(members), overrides),
            winner=next((r.golden_id for r in members if r.golden_id), None) or new_golden_id(),
            title=best_title([r.display_name for r in members])[:300],
            overrides=dict(overrides or {}),
        )

    def _merger(self, system: str) -> Any:
        if self.mergers is not None:
            return self.mergers(system)
        return profile_merger(self.store, system)

    def unmerge(self, merge_id: int) -> MergeView:
        """Put back the links and golden records exactly as they were before the merge."""
        user, now = audit.current_os_user(), utcnow()
        with self.store.session() as s:
            undo_merge(s, merge_id, user, now)
        return self.get_merge(merge_id)

    # --- history ------------------------------------------------------------------
    def get_merge(self, merge_id: int) -> MergeView:
        """One merge; ``NotFoundError`` when there is no such merge."""
        with self.store.session() as s:
            m = s.get(Merge, merge_id)
            if m is None:
                raise NotFoundError(f"Merge {merge_id} does not exist.")
            return merge_view(m)

    def history(self, offset: int = 0, limit: int = 200) -> list[MergeView]:
        """Merges newest first, ``limit`` from ``offset``."""
        with self.store.session() as s:
            return [
                merge_view(m)
                for m in s.scalars(
                    select(Merge).order_by(Merge.id.desc()).offset(offset).limit(limit)
                )
            ]

    def history_count(self) -> int:
        with self.store.session() as s:
            return int(s.scalar(select(func.count(Merge.id))) or 0)


@dataclass(frozen=True)
class _MergePlan:
    """What a merge will write, settled before the store is touched."""

    candidate_id: int
    members: list[RecordView]
    golden: Golden
    winner: str  # the surviving golden id: a member's existing one, else a new one
    title: str
    overrides: dict[str, str]


def _record_merge(s: Session, plan: _MergePlan, user: str, now: datetime) -> int:
    """Snapshot, re-point the links, write the golden record, the merge row and the audit
    entry; returns the merge id."""
    members, winner = plan.members, plan.winner
    link_rows = _member_links(s, members)
    before_links = [
        {
            "system": r.system,
            "external_id": r.external_id,
            "golden_id": link_rows[(r.system, r.external_id)].golden_id
            if (r.system, r.external_id) in link_rows
            else None,
        }
        for r in members
    ]
    touched = {b["golden_id"] for b in before_links if b["golden_id"]} | {winner}
    before_golden = _golden_snapshot(s, touched)
    for r in members:
        point_link(
            s, link_rows.get((r.system, r.external_id)), r.system, r.external_id, winner, now
        )
    sources = {k: _source_label(members, v) for k, v in plan.golden.sources().items()}
    put_golden(s, winner, ENTITY, plan.golden.values(), sources, now)
    merge = Merge(
        golden_id=winner,
        entity=ENTITY,
        candidate_id=plan.candidate_id,
        title=plan.title,
        merged_at=now,
        merged_by=user,
        status="merged",
        record_ids=[r.id for r in members],
        before={"links": before_links, "golden": before_golden},
        after={"golden": plan.golden.values(), "sources": sources},
        overrides=dict(plan.overrides),
        propagation={},
    )
    s.add(merge)
    cand = s.get(MatchCandidate, plan.candidate_id)
    if cand is not None:
        cand.status, cand.decided_at, cand.decided_by = "merged", now, user
    s.flush()
    _audit_merge(s, plan, before_links, merge.id)
    return merge.id


def _member_links(s: Session, members: Sequence[RecordView]) -> dict[RecordKey, Link]:
    return {
        (lk.system, lk.external_id): lk
        for lk in s.scalars(
            select(Link).where(
                Link.entity == ENTITY,
                Link.external_id.in_([r.external_id for r in members]),
            )
        )
    }


def _golden_snapshot(s: Session, golden_ids: set[str]) -> dict[str, dict[str, Any]]:
    return {
        g.golden_id: {"entity": g.entity, "fields": g.fields, "sources": g.sources}
        for g in s.scalars(select(GoldenRecord).where(GoldenRecord.golden_id.in_(golden_ids)))
    }


def _source_label(members: Sequence[RecordView], key: str) -> str:
    for r in members:
        if str(r.id) == key:
            return f"{r.system_label} {r.external_id}"
    return ""


def _audit_merge(
    s: Session, plan: _MergePlan, before_links: list[dict[str, Any]], merge_id: int
) -> None:
    audit.record(
        s,
        "merge",
        "customer",
        object_id=plan.winner,
        object_name=plan.title,
        before={
            "links": {link_key(b["system"], b["external_id"]): b["golden_id"] for b in before_links}
        },
        after={
            "links": {link_key(r.system, r.external_id): plan.winner for r in plan.members},
            "golden": plan.golden.values(),
        },
        extra={"merge_id": merge_id, "overrides": dict(plan.overrides)},
    )
