"""A flow's schedule: every N minutes or a cron line, an optional blackout window, on/off,
and how late a missed run may still catch up. Stored as JSON in ``flows.schedule``:

    {"kind": "cron", "cron": "0 2 * * *", "enabled": true,
     "blackout": {"start": "09:00", "end": "18:00"}, "misfire_grace_s": 43200}
    {"kind": "interval", "interval_s": 900, "enabled": true}
    {"kind": "manual"}                       # runs only when someone presses Sync now

Older rows with only ``cron`` or ``interval_s`` are read as the matching kind."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from cron_descriptor import ExpressionDescriptor, Options
from tzlocal import get_localzone

from app.scheduling.errors import ScheduleError
from app.services.crontab import cron_trigger

DEFAULT_GRACE_S = 12 * 3600  # the workstation was off at 2:00 but is on by 14:00: catch up
MIN_INTERVAL_S = 60
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# Interval runs line up with the clock (every 15 minutes = :00, :15, :30, :45).
_ANCHOR = datetime(2024, 1, 1)


def local_tz() -> tzinfo:
    return get_localzone()


def parse_hhmm(value: str) -> time:
    m = _TIME.match(value.strip())
    if not m:
        raise ScheduleError(f"'{value}' is not a time of day; use 24-hour HH:MM, like 09:00.")
    return time(int(m.group(1)), int(m.group(2)))


@dataclass(frozen=True)
class Blackout:
    """No scheduled run starts between ``start`` and ``end`` (local time, may wrap midnight)."""

    start: time
    end: time

    def contains(self, moment: datetime, tz: tzinfo) -> bool:
        t = moment.astimezone(tz).time()
        if self.start <= self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end

    def end_after(self, moment: datetime, tz: tzinfo) -> datetime:
        """The end of the blackout that ``moment`` falls in."""
        local = moment.astimezone(tz)
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end

    def text(self) -> str:
        return f"{_clock(self.start)}–{_clock(self.end)}"


class BlackoutTrigger(BaseTrigger):
    """Wraps a trigger so no fire time falls inside the blackout window."""

    def __init__(self, inner: BaseTrigger, blackout: Blackout, tz: tzinfo) -> None:
        self.inner = inner
        self.blackout = blackout
        self.tz = tz

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        fire: datetime | None = self.inner.get_next_fire_time(previous_fire_time, now)
        for _ in range(400):  # a wrapped trigger never needs many hops; stop if it would
            if fire is None or not self.blackout.contains(fire, self.tz):
                return fire
            fire = self.inner.get_next_fire_time(None, self.blackout.end_after(fire, self.tz))
        return None

    def __str__(self) -> str:
        return f"{self.inner} outside {self.blackout.text()}"


@dataclass(frozen=True)
class Schedule:
    kind: str = "manual"  # manual | interval | cron
    interval_s: int = 0
    cron: str = ""
    enabled: bool = True
    blackout: Blackout | None = None
    misfire_grace_s: int = DEFAULT_GRACE_S
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    # --- JSON --------------------------------------------------------------------------
    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Schedule:
        data = dict(data or {})
        kind = data.get("kind") or (
            "cron" if data.get("cron") else "interval" if data.get("interval_s") else "manual"
        )
        blackout = None
        if data.get("blackout"):
            b = data["blackout"]
            blackout = Blackout(parse_hhmm(str(b["start"])), parse_hhmm(str(b["end"])))
        known = {"kind", "interval_s", "cron", "enabled", "blackout", "misfire_grace_s"}
        return cls(
            kind=str(kind),
            interval_s=int(data.get("interval_s") or 0),
            cron=str(data.get("cron") or ""),
            enabled=bool(data.get("enabled", True)),
            blackout=blackout,
            misfire_grace_s=int(data.get("misfire_grace_s", DEFAULT_GRACE_S)),
            extra={k: v for k, v in data.items() if k not in known},
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {**self.extra, "kind": self.kind, "enabled": self.enabled}
        if self.kind == "interval":
            out["interval_s"] = self.interval_s
        if self.kind == "cron":
            out["cron"] = self.cron
        if self.blackout:
            out["blackout"] = {
                "start": self.blackout.start.strftime("%H:%M"),
                "end": self.blackout.end.strftime("%H:%M"),
            }
        out["misfire_grace_s"] = self.misfire_grace_s
        return out

    def fingerprint(self) -> str:
        """Changes whenever the job must be rescheduled (not when only notes change)."""
        parts = [self.kind, str(self.interval_s), self.cron.strip(), str(self.enabled)]
        parts += [self.blackout.text() if self.blackout else "", str(self.misfire_grace_s)]
        return "|".join(parts)

    def with_enabled(self, enabled: bool) -> Schedule:
        return replace(self, enabled=enabled)

    # --- meaning -----------------------------------------------------------------------
    @property
    def is_scheduled(self) -> bool:
        return self.kind in ("interval", "cron") and self.enabled

    def validate(self) -> None:
        if self.kind not in ("manual", "interval", "cron"):
            raise ScheduleError(f"Unknown schedule kind '{self.kind}'.")
        if self.kind == "interval" and self.interval_s < MIN_INTERVAL_S:
            raise ScheduleError("Run at most once a minute: the interval must be 1 minute or more.")
        if self.kind == "cron":
            self._cron_trigger(local_tz())
        if self.misfire_grace_s < 0:
            raise ScheduleError("The catch-up window cannot be negative.")
        if self.blackout and self.blackout.start == self.blackout.end:
            raise ScheduleError("The quiet window starts and ends at the same time.")

    def _cron_trigger(self, tz: tzinfo) -> CronTrigger:
        try:
            return cron_trigger(self.cron.strip(), tz)
        except (ValueError, TypeError) as exc:
            raise ScheduleError(
                f"'{self.cron}' is not a valid schedule line: {exc}",
                hint="Five fields: minute hour day-of-month month day-of-week, e.g. 0 2 * * *.",
            ) from exc

    def trigger(self, tz: tzinfo | None = None) -> BaseTrigger | None:
        """The APScheduler trigger object (never a trigger-name string), or None."""
        tz = tz or local_tz()
        self.validate()
        inner: BaseTrigger
        if self.kind == "interval":
            inner = IntervalTrigger(
                seconds=self.interval_s, start_date=_ANCHOR.replace(tzinfo=tz), timezone=tz
            )
        elif self.kind == "cron":
            inner = self._cron_trigger(tz)
        else:
            return None
        return BlackoutTrigger(inner, self.blackout, tz) if self.blackout else inner

    def next_runs(
        self, count: int = 5, *, now: datetime | None = None, tz: tzinfo | None = None
    ) -> list[datetime]:
        """The next ``count`` start times (local time), blackout and pause respected."""
        tz = tz or local_tz()
        trig = self.trigger(tz) if self.is_scheduled else None
        if trig is None:
            return []
        now = (now or datetime.now(tz)).astimezone(tz)
        out: list[datetime] = []
        prev: datetime | None = None
        while len(out) < count:
            nxt = trig.get_next_fire_time(prev, now)
            if nxt is None:
                break
            out.append(nxt)
            prev, now = nxt, nxt
        return out

    def describe(self) -> str:
        """Plain words: 'Every night at 2:00', 'Every 15 minutes, not 9:00–18:00'."""
        if self.kind == "manual":
            return "Only when started by hand"
        base = (
            describe_interval(self.interval_s)
            if self.kind == "interval"
            else describe_cron(self.cron)
        )
        if self.blackout:
            base += f", not {self.blackout.text()}"
        return base if self.enabled else f"Paused ({base[0].lower()}{base[1:]})"


def _clock(t: time) -> str:
    return f"{t.hour}:{t.minute:02d}"


def describe_interval(seconds: int) -> str:
    if seconds <= 0:
        return "Never"
    units = ((86400, "day", "days"), (3600, "hour", "hours"), (60, "minute", "minutes"))
    for unit_s, one, many in units:
        if seconds % unit_s == 0:
            n = seconds // unit_s
            return f"Every {one}" if n == 1 else f"Every {n} {many}"
    return f"Every {seconds} seconds"


_WEEKDAYS = {"1-5": "Weekdays", "mon-fri": "Weekdays", "0,6": "Weekends", "6,0": "Weekends",
             "sat,sun": "Weekends", "6-7": "Weekends"}  # fmt: skip


def describe_cron(line: str) -> str:
    """Common shapes in our own words; anything else via cron-descriptor (24-hour clock)."""
    fields = line.split()
    daily = len(fields) == 5 and fields[2:4] == ["*", "*"]
    if daily and fields[0].isdigit() and fields[1].isdigit():
        at = f"{int(fields[1])}:{int(fields[0]):02d}"
        dow = fields[4].lower()
        if dow == "*":
            hour = int(fields[1])
            when = "night" if hour < 6 or hour >= 22 else "day"
            return f"Every {when} at {at}"
        if dow in _WEEKDAYS:
            return f"{_WEEKDAYS[dow]} at {at}"
    options = Options()
    options.use_24hour_time_format = True
    options.verbose = False
    try:
        return str(ExpressionDescriptor(line, options).get_description())
    except Exception:  # noqa: BLE001 — cron-descriptor raises several kinds on bad input
        return f"Custom schedule ({line})"
