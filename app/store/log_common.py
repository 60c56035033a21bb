"""What the sync log queries share: timestamps as the store keeps them, flow names."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.store.models import UTCDateTime

_TS = UTCDateTime()


def to_db(value: datetime) -> Any:
    return _TS.process_bind_param(value, None)  # type: ignore[arg-type]


def from_db(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return _TS.process_result_value(value, None)  # type: ignore[arg-type]


def flow_names(session: Session) -> dict[int, str]:
    return {int(i): str(n) for i, n in session.execute(text("SELECT id, name FROM flows"))}
