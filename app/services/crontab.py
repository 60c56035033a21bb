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


# (APScheduler's field name, how a person calls it, what it accepts)
_FIELDS = (
    ("minute", "minute", "0–59"),
    ("hour", "hour", "0–23"),
    ("day", "day of the month", "1–31"),
    ("month", "month", "1–12 or jan–dec"),
    ("day_of_week", "day of the week", "0–7 (0 and 7 are Sunday) or sun–sat"),
)
_SHAPES = "*, a number, a list (1,15), a range (1-5) or a step (*/10)"


def cron_trigger(line: str, tz: tzinfo | str | None = None) -> CronTrigger:
    """``CronTrigger`` for a crontab line; ValueError in plain words when it is not one
    (which part is wrong and what it accepts — not APScheduler's "Error validating
    expression ... maximum value")."""
    fields = line.split()
    if len(fields) != 5:
        raise ValueError(
            "a schedule line has five parts separated by spaces — minute, hour, day of the "
            f"month, month, day of the week (e.g. 0 2 * * * for 2:00 every night); this one "
            f"has {len(fields)}"
        )
    values = dict(zip((f[0] for f in _FIELDS), fields, strict=True))
    values["day_of_week"] = day_of_week(values["day_of_week"])
    for (name, words, accepts), typed in zip(_FIELDS, fields, strict=True):
        try:
            CronTrigger(**{name: values[name]})
        except (ValueError, TypeError):
            raise ValueError(
                f"the {words} “{typed}” is not valid: use {accepts} — {_SHAPES}"
            ) from None
    return CronTrigger(**values, timezone=tz)
