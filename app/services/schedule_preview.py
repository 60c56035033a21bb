"""When a flow's schedule would next fire, read from ``flows.schedule`` (``{"cron":
"0 2 * * *"}`` or ``{"interval_s": 900}``). A preview for the dashboard: the scheduler
decides the real runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.store.models import utcnow


@dataclass(frozen=True)
class NextRun:
    when: datetime | None  # None: not scheduled (or the schedule cannot be read)
    describe: str  # "every 15 min", "cron 0 2 * * *", "not scheduled"
    due: bool = False  # the interval has passed already


def _every(seconds: int) -> str:
    if seconds % 86400 == 0:
        return "every day" if seconds == 86400 else f"every {seconds // 86400} days"
    if seconds % 3600 == 0:
        return "every hour" if seconds == 3600 else f"every {seconds // 3600} h"
    if seconds % 60 == 0:
        return "every minute" if seconds == 60 else f"every {seconds // 60} min"
    return f"every {seconds} s"


def next_run(
    schedule: dict[str, Any], last_run_at: datetime | None, *, now: datetime | None = None
) -> NextRun:
    now = now or utcnow()
    if not schedule or schedule.get("enabled") is False:
        return NextRun(None, "not scheduled")
    cron = schedule.get("cron")
    if cron:
        try:
            from app.services.crontab import cron_trigger

            trigger = cron_trigger(str(cron), now.astimezone().tzinfo)
            fire = trigger.get_next_fire_time(None, now.astimezone())
        except (ValueError, TypeError):
            return NextRun(None, f"cron '{cron}' cannot be read")
        return NextRun(fire, _describe_cron(str(cron)))
    interval = schedule.get("interval_s")
    if interval:
        seconds = int(interval)
        if last_run_at is None:
            return NextRun(now, _every(seconds), due=True)
        when = last_run_at + timedelta(seconds=seconds)
        return NextRun(max(when, now), _every(seconds), due=when <= now)
    return NextRun(None, "not scheduled")


def _describe_cron(expr: str) -> str:
    parts = expr.split()
    if (
        len(parts) == 5
        and parts[2:] == ["*", "*", "*"]
        and parts[0].isdigit()
        and parts[1].isdigit()
    ):
        return f"daily at {int(parts[1]):02d}:{int(parts[0]):02d}"
    return f"cron {expr}"
