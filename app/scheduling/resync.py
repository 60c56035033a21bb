"""Manual re-sync for managers: chosen records, or every record changed in a date range.

Records: search hits (``app.sync.search``) are grouped by the flows that read them (same
source connection and entity); the preview is a dry run of exactly those keys, showing
every field that will change in which system; the real run re-sends them (forced, the
flow's cursor untouched).

Date range: the source is read from the range start (its cursor field, e.g. the DMS's
"updated at"), the keys whose change date falls in the range are kept, and those records
are re-sent, forced, in batches — all under one hold of the flow's lock. Records changed
again after the range end are not in it; records whose change date the source does not
report cannot be found this way (the dialog says so)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from app.scheduling.runner import run_flow_locked
from app.services.flows import FlowInfo, FlowService
from app.services.profiles import ProfileService
from app.store import Store
from app.sync.engine import RunSummary, SyncEngine
from app.sync.errors import FlowBusyError, SyncError
from app.sync.locks import flow_lock
from app.sync.progress import CancelToken, JobTally, ProgressCallback
from app.sync.search import SearchHit

RANGE_BATCH = 500


@dataclass(frozen=True)
class FieldChange:
    flow_id: int
    flow_name: str
    system: str  # the destination connection's name
    record_key: str
    record_name: str
    action: str  # create | update | skip
    field: str
    before: Any
    after: Any


@dataclass
class ResyncPreview:
    keys: dict[int, list[str]] = field(default_factory=dict)  # flow id -> record keys
    flow_names: dict[int, str] = field(default_factory=dict)
    changes: list[FieldChange] = field(default_factory=list)
    unmatched: list[SearchHit] = field(default_factory=list)  # no flow reads these
    busy: dict[int, str] = field(default_factory=dict)  # flow id -> why no preview

    @property
    def record_count(self) -> int:
        return sum(len(v) for v in self.keys.values())


def _stream_entity(profiles: ProfileService, flow: FlowInfo) -> str | None:
    if flow.source_profile_id is None:
        return None
    conn = profiles.connector(flow.source_profile_id)
    try:
        streams = conn.streams() if hasattr(conn, "streams") else {}
        stream = streams.get(flow.source_stream)
        return stream.spec.entity if stream is not None else None
    finally:
        conn.close()


def flows_reading(store: Store, hits: Sequence[SearchHit]) -> dict[int, list[str]]:
    """Flow id -> keys, for the flows whose source is the hit's system and entity."""
    profiles = ProfileService(store)
    uid_of = {p.id: profiles.identity_system(p) for p in profiles.list()}
    out: dict[int, list[str]] = {}
    entities: dict[int, str | None] = {}
    for flow in FlowService(store).list():
        source_uid = uid_of.get(flow.source_profile_id or -1)
        wanted = [h for h in hits if h.system == source_uid]
        if not wanted:
            continue
        if flow.id not in entities:
            entities[flow.id] = _stream_entity(profiles, flow)
        keys = [h.record_key for h in wanted if h.entity == entities[flow.id]]
        if keys:
            out[flow.id] = list(dict.fromkeys(keys))
    return out


def preview(store: Store, hits: Sequence[SearchHit], *, triggered_by: str = "") -> ResyncPreview:
    """Dry-run the picked records through every flow that reads them."""
    result = ResyncPreview(keys=flows_reading(store, hits))
    matched = {k for keys in result.keys.values() for k in keys}
    result.unmatched = [h for h in hits if h.record_key not in matched]
    names = {h.record_key: h.name for h in hits}
    profiles = ProfileService(store)
    for flow_id, keys in result.keys.items():
        flow = FlowService(store).get(flow_id)
        result.flow_names[flow_id] = flow.name
        system = profiles.get(flow.dest_profile_id).name if flow.dest_profile_id else "?"
        try:
            summary = run_flow_locked(
                store, flow_id, keys=keys, dry_run=True, trigger="resync",
                triggered_by=triggered_by, wait_s=2,
            )  # fmt: skip
        except FlowBusyError as exc:
            result.busy[flow_id] = str(exc)
            continue
        if summary.status == "failed":
            result.busy[flow_id] = summary.error or "The preview failed."
        for item in summary.plan:
            diff = item.diff or {"(no field changes — it is sent again as it is)": (None, None)}
            for name, (before, after) in diff.items():
                result.changes.append(FieldChange(
                    flow_id, flow.name, system, item.key, names.get(item.key, ""),
                    item.action, name, before, after,
                ))  # fmt: skip
    return result


