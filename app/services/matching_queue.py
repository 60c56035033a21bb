"""The duplicate-review queue, store side: source-record snapshots, scans that fill the
queue with candidate clusters, paging and filters for the screen.

A scan runs the pure pipeline (``app.matching``) on every stored record of every system
together, then stores each cluster of auto-link and review pairs as one candidate.
Pairs an admin marked "not a duplicate" are left out, so they never come back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from app.matching import roles
from app.matching.bands import Preview, Thresholds, histogram, preview_histogram
from app.matching.cluster import CandidateCluster, candidate_clusters, kept_rows
from app.matching.explain import reasons
from app.matching.pipeline import MatchResult, match_frame
from app.services import audit
from app.services.privacy import tombstones
from app.store import Store
from app.store.errors import NotFoundError
from app.store.matching_models import (
    MatchCandidate,
    MatchDecision,
    MatchPair,
    MatchRecord,
    MatchScan,
)
from app.store.models import Setting, utcnow

ProgressFn = Callable[[str, int, int], None]
THRESHOLDS_KEY = "matching.thresholds"
_BATCH = 2_000


@dataclass(frozen=True)
class QueueFilter:
    band: str = ""  # '' all | auto | review
    system: str = ""  # a system label ('' all)
    status: str = "open"  # open | skipped | merged | not_duplicate | '' all
    since: datetime | None = None
    search: str = ""


@dataclass(frozen=True)
class CandidateRow:
    id: int
    score: float
    band: str
    status: str
    systems: str
    size: int
    title: str
    reasons: str
    created_at: datetime


def system_kind(label: str, kind: str = "") -> str:
    """dms | crm | marketing | file, from a profile kind or label."""
    text = f"{kind} {label}".lower()
    for k in ("dms", "crm", "marketing"):
        if k in text:
            return k
    return "file"


def display_name(payload: dict[str, Any]) -> str:
    found = roles.recognise(list(payload))
    parts = [
        str(payload.get(c) or "").strip()
        for r in ("first_name", "last_name", "full_name", "company")
        for c in found.get(r, [])
    ]
    name = " ".join(p for p in parts if p)
    return " ".join(name.split()) or "(no name)"


def best_title(names: list[str]) -> str:
    """The name most records agree on, best cased ('Janet Griffin'), plus the others."""
    named = [n for n in names if n != "(no name)"] or names
    counts: dict[str, int] = {}
    for n in named:
        counts[n.lower()] = counts.get(n.lower(), 0) + 1
    order = sorted(counts, key=lambda k: -counts[k])
    out = []
    for key in order:
        spellings = [n for n in named if n.lower() == key]
        mixed = [n for n in spellings if not n.isupper() and not n.islower()]
        out.append((mixed or spellings)[0])
    return " / ".join(out)


class MatchingQueue:
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- thresholds (a setting) ----------------------------------------------------------
    def thresholds(self) -> Thresholds:
        with self.store.session() as s:
            row = s.get(Setting, THRESHOLDS_KEY)
            if row is None or not isinstance(row.value, dict):
                return Thresholds()
            return Thresholds(float(row.value["high"]), float(row.value["low"]))

    def set_thresholds(self, t: Thresholds) -> None:
        before = self.thresholds()
        with self.store.session() as s:
            s.merge(Setting(key=THRESHOLDS_KEY, value={"high": t.high, "low": t.low}))
            audit.record(
                s,
                "update",
                "matching_thresholds",
                object_name="Duplicate thresholds",
                before={"high": before.high, "low": before.low},
                after={"high": t.high, "low": t.low},
            )

    def preview(self, new: Thresholds) -> Preview | None:
        """How many pairs of the last scan would change band under ``new`` thresholds."""
        with self.store.session() as s:
            row = s.scalar(
                select(MatchScan)
                .where(MatchScan.finished_at.is_not(None))
                .order_by(MatchScan.id.desc())
                .limit(1)
            )
            hist = (row.model or {}).get("histogram") if row is not None else None
        if not hist:
            return None
        return preview_histogram(hist, self.thresholds(), new)

    # --- records ---------------------------------------------------------------------------
    def load_records(
        self,
        system: str,
        label: str,
        frame: pd.DataFrame,
        id_column: str,
        *,
        kind: str = "",
        updated_column: str = "updated_at",
    ) -> int:
        """Store (or refresh) snapshots of one system's customer records; records of
        people erased here are left out (``app.services.privacy.tombstones``)."""
        sk = system_kind(label, kind)
        rows = frame.astype(object).where(frame.notna(), "").to_dict("records")
        erased = tombstones.load(self.store)
        if erased:
            rows = [
                r
                for r in rows
                if not erased.ref_of("customer", system, str(r.get(id_column, "")).strip())
            ]
        now = utcnow()
        count = 0
        with self.store.session() as s:
            existing = dict(
                s.execute(
                    select(MatchRecord.external_id, MatchRecord.id).where(
                        MatchRecord.system == system
                    )
                ).all()
            )
            for start in range(0, len(rows), _BATCH):
                new, upd = [], []
                for r in rows[start : start + _BATCH]:
                    ext = str(r.get(id_column, "")).strip()
                    if not ext:
                        continue
                    payload = {str(k): ("" if v is None else str(v)) for k, v in r.items()}
                    values = {
                        "system": system,
                        "system_label": label,
                        "system_kind": sk,
                        "external_id": ext,
                        "display_name": display_name(payload)[:300],
                        "payload": payload,
                        "source_updated_at": payload.get(updated_column, "")[:40],
                        "loaded_at": now,
                    }
                    if ext in existing:
                        upd.append({"id": existing[ext], **values})
                    else:
                        new.append(values)
                    count += 1
                if new:
                    s.execute(insert(MatchRecord), new)
                if upd:
                    s.bulk_update_mappings(MatchRecord, upd)
        return count

    def record_count(self) -> int:
        with self.store.session() as s:
            return int(s.scalar(select(func.count(MatchRecord.id))) or 0)

    # --- scan ------------------------------------------------------------------------------
    def scan(self, *, on_step: ProgressFn | None = None) -> int:
        """Match every stored record; replace the open queue with fresh candidates.
        Returns the number of candidates."""
        t = self.thresholds()
        with self.store.session() as s:
            recs, decided = _scan_inputs(s)
            scan = MatchScan(
                started_at=utcnow(), thresholds={"high": t.high, "low": t.low}, model={}, timings={}
            )
            s.add(scan)
            s.flush()
            scan_id = scan.id
        if not recs:
            return 0
        ids = np.array([r[0] for r in recs], dtype=np.int64)
        keys = [f"{r[1]}|{r[2]}" for r in recs]
        payloads = pd.DataFrame([r[3] for r in recs])
        found = roles.recognise([str(c) for c in payloads.columns])
        frame = roles.role_frame(payloads.fillna(""), found)
        result = match_frame(frame, t, on_step=on_step)
        sc = result.pairs
        rows = kept_rows(result.bands, sc.a, sc.b, keys, decided)
        clusters = candidate_clusters(result.n, sc.a, sc.b, sc.score, result.bands, rows)
        texts = reasons(sc, rows) if len(rows) else []
        with self.store.session() as s:
            s.execute(delete(MatchCandidate).where(MatchCandidate.status.in_(("open", "skipped"))))
            meta = {
                int(i): (sl, name)
                for i, sl, name in s.execute(
                    select(MatchRecord.id, MatchRecord.system_label, MatchRecord.display_name)
                ).all()
            }
            for cluster in clusters:
                _store_candidate(s, scan_id, cluster, ids, result, texts, meta)
            _finish_scan(s, scan_id, result, len(clusters))
        return len(clusters)

    # --- queue paging ------------------------------------------------------------------------
    def _where(self, f: QueueFilter) -> list[Any]:
        c = MatchCandidate
        cond: list[Any] = []
        if f.status:
            cond.append(c.status == f.status)
        if f.band:
            cond.append(c.band == f.band)
        if f.system:
            cond.append(c.systems.like(f"%{f.system}%"))
        if f.since is not None:
            cond.append(c.created_at >= f.since)
        if f.search:
            cond.append(c.title.like(f"%{f.search}%"))
        return cond

    def count(self, f: QueueFilter) -> int:
        with self.store.session() as s:
            return int(s.scalar(select(func.count(MatchCandidate.id)).where(*self._where(f))) or 0)

    def page(self, f: QueueFilter, offset: int, limit: int) -> list[CandidateRow]:
        """Candidates best score first (then oldest first), ``limit`` from ``offset``."""
        c = MatchCandidate
        with self.store.session() as s:
            rows = s.execute(
                select(
                    c.id,
                    c.score,
                    c.band,
                    c.status,
                    c.systems,
                    c.size,
                    c.title,
                    c.reasons,
                    c.created_at,
                )
                .where(*self._where(f))
                .order_by(c.score.desc(), c.id)
                .offset(offset)
                .limit(limit)
            ).all()
            return [CandidateRow(*r) for r in rows]

    def systems(self) -> list[str]:
        with self.store.session() as s:
            return [
                r
                for (r,) in s.execute(
                    select(MatchRecord.system_label).distinct().order_by(MatchRecord.system_label)
                )
            ]

    def get(self, session: Session, candidate_id: int) -> MatchCandidate:
        row = session.get(MatchCandidate, candidate_id)
        if row is None:
            raise NotFoundError(f"Duplicate candidate {candidate_id} no longer exists.")
        return row


def _scan_inputs(s: Session) -> tuple[list[Any], set[tuple[str, str]]]:
    """Every stored record (id, system, external id, payload) and the pairs of record keys
    ``system|external id`` an admin marked not a duplicate."""
    recs = s.execute(
        select(MatchRecord.id, MatchRecord.system, MatchRecord.external_id, MatchRecord.payload)
    ).all()
    decided = {
        (a, b)
        for a, b in s.execute(
            select(
                MatchDecision.system_a + "|" + MatchDecision.external_a,
                MatchDecision.system_b + "|" + MatchDecision.external_b,
            )
        ).all()
    }
    return list(recs), decided


def _store_candidate(
    s: Session,
    scan_id: int,
    cluster: CandidateCluster,
    ids: npt.NDArray[np.int64],
    result: MatchResult,
    texts: list[str],
    meta: dict[int, tuple[str, str]],
) -> None:
    """One candidate row and its pair rows; ``ids`` maps record index to record id and
    ``meta`` record id to (system label, display name)."""
    sc = result.pairs
    rec_ids = [int(ids[i]) for i in cluster.records]
    cand = MatchCandidate(
        scan_id=scan_id,
        score=cluster.score,
        band=cluster.band,
        systems=", ".join(sorted({meta[i][0] for i in rec_ids})),
        size=len(rec_ids),
        title=best_title([meta[i][1] for i in rec_ids])[:300],
        record_ids=rec_ids,
        reasons=texts[cluster.kept[cluster.best]],
        created_at=utcnow(),
    )
    s.add(cand)
    s.flush()
    s.execute(
        insert(MatchPair),
        [
            {
                "candidate_id": cand.id,
                "a_record": int(ids[sc.a[p]]),
                "b_record": int(ids[sc.b[p]]),
                "score": float(sc.score[p]),
                "band": "auto" if result.bands[p] == 2 else "review",
                "reasons": texts[k],
            }
            for k, p in zip(cluster.kept, cluster.pairs, strict=True)
        ],
    )


def _finish_scan(s: Session, scan_id: int, result: MatchResult, created: int) -> None:
    """Counts, the model's notes, the score histogram and timings on the scan row."""
    sc = result.pairs
    row = s.get(MatchScan, scan_id)
    if row is not None:
        row.finished_at, row.records, row.pairs, row.candidates = (
            utcnow(),
            result.n,
            len(sc),
            created,
        )
        row.model = {
            "prior": result.model.prior,
            "notes": result.model.notes,
            "histogram": histogram(sc.score),
        }
        row.timings = {k: round(v, 3) for k, v in result.timings.items()}
