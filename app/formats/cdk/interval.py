"""``dateTimeInterval``, the "changed between" filter of CDK Fortellis lists.

The repair-order spec documents it as "The ISO 8601 encoded date and time interval to
filter the Repair Orders" (``query.dateTimeInterval``, required). ISO 8601 writes an
interval as two instants joined by a solidus, ``<start>/<end>``; we send both instants in
UTC with seconds and ``Z``::

    2024-05-01T00:00:00Z/2024-05-02T00:00:00Z

``parse_interval`` also reads the other ISO 8601 forms (``<start>/<duration>``,
``<duration>/<end>``, offsets instead of ``Z``) so a server can accept what clients send.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from app.formats.errors import FormatError

_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W|(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?)$"
)


class IntervalError(FormatError):
    """Not an ISO 8601 date-time interval."""


def instant(moment: datetime) -> str:
    """One end of an interval: UTC, seconds precision, ``Z``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date or date-time (``Z``, an offset, or none = UTC)."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise IntervalError(f"'{text}' is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def date_time_interval(start: datetime | str, end: datetime | str) -> str:
    """``start/end`` as CDK's ``dateTimeInterval`` (either end a datetime or ISO text)."""
    begin = parse_instant(start) if isinstance(start, str) else start
    finish = parse_instant(end) if isinstance(end, str) else end
    if finish < begin:
        raise IntervalError(f"the interval ends ({instant(finish)}) before it starts")
    return f"{instant(begin)}/{instant(finish)}"


def since(cursor: str, now: datetime | None = None) -> str:
    """The interval from a stored cursor to now."""
    return date_time_interval(parse_instant(cursor), now or datetime.now(UTC))


def _duration(text: str) -> timedelta:
    m = _DURATION.match(text.strip().upper())
    if not m or text.strip().upper() in ("P", "PT"):
        raise IntervalError(f"'{text}' is not an ISO 8601 duration like P1D or PT12H")
    parts = {k: float(v) for k, v in m.groupdict().items() if v}
    return timedelta(**parts)


def parse_interval(text: str) -> tuple[datetime, datetime]:
    """(start, end) of ``start/end``, ``start/duration`` or ``duration/end``."""
    first, sep, second = text.strip().partition("/")
    if not sep or not first or not second:
        raise IntervalError(
            f"'{text}' is not an ISO 8601 interval like 2024-05-01T00:00:00Z/2024-05-02T00:00:00Z"
        )
    if first.upper().startswith("P"):
        end = parse_instant(second)
        return end - _duration(first), end
    start = parse_instant(first)
    end = start + _duration(second) if second.upper().startswith("P") else parse_instant(second)
    if end < start:
        raise IntervalError(f"'{text}' ends before it starts")
    return start, end
