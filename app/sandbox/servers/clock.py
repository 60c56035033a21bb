"""Timestamps as the data set writes them (``YYYY-MM-DDTHH:MM:SSZ``).

All stored timestamps share that one format, so they compare correctly as strings; query
parameters are normalised into it before comparing.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from app.sandbox.servers.errors import ApiError

FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def format_ts(moment: datetime) -> str:
    """A datetime as the stored UTC string (seconds precision)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(FORMAT)


def now_ts() -> str:
    """The current UTC time in the stored format."""
    return format_ts(datetime.now(UTC))


def parse_ts(text: str) -> datetime | None:
    """An ISO 8601 date or timestamp (Z, offset or naive = UTC); None if unreadable."""
    value = text.strip()
    if not value:
        return None
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def normalise_query_ts(text: str, param: str) -> str:
    """A query parameter timestamp in the stored format, or a 400 naming the parameter."""
    moment = parse_ts(text)
    if moment is None:
        raise ApiError(
            400,
            f"{param} must be an ISO 8601 timestamp like 2024-05-01T12:00:00Z",
            field=param,
        )
    return format_ts(moment)


class Clock:
    """Hands out "now" for writes, never earlier than the newest loaded timestamp.

    A generated data set may carry timestamps later than the wall clock; a write stamped
    earlier than them would be invisible to an incremental reader, so time never goes
    backwards here. Equal stamps are fine: ``updatedSince`` is inclusive.
    """

    def __init__(self, floor: str = "") -> None:
        self._last = floor
        self._lock = threading.Lock()

    def advance_to(self, stamp: str) -> None:
        with self._lock:
            self._last = max(self._last, stamp)

    def now(self) -> str:
        with self._lock:
            self._last = max(self._last, format_ts(datetime.now(UTC)))
            return self._last
