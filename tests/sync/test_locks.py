"""Never two runs of one flow at once: threads of one process and a second process."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from app.scheduling.runner import run_flow_locked
from app.services.flows import FlowService
from app.store import Store
from app.store.models import Run
from app.sync.errors import FlowBusyError
from app.sync.locks import flow_lock, is_running
from app.sync.progress import CancelToken, Progress
from tests.support.locks import held_elsewhere
from tests.support.memory_connector import World
from tests.support.memory_flow import customer

ROOT = Path(__file__).resolve().parents[2]
SECOND_PROCESS = """
import sys
import tests.support.memory_connector  # registers the in-memory connector kind
from app.paths import AppPaths
from app.store import open_store
from app.sync.errors import FlowBusyError
from app.scheduling.runner import run_flow_locked
store = open_store(AppPaths(__import__('pathlib').Path(sys.argv[1])))
try:
    summary = run_flow_locked(store, sys.argv[2], trigger="manual", triggered_by="process 2")
except FlowBusyError as exc:
    print("BUSY", exc)
    sys.exit(3)
print("RAN", summary.status)
"""


class Gate:
    """A progress callback that holds the run at its first progress report."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, _p: Progress) -> None:
        if not self.started.is_set():
            self.started.set()
            assert self.release.wait(60)


def _second_process(store: Store, flow: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", SECOND_PROCESS, str(store.paths.data_dir), flow],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_a_second_request_is_refused_in_threads_and_in_another_process(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [customer(n) for n in range(1, 5)]
    gate = Gate()
    results: list[object] = []
    first = threading.Thread(
        target=lambda: results.append(
            run_flow_locked(store, memory_flow, triggered_by="alice", progress=gate)
        )
    )
    first.start()
    try:
        assert gate.started.wait(60)
        flow_id = FlowService(store).get(memory_flow).id
        holder = is_running(store.paths, flow_id)
        assert holder is not None and holder.triggered_by == "alice"
        with pytest.raises(FlowBusyError, match=r"already running — started .* by Sync now"):
            run_flow_locked(store, memory_flow)
        other = _second_process(store, memory_flow)
        assert other.returncode == 3, other.stderr
        assert "BUSY" in other.stdout and "Customers (test)" in other.stdout
    finally:
        gate.release.set()
        first.join(60)
    assert results and results[0].status == "succeeded"  # type: ignore[attr-defined]
    assert is_running(store.paths, flow_id) is None
    again = _second_process(store, memory_flow)
    assert again.returncode == 0 and "RAN" in again.stdout, again.stderr
    with store.session() as s:
        assert len(s.scalars(select(Run)).all()) == 2  # the refused requests left no run


def test_simultaneous_waiting_requests_run_one_after_another(
    store: Store, world: type[World], memory_flow: str
) -> None:
    world.source = [customer(n) for n in range(1, 7)]
    active, peak, lock = [0], [0], threading.Lock()
    seen: set[int] = set()

    def progress(p: Progress) -> None:
        key = id(p)  # one Progress per run (its callbacks come from two threads)
        with lock:
            if key not in seen:
                seen.add(key)
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            if p.phase == "done":
                seen.discard(key)
                active[0] -= 1

    threads = [
        threading.Thread(
            target=run_flow_locked,
            args=(store, memory_flow),
            kwargs={"progress": progress, "wait_s": 120, "full": True},
        )
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    with store.session() as s:
        runs = s.scalars(select(Run).order_by(Run.started_at)).all()
    assert len(runs) == 4 and peak[0] == 1 and active[0] == 0
    for before, after in itertools.pairwise(runs):
        assert before.finished_at is not None and after.started_at >= before.finished_at


def test_cancel_stops_a_waiting_request(store: Store, memory_flow: str, world: type[World]) -> None:
    flow = FlowService(store).get(memory_flow)
    token = CancelToken()
    token.cancel()
    with (
        held_elsewhere(store, flow.id, flow.name, trigger="schedule"),
        pytest.raises(FlowBusyError, match="by the schedule"),
    ):
        run_flow_locked(store, memory_flow, wait_s=60, cancel=token)


def test_the_lock_is_reentrant_in_one_thread_only(store: Store, memory_flow: str) -> None:
    """A caller holding the lock (a date-range re-sync) runs the engine, which takes it
    again; the note about who holds it survives the inner release."""
    flow = FlowService(store).get(memory_flow)
    with flow_lock(store.paths, flow.id, flow.name, trigger="resync_range", triggered_by="bob"):
        with flow_lock(store.paths, flow.id, flow.name, trigger="manual") as inner:
            assert inner.trigger == "resync_range"
        holder = is_running(store.paths, flow.id)
        assert holder is not None and holder.triggered_by == "bob"
        refused: list[BaseException] = []

        def other() -> None:
            try:
                with flow_lock(store.paths, flow.id, flow.name, trigger="manual"):
                    pass
            except FlowBusyError as exc:
                refused.append(exc)

        t = threading.Thread(target=other)
        t.start()
        t.join(30)
        assert len(refused) == 1 and "a date-range re-sync" in str(refused[0])
    assert is_running(store.paths, flow.id) is None


def test_replay_and_a_scheduled_run_never_overlap(
    store: Store, world: type[World], memory_flow: str
) -> None:
    from app.scheduling.scheduler import FlowScheduler
    from app.sync.engine import SyncEngine

    world.source = [customer(n) for n in range(1, 7)]
    world.reject_if = {"person3@example.com": "refused (injected)"}
    SyncEngine(store).run(memory_flow)
    world.reject_if = {}
    flow_id = FlowService(store).get(memory_flow).id
    sched = FlowScheduler(store, maintenance_s=3600, busy_wait_s=0)
    try:
        # a replay is running: the scheduled run is skipped, not run beside it
        gate = Gate()
        replay = threading.Thread(
            target=lambda: SyncEngine(store, progress=gate).replay(memory_flow, triggered_by="ann")
        )
        replay.start()
        assert gate.started.wait(60)
        assert sched.run_job(flow_id) is None
        gate.release.set()
        replay.join(60)

        # a scheduled run is running: a replay (engine, sync log, command line) is refused
        gate = Gate()
        scheduled = threading.Thread(
            target=lambda: run_flow_locked(
                store, memory_flow, trigger="schedule", full=True, progress=gate
            )
        )
        scheduled.start()
        assert gate.started.wait(60)
        with pytest.raises(FlowBusyError, match="by the schedule"):
            SyncEngine(store).replay(memory_flow)
        other = _second_process_replay(store, memory_flow)
        assert other.returncode == 2 and "already running" in other.stderr, other.stderr
        gate.release.set()
        scheduled.join(60)
    finally:
        sched.stop()
    with store.session() as s:
        runs = s.scalars(select(Run).order_by(Run.started_at)).all()
    assert [r.trigger for r in runs] == ["manual", "replay", "schedule"]
    for before, after in itertools.pairwise(runs):
        assert before.finished_at is not None and after.started_at >= before.finished_at


def _second_process_replay(store: Store, flow: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys, tests.support.memory_connector\n"
        "from app.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code, "--data-dir", str(store.paths.data_dir), "flow", "replay",
         flow],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
