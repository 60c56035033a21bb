"""A flow's stream on one of its connections, or a plain-words error saying why not."""

from __future__ import annotations

from app.connectors.base import Connector
from app.connectors.errors import UnknownStreamError
from app.connectors.streams import Stream, stream_named
from app.sync.errors import SyncError


def stream_of(connector: Connector, name: str, role: str) -> Stream:
    """The stream ``name`` of the flow's ``role`` ("source", "destination") connection."""
    try:
        return stream_named(connector, name, f"The {role} connection ({connector.label})")
    except UnknownStreamError as exc:
        raise SyncError(exc.message, hint=exc.hint) from exc
