"""Preview data: up to N records of one stream of a connection, shaped as the stream
declares its fields — what "Preview data" in the profile editor and ``profiles preview``
show, so an admin sees real records before building a flow on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from app.connectors.base import Connector
from app.connectors.errors import NotFilterableError, UnknownStreamError
from app.connectors.registry import get_kind
from app.connectors.rest.stream import RestStream
from app.connectors.streams import Stream, StreamSource, stream_named
from app.services.errors import ValidationError
from app.services.profiles import ProfileService

MAX_LIMIT = 1000


@dataclass(frozen=True)
class Preview:
    stream: str
    columns: list[str]
    rows: list[dict[str, str]]


def parse_since(text: str) -> str:
    """An ISO date-time (``2026-02-09T08:00:00Z``, or a date) as the UTC text the
    streams compare with; a readable ``ValidationError`` otherwise."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            f"'{text}' is not a date-time; use ISO 8601, e.g. 2026-02-09T08:00:00Z."
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def preview_connector(
    connector: Connector, stream: str, limit: int = 10, since: str | None = None
) -> Preview:
    """Read up to ``limit`` records of ``stream`` (changed since ``since`` when given)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"The limit must be between 1 and {MAX_LIMIT}.")
    chosen = stream_named(connector, stream, f"This {connector.label} connection")
    if not chosen.spec.readable:
        raise UnknownStreamError(f"The {stream} stream can only be written, not read.")
    if isinstance(chosen, RestStream):
        frame = chosen.preview(limit, since)
    else:
        frame = _first_rows(chosen, limit, since)
    columns = chosen.spec.field_names()
    frame = frame.reindex(columns=columns).fillna("").astype(str)
    rows = [dict(zip(columns, r, strict=True)) for r in frame.to_numpy().tolist()]
    return Preview(stream, columns, rows)


def _first_rows(stream: Stream, limit: int, since: str | None) -> pd.DataFrame:
    if since is not None and stream.spec.cursor_field is None:
        raise NotFilterableError(
            f"The {stream.spec.name} stream cannot be filtered by time.",
            hint="Leave the time out to see the first records.",
        )
    taken: list[pd.DataFrame] = []
    count = 0
    for chunk in stream.read(since):
        taken.append(chunk)
        count += len(chunk)
        if count >= limit:
            break
    if not taken:
        return pd.DataFrame(columns=stream.spec.field_names())
    return pd.concat(taken, ignore_index=True).head(limit)


def preview_profile(
    service: ProfileService, profile_id: int, stream: str, limit: int = 10, since: str | None = None
) -> Preview:
    connector = service.connector(profile_id)
    try:
        return preview_connector(connector, stream, limit, since)
    finally:
        connector.close()


def readable_streams(kind: str, settings: dict[str, Any]) -> dict[str, bool]:
    """The streams a kind can read with these settings -> whether each filters by time.
    Nothing is contacted."""
    cls = get_kind(kind)
    coerced = {
        f.name: f.coerce(settings.get(f.name, f.default)) for f in cls.fields if not f.secret
    }
    connector = cls(coerced, {})
    try:
        if not isinstance(connector, StreamSource):
            return {}
        return {
            name: stream.spec.cursor_field is not None
            for name, stream in connector.streams().items()
            if stream.spec.readable
        }
    finally:
        connector.close()


def preview_unsaved(
    kind: str,
    settings: dict[str, Any],
    secret_values: dict[str, str],
    stream: str,
    limit: int = 10,
    since: str | None = None,
) -> Preview:
    """Preview with settings typed into the editor before they are saved."""
    cls = get_kind(kind)
    coerced = {
        f.name: f.coerce(settings.get(f.name, f.default)) for f in cls.fields if not f.secret
    }
    connector = cls(coerced, secret_values)
    try:
        return preview_connector(connector, stream, limit, since)
    finally:
        connector.close()
