"""APScheduler glue: one BackgroundScheduler per data folder runs the flows on time.

* Jobs live in the app's SQLite (``SQLAlchemyJobStore`` on the store's engine, table
  ``apscheduler_jobs``), so a missed 2:00 run is still known after a restart and runs
  once (coalesce) if the computer starts within the flow's catch-up window.
* ``flows.schedule`` is the truth; ``refresh()`` brings the jobs in line with it and
  leaves unchanged jobs alone (replacing them would forget a missed run).
* Only one scheduler per data folder is *active* (a leader file lock): the window and the
  headless service can both be open; the other waits in standby and takes over when the
  active one stops. Every run also goes through the flow lock, so even a race cannot
  start a flow twice.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

import filelock
from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Column as SaColumn
from sqlalchemy import Float, MetaData, Table, Unicode, select
from sqlalchemy.exc import OperationalError

from app.errors import RooftopError
from app.scheduling.runner import run_flow_locked
from app.scheduling.schedule import Schedule, local_tz
from app.scheduling.schedules import ScheduleService
from app.services.flow_options import reconcile_settings
from app.services.flows import FlowService
from app.store import Store
from app.sync.engine import RunSummary
from app.sync.errors import FlowBusyError
from app.sync.locks import locks_dir
from app.sync.progress import CancelToken
from app.sync.reconciliation import ReconcileResult, reconcile

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"
_REGISTRY: dict[str, FlowScheduler] = {}
_REGISTRY_LOCK = threading.Lock()
_jobs_table = Table(
    JOB_TABLE,
    MetaData(),
    SaColumn("id", Unicode(191), primary_key=True),
    SaColumn("next_run_time", Float(25)),
)


def run_scheduled_flow(scheduler_key: str, flow_id: int, fingerprint: str = "") -> None:
    """The persisted job's target (importable by name, so jobs survive restarts)."""
    with _REGISTRY_LOCK:
        owner = _REGISTRY.get(scheduler_key)
    if owner is None:
        log.warning("A scheduled run of flow %s fired with no active scheduler", flow_id)
        return
    owner.run_job(flow_id)


def scheduled_reconciles(store: Store) -> dict[int, Schedule]:
    """Each flow's reconciliation schedule (``options.reconcile.schedule``), paused with
    the flow."""
    out = {}
    for f in FlowService(store).list():
        plan = Schedule.from_json(reconcile_settings(f.options).schedule)
        if plan.is_scheduled and f.enabled:
            out[f.id] = plan
    return out


def run_scheduled_reconcile(scheduler_key: str, flow_id: int, fingerprint: str = "") -> None:
    """The persisted reconcile job's target (``options.reconcile.schedule``)."""
    with _REGISTRY_LOCK:
        owner = _REGISTRY.get(scheduler_key)
    if owner is None:
        log.warning("A scheduled reconcile of flow %s fired with no active scheduler", flow_id)
        return
    owner.reconcile_job(flow_id)


def job_id(flow_id: int) -> str:
    return f"flow-{flow_id}"


def reconcile_job_id(flow_id: int) -> str:
    return f"reconcile-{flow_id}"


