"""Reconciliation and shadow reports in the store: a report row with the group counts, a
run in the run log (trigger ``reconcile`` or ``shadow``, never counted as a sync), and one
record outcome per record found (so each opens the record's timeline)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.store import Store
from app.store.models import Flow, RecordOutcome, utcnow
from app.store.reconcile_models import ReconcileReport
from app.sync import run_log
from app.sync.reconcile_findings import GROUPS, Comparison, Finding
from app.sync.run_log import Outcome

FOUND = "found"  # the status of a reconcile finding in record_outcomes


@dataclass(frozen=True)
class ReportView:
    id: int
    flow_id: int | None
    flow_name: str
    run_id: int | None
    kind: str  # reconcile | shadow | feed
    status: str  # agree | differ | failed | cancelled | running
    method: str  # list | lookup
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    source_count: int
    dest_count: int
    only_in_source: int
    only_in_destination: int
    different: int
    same: int
    field_counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def differences(self) -> int:
        return self.only_in_source + self.only_in_destination + self.different

    @property
    def exit_code(self) -> int:
        """0 the systems agree, 1 they differ, 2 the comparison could not run."""
        if self.status == "agree":
            return 0
        return 1 if self.status == "differ" else 2


def _view(row: ReconcileReport, name: str) -> ReportView:
    return ReportView(
        row.id, row.flow_id, name, row.run_id, row.kind, row.status, row.method, row.trigger,
        row.started_at, row.finished_at, row.source_count, row.dest_count,
        row.only_in_source, row.only_in_destination, row.different, row.same,
        dict(row.field_counts or {}), list(row.notes or []), row.error,
    )  # fmt: skip


def _text(finding: Finding) -> str:
    if finding.group == "different":
        parts = [
            f"{d.field}: {d.source!r} here, {d.destination!r} there"
            + (" (the destination owns it)" if d.owner == "destination" else "")
            for d in finding.diffs
        ]
        return "; ".join(parts) + (f" — {finding.note}" if finding.note else "")
    return finding.note


def outcome_of(finding: Finding, entity: str, status: str = FOUND) -> Outcome:
    return Outcome(
        finding.key or f"dest:{finding.dest_id}",
        entity,
        finding.group,
        status,
        finding.golden_id,
        dest_id=finding.dest_id or None,
        error=_text(finding),
        source_payload=finding.source,
        response_payload={
            "group": finding.group,
            "fields": [d.as_json() for d in finding.diffs],
            "note": finding.note,
        },
    )


def start(
    store: Store, flow_id: int, *, kind: str, trigger: str, triggered_by: str
) -> tuple[int, int]:
    """A running report and its run; returns (report id, run id)."""
    with store.session() as s:
        run_id = run_log.start_run(
            s, flow_id, trigger=kind, triggered_by=triggered_by or trigger, dry_run=True,
            cursor=None,
        )  # fmt: skip
        row = ReconcileReport(
            flow_id=flow_id, run_id=run_id, kind=kind, status="running", trigger=trigger,
            started_at=utcnow(), field_counts={}, notes=[],
        )  # fmt: skip
        s.add(row)
        s.flush()
        return int(row.id), run_id


def finish(
    store: Store,
    report_id: int,
    comparison: Comparison | None,
    *,
    error: str | None = None,
    cancelled: bool = False,
    outcomes: Sequence[Outcome] | None = None,
    run_counts: dict[str, int] | None = None,
) -> ReportView:
    """Save what a comparison found (or why it stopped). ``outcomes`` replace the
    default one-per-finding (a shadow run records its plan)."""
    with store.session() as s:
        row = s.get(ReconcileReport, report_id)
        assert row is not None
        c = comparison or Comparison()
        groups = {g: c.count(g) for g in GROUPS}
        if error:
            status = "failed"
        elif cancelled:
            status = "cancelled"
        else:
            status = "differ" if any(groups.values()) else "agree"
        row.status, row.error, row.finished_at = status, error, utcnow()
        row.method, row.source_count, row.dest_count = c.method, c.source_count, c.dest_count
        row.only_in_source = groups["only_in_source"]
        row.only_in_destination = groups["only_in_destination"]
        row.different, row.same = groups["different"], c.same
        row.field_counts = dict(c.field_counts.most_common())
        row.notes = list(c.notes)
        if row.run_id is not None:
            rows = outcomes
            if rows is None:
                rows = [outcome_of(f, c.entity) for f in c.findings]
            run_log.write_outcomes(s, row.run_id, row.flow_id or 0, rows)
            counts = run_counts or {
                "read": c.source_count,
                "created": groups["only_in_source"],
                "updated": groups["different"],
                "unchanged": c.same,
            }
            shown = "shadow" if row.kind == "shadow" and status in ("agree", "differ") else status
            run_log.finish_run(
                s, row.run_id, status=shown, counts=counts, error=error, cursor_after=None
            )
        return _view(row, _flow_name(s, row.flow_id))


def _flow_name(s: Session, flow_id: int | None) -> str:
    if flow_id is None:
        return ""
    return str(s.scalar(select(Flow.name).where(Flow.id == flow_id)) or "")


def latest(store: Store, flow_id: int, kind: str = "reconcile") -> ReportView | None:
    """The flow's last finished report of ``kind``."""
    with store.session() as s:
        row = s.scalar(
            select(ReconcileReport)
            .where(
                ReconcileReport.flow_id == flow_id,
                ReconcileReport.kind == kind,
                ReconcileReport.status != "running",
            )
            .order_by(ReconcileReport.id.desc())
            .limit(1)
        )
        return _view(row, _flow_name(s, flow_id)) if row is not None else None


