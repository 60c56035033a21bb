"""Replay from the sync log: send failed or parked records again through the current
mapping, or (admin only) with an edited source payload and a reason that is audited.
The new attempt links to the one it retries (``replay_of``); the original's error stays."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import select

from app.mapping.apply import MappingError, apply_mapping
from app.services import audit, pii
from app.services.flows import FlowService
from app.store import Store
from app.store.log_timeline import keys_of_events, open_parked_for_events
from app.store.models import Flow, ParkedRecord, RecordOutcome
from app.sync.engine import RunSummary, SyncEngine
from app.sync.errors import SyncError


class ReplayError(SyncError):
    """A replay cannot start (nothing to replay, no reason given, record already fixed)."""


@dataclass
class ReplayReport:
    runs: list[RunSummary] = field(default_factory=list)
    replayed: int = 0  # parked records sent again
    resynced: int = 0  # failed-in-transit records read again from the source
    skipped: int = 0  # selected events with nothing left to replay

    @property
    def delivered(self) -> int:
        """Records the destination accepted or said it already held, in this replay."""
        return sum(
            r.counts["created"]
            + r.counts["updated"]
            + r.counts["unchanged"]
            - r.counts.get("skipped", 0)
            for r in self.runs
        )

    @property
    def not_sent(self) -> int:
        """Records the replay skipped without sending them."""
        return sum(r.counts.get("skipped", 0) for r in self.runs)

    @property
    def undelivered(self) -> int:
        """Records tried that the destination does not hold: still parked, failed in
        transit, or not sent at all."""
        return self.not_sent + sum(r.counts["parked"] + r.counts["failed"] for r in self.runs)

    @property
    def all_delivered(self) -> bool:
        """Every record tried is now at the destination (and no run stopped early)."""
        return (
            self.delivered > 0
            and self.undelivered == 0
            and all(r.status == "succeeded" for r in self.runs)
        )

    def message(self) -> str:
        tried = self.replayed + self.resynced
        unsent = self.not_sent
        still = sum(r.counts["parked"] + r.counts["failed"] for r in self.runs)
        errors = [r.error for r in self.runs if r.error]
        if self.delivered == 0 and unsent and not still:
            parts = [f"Not sent: the {tried:,} record(s) replayed were not sent"]
        elif self.delivered == 0:
            parts = [
                f"Not delivered: the destination accepted none of the {tried:,} record(s) replayed"
            ]
        else:
            parts = [f"{tried:,} record(s) replayed: {self.delivered:,} delivered"]
        if still:
            parts.append(
                f"{still:,} still failing and kept in the retry queue (see the new attempt's error)"
            )
        if unsent:
            parts.append(f"{unsent:,} not sent")
        if self.skipped:
            parts.append(f"{self.skipped:,} already delivered or not replayable, skipped")
        if errors:
            parts.append("the run stopped: " + errors[0])
        return "; ".join(parts) + "."


def replay_events(
    store: Store,
    outcome_ids: Sequence[int],
    *,
    triggered_by: str,
    on_run: Callable[[RunSummary], None] | None = None,
) -> ReplayReport:
    """Replay the records behind the selected events: parked ones from the retry queue
    (current mapping), failed-in-transit ones by re-reading them from the source."""
    ids = list(dict.fromkeys(int(i) for i in outcome_ids))
    if not ids:
        raise ReplayError("Select the failed or parked records to replay first.")
    with store.session() as s:
        rows = s.execute(
            select(RecordOutcome.id, RecordOutcome.status).where(RecordOutcome.id.in_(ids))
        ).all()
        statuses = {int(i): str(st) for i, st in rows}
        parked = open_parked_for_events(s, [i for i in ids if statuses.get(i) == "parked"])
        failed = keys_of_events(s, [i for i in ids if statuses.get(i) == "failed"])
    report = ReplayReport()
    engine = SyncEngine(store)
    covered = sum(len(v) for v in parked.values()) + sum(len(v) for v in failed.values())
    report.skipped = max(0, len(ids) - covered)
    for flow_id, parked_ids in parked.items():
        if not parked_ids:  # an empty list would mean "the whole queue" to the engine
            continue
        summary = engine.replay(flow_id, parked_ids=sorted(parked_ids), triggered_by=triggered_by)
        report.runs.append(summary)
        report.replayed += len(parked_ids)
        if on_run:
            on_run(summary)
    for flow_id, keys in failed.items():
        summary = engine.run(
            flow_id, keys=sorted(keys), trigger="replay", triggered_by=triggered_by
        )
        report.runs.append(summary)
        report.resynced += len(keys)
        if on_run:
            on_run(summary)
    if not report.runs:
        raise ReplayError(
            "Nothing to replay: the selected records were delivered since, or are not "
            "failed or parked."
        )
    return report


def edit_parked_payload(
    store: Store, parked_id: int, payload: dict[str, Any], *, reason: str
) -> None:
    """Replace the source payload of an open retry-queue entry; audited with the reason and
    the changed fields (personal values masked)."""
    if not reason.strip():
        raise ReplayError("Say why the payload is edited: the reason goes to the audit log.")
    if not isinstance(payload, dict) or not payload:
        raise ReplayError("The edited payload must be a JSON object with the record's fields.")
    with store.session() as s:
        row = s.get(ParkedRecord, parked_id)
        if row is None or row.status != "open":
            raise ReplayError("This record is no longer waiting in the retry queue.")
        flow = s.get(Flow, row.flow_id)
        before = dict(row.source_payload or {})
        after = {str(k): "" if v is None else str(v) for k, v in payload.items()}
        if after == before:
            raise ReplayError("The payload is unchanged; use Replay to send it as it is.")
        row.source_payload = after
        old, new = _masked_changes(before, after)
        audit.record(
            s,
            "edit_payload",
            "parked_record",
            object_id=str(parked_id),
            object_name=f"{flow.name if flow else row.flow_id}: {row.record_key}",
            before=old,
            after=new,
            extra={"reason": reason.strip()},
        )


def _masked_changes(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The changed fields only, personal values masked (a masked value that looks the
    same before and after is marked, so the audit still shows the field changed)."""
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    old = {
        k: pii.mask_value(k, before.get(k)) if pii.is_personal(k) else before.get(k)
        for k in changed
    }
    new = {
        k: pii.mask_value(k, after.get(k)) if pii.is_personal(k) else after.get(k) for k in changed
    }
    for k in changed:
        if old[k] == new[k]:
            new[k] = f"{new[k]} (changed)"
    return old, new