class FlowScheduler:
    """Start/stop API used by the window (``SchedulerBridge``) and ``main.py service``."""

    def __init__(
        self,
        store: Store,
        *,
        role: str = "window",  # window | service — said in logs and in "who runs it"
        on_run_finished: Callable[[RunSummary], None] | None = None,
        after_tick: Callable[[], None] | None = None,
        maintenance_s: float = 60.0,
        takeover_s: float = 30.0,
        busy_wait_s: float = 5.0,
        max_workers: int = 3,
        tz: tzinfo | None = None,
    ) -> None:
        self.store = store
        self.role = role
        self.on_run_finished = on_run_finished
        self.after_tick = after_tick  # e.g. the alert monitor's check()
        self.maintenance_s = maintenance_s
        self.takeover_s = takeover_s
        self.busy_wait_s = busy_wait_s
        self.max_workers = max_workers
        self.tz = tz or local_tz()
        self.key = str(store.paths.database)
        self.schedules = ScheduleService(store)
        self.status = "stopped"  # stopped | standby | active
        self.missed: list[tuple[int, datetime]] = []
        self._leader = filelock.FileLock(locks_dir(store.paths) / "scheduler.lock")
        self._sched: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._standby_thread: threading.Thread | None = None
        self._running: dict[int, CancelToken] = {}
        self._lock = threading.Lock()

    # --- life cycle --------------------------------------------------------------------
    def start(self) -> str:
        """Become the active scheduler, or wait in standby if another one is active."""
        self._stop.clear()
        if not self._try_lead():
            self.status = "standby"
            log.info("Another Rooftop Sync scheduler is active here; waiting in standby")
            self._standby_thread = threading.Thread(
                target=self._standby_loop, name="scheduler-standby", daemon=True
            )
            self._standby_thread.start()
        return self.status

    def stop(self, *, wait: bool = True) -> None:
        """Stop scheduling; running flows are cancelled at a consistent point."""
        self._stop.set()
        with self._lock:
            for token in self._running.values():
                token.cancel()
        if self._sched is not None:
            self._sched.shutdown(wait=wait)
            self._sched = None
        with _REGISTRY_LOCK:
            if _REGISTRY.get(self.key) is self:
                del _REGISTRY[self.key]
        if self._leader.is_locked:
            (locks_dir(self.store.paths) / "scheduler.json").unlink(missing_ok=True)
            self._leader.release(force=True)
        if self._standby_thread is not None:
            self._standby_thread.join(timeout=5)
            self._standby_thread = None
        self.status = "stopped"

    def _standby_loop(self) -> None:
        while not self._stop.wait(self.takeover_s):
            if self._try_lead():
                log.info("The other scheduler stopped; this one (%s) took over", self.role)
                return

    def _try_lead(self) -> bool:
        try:
            self._leader.acquire(blocking=False)
        except filelock.Timeout:
            return False
        note = {"role": self.role, "pid": os.getpid(), "host": socket.gethostname()}
        (locks_dir(self.store.paths) / "scheduler.json").write_text(json.dumps(note), "utf-8")
        with _REGISTRY_LOCK:
            _REGISTRY[self.key] = self
        sched = BackgroundScheduler(
            jobstores={
                "default": SQLAlchemyJobStore(engine=self.store.engine, tablename=JOB_TABLE),
                "memory": MemoryJobStore(),
            },
            executors={"default": ThreadPoolExecutor(self.max_workers)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=self.tz,
        )
        sched.add_listener(self._on_missed, EVENT_JOB_MISSED)
        # Paused until the jobs match the flows, so a stale job cannot fire first.
        sched.start(paused=True)
        self._sched = sched
        self.refresh()
        sched.add_job(
            self._tick,
            IntervalTrigger(seconds=self.maintenance_s, timezone=self.tz),
            id="maintenance",
            jobstore="memory",
            replace_existing=True,
        )
        sched.resume()
        self.status = "active"
        return True

    def active_elsewhere(self) -> dict[str, Any] | None:
        """Who is the active scheduler, when this one is in standby."""
        if self.status != "standby":
            return None
        try:
            data: dict[str, Any] = json.loads(
                (locks_dir(self.store.paths) / "scheduler.json").read_text("utf-8")
            )
            return data
        except (OSError, ValueError):
            return {}

    def describe_status(self) -> str:
        if self.status == "active":
            return "Scheduled syncs run from this " + (
                "window" if self.role == "window" else "service"
            )
        if self.status == "standby":
            other = self.active_elsewhere() or {}
            who = "the Rooftop Sync service" if other.get("role") == "service" else "another window"
            return f"Scheduled syncs are run by {who} on this computer"
        return "Scheduled syncs are stopped"

    # --- jobs --------------------------------------------------------------------------
    def refresh(self) -> None:
        """Bring the jobs in line with the flows' schedules (only changed ones are touched)."""
        sched = self._sched
        if sched is None:
            return
        wanted = self.schedules.all()
        names = {f.id: f.name for f in FlowService(self.store).list()}
        existing = {j.id: j for j in sched.get_jobs(jobstore="default")}
        checks = scheduled_reconciles(self.store)
        for jid in existing:
            kind, _, num = jid.partition("-")
            fid = int(num) if num.isdigit() else -1
            plan = (wanted if kind == "flow" else checks if kind == "reconcile" else {}).get(fid)
            if plan is None or not plan.is_scheduled:
                sched.remove_job(jid, jobstore="default")
        self._add_jobs(sched, existing, checks, names, comparing=True)
        self._add_jobs(sched, existing, wanted, names, comparing=False)

    def _add_jobs(
        self,
        sched: BackgroundScheduler,
        existing: dict[str, Any],
        wanted: dict[int, Schedule],
        names: dict[int, str],
        *,
        comparing: bool,
    ) -> None:
        """Add or replace the jobs of ``wanted`` (syncs, or reconciliations when
        ``comparing``) whose schedule changed."""
        target = run_scheduled_reconcile if comparing else run_scheduled_flow
        for fid, plan in wanted.items():
            if not plan.is_scheduled:
                continue
            jid = reconcile_job_id(fid) if comparing else job_id(fid)
            job = existing.get(jid)
            if job is not None and job.kwargs.get("fingerprint") == plan.fingerprint():
                continue
            try:
                trigger = plan.trigger(self.tz)
            except RooftopError as exc:
                log.warning("Flow %s has a schedule that cannot be used: %s", fid, exc)
                continue
            name = names.get(fid, f"flow {fid}")
            sched.add_job(
                target,
                trigger,
                args=[self.key, fid],
                kwargs={"fingerprint": plan.fingerprint()},
                id=jid,
                name=f"Reconcile {name}" if comparing else name,
                jobstore="default",
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=plan.misfire_grace_s or None,
            )
            what = "reconciling" if comparing else "syncing"
            log.info("Scheduled %s %s: %s", what, name, plan.describe())

    def _tick(self) -> None:
        try:
            self.refresh()
        except Exception:
            log.exception("Could not refresh the schedules")
        if self.after_tick is not None:
            try:
                self.after_tick()
            except Exception:
                log.exception("The alert check failed")

    def run_job(self, flow_id: int) -> RunSummary | None:
        """One scheduled run: skipped (logged) if the flow is already running elsewhere."""
        if self._stop.is_set():
            return None
        token = CancelToken()
        with self._lock:
            self._running[flow_id] = token
        try:
            summary = run_flow_locked(
                self.store,
                flow_id,
                trigger="schedule",
                triggered_by=f"scheduler ({self.role})",
                cancel=token,
                wait_s=self.busy_wait_s,
            )
        except FlowBusyError as exc:
            log.warning("Scheduled run skipped: %s", exc)
            return None
        except RooftopError as exc:
            log.error("Scheduled run of flow %s could not start: %s", flow_id, exc)
            return None
        finally:
            with self._lock:
                self._running.pop(flow_id, None)
        log.info("Scheduled run of %s: %s", summary.flow, summary.status)
        if self.on_run_finished is not None:
            self.on_run_finished(summary)
        if self.after_tick is not None:
            self.after_tick()
        return summary

    def reconcile_job(self, flow_id: int) -> ReconcileResult | None:
        """One scheduled reconciliation (the alert check follows: differences above the
        threshold raise ``reconcile_differences``)."""
        if self._stop.is_set():
            return None
        try:
            result = reconcile(
                self.store, flow_id, trigger="schedule",
                triggered_by=f"scheduler ({self.role})", wait_s=self.busy_wait_s,
            )  # fmt: skip
        except FlowBusyError as exc:
            log.warning("Scheduled reconcile skipped: %s", exc)
            return None
        except RooftopError as exc:
            log.error("Scheduled reconcile of flow %s could not start: %s", flow_id, exc)
            return None
        if self.after_tick is not None:
            self.after_tick()
        return result

    def _on_missed(self, event: JobExecutionEvent) -> None:
        if event.job_id.startswith("flow-"):
            fid = int(event.job_id.split("-", 1)[1])
            self.missed.append((fid, event.scheduled_run_time))
            log.warning(
                "Flow %s missed its %s run: the computer was off longer than its catch-up "
                "window; it runs at the next scheduled time",
                fid,
                event.scheduled_run_time,
            )

    # --- what the screens show ---------------------------------------------------------
    def next_runs(self) -> dict[int, datetime | None]:
        """Next start time per flow: the job store's (works in standby too), else the
        schedule's own forecast."""
        stored: dict[int, datetime] = {}
        try:
            with self.store.engine.connect() as conn:
                for jid, ts in conn.execute(select(_jobs_table.c.id, _jobs_table.c.next_run_time)):
                    if jid.startswith("flow-") and ts is not None:
                        stored[int(jid.split("-", 1)[1])] = datetime.fromtimestamp(ts, self.tz)
        except OperationalError:  # no scheduler ever ran here: no job table yet
            pass
        out: dict[int, datetime | None] = {}
        for fid, plan in self.schedules.all().items():
            if not plan.is_scheduled:
                out[fid] = None
            elif fid in stored:
                out[fid] = stored[fid]
            else:
                upcoming = _safe_next(plan, self.tz)
                out[fid] = upcoming
        return out


def _safe_next(plan: Schedule, tz: tzinfo) -> datetime | None:
    try:
        runs = plan.next_runs(1, tz=tz)
    except RooftopError:
        return None
    return runs[0] if runs else None
