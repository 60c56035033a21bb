"""Time helpers: days and seconds since the epoch, business hours, the fixed 'now'."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

DAY = 86_400
DEFAULT_NOW = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)
# The dealer is in Michigan (UTC-5 in winter): its 8:00-20:00 is 13:00-01:00 UTC.
_OPEN_UTC = 13 * 3600


def epoch_seconds(when: datetime) -> int:
    """Seconds since 1970-01-01 UTC (naive datetimes are taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp())


def business_seconds(rng: np.random.Generator, days: np.ndarray, hours: float = 11.0) -> np.ndarray:
    """A timestamp during dealership hours on each given day (seconds since the epoch)."""
    days = np.asarray(days, dtype=np.int64)
    return days * DAY + _OPEN_UTC + (rng.random(len(days)) * hours * 3600).astype(np.int64)


def add_months(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Calendar month arithmetic on day numbers (day-of-month clipped to the month's end)."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    dom = (d - month).astype(np.int64)
    target = month + np.asarray(months, dtype=np.int64).astype("timedelta64[M]")
    month_len = (
        (target + np.timedelta64(1, "M")).astype("datetime64[D]") - target.astype("datetime64[D]")
    ).astype(np.int64)
    out = target.astype("datetime64[D]") + np.minimum(dom, month_len - 1).astype("timedelta64[D]")
    return out.astype(np.int64)
