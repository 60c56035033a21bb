"""What the Reconcile and Shadow runs tabs show, read on a worker thread: the sync flows,
the one shown, its last report and the first page of its records."""

from __future__ import annotations

from dataclasses import dataclass

from app.feeds.config import is_feed
from app.services.flows import FlowInfo, FlowService
from app.store import Store
from app.sync import reconcile_log
from app.sync.reconcile_log import FindingRow, ReportView
from app.ui.models.reconcile_model import PAGE

GROUPS = {
    "reconcile": (
        ("All differences", ("only_in_source", "only_in_destination", "different")),
        ("Only in the source", ("only_in_source",)),
        ("Only in the destination", ("only_in_destination",)),
        ("Different", ("different",)),
    ),
    "shadow": (
        ("Creates and updates", ("create", "update")),
        ("Would create", ("create",)),
        ("Would update", ("update",)),
    ),
}


@dataclass(frozen=True)
class Loaded:
    flows: list[FlowInfo]
    flow: FlowInfo | None
    report: ReportView | None
    first: list[FindingRow]
    total: int


def load(store: Store, flow_id: int | None, kind: str, groups: tuple[str, ...]) -> Loaded:
    """(worker thread) The sync flows, the one shown, its last report and first page."""
    flows = [f for f in FlowService(store).list() if not is_feed(f.options)]
    flow = next((f for f in flows if f.id == flow_id), flows[0] if flows else None)
    report = reconcile_log.latest(store, flow.id, kind) if flow else None
    first: list[FindingRow] = []
    total = 0
    if report is not None and report.run_id is not None:
        first = reconcile_log.findings(store, report.run_id, groups=groups, limit=PAGE)
        total = _count(report, kind, groups)
    return Loaded(flows, flow, report, first, total)


def _count(r: ReportView, kind: str, groups: tuple[str, ...]) -> int:
    per = {
        "only_in_source": r.only_in_source,
        "only_in_destination": r.only_in_destination,
        "different": r.different,
        "create": r.only_in_source,
        "update": r.different,
    }
    return sum(per.get(g, 0) for g in groups)


def method_text(r: ReportView, dest: str = "the destination") -> str:
    if r.method == "lookup":
        return (
            f"{dest} cannot list all its records, so each linked record was looked up by its "
            "id, within the connection's rate limit (records it holds that were never "
            "linked cannot be seen this way)."
        )
    return f"Both systems were read whole, page by page ({r.dest_count:,} in {dest})."
