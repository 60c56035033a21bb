"""Merge and unmerge duplicate customers (store side).

A merge picks the surviving golden id, re-points every member's link ``(customer,
system, external id) -> golden id`` to it, writes the golden record (survivorship plus
the admin's per-field picks), and keeps a snapshot of the links and golden records it
replaced, so an unmerge puts back exactly the previous state. Source-record snapshots
are never changed. Every merge and unmerge is audited. Where the destination supports
merging (the CRM's merge endpoint), the CRM duplicates are merged there too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.errors import RooftopError
from app.matching.survivorship import Golden, canonical, propose
from app.services import audit
from app.services.matching_queue import MatchingQueue, best_title
from app.services.merging_views import (
    ClusterDetail,
    MergeView,
    PairView,
    RecordView,
    _view,
    source_records,
)
from app.store import Store
from app.store.errors import NotFoundError
from app.store.ids import new_golden_id
from app.store.matching_models import (
    GoldenRecord,
    MatchCandidate,
    MatchDecision,
    MatchPair,
    MatchRecord,
    Merge,
)
from app.store.models import ConnectionProfile, Link, utcnow

__all__ = ["ClusterDetail", "MergeService", "MergeView", "PairView", "RecordView", "source_records"]

log = logging.getLogger(__name__)
ENTITY = "customer"
_PRIORITY = {"dms": 0, "crm": 1, "marketing": 2}
# system uid -> object with merge(winner_id, loser_ids); None when it cannot merge
MergerLookup = Callable[[str], Any]


class MergeService:
    def __init__(self, store: Store, *, mergers: MergerLookup | None = None) -> None:
        self.store = store
        self.queue = MatchingQueue(store)
        self.mergers = mergers

    # --- reading ------------------------------------------------------------------
    def detail(self, candidate_id: int) -> ClusterDetail:
        with self.store.session() as s:
            cand = self.queue.get(s, candidate_id)
            records = self._records(s, [int(i) for i in cand.record_ids])
            pairs = [
                PairView(p.a_record, p.b_record, p.score, p.band, p.reasons)
                for p in s.scalars(
                    select(MatchPair)
                    .where(MatchPair.candidate_id == candidate_id)
                    .order_by(MatchPair.score.desc())
                )
            ]
            return ClusterDetail(cand.id, cand.score, cand.band, cand.status, records, pairs)

    def _records(self, s: Session, ids: Sequence[int]) -> list[RecordView]:
        rows = s.scalars(select(MatchRecord).where(MatchRecord.id.in_(list(ids)))).all()
        links = {
            (sys_, ext): gold
            for sys_, ext, gold in s.execute(
                select(Link.system, Link.external_id, Link.golden_id).where(
                    Link.entity == ENTITY, Link.external_id.in_([r.external_id for r in rows])
                )
            )
        }
        out = [
            RecordView(
                r.id,
                r.system,
                r.system_label,
                r.system_kind,
                r.external_id,
                r.display_name,
                dict(r.payload),
                canonical(r.payload),
                r.source_updated_at,
                links.get((r.system, r.external_id)),
            )
            for r in rows
        ]
        return sorted(out, key=lambda r: (_PRIORITY.get(r.system_kind, 9), r.updated_at, r.id))

    def proposal(self, candidate_id: int, overrides: Mapping[str, str] | None = None) -> Golden:
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
            stored = 0
            for i, x in enumerate(ids):
                for y in ids[i + 1 :]:
                    a, b = sorted(
                        [
                            (recs[x].system, recs[x].external_id),
                            (recs[y].system, recs[y].external_id),
                        ]
                    )
                    exists = s.scalar(
                        select(MatchDecision.id).where(
                            MatchDecision.system_a == a[0],
                            MatchDecision.external_a == a[1],
                            MatchDecision.system_b == b[0],
                            MatchDecision.external_b == b[1],
                        )
                    )
                    if exists is None:
                        s.add(
                            MatchDecision(
                                system_a=a[0],
                                external_a=a[1],
                                system_b=b[0],
                                external_b=b[1],
                                decided_by=user,
                                decided_at=now,
                            )
                        )
                        stored += 1
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
        with self.store.session() as s:
            cand = self.queue.get(s, candidate_id)
            cand.status = "skipped"

    def is_not_duplicate(self, a: tuple[str, str], b: tuple[str, str]) -> bool:
        x, y = sorted([a, b])
        with self.store.session() as s:
            return (
                s.scalar(
                    select(MatchDecision.id).where(
                        MatchDecision.system_a == x[0],
                        MatchDecision.external_a == x[1],
                        MatchDecision.system_b == y[0],
                        MatchDecision.external_b == y[1],
                    )
                )
                is not None
            )

    # --- merge / unmerge ----------------------------------------------------------
    def merge(
        self,
        candidate_id: int,
        *,
        overrides: Mapping[str, str] | None = None,
        record_ids: Sequence[int] | None = None,
    ) -> MergeView:
        """Merge the cluster (or ``record_ids`` of it) into one golden record."""
        detail = self.detail(candidate_id)
        members = [r for r in detail.records if record_ids is None or r.id in set(record_ids)]
        if len(members) < 2:
            raise RooftopError("Pick at least two records to merge.")
        golden = propose(source_records(members), overrides)
        winner = next((r.golden_id for r in members if r.golden_id), None) or new_golden_id()
        user, now = audit.current_os_user(), utcnow()
        title = best_title([r.display_name for r in members])[:300]
        with self.store.session() as s:
            link_rows = {
                (lk.system, lk.external_id): lk
                for lk in s.scalars(
                    select(Link).where(
                        Link.entity == ENTITY,
                        Link.external_id.in_([r.external_id for r in members]),
                    )
                )
            }
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
            before_golden = {
                g.golden_id: {"entity": g.entity, "fields": g.fields, "sources": g.sources}
                for g in s.scalars(select(GoldenRecord).where(GoldenRecord.golden_id.in_(touched)))
            }
            for r in members:
                row = link_rows.get((r.system, r.external_id))
                if row is None:
                    s.add(
                        Link(
                            entity=ENTITY,
                            system=r.system,
                            external_id=r.external_id,
                            golden_id=winner,
                            created_at=now,
                        )
                    )
                else:
                    row.golden_id = winner
            sources = {k: self._source_label(members, v) for k, v in golden.sources().items()}
            g = s.get(GoldenRecord, winner)
            if g is None:
                s.add(
                    GoldenRecord(
                        golden_id=winner,
                        entity=ENTITY,
                        fields=golden.values(),
                        sources=sources,
                        created_at=now,
                        updated_at=now,
                    )
                )
            else:
                g.fields, g.sources, g.updated_at = golden.values(), sources, now
            merge = Merge(
                golden_id=winner,
                entity=ENTITY,
                candidate_id=candidate_id,
                title=title,
                merged_at=now,
                merged_by=user,
                status="merged",
                record_ids=[r.id for r in members],
                before={"links": before_links, "golden": before_golden},
                after={"golden": golden.values(), "sources": sources},
                overrides=dict(overrides or {}),
                propagation={},
            )
            s.add(merge)
            cand = s.get(MatchCandidate, candidate_id)
            if cand is not None:
                cand.status, cand.decided_at, cand.decided_by = "merged", now, user
            s.flush()
            merge_id = merge.id
            audit.record(
                s,
                "merge",
                "customer",
                object_id=winner,
                object_name=title,
                before={
                    "links": {
                        f"{b['system']}:{b['external_id']}": b["golden_id"] for b in before_links
                    }
                },
                after={
                    "links": {f"{r.system}:{r.external_id}": winner for r in members},
                    "golden": golden.values(),
                },
                extra={"merge_id": merge_id, "overrides": dict(overrides or {})},
            )
        propagation = self._propagate(members)
        if propagation:
            with self.store.session() as s:
                done = s.get(Merge, merge_id)
                if done is not None:
                    done.propagation = propagation
        return self.get_merge(merge_id)

    @staticmethod
    def _source_label(members: Sequence[RecordView], key: str) -> str:
        for r in members:
            if str(r.id) == key:
                return f"{r.system_label} {r.external_id}"
        return ""

    def _propagate(self, members: Sequence[RecordView]) -> dict[str, Any]:
        """Merge duplicates inside systems that can (the CRM): newest record wins."""
        out: dict[str, Any] = {}
        by_system: dict[str, list[RecordView]] = {}
        for r in members:
            by_system.setdefault(r.system, []).append(r)
        for system, recs in by_system.items():
            if len(recs) < 2:
                continue
            merger = self._merger(system)
            label = recs[0].system_label
            if merger is None:
                out[label] = {
                    "status": "not supported",
                    "message": "Later syncs update one record through the links.",
                }
                continue
            recs = sorted(recs, key=lambda r: r.updated_at, reverse=True)
            winner, losers = recs[0].external_id, [r.external_id for r in recs[1:]]
            try:
                merger.merge(winner, losers)
                out[label] = {"status": "merged", "winner": winner, "losers": losers}
            except RooftopError as exc:
                log.warning("merge in %s failed: %s", label, exc)
                out[label] = {
                    "status": "failed",
                    "message": str(exc),
                    "winner": winner,
                    "losers": losers,
                }
        return out

    def _merger(self, system: str) -> Any:
        if self.mergers is not None:
            return self.mergers(system)
        from app.services.profiles import ProfileService

        with self.store.session() as s:
            pid = s.scalar(select(ConnectionProfile.id).where(ConnectionProfile.uid == system))
        if pid is None:
            return None
        try:
            conn = ProfileService(self.store).connector(int(pid))
        except RooftopError:
            return None
        return conn if callable(getattr(conn, "merge", None)) else None

    def unmerge(self, merge_id: int) -> MergeView:
        """Put back the links and golden records exactly as they were before the merge."""
        user, now = audit.current_os_user(), utcnow()
        with self.store.session() as s:
            m = s.get(Merge, merge_id)
            if m is None:
                raise NotFoundError(f"Merge {merge_id} does not exist.")
            if m.status != "merged":
                raise RooftopError("This merge was already undone.")
            later = s.scalar(
                select(func.count(Merge.id)).where(
                    Merge.id > m.id, Merge.status == "merged", Merge.golden_id == m.golden_id
                )
            )
            if later:
                raise RooftopError("A later merge built on this one; undo that merge first.")
            for b in m.before["links"]:
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
                elif row is None:
                    s.add(
                        Link(
                            entity=ENTITY,
                            system=b["system"],
                            external_id=b["external_id"],
                            golden_id=b["golden_id"],
                            created_at=now,
                        )
                    )
                else:
                    row.golden_id = b["golden_id"]
            before_golden: dict[str, Any] = m.before.get("golden", {})
            if m.golden_id not in before_golden:
                s.execute(delete(GoldenRecord).where(GoldenRecord.golden_id == m.golden_id))
            for gid, snap in before_golden.items():
                g = s.get(GoldenRecord, gid)
                if g is None:
                    s.add(
                        GoldenRecord(
                            golden_id=gid,
                            entity=snap["entity"],
                            fields=snap["fields"],
                            sources=snap["sources"],
                            created_at=now,
                            updated_at=now,
                        )
                    )
                else:
                    g.fields, g.sources, g.updated_at = snap["fields"], snap["sources"], now
            m.status, m.undone_at, m.undone_by = "undone", now, user
            if m.candidate_id is not None:
                cand = s.get(MatchCandidate, m.candidate_id)
                if cand is not None:
                    cand.status, cand.decided_at, cand.decided_by = "open", None, None
            audit.record(
                s,
                "unmerge",
                "customer",
                object_id=m.golden_id,
                object_name=m.title,
                before={
                    "links": {
                        f"{b['system']}:{b['external_id']}": m.golden_id for b in m.before["links"]
                    }
                },
                after={
                    "links": {
                        f"{b['system']}:{b['external_id']}": b["golden_id"]
                        for b in m.before["links"]
                    }
                },
                extra={
                    "merge_id": m.id,
                    "crm_note": "Merges done inside the CRM are not undone there."
                    if m.propagation
                    else "",
                },
            )
        return self.get_merge(merge_id)

    # --- history ------------------------------------------------------------------
    def get_merge(self, merge_id: int) -> MergeView:
        with self.store.session() as s:
            m = s.get(Merge, merge_id)
            if m is None:
                raise NotFoundError(f"Merge {merge_id} does not exist.")
            return _view(m)

    def history(self, offset: int = 0, limit: int = 200) -> list[MergeView]:
        with self.store.session() as s:
            return [
                _view(m)
                for m in s.scalars(
                    select(Merge).order_by(Merge.id.desc()).offset(offset).limit(limit)
                )
            ]

    def history_count(self) -> int:
        with self.store.session() as s:
            return int(s.scalar(select(func.count(Merge.id))) or 0)
