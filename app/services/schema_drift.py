"""Schema snapshots per flow side, drift since the mapping was saved, and the guard that
stops a run whose mapping reads a field the source no longer fills."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.connectors.streams import Stream, StreamSpec, WriteRecord, WriteResult
from app.mapping import drift
from app.mapping.apply import MappingError
from app.mapping.drift import Change, Drift, Snapshot
from app.mapping.model import Mapping
from app.store import Store
from app.store.mapping_models import SchemaSnapshot
from app.store.models import DeliveryState, utcnow
from app.store.models import Mapping as MappingRow

log = logging.getLogger(__name__)


def declared(spec: StreamSpec) -> list[tuple[str, str, bool]]:
    return [(f.name, str(f.kind), f.required) for f in spec.fields]


def _same(a: Snapshot, b: Snapshot) -> bool:
    """Same field list; fill state compared only when both were observed on enough rows."""
    if [(f.name, f.kind) for f in a.fields] != [(f.name, f.kind) for f in b.fields]:
        return False
    if a.rows >= drift.MIN_ROWS and b.rows >= drift.MIN_ROWS:
        return a.signature() == b.signature()
    return True


def record(
    session: Session,
    flow_id: int,
    side: str,
    snapshot: Snapshot,
    *,
    origin: str = "run",
    run_id: int | None = None,
    version: int | None = None,
) -> SchemaSnapshot:
    """Store ``snapshot`` unless it looks like the latest one (then just mark it seen)."""
    latest = session.scalar(
        select(SchemaSnapshot)
        .where(SchemaSnapshot.flow_id == flow_id, SchemaSnapshot.side == side)
        .order_by(SchemaSnapshot.id.desc())
        .limit(1)
    )
    now = utcnow()
    if (
        latest is not None
        and origin == "run"
        and _same(Snapshot.from_json(latest.fields), snapshot)
    ):
        latest.last_seen_at = now
        if snapshot.rows > latest.rows_seen:  # keep the better-observed one
            latest.fields, latest.rows_seen = snapshot.to_json(), snapshot.rows
        return latest
    row = SchemaSnapshot(
        flow_id=flow_id,
        side=side,
        origin=origin,
        run_id=run_id,
        mapping_version=version,
        fields=snapshot.to_json(),
        rows_seen=snapshot.rows,
        taken_at=now,
        last_seen_at=now,
    )
    session.add(row)
    session.flush()
    return row


def _baseline(session: Session, flow_id: int, side: str) -> Snapshot | None:
    """The fields as they were when the flow's current mapping version was saved: the
    editor's snapshot for that version, else the one current then, else the first after."""
    version = session.scalar(
        select(MappingRow)
        .where(MappingRow.flow_id == flow_id)
        .order_by(MappingRow.version.desc())
        .limit(1)
    )
    base = select(SchemaSnapshot).where(
        SchemaSnapshot.flow_id == flow_id, SchemaSnapshot.side == side
    )
    row = None
    if version is not None:
        row = session.scalar(
            base.where(SchemaSnapshot.mapping_version == version.version)
            .order_by(SchemaSnapshot.id.desc())
            .limit(1)
        )
        if row is None:
            row = session.scalar(
                base.where(SchemaSnapshot.taken_at <= version.created_at)
                .order_by(SchemaSnapshot.id.desc())
                .limit(1)
            )
    if row is None:
        row = session.scalar(base.order_by(SchemaSnapshot.id).limit(1))
    return Snapshot.from_json(row.fields) if row is not None else None


def _latest(session: Session, flow_id: int, side: str) -> Snapshot | None:
    row = session.scalar(
        select(SchemaSnapshot)
        .where(SchemaSnapshot.flow_id == flow_id, SchemaSnapshot.side == side)
        .order_by(SchemaSnapshot.id.desc())
        .limit(1)
    )
    return Snapshot.from_json(row.fields) if row is not None else None


@dataclass
class FlowDrift:
    flow_id: int
    source: Drift = field(default_factory=Drift)
    destination: Drift = field(default_factory=Drift)
    blocking: list[Change] = field(default_factory=list)  # gone fields the mapping reads
    checked: bool = False  # False: no run has taken a snapshot yet

    @property
    def count(self) -> int:
        return len(self.source.changes) + len(self.destination.changes)


def flow_drift(store: Store, flow_id: int, mapping: Mapping) -> FlowDrift:
    with store.session() as s:
        return _flow_drift(s, flow_id, mapping)