def replay_edited(
    store: Store,
    parked_id: int,
    payload: dict[str, Any],
    *,
    reason: str,
    triggered_by: str,
) -> ReplayReport:
    """Admin path: save the edited payload (audited), then replay just that record."""
    edit_parked_payload(store, parked_id, payload, reason=reason)
    with store.session() as s:
        row = s.get(ParkedRecord, parked_id)
        assert row is not None
        flow_id = row.flow_id
    summary = SyncEngine(store).replay(flow_id, parked_ids=[parked_id], triggered_by=triggered_by)
    return ReplayReport(runs=[summary], replayed=1)


@dataclass(frozen=True)
class MappingPreview:
    version: int
    mapped: dict[str, Any]
    problems: list[str]


def preview_mapping(store: Store, flow_id: int, source: dict[str, Any]) -> MappingPreview:
    """What the current mapping makes of a source payload: what a replay would send
    (before field ownership and references, which need the destination)."""
    flow = FlowService(store).get(flow_id)
    frame = pd.DataFrame([{str(k): "" if v is None else str(v) for k, v in source.items()}])
    try:
        result = apply_mapping(frame, flow.mapping, "__no_key__")
    except MappingError as exc:
        return MappingPreview(flow.mapping_version, {}, [str(exc)])
    mapped = (
        {str(k): v for k, v in result.frame.iloc[0].to_dict().items()} if len(result.frame) else {}
    )
    required = set(flow.mapping.required_targets())
    problems = [f"{e.field}: {e.reason} ({e.value!r})" for e in result.errors]
    problems += [f"{f}: required but empty" for f in sorted(required) if not mapped.get(f)]
    return MappingPreview(flow.mapping_version, mapped, problems)
