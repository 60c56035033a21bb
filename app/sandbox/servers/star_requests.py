"""Request and answer basics shared by the simulated DMS's STAR routes: ``ErrorDetail``
bodies (``star_error``, also for injected faults), whole-number query parameters, text
values of a JSON body.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from app.formats import star
from app.sandbox.servers.clock import now_ts
from app.sandbox.servers.errors import ApiError


def int_param(
    params: Mapping[str, str], name: str, default: int, low: int, high: int | None
) -> int:
    raw = params.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be a whole number", field=name) from None
    if value < low or (high is not None and value > high):
        limits = f"{low} to {high}" if high is not None else f"{low} or more"
        raise ApiError(400, f"{name} must be {limits}", field=name)
    return value


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def star_error(status: int, message: str, field: str = "") -> dict[str, Any]:
    """An ``ErrorDetail`` body stamped now, with a fresh trace id."""
    return star.error_body(
        status, message, timestamp=now_ts(), trace_id=str(uuid.uuid4()), field=field
    )
