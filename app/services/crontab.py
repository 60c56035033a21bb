"""A standard five-field crontab line as an APScheduler trigger.

APScheduler 3's ``CronTrigger.from_crontab`` numbers the days of the week from Monday
(0 = Monday … 6 = Sunday), while crontab — and the words the app shows for a schedule —
count from Sunday (0 or 7 = Sunday, 1 = Monday). "0 3 * * 0" would fire on Mondays while
the window says Sundays. The day-of-week field is translated to day names first."""

from __future__ import annotations

from datetime import tzinfo

from apscheduler.triggers.cron import CronTrigger

_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _day(token: str) -> str:
    return _NAMES[int(token)] if token.isdigit() and int(token) <= 7 else token


def _part(part: str) -> str:
    """One comma-separated part of the day-of-week field, with crontab numbers as names."""
    if "/" in part:  # a step: spell out the days it means (crontab counts from Sunday)
        base, _, step = part.partition("/")
        lo_text, _, hi_text = base.partition("-")
        if not step.isdigit() or int(step) < 1 or not (base == "*" or lo_text.isdigit()):
            return part
        first = 0 if base == "*" else int(lo_text)
        last = int(hi_text) if hi_text.isdigit() else 6
        return ",".join(_NAMES[d] for d in range(first, min(last, 7) + 1, int(step)))
    start, dash, end = part.partition("-")
    if not dash:
        return _day(part)
    if start == "0" and end.isdigit():  # Sunday first: APScheduler's weeks end on Sunday
        rest = f",mon-{_NAMES[int(end)]}" if 1 <= int(end) <= 6 else ""
        return "sun" + rest
    return f"{_day(start)}-{_day(end)}"


def day_of_week(field: str) -> str:
    if field in ("*", "?"):
        return "*"
    return ",".join(_part(p) for p in field.split(","))


def cron_trigger(line: str, tz: tzinfo | str | None = None) -> CronTrigger:
    """``CronTrigger`` for a crontab line (ValueError when it is not one)."""
    fields = line.split()
    if len(fields) != 5:
        raise ValueError(f"Wrong number of fields; got {len(fields)}, expected 5")
    minute, hour, day, month, dow = fields
    return CronTrigger(
        minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week(dow),
        timezone=tz,
    )  # fmt: skip
