"""Keep connectors alive between publications (the real-time path): a DMS connector holds
its OAuth token and HTTP client, so the next read after a sale starts at once. A profile
edited since the connector was made gets a fresh one (new settings, new secrets)."""

from __future__ import annotations

import threading
from datetime import datetime

from app.connectors.base import Connector
from app.services.profiles import ProfileService
from app.store import Store


class ConnectorCache:
    def __init__(self, store: Store) -> None:
        self.profiles = ProfileService(store)
        self._items: dict[int, tuple[datetime, Connector]] = {}
        self._lock = threading.Lock()

    def get(self, profile_id: int) -> Connector:
        stamp = self.profiles.get(profile_id).updated_at
        with self._lock:
            held = self._items.get(profile_id)
            if held is not None and held[0] == stamp:
                return held[1]
            if held is not None:
                held[1].close()
            connector = self.profiles.connector(profile_id)
            self._items[profile_id] = (stamp, connector)
            return connector

    def close(self) -> None:
        with self._lock:
            for _stamp, connector in self._items.values():
                connector.close()
            self._items.clear()
