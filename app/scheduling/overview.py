"""What the Flows screen shows per flow: schedule in plain words, next run, last result
(the last job's totals over all its runs), the records waiting for replay, and whether it
is running right now (anywhere on this data folder)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.scheduling.schedule import Schedule
from app.services.flows import FlowService
from app.services.profiles import ProfileService
from app.store import Store
from app.store.job_totals import last_jobs, waiting_for_replay
from app.sync.locks import LockHolder, is_running


@dataclass(frozen=True)
class FlowOverview:
    flow_id: int
    slug: str
    name: str
    route: str  # "Demo DMS (STAR REST) → Demo CRM"
    protocol: str  # "STAR REST → Generic REST": what carries it at each end
    description: str
    mode: str
    schedule: Schedule
    next_run: datetime | None
    last_status: str | None  # of the last job: succeeded | completed_with_errors | failed…
    last_at: datetime | None
    last_errors: int  # records the last job could not deliver, over all its runs
    last_error: str | None
    last_counts: dict[str, int]
    running: LockHolder | None
    waiting: int = 0  # records in the retry queue until delivered or dismissed
    last_runs: int = 0  # runs of the last job (a chunked re-sync has many)


def flow_overview(store: Store, next_runs: dict[int, datetime | None]) -> list[FlowOverview]:
    profiles = ProfileService(store).list()
    names = {p.id: p.name for p in profiles}
    kinds = {p.id: p.protocol for p in profiles}
    flows = FlowService(store).list()
    with store.session() as s:
        jobs = last_jobs(s)
        waiting = waiting_for_replay(s)
    out = []
    for f in flows:
        job = jobs.get(f.id)
        out.append(
            FlowOverview(
                f.id,
                f.slug,
                f.name,
                f"{names.get(f.source_profile_id or -1, '?')} → "
                f"{names.get(f.dest_profile_id or -1, '?')}",
                f"{kinds.get(f.source_profile_id or -1, '?')} → "
                f"{kinds.get(f.dest_profile_id or -1, '?')}",
                f.description,
                f.mode,
                Schedule.from_json(f.schedule),
                next_runs.get(f.id),
                job.status if job else None,
                job.last_at if job else None,
                job.errors if job else 0,
                job.error if job else None,
                dict(job.counts) if job else {},
                is_running(store.paths, f.id),
                waiting.get(f.id, 0),
                job.runs if job else 0,
            )
        )
    return out
