"""Read and save flow schedules (``flows.schedule`` JSON), with an audit entry."""

from __future__ import annotations

from sqlalchemy import select

from app.scheduling.schedule import Schedule
from app.services import audit
from app.services.flows import FlowService
from app.store import Store
from app.store.models import Flow, utcnow


class ScheduleService:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.flows = FlowService(store)

    def get(self, flow_ref: str | int) -> Schedule:
        return Schedule.from_json(self.flows.get(flow_ref).schedule)

    def all(self) -> dict[int, Schedule]:
        """Every flow's schedule by flow id (a paused or disabled flow is not scheduled)."""
        with self.store.session() as s:
            rows = s.execute(select(Flow.id, Flow.schedule, Flow.enabled)).all()
        out = {}
        for flow_id, data, enabled in rows:
            sched = Schedule.from_json(data)
            out[int(flow_id)] = sched if enabled else sched.with_enabled(False)
        return out

    def save(self, flow_ref: str | int, schedule: Schedule) -> Schedule:
        """Validate and store; the scheduler picks it up on its next refresh."""
        schedule.validate()
        flow_id = self.flows.get(flow_ref).id
        with self.store.session() as s:
            row = s.get(Flow, flow_id)
            assert row is not None
            before = Schedule.from_json(row.schedule)
            row.schedule = schedule.to_json()
            row.updated_at = utcnow()
            audit.record(
                s,
                "save_schedule",
                "flow",
                object_id=row.slug,
                object_name=row.name,
                before={"schedule": before.describe()},
                after={"schedule": schedule.describe()},
            )
        return schedule

    def set_enabled(self, flow_ref: str | int, enabled: bool) -> Schedule:
        return self.save(flow_ref, self.get(flow_ref).with_enabled(enabled))
