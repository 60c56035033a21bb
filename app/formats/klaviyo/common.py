"""What every Klaviyo body shares: the media type, the API revision the specs were
published for, timestamps in our form, and careful reading of JSON values (the specs
mark nearly everything nullable, and a mock fills them with anything)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from app.formats.errors import KlaviyoError

MEDIA_TYPE = "application/vnd.api+json"
# ``revision`` header: the specs' default value; its description gives the format
# "YYYY-MM-DD[.suffix]".
REVISION = "2026-07-15"
REVISION_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[A-Za-z0-9_-]+)?$")
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def text(value: Any) -> str:
    """A JSON scalar as text ('' for null; objects and lists as compact JSON)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return format(value, "g") if isinstance(value, float) else str(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def obj(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def dig(value: Any, *path: str) -> Any:
    for part in path:
        value = obj(value).get(part)
    return value


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 date-time from Klaviyo (``2023-02-21T20:07:38+00:00``, fractions, Z)."""
    if not isinstance(value, str) or not value.strip():
        return None
    raw = value.strip()
    if raw[-1:] in ("Z", "z"):
        raw = raw[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def timestamp(value: Any) -> str:
    """Klaviyo's date-time as ours (``2026-01-05T10:00:00Z``, UTC, seconds); '' if none."""
    moment = parse_time(value)
    return moment.strftime(TIMESTAMP_FORMAT) if moment else ""


def klaviyo_time(value: str) -> str:
    """Our timestamp (or any ISO 8601 text) as Klaviyo writes them: ``…+00:00``."""
    moment = parse_time(value)
    if moment is None:
        raise KlaviyoError(f"'{value}' is not a date-time (ISO 8601, e.g. 2026-01-05T10:00:00Z).")
    return moment.isoformat(timespec="seconds")