def latest_per_flow(store: Store, kind: str = "reconcile") -> list[ReportView]:
    """Each flow's last finished report of ``kind`` (for the dashboard and alerts)."""
    with store.session() as s:
        last = (
            select(func.max(ReconcileReport.id))
            .where(ReconcileReport.kind == kind, ReconcileReport.status != "running")
            .group_by(ReconcileReport.flow_id)
        )
        rows = s.scalars(select(ReconcileReport).where(ReconcileReport.id.in_(last))).all()
        return [_view(r, _flow_name(s, r.flow_id)) for r in rows]


def get(store: Store, report_id: int) -> ReportView | None:
    with store.session() as s:
        row = s.get(ReconcileReport, report_id)
        return _view(row, _flow_name(s, row.flow_id)) if row is not None else None


@dataclass(frozen=True)
class FindingRow:
    """One record of a report, as the Reconcile tab lists it."""

    outcome_id: int
    group: str
    key: str
    dest_id: str
    golden_id: str | None
    text: str
    fields: list[dict[str, Any]]


def findings(
    store: Store,
    run_id: int,
    *,
    groups: Sequence[str] | None = None,
    offset: int = 0,
    limit: int = 1000,
) -> list[FindingRow]:
    with store.session() as s:
        query = select(
            RecordOutcome.id,
            RecordOutcome.action,
            RecordOutcome.record_key,
            RecordOutcome.destination_id,
            RecordOutcome.golden_id,
            RecordOutcome.error,
            RecordOutcome.response_payload,
        ).where(RecordOutcome.run_id == run_id)
        if groups:
            query = query.where(RecordOutcome.action.in_(list(groups)))
        rows = s.execute(query.order_by(RecordOutcome.id).offset(offset).limit(limit)).all()
    out = []
    for oid, action, key, dest, gold, text, payload in rows:
        try:
            body = json.loads(payload) if payload else {}
        except ValueError:
            body = {}
        fields = body.get("fields") if isinstance(body, dict) else None
        out.append(
            FindingRow(
                int(oid),
                str(action),
                "" if str(key).startswith("dest:") else str(key),
                str(dest or ""),
                gold,
                str(text or ""),
                list(fields or []),
            )
        )
    return out


def count_findings(store: Store, run_id: int) -> int:
    with store.session() as s:
        query = select(func.count()).select_from(RecordOutcome)
        return int(s.scalar(query.where(RecordOutcome.run_id == run_id)) or 0)


def keys_to_resend(store: Store, report_id: int, groups: Sequence[str]) -> list[str]:
    """Source keys of a report's records in ``groups`` (what Re-sync these sends)."""
    view = get(store, report_id)
    if view is None or view.run_id is None:
        return []
    with store.session() as s:
        keys = s.scalars(
            select(RecordOutcome.record_key).where(
                RecordOutcome.run_id == view.run_id, RecordOutcome.action.in_(list(groups))
            )
        ).all()
    return [str(k) for k in dict.fromkeys(keys) if k and not str(k).startswith("dest:")]