def _flow_drift(session: Session, flow_id: int, mapping: Mapping) -> FlowDrift:
    out = FlowDrift(flow_id)
    for side in ("source", "destination"):
        base, now = _baseline(session, flow_id, side), _latest(session, flow_id, side)
        if base is None or now is None:
            continue
        out.checked = True
        setattr(out, side, drift.compare(base, now))
    out.blocking = drift.blocking(mapping, out.source)
    # the destination losing a field the mapping writes is a problem too
    targets = set(mapping.targets())
    out.blocking += [c for c in out.destination.gone() if c.field in targets]
    return out


def all_drift(store: Store, mappings: dict[int, Mapping]) -> dict[int, FlowDrift]:
    with store.session() as s:
        return {fid: _flow_drift(s, fid, m) for fid, m in mappings.items()}


class DriftGuard(Stream):
    """Wraps a run's source stream: the first chunk read is snapshotted and compared with
    the fields the mapping was saved against; a field the mapping reads that is gone (or
    now empty in every record) stops the run before anything is sent."""

    def __init__(self, store: Store, flow: Any, inner: Stream) -> None:
        self.store, self.flow, self.inner = store, flow, inner
        self.spec = inner.spec
        self._checked = False

    def __getattr__(self, name: str) -> Any:  # cursors and other connector extras
        return getattr(self.inner, name)

    def read(self, cursor: str | None = None) -> Iterator[pd.DataFrame]:
        for chunk in self.inner.read(cursor):
            if not self._checked:
                self._checked = True
                self.check(chunk)
            yield chunk

    def check(self, chunk: pd.DataFrame) -> None:
        mapping: Mapping = self.flow.mapping
        try:
            snap = drift.snapshot_of(declared(self.spec), chunk)
            with self.store.session() as s:
                base = _baseline(s, self.flow.id, "source")
            changes = drift.compare(base, snap) if base is not None else Drift()
        except Exception:
            log.warning("Schema snapshot of flow %s failed", self.flow.id, exc_info=True)
            snap, changes = None, Drift()
        stop = drift.blocking(mapping, changes, [str(c) for c in chunk.columns])
        excused = {c.field for c in stop if self._empty_last_time(chunk, c)}
        stop = [c for c in stop if c.field not in excused]
        if snap is not None and not excused:
            # a sample of records that never had a field says nothing about the source
            try:
                with self.store.session() as s:
                    record(s, self.flow.id, "source", snap)
            except Exception:
                log.warning("Schema snapshot of flow %s failed", self.flow.id, exc_info=True)
        if stop:
            raise MappingError(drift.blocking_message(stop))

    def _empty_last_time(self, chunk: pd.DataFrame, change: Change) -> bool:
        """True when an "emptied" field was empty in these same records the last time this
        flow delivered them: a date-granular read (STAR's filters take a day) brings back a
        day of web leads that never had a home phone, which is no drift. A rename leaves
        records that had the value without it, and still stops the run."""
        if change.change != "emptied" or self.spec.primary_key not in chunk.columns:
            return False
        targets = [r.target for r in self.flow.mapping.rules if change.field in r.sources]
        keys = [str(k) for k in chunk[self.spec.primary_key].unique().tolist() if k]
        if not targets or not keys:
            return False
        payloads: list[dict[str, Any]] = []
        with self.store.session() as s:
            for start in range(0, len(keys), 500):
                payloads += s.scalars(
                    select(DeliveryState.payload).where(
                        DeliveryState.flow_id == self.flow.id,
                        DeliveryState.record_key.in_(keys[start : start + 500]),
                    )
                )
        if not payloads:
            return False  # records never delivered: nothing to tell a rename from
        had = sum(1 for p in payloads if any(p.get(t) not in (None, "") for t in targets))
        return had / len(payloads) < drift.WAS_FILLED

    def fetch(self, keys: Sequence[str]) -> pd.DataFrame:
        return self.inner.fetch(keys)

    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        return self.inner.write(batch)

    def after_commit(self) -> None:
        self.inner.after_commit()


def watch(store: Store, flow: Any, source: Stream, dest: Stream) -> Stream:
    """Called by the engine once the streams are open: snapshot the destination's declared
    fields now and return the source wrapped in a ``DriftGuard``."""
    with store.session() as s:
        record(
            s,
            flow.id,
            "destination",
            Snapshot(tuple(drift.FieldInfo(n, k, r) for n, k, r in declared(dest.spec))),
        )
    return DriftGuard(store, flow, source)
