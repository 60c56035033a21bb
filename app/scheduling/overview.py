"""What the Flows screen shows per flow: schedule in plain words, next run, last result,
and whether it is running right now (anywhere on this data folder)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.scheduling.schedule import Schedule
from app.services.flows import FlowService
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import Run
from app.sync.locks import LockHolder, is_running


@dataclass(frozen=True)
class FlowOverview:
    flow_id: int
    slug: str
    name: str
    route: str  # "Demo DMS (STAR REST) → Demo CRM"
    protocol: str  # "STAR REST → Generic REST CRM": the connection kinds that carry it
    description: str
    mode: str
    schedule: Schedule
    next_run: datetime | None
    last_status: str | None  # succeeded | completed_with_errors | failed | cancelled | None
    last_at: datetime | None
    last_errors: int
    last_error: str | None
    last_counts: dict[str, int]
    running: LockHolder | None


def flow_overview(store: Store, next_runs: dict[int, datetime | None]) -> list[FlowOverview]:
    profiles = ProfileService(store).list()
    names = {p.id: p.name for p in profiles}
    kinds = {p.id: p.kind_label for p in profiles}
    flows = FlowService(store).list()
    with store.session() as s:
        latest = (
            select(func.max(Run.id))
            .where(Run.dry_run.is_(False), Run.status != "running")
            .group_by(Run.flow_id)
        )
        runs = {r.flow_id: r for r in s.scalars(select(Run).where(Run.id.in_(latest))).all()}
    out = []
    for f in flows:
        run = runs.get(f.id)
        counts = (
            {"read": run.read_count, "created": run.created_count,
             "updated": run.updated_count, "unchanged": run.unchanged_count,
             "failed": run.failed_count, "parked": run.parked_count}
            if run else {}
        )  # fmt: skip
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
                run.status if run else None,
                run.started_at if run else None,
                (run.failed_count + run.parked_count) if run else 0,
                run.error if run else None,
                counts,
                is_running(store.paths, f.id),
            )
        )
    return out
