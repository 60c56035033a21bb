"""A flow's stream on one of its connections, or a plain-words error saying why not."""

from __future__ import annotations

from app.connectors.base import Connector
from app.connectors.streams import Stream, StreamSource
from app.sync.errors import SyncError


def stream_of(connector: Connector, name: str, role: str) -> Stream:
    """The stream ``name`` of the flow's ``role`` ("source", "destination") connection."""
    if not isinstance(connector, StreamSource):
        raise SyncError(f"The {role} connection ({connector.label}) has no data streams.")
    streams = connector.streams()
    if name not in streams:
        raise SyncError(
            f"The {role} connection has no stream '{name}'.",
            hint=f"It offers: {', '.join(sorted(streams))}.",
        )
    return streams[name]
