"""The scheduler: schedules survive a restart, a missed run happens once, one active
scheduler per data folder."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select, text

from app.scheduling.schedule import Schedule
from app.scheduling.scheduler import FlowScheduler, job_id
from app.scheduling.schedules import ScheduleService
from app.services.flows import FlowService
from app.store import Store, open_store
from app.store.models import Run
from app.sync.engine import RunSummary
from tests.support.locks import held_elsewhere
from tests.support.memory_connector import World
from tests.support.memory_flow import customer


def wait_until(cond: Callable[[], bool], timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


@pytest.fixture
def schedulers() -> Iterator[list[FlowScheduler]]:
    made: list[FlowScheduler] = []
    yield made
    for s in made:
        s.stop()


def _stored_next(store: Store, flow_id: int) -> float | None:
    with store.engine.connect() as conn:
        return conn.execute(
            text("SELECT next_run_time FROM apscheduler_jobs WHERE id = :i"), {"i": job_id(flow_id)}
        ).scalar()


def test_a_schedule_persists_across_a_scheduler_restart(
    store: Store, memory_flow: str, schedulers: list[FlowScheduler]
) -> None:
    flow_id = FlowService(store).get(memory_flow).id
    ScheduleService(store).save(memory_flow, Schedule("cron", cron="0 2 * * *"))
    first = FlowScheduler(store, maintenance_s=3600)
    schedulers.append(first)
    assert first.start() == "active"
    stored = _stored_next(store, flow_id)
    assert stored is not None
    assert datetime.fromtimestamp(stored).strftime("%H:%M") == "02:00"
    first.stop()
    assert first.status == "stopped"

    reopened = open_store(store.paths)  # as a new process would
    try:
        second = FlowScheduler(reopened, maintenance_s=3600)
        schedulers.append(second)
        assert second.start() == "active"
        job = second._sched.get_job(job_id(flow_id))  # type: ignore[union-attr]
        assert job is not None and job.name == "Customers (test)"
        assert _stored_next(reopened, flow_id) == stored  # kept, not recomputed
        assert second.next_runs()[flow_id] == datetime.fromtimestamp(stored, second.tz)
        # a changed schedule replaces the job; a paused one removes it
        ScheduleService(reopened).save(memory_flow, Schedule("cron", cron="30 3 * * *"))
        second.refresh()
        assert (
            datetime.fromtimestamp(_stored_next(reopened, flow_id) or 0).strftime("%H:%M")
            == "03:30"
        )
        ScheduleService(reopened).set_enabled(memory_flow, False)
        second.refresh()
        assert _stored_next(reopened, flow_id) is None
        assert second.next_runs()[flow_id] is None
        second.stop()
    finally:
        reopened.dispose()


def _missed_setup(
    store: Store, memory_flow: str, grace_s: int, schedulers: list[FlowScheduler]
) -> int:
    """A daily schedule whose last slot was ~3 h ago; the stored next run is three days
    back, as if the computer had been off since then."""
    now = datetime.now().astimezone()
    slot = now - timedelta(hours=3)
    cron = f"{slot.minute} {slot.hour} * * *"
    ScheduleService(store).save(memory_flow, Schedule("cron", cron=cron, misfire_grace_s=grace_s))
    flow_id = FlowService(store).get(memory_flow).id
    first = FlowScheduler(store, maintenance_s=3600)
    schedulers.append(first)
    first.start()
    first.stop()
    # Rewind the stored job as if the computer had been switched off three days ago.
    three_days_ago = slot.replace(second=0, microsecond=0) - timedelta(days=3)
    jobs = SQLAlchemyJobStore(engine=store.engine)
    jobs.start(BackgroundScheduler(), "default")
    job = jobs.lookup_job(job_id(flow_id))
    job._modify(next_run_time=three_days_ago)
    jobs.update_job(job)
    assert _stored_next(store, flow_id) == three_days_ago.timestamp()
    return flow_id


def test_a_missed_nightly_run_happens_once_at_start(
    store: Store, world: type[World], memory_flow: str, schedulers: list[FlowScheduler]
) -> None:
    world.source = [customer(n) for n in range(1, 4)]
    flow_id = _missed_setup(store, memory_flow, 6 * 3600, schedulers)
    done: list[RunSummary] = []
    finished = threading.Event()

    def on_run(summary: RunSummary) -> None:
        done.append(summary)
        finished.set()

    restarted = FlowScheduler(store, maintenance_s=3600, on_run_finished=on_run)
    schedulers.append(restarted)
    restarted.start()
    assert finished.wait(60)
    restarted.stop(wait=True)
    with store.session() as s:
        runs = s.scalars(select(Run).where(Run.flow_id == flow_id)).all()
    assert [(r.trigger, r.status) for r in runs] == [("schedule", "succeeded")]
    assert len(done) == 1 and done[0].counts["created"] == 3
    assert (_stored_next(store, flow_id) or 0) > time.time()  # the next slot, in the future


def test_a_run_missed_beyond_the_grace_period_is_skipped(
    store: Store, world: type[World], memory_flow: str, schedulers: list[FlowScheduler]
) -> None:
    flow_id = _missed_setup(store, memory_flow, 3600, schedulers)
    restarted = FlowScheduler(store, maintenance_s=3600)
    schedulers.append(restarted)
    restarted.start()
    assert wait_until(lambda: bool(restarted.missed))
    restarted.stop()
    assert restarted.missed[0][0] == flow_id
    with store.session() as s:
        assert s.scalars(select(Run)).all() == []


def test_only_one_scheduler_is_active_and_the_other_takes_over(
    store: Store, memory_flow: str, schedulers: list[FlowScheduler]
) -> None:
    service = FlowScheduler(store, role="service", maintenance_s=3600, takeover_s=0.1)
    window = FlowScheduler(store, role="window", maintenance_s=3600, takeover_s=0.1)
    schedulers += [service, window]
    assert service.start() == "active"
    assert window.start() == "standby"
    assert window.describe_status() == (
        "Scheduled syncs are run by the Rooftop Sync service on this computer"
    )
    service.stop()
    assert wait_until(lambda: window.status == "active")
    assert window.describe_status() == "Scheduled syncs run from this window"


def test_a_scheduled_run_is_skipped_while_the_flow_runs_elsewhere(
    store: Store, memory_flow: str, schedulers: list[FlowScheduler]
) -> None:
    flow = FlowService(store).get(memory_flow)
    sched = FlowScheduler(store, maintenance_s=3600, busy_wait_s=0)
    schedulers.append(sched)
    sched.start()
    with held_elsewhere(store, flow.id, flow.name, trigger="manual"):
        assert sched.run_job(flow.id) is None
    with store.session() as s:
        assert s.scalars(select(Run)).all() == []
    summary = sched.run_job(flow.id)
    assert summary is not None and summary.status == "succeeded"
