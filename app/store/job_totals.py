"""Failure counts that add up and stay: per flow, the last job's totals across all its
runs, and the records waiting for replay.

A *job* is what one press of a button started: a plain run is a job of one; a date-range
re-sync sent in chunks is one job of many runs sharing ``runs.job_id``. Its status is the
worst of its runs (failed > cancelled > completed with errors > succeeded) and its counts
are their sums, so "Completed with 5,891 errors" is not shown as the last chunk's 398.

*Waiting for replay* is the flow's open retry queue (``parked_records`` with status
``open``): it stays until the records are delivered (replayed, or sent by a later run) or
dismissed by someone who said why. What the window, ``flow list`` and the alerts call
"failed records" is this number, not the last run's error count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.store.models import ParkedRecord, Run

_WORST = ("failed", "cancelled", "completed_with_errors")


@dataclass(frozen=True)
class JobTotals:
    flow_id: int
    job_id: int
    runs: int  # finished runs of the job so far
    status: str  # succeeded | completed_with_errors | failed | cancelled
    trigger: str  # of the job's first run: manual, schedule, resync_range, replay…
    started_at: datetime  # the job's first run
    last_at: datetime  # the job's latest run
    finished_at: datetime | None
    counts: dict[str, int]
    error: str | None  # the first reason a run of the job stopped

    @property
    def errors(self) -> int:
        """Records the job could not deliver, over all its runs."""
        return self.counts["failed"] + self.counts["parked"]


def job_status(statuses: Iterable[str], errors: int) -> str:
    """The worst status of a job's runs; record errors make a succeeded job's status
    ``completed_with_errors``."""
    seen = set(statuses)
    for worst in _WORST:
        if worst in seen:
            return worst
    if errors:
        return "completed_with_errors"
    return "succeeded" if seen <= {"succeeded"} else sorted(seen)[0]


def _totals(runs: list[Run]) -> JobTotals:
    runs = sorted(runs, key=lambda r: r.id)
    first, last = runs[0], runs[-1]
    counts = {
        "read": sum(r.read_count for r in runs),
        "created": sum(r.created_count for r in runs),
        "updated": sum(r.updated_count for r in runs),
        "unchanged": sum(r.unchanged_count for r in runs),
        "failed": sum(r.failed_count for r in runs),
        "parked": sum(r.parked_count for r in runs),
        "conflicts": sum(r.conflict_count for r in runs),
    }
    finished = [r.finished_at for r in runs if r.finished_at is not None]
    return JobTotals(
        flow_id=int(first.flow_id or 0),
        job_id=int(first.job_id or first.id),
        runs=len(runs),
        status=job_status((r.status for r in runs), counts["failed"] + counts["parked"]),
        trigger=first.trigger,
        started_at=first.started_at,
        last_at=last.started_at,
        finished_at=max(finished) if finished else None,
        counts=counts,
        error=next((r.error for r in runs if r.error), None),
    )


def last_jobs(session: Session, flow_ids: Iterable[int] | None = None) -> dict[int, JobTotals]:
    """Flow id -> its last job (the job of its latest finished, non-preview run), totalled
    over the job's finished runs."""
    latest = select(func.max(Run.id)).where(
        Run.dry_run.is_(False), Run.status != "running", Run.flow_id.is_not(None)
    )
    if flow_ids is not None:
        latest = latest.where(Run.flow_id.in_(list(flow_ids)))
    latest = latest.group_by(Run.flow_id)
    heads = session.scalars(select(Run).where(Run.id.in_(latest))).all()
    jobs = {(int(r.flow_id or 0), int(r.job_id or r.id)) for r in heads}
    if not jobs:
        return {}
    ids = sorted({j for _f, j in jobs})
    rows = session.scalars(
        select(Run).where(
            or_(Run.job_id.in_(ids), Run.id.in_(ids)),  # a run made without a job is its own
            Run.dry_run.is_(False),
            Run.status != "running",
        )
    ).all()
    grouped: dict[tuple[int, int], list[Run]] = {}
    for r in rows:
        key = (int(r.flow_id or 0), int(r.job_id or r.id))
        if key in jobs:
            grouped.setdefault(key, []).append(r)
    return {flow_id: _totals(runs) for (flow_id, _job), runs in grouped.items()}


def waiting_for_replay(session: Session) -> dict[int, int]:
    """Flow id -> records waiting in its retry queue (flows with none are left out)."""
    rows = session.execute(
        select(ParkedRecord.flow_id, func.count())
        .where(ParkedRecord.status == "open")
        .group_by(ParkedRecord.flow_id)
    ).all()
    return {int(f): int(n) for f, n in rows}
