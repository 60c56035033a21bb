"""Reconcile a flow (under its lock), record the report, and act on it: "Re-sync these"
sends the records missing or different in the destination through the normal engine.

Used by ``flow reconcile``, the Reconcile tab and scheduled reconciliations."""

from __future__ import annotations

import csv
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.connectors.errors import ConnectorError
from app.mapping.apply import MappingError
from app.services.flows import FlowService
from app.store import Store
from app.sync import reconcile_log
from app.sync.engine import RunSummary, SyncEngine
from app.sync.errors import RunCancelledError, SyncError
from app.sync.locks import flow_lock
from app.sync.progress import CancelToken, ProgressCallback
from app.sync.reconcile import compare_flow
from app.sync.reconcile_findings import Comparison, Finding, ProgressFn, source_keys_of
from app.sync.reconcile_log import ReportView

log = logging.getLogger(__name__)
RESEND_GROUPS = ("only_in_source", "different")


@dataclass
class ReconcileResult:
    report: ReportView
    findings: list[Finding] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return self.report.exit_code

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` line: keys per group and how many are the same."""
        return {
            "only_in_source": [f.key for f in self.findings if f.group == "only_in_source"],
            "only_in_destination": [
                f.dest_id for f in self.findings if f.group == "only_in_destination"
            ],
            "different": [f.key for f in self.findings if f.group == "different"],
            "same": self.report.same,
        }

    def write_csv(self, path: Path) -> int:
        """One row per record that differs: group, source key, destination id, fields
        that differ (``field: source → destination``, the owner when not the source)."""
        with path.open("w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(("group", "source_key", "destination_id", "fields", "note"))
            for f in self.findings:
                fields = "; ".join(
                    f"{d.field}: {d.source} → {d.destination}"
                    + (" (destination owns it)" if d.owner == "destination" else "")
                    for d in f.diffs
                )
                out.writerow((f.group, f.key, f.dest_id, fields, f.note))
        return len(self.findings)


def reconcile(
    store: Store,
    flow_ref: str | int,
    *,
    trigger: str = "manual",
    triggered_by: str = "",
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    wait_s: float = 0.0,
) -> ReconcileResult:
    """Compare the flow's two systems now and record the report. A run of the flow is
    never compared half-way: the flow's lock is held (``FlowBusyError`` when it runs)."""
    flow = FlowService(store).get(flow_ref)
    cancel = cancel or CancelToken()
    with flow_lock(
        store.paths,
        flow.id,
        flow.name,
        trigger="reconcile",
        triggered_by=triggered_by,
        wait_s=wait_s,
        cancel=cancel,
    ):
        report_id, _run = reconcile_log.start(
            store, flow.id, kind="reconcile", trigger=trigger, triggered_by=triggered_by
        )
        comparison: Comparison | None = None
        error, cancelled = None, False
        try:
            _flow, comparison = compare_flow(store, flow.id, progress=progress, cancel=cancel)
        except RunCancelledError:
            cancelled = True
        except (ConnectorError, MappingError, SyncError, NotImplementedError) as exc:
            error = str(exc)
            log.warning("Reconciling %s failed: %s", flow.slug, exc)
        view = reconcile_log.finish(store, report_id, comparison, error=error, cancelled=cancelled)
    log.info(
        "Reconciled %s: %s (%s only in source, %s only in destination, %s different, %s same)",
        flow.slug, view.status, view.only_in_source, view.only_in_destination,
        view.different, view.same,
    )  # fmt: skip
    return ReconcileResult(view, comparison.findings if comparison else [])


def resync(
    store: Store,
    report_id: int,
    *,
    groups: Sequence[str] = RESEND_GROUPS,
    triggered_by: str = "",
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> RunSummary | None:
    """ "Re-sync these": send the report's records in ``groups`` again through the engine
    (under the flow's lock, forced past skip-unchanged). None when there is nothing to
    send."""
    view = reconcile_log.get(store, report_id)
    if view is None or view.flow_id is None:
        raise SyncError(f"There is no reconcile report #{report_id}.")
    keys = reconcile_log.keys_to_resend(store, report_id, groups)
    if not keys:
        return None
    return SyncEngine(store, progress=progress).run(
        view.flow_id, keys=keys, trigger="resync", triggered_by=triggered_by, cancel=cancel
    )


def resync_findings(
    store: Store,
    flow_ref: str | int,
    findings: Sequence[Finding],
    *,
    triggered_by: str = "",
) -> RunSummary | None:
    """Re-sync the missing and different records of findings held in memory."""
    keys = source_keys_of(findings, RESEND_GROUPS)
    if not keys:
        return None
    return SyncEngine(store).run(flow_ref, keys=keys, trigger="resync", triggered_by=triggered_by)