def run_preview(
    store: Store,
    plan: ResyncPreview,
    *,
    triggered_by: str = "",
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
) -> list[RunSummary]:
    """Re-send the previewed records for real, flow by flow."""
    out = []
    for flow_id, keys in plan.keys.items():
        if flow_id in plan.busy:
            continue
        if cancel and cancel.cancelled:
            break
        out.append(run_flow_locked(
            store, flow_id, keys=keys, trigger="resync", triggered_by=triggered_by,
            cancel=cancel, progress=progress, wait_s=5,
        ))  # fmt: skip
    return out


# --- date range ---------------------------------------------------------------------------
@dataclass
class RangeFind:
    flow_id: int
    flow_name: str
    cursor_field: str
    keys: list[str]
    read: int


def _cursor_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def find_range(
    store: Store,
    flow_ref: str | int,
    start: datetime,
    end: datetime,
    *,
    cancel: CancelToken | None = None,
) -> RangeFind:
    """The keys of the source records whose change date is in [start, end]."""
    if end <= start:
        raise SyncError("The end of the range must be after its start.")
    flow = FlowService(store).get(flow_ref)
    if flow.source_profile_id is None:
        raise SyncError(f"Flow '{flow.name}' has no source connection.")
    conn = ProfileService(store).connector(flow.source_profile_id)
    try:
        stream = conn.streams()[flow.source_stream]  # type: ignore[attr-defined]
        cursor_field = stream.spec.cursor_field
        if not cursor_field:
            raise SyncError(
                f"'{flow.name}' reads a source that does not say when records changed, so "
                "a date range cannot be picked out.",
                hint="Re-sync the records one by one, or run the flow in full.",
            )
        keys: list[str] = []
        read = 0
        for df in stream.read(_cursor_text(start)):
            if cancel and cancel.cancelled:
                break
            read += len(df)
            when = pd.to_datetime(df[cursor_field], utc=True, errors="coerce")
            inside = (when >= pd.Timestamp(start)) & (when <= pd.Timestamp(end))
            keys += [str(k) for k in df.loc[inside, stream.spec.primary_key]]
        return RangeFind(flow.id, flow.name, cursor_field, list(dict.fromkeys(keys)), read)
    finally:
        conn.close()


def run_range(
    store: Store,
    found: RangeFind,
    *,
    triggered_by: str = "",
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
) -> list[RunSummary]:
    """Re-send the found records in batches, holding the flow's lock throughout. The
    batches are one job: every run after the first carries the first run's id as its
    ``job_id``, so the job's totals add up across its runs (``app.store.job_totals``)."""
    cancel = cancel or CancelToken()
    out: list[RunSummary] = []
    with flow_lock(
        store.paths, found.flow_id, found.flow_name, trigger="resync_range",
        triggered_by=triggered_by, wait_s=5, cancel=cancel,
    ):  # fmt: skip
        tally = JobTally(found.flow_name, len(found.keys), progress)
        tally.expect_runs(-(-len(found.keys) // RANGE_BATCH))
        engine = SyncEngine(store, progress=tally)  # counts add up across the batches
        for i in range(0, len(found.keys), RANGE_BATCH):
            if cancel.cancelled:
                break
            out.append(engine.run(
                found.flow_id, keys=found.keys[i : i + RANGE_BATCH], trigger="resync_range",
                triggered_by=triggered_by, cancel=cancel,
                job_id=out[0].job_id if out else None,
            ))  # fmt: skip
    return out
