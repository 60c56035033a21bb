"""Alert conditions that doubt a run's own word: a sync that read far fewer records than
it usually does (a filter, an expired session that lists nothing, a DMS that answered an
empty page), and a reconciliation that found the two systems disagree."""

from __future__ import annotations

from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.alerts.config import AlertSettings
from app.alerts.problem import Problem
from app.store.models import Flow, Run
from app.store.reconcile_models import ReconcileReport

# runs of chosen records (replays, re-syncs) and comparisons read what they were asked
NOT_COMPARABLE = ("replay", "resync", "resync_range", "reconcile", "shadow")
HISTORY = 10  # the median of this many earlier runs is "the usual"
MIN_HISTORY = 3  # fewer earlier runs: no usual yet
MIN_USUAL = 10  # a flow that usually reads a handful is not judged by a percentage


def _names(flows: dict[int, Flow], fid: int) -> str:
    return flows[fid].name if fid in flows else f"Flow {fid}"


def record_count_low(s: Session, cfg: AlertSettings, flows: dict[int, Flow]) -> list[Problem]:
    """A flow's last sync read under ``record_count_low_percent`` % of the median of its
    last 10 comparable runs (full reads compared with full reads, incremental with
    incremental), or nothing where it usually reads thousands."""
    out: list[Problem] = []
    for fid in flows:
        runs = s.scalars(
            select(Run)
            .where(
                Run.flow_id == fid,
                Run.dry_run.is_(False),
                Run.status.in_(("succeeded", "completed_with_errors")),
                Run.trigger.not_in(NOT_COMPARABLE),
            )
            .order_by(Run.id.desc())
            .limit(60)
        ).all()
        if not runs:
            continue
        last, earlier = runs[0], runs[1:]
        full = last.cursor_before is None
        alike = [r.read_count for r in earlier if (r.cursor_before is None) == full][:HISTORY]
        if len(alike) < MIN_HISTORY:
            continue
        usual = median(alike)
        if usual < MIN_USUAL or last.read_count >= usual * cfg.record_count_low_percent / 100:
            continue
        kind = "full read" if full else "sync"
        out.append(Problem(
            f"record_count_low:{fid}", "record_count_low",
            f"{_names(flows, fid)}: the last {kind} read {last.read_count:,} records, "
            f"far below the usual {usual:,.0f}",
            f"Run #{last.id} read {last.read_count:,}; the median of the {len(alike)} "
            f"{kind}s before it is {usual:,.0f}. It says it succeeded, but check the "
            "source connection (a filter, a sign-in that lists nothing), then reconcile "
            "the flow.", fid,
        ))  # fmt: skip
    return out


def reconcile_differences(s: Session, cfg: AlertSettings, flows: dict[int, Flow]) -> list[Problem]:
    """The last reconciliation of a flow found at least the threshold of records missing
    from or different in the destination (records only in the destination are named,
    not counted: a CRM has contacts of its own)."""
    latest = (
        select(ReconcileReport.flow_id, func.max(ReconcileReport.id).label("id"))
        .where(ReconcileReport.kind == "reconcile", ReconcileReport.status != "running")
        .group_by(ReconcileReport.flow_id)
        .subquery()
    )
    reports = s.scalars(select(ReconcileReport).join(latest, ReconcileReport.id == latest.c.id))
    out: list[Problem] = []
    for r in reports:
        if r.flow_id is None or r.status not in ("differ", "agree"):
            continue
        wrong = r.only_in_source + r.different
        if wrong < cfg.reconcile_differences_threshold:
            continue
        out.append(Problem(
            f"reconcile_differences:{r.flow_id}", "reconcile_differences",
            f"{_names(flows, r.flow_id)}: {wrong:,} records missing or different in the "
            "destination",
            f"Reconciliation #{r.id}: {r.only_in_source:,} only in the source, "
            f"{r.different:,} different, {r.only_in_destination:,} only in the destination. "
            "Open the flow's Reconcile tab and press Re-sync these (or: flow reconcile "
            "NAME --resync).", r.flow_id,
        ))  # fmt: skip
    return out
