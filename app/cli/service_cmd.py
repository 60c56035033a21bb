"""``service`` — run the flow schedule headless (a Windows scheduled task on a workstation
nobody logs into), and ``service --status`` to see what is scheduled.

The window and the service can both be open on one data folder: only one of them runs the
schedule at a time (the other waits and takes over if the first stops), and every run
holds its flow's lock, so no flow ever runs twice at once."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from app.alerts.monitor import AlertMonitor
from app.cli.context import CliContext
from app.errors import RooftopError
from app.scheduling.retailing_listener import RetailingListener
from app.scheduling.schedule import Schedule
from app.scheduling.scheduler import FlowScheduler
from app.services import retention
from app.services.flows import FlowService
from app.services.lead_listeners import LeadListeners
from app.store import Store
from app.sync.engine import RunSummary

log = logging.getLogger(__name__)


def register(p: argparse.ArgumentParser) -> None:
    """Add this command's arguments to its parser."""
    p.add_argument("--status", action="store_true", help="show the schedules and exit")
    p.add_argument(
        "--takeover-seconds",
        type=float,
        default=30.0,
        help="while the window runs the schedule, how often to check whether it closed",
    )
    p.set_defaults(handler=_run)


def _status(ctx: CliContext, scheduler: FlowScheduler) -> int:
    next_runs = scheduler.next_runs()
    flows = FlowService(ctx.store).list()
    if not flows:
        print("No flows yet.")
        return 0
    rows = [("Flow", "Schedule", "Next run")]
    for f in flows:
        nxt = next_runs.get(f.id)
        rows.append(
            (
                f.slug,
                Schedule.from_json(f.schedule).describe(),
                f"{nxt:%a %d %b %H:%M}" if nxt else "—",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return 0


def daily_clean_up(store: Store) -> Callable[[], threading.Thread | None]:
    """The retention clean-up the window runs daily, for the service: call it on every
    scheduler tick; when one is due it starts in a thread of its own (never two)."""
    busy = threading.Lock()

    def clean_up() -> None:
        try:
            retention.prune(store)
        except RooftopError as exc:
            log.warning("The daily clean-up failed: %s", exc)
        finally:
            busy.release()

    def tick() -> threading.Thread | None:
        if not retention.due(store) or not busy.acquire(blocking=False):
            return None
        thread = threading.Thread(target=clean_up, name="retention", daemon=True)
        thread.start()
        return thread

    return tick


def _run(ctx: CliContext) -> int:
    store = ctx.store
    monitor = AlertMonitor(store)

    def finished(summary: RunSummary) -> None:
        print(f"{summary.flow}: {summary.status} (run #{summary.run_id})", flush=True)

    clean_up = daily_clean_up(store)

    def check_alerts() -> None:
        monitor.check()
        clean_up()

    scheduler = FlowScheduler(
        store,
        role="service",
        on_run_finished=finished,
        after_tick=check_alerts,
        takeover_s=ctx.args.takeover_seconds,
    )
    if ctx.args.status:
        return _status(ctx, scheduler)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    if hasattr(signal, "SIGBREAK"):  # Windows: Ctrl+Break, and how a console task is ended
        signal.signal(signal.SIGBREAK, on_signal)
    status = scheduler.start()
    print(f"Rooftop Sync service started ({status}): {scheduler.describe_status()}.", flush=True)
    listeners = LeadListeners.start_all(store)  # ADF inboxes that take HTTP POSTs
    retailing = RetailingListener.start_all(store)  # deal jackets from digital retailing
    for line in listeners.describe() + retailing.describe():
        print(line, flush=True)
    _status(ctx, scheduler)
    last = status
    try:
        # Wake up now and then so a signal is handled promptly on every platform.
        while not stop.wait(1.0):
            if scheduler.status != last:
                last = scheduler.status
                print(f"Now {last}: {scheduler.describe_status()}.", flush=True)
    finally:
        print("Stopping: running syncs stop at a safe point…", flush=True)
        listeners.stop()
        retailing.stop()
        scheduler.stop(wait=True)
    print("Rooftop Sync service stopped.", flush=True)
    return 0
