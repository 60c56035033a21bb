"""Small tables of the dashboard: connection health and the next scheduled runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.store.dashboard_queries import ConnectionHealth
from app.ui.formatting import full_time, relative_time
from app.ui.icons import icon
from app.ui.models.rows_model import Column, RowsTableModel
from app.ui.theme import STATUS_ICONS, Status, status_colour


def health_status(h: ConnectionHealth) -> tuple[Status, str]:
    if h.last_test_ok is None:
        return Status.UNKNOWN, "Not tested"
    return (Status.OK, "Connected") if h.last_test_ok else (Status.ERROR, "Failed")


@dataclass(frozen=True)
class ScheduleRow:
    flow: str
    describe: str
    next_at: datetime | None
    due: bool
    last_status: str | None
    last_run_at: datetime | None
    enabled: bool
    waiting: int = 0  # records waiting for replay: the tick is never green while any wait
    last_errors: int = 0


def last_run_status(r: ScheduleRow) -> Status:
    """The per-flow tick: the last job's result, amber while records wait for replay."""
    status = {
        "succeeded": Status.OK,
        "completed_with_errors": Status.WARNING,
        "failed": Status.ERROR,
        "running": Status.RUNNING,
    }.get(r.last_status or "", Status.UNKNOWN)
    if r.waiting and status in (Status.OK, Status.UNKNOWN):
        return Status.WARNING
    return status


def when_text(value: datetime | None, now: datetime | None = None) -> str:
    """'in 12 min', 'in 3 h', 'tomorrow 02:00', or a date."""
    if value is None:
        return "—"
    now = now or datetime.now(value.tzinfo)
    seconds = (value - now).total_seconds()
    local = value.astimezone()
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"in {int(seconds // 60)} min"
    if local.date() == now.astimezone().date():
        return local.strftime("today %H:%M")
    if (local.date() - now.astimezone().date()).days == 1:
        return local.strftime("tomorrow %H:%M")
    return local.strftime("%a %d %b %H:%M")


class HealthTableModel(RowsTableModel[ConnectionHealth]):
    COLUMNS = (
        Column("Connection", lambda h: h.name),
        Column("Status", lambda h: health_status(h)[1], status=lambda h: health_status(h)[0],
               tip=lambda h: h.last_test_message or "Test it on the Connections screen."),
        Column("Last test", lambda h: relative_time(h.last_test_at),
               tip=lambda h: full_time(h.last_test_at)),
        Column("Last successful sync", lambda h: relative_time(h.last_success_at),
               tip=lambda h: full_time(h.last_success_at)),
    )  # fmt: skip


def _next_text(r: ScheduleRow) -> str:
    if not r.enabled or r.next_at is None:
        return "not scheduled"
    return "due now" if r.due else when_text(r.next_at)


def _last_text(r: ScheduleRow) -> str:
    """What waits matters more than when: the time is in the tooltip."""
    if r.waiting:
        return f"{r.waiting:,} waiting"
    return relative_time(r.last_run_at) if r.last_run_at else "never run"


def _last_tip(r: ScheduleRow) -> str:
    said = {
        "succeeded": "The last sync succeeded",
        "completed_with_errors": f"The last sync could not deliver {r.last_errors:,} records",
        "failed": "The last sync failed",
    }.get(r.last_status or "", "")
    waits = (
        f"{r.waiting:,} records wait for replay (Sync Log) until they are delivered or dismissed."
        if r.waiting
        else "Nothing waits for replay."
    )
    when = f" {full_time(r.last_run_at)}" if r.last_run_at else ""
    return f"{said}{when}. {waits}" if said else waits


def _last_icon(r: ScheduleRow) -> Any:
    if not (r.last_status or r.waiting):
        return None
    status = last_run_status(r)
    return icon(STATUS_ICONS[status], status_colour(status))


class ScheduleTableModel(RowsTableModel[ScheduleRow]):
    COLUMNS = (
        Column("Flow", lambda r: r.flow),
        Column("Schedule", lambda r: r.describe if r.enabled else "off (flow disabled)"),
        Column("Next run", _next_text,
               tip=lambda r: "Worked out from the flow's schedule; the scheduler decides the "
               "actual run. " + (full_time(r.next_at) if r.next_at else "")),
        Column("Last run", _last_text, tip=_last_tip, icon=_last_icon),
    )  # fmt: skip
