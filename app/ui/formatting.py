"""How times and test results read in the UI."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def relative_time(value: datetime | None, now: datetime | None = None) -> str:
    """'never', 'just now', '5 min ago', '3 h ago', 'yesterday 14:02', or a date."""
    if value is None:
        return "never"
    now = now or datetime.now(UTC)
    seconds = (now - value).total_seconds()
    local = value.astimezone()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 12 * 3600:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 48 * 3600 and local.date() != now.astimezone().date():
        return (
            local.strftime("yesterday %H:%M") if seconds < 36 * 3600 else local.strftime("%a %H:%M")
        )
    return local.strftime("%Y-%m-%d %H:%M")


def full_time(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z") if value else "never"


def short_time(value: Any) -> str:
    """'Nov 26 20:00:55' this year, '2025-11-26 20:00' before (local time): how the sync
    log, the record story and the merge history show when something happened."""
    if not value:
        return "—"
    local = value.astimezone()
    if local.year == datetime.now().astimezone().year:
        return local.strftime("%b %d %H:%M:%S")
    return local.strftime("%Y-%m-%d %H:%M")
