"""Reconciliation: compare a flow's two systems as a whole, through the identity links.

What the app remembers having sent is not proof the destination holds it: a destination
that silently dropped records, a filter, a manual delete all leave a run "succeeded".
Reconciliation reads both sides and sorts every record into four groups — only in the
source, only in the destination, different (which fields, and who owns them), the same.
The sides are opened by ``reconcile_sides``, compared by ``reconcile_comparator``; what
it finds is in ``reconcile_findings``."""

from __future__ import annotations

from app.services.flows import FlowInfo, FlowService
from app.store import Store
from app.sync.progress import CancelToken
from app.sync.reconcile_comparator import Comparator
from app.sync.reconcile_findings import Comparison, ProgressFn
from app.sync.reconcile_sides import open_sides


def compare_flow(
    store: Store,
    flow_ref: str | int,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> tuple[FlowInfo, Comparison]:
    """Compare a flow's two sides now (no lock taken: callers hold the flow's)."""
    flow = FlowService(store).get(flow_ref)
    sides = open_sides(store, flow)
    try:
        return flow, Comparator(store, sides, progress=progress, cancel=cancel).run()
    finally:
        sides.close()
