"""Shadow runs (parallel running before go-live): a flow in shadow mode reads, maps and
plans as usual, sends nothing, and compares its plan with what the destination holds now
— typically while the old integration still runs.

A shadow run is the reconciliation's comparison seen as a plan: a record only in the
source is a create it would make, a different one an update (with the fields it would
change — never a field the destination owns), the same one needs nothing, and a record
only in the destination is one it would not touch. Each is recorded in the run log as a
planned outcome (as a dry run's) and the counts in a report of kind ``shadow``. Nothing in
this module holds a way to write: the destination stream is only read (``read``,
``lookup``), and no link, cursor or delivery state changes. "Go live" takes the flow out
of shadow mode (``set_shadow``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from app.connectors.errors import ConnectorError
from app.mapping.apply import MappingError
from app.services import audit
from app.services.flows import FlowInfo, FlowService
from app.store import Store
from app.store.models import Flow, utcnow
from app.sync import reconcile_log
from app.sync.errors import RunCancelledError, SyncError
from app.sync.progress import CancelToken, Progress
from app.sync.reconcile_comparator import Comparator
from app.sync.reconcile_findings import Comparison, Finding, ReconcileProgress
from app.sync.reconcile_sides import open_sides
from app.sync.run_log import Outcome, OutcomeStatus

log = logging.getLogger(__name__)
ACTION = {"only_in_source": "create", "different": "update"}


@dataclass
class ShadowOutcome:
    run_id: int
    report_id: int
    status: str  # shadow | failed | cancelled
    counts: dict[str, int]
    error: str | None = None
    elapsed_s: float = 0.0
    fields: dict[str, int] = field(default_factory=dict)  # field -> records it would change


def _plan_outcome(finding: Finding, entity: str) -> Outcome:
    """A finding as the planned outcome of a shadow run (a dry run's shape)."""
    if finding.group == "only_in_destination":
        return reconcile_log.outcome_of(finding, entity)
    changes = [d for d in finding.diffs if d.owner != "destination"]
    diff = {d.field: [d.destination, d.source] for d in changes}
    text = (
        "would create it" + (f" ({finding.note})" if "refuses" in finding.note else "")
        if finding.group == "only_in_source"
        else "would change "
        + "; ".join(f"{d.field}: {d.destination!r} → {d.source!r}" for d in changes)
    )
    return Outcome(
        finding.key,
        entity,
        ACTION[finding.group],
        OutcomeStatus.PLANNED,
        finding.golden_id,
        dest_id=finding.dest_id or None,
        error=text,
        source_payload=finding.source,
        response_payload={"diff": diff, "group": finding.group},
    )


def _progress(flow: FlowInfo, on_progress: Callable[[Progress], None] | None) -> Any:
    if on_progress is None:
        return None
    shown = Progress(flow.name)

    def relay(p: ReconcileProgress) -> None:
        shown.phase = "reading" if p.phase != "done" else "done"
        shown.read = shown.done = p.source_read
        shown.message = p.phase
        on_progress(shown)

    return relay


def run_shadow(
    store: Store,
    flow: FlowInfo,
    *,
    trigger: str,
    triggered_by: str,
    cancel: CancelToken,
    progress: Callable[[Progress], None] | None = None,
) -> ShadowOutcome:
    """One shadow run (the caller holds the flow's lock)."""
    started = time.monotonic()
    report_id, run_id = reconcile_log.start(
        store, flow.id, kind="shadow", trigger=trigger, triggered_by=triggered_by
    )
    comparison: Comparison | None = None
    error, cancelled = None, False
    try:
        sides = open_sides(store, flow)
        try:
            comparison = Comparator(
                store, sides, progress=_progress(flow, progress), cancel=cancel
            ).run()
        finally:
            sides.close()
    except RunCancelledError:
        cancelled = True
    except (ConnectorError, MappingError, SyncError, NotImplementedError) as exc:
        error = str(exc)
        log.warning("Shadow run of %s failed: %s", flow.slug, exc)
    c = comparison or Comparison()
    refused = sum(1 for f in c.findings if "refuses" in f.note)
    counts = {
        "read": c.source_count,
        "created": c.count("only_in_source") - refused,
        "updated": c.count("different"),
        "unchanged": c.same,
        "parked": refused,
    }
    outcomes = [_plan_outcome(f, c.entity) for f in c.findings]
    view = reconcile_log.finish(
        store, report_id, comparison, error=error, cancelled=cancelled, outcomes=outcomes,
        run_counts=counts,
    )  # fmt: skip
    status = "failed" if error else "cancelled" if cancelled else "shadow"
    full = {k: 0 for k in ("failed", "skipped", "conflicts")} | counts
    return ShadowOutcome(
        run_id, report_id, status, full, error, time.monotonic() - started, view.field_counts
    )


def set_shadow(store: Store, ref: str | int, on: bool) -> FlowInfo:
    """Put a flow in shadow mode (True) or take it live (False), audited."""
    flow = FlowService(store).get(ref)
    with store.session() as s:
        row = s.scalar(select(Flow).where(Flow.id == flow.id))
        assert row is not None
        options = dict(row.options or {})
        if bool(options.get("shadow")) != on:
            if on:
                options["shadow"] = True
            else:
                options.pop("shadow", None)
            row.options = options
            row.updated_at = utcnow()
            audit.record(
                s,
                "shadow" if on else "go_live",
                "flow",
                object_id=row.slug,
                object_name=row.name,
            )
    return FlowService(store).get(flow.id)
