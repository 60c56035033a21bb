"""Sold units leave every feed within seconds.

``RealtimeFeeds`` runs, on background threads:

- a ``WebhookReceiver`` for the DMS's ``inventory.status.changed`` events (verified bearer
  JWT, 202 reply, de-duplicated by event id);
- for a DMS without webhooks (or as a safety net), an ``InventoryPoller`` that reads only
  the inventory changed since its last look every few seconds;
- a ``Republisher`` that coalesces bursts of changes into one ``publish_all`` run.

The GUI starts it when the window opens (``RealtimeFeeds.from_store(store).start()``)
and stops it on quit (``stop()``); nothing here touches Qt.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from app import secrets
from app.connectors.base import Connector
from app.connectors.streams import Stream
from app.errors import RooftopError
from app.feeds.connectors import ConnectorCache
from app.feeds.inventory import inventory_stream
from app.feeds.publish import FeedRunSummary, list_feeds, publish_all, read_source
from app.feeds.webhook import WebhookReceiver
from app.services.profiles import ProfileService
from app.store import Store, alert_signals
from app.store.models import Setting, utcnow

log = logging.getLogger(__name__)
SETTINGS_KEY = "feeds.realtime"
SECRET_OWNER = "feeds/realtime"
SECRET_FIELD = "webhook_secret"
WEBHOOK_SIGNAL = "feeds/realtime"  # the webhook_silent alert's key for DMS events
WEBHOOK_LABEL = "DMS events (real-time inventory webhook)"
STATUS_EVENTS = ("inventory.status.changed", "inventory.created", "inventory.deleted")


@dataclass(frozen=True)
class RealtimeSettings:
    webhook: bool = True
    host: str = "127.0.0.1"
    port: int = 8765
    poll_interval_s: float = 0.0  # 0 = no polling (the DMS sends webhooks)


def load_settings(store: Store) -> RealtimeSettings:
    with store.session() as s:
        row = s.get(Setting, SETTINGS_KEY)
        data = dict(row.value or {}) if row is not None else {}
    known = RealtimeSettings.__dataclass_fields__
    return RealtimeSettings(**{k: v for k, v in data.items() if k in known})


def save_settings(store: Store, settings: RealtimeSettings, secret: str | None = None) -> None:
    """Save the settings; a given ``secret`` goes to the keyring, never to the database."""
    with store.session() as s:
        row = s.get(Setting, SETTINGS_KEY)
        if row is None:
            s.add(Setting(key=SETTINGS_KEY, value=asdict(settings)))
        else:
            row.value = asdict(settings)
    if secret is not None:
        secrets.set_secret(SECRET_OWNER, SECRET_FIELD, secret)


class Republisher:
    """One worker thread: ``request()`` marks the feeds dirty; bursts become one run."""

    def __init__(
        self,
        publish: Callable[[str], Any],
        *,
        settle_s: float = 0.2,
        warm: Callable[[], Any] | None = None,
    ) -> None:
        self._publish = publish
        self._warm = warm
        self.settle_s = settle_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._reasons: list[str] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.runs = 0

    def request(self, reason: str) -> None:
        with self._lock:
            self._reasons.append(reason)
        self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="feeds-republish", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _loop(self) -> None:
        if self._warm is not None:
            try:
                self._warm()
            except RooftopError as exc:
                log.info("warming the feed connections failed (will retry on use): %s", exc)
        while not self._stop.is_set():
            self._wake.wait()
            if self._stop.is_set():
                return
            self._stop.wait(self.settle_s)  # let a burst of events arrive first
            self._wake.clear()
            with self._lock:
                reasons, self._reasons = self._reasons, []
            if not reasons:
                continue
            try:
                self._publish("; ".join(reasons)[:90])
            except RooftopError as exc:
                log.warning("real-time feed publish failed: %s", exc)
            except Exception:
                log.exception("real-time feed publish crashed")
            self.runs += 1


class InventoryPoller:
    """Every ``interval_s``: read the inventory changed since the last look (REST) or the
    whole extract (files) for each DMS that feeds use, and report status changes."""

    def __init__(self, store: Store, interval_s: float, on_change: Callable[[str], None]) -> None:
        self.store = store
        self.interval_s = interval_s
        self.on_change = on_change
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connectors: dict[int, Connector] = {}
        self._cursor: dict[int, str | None] = {}
        self._status: dict[int, dict[str, str]] = {}

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="feeds-poll", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        for connector in self._connectors.values():
            connector.close()
        self._connectors.clear()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except RooftopError as exc:
                log.info("inventory poll failed (will retry): %s", exc)
            except Exception:
                log.exception("inventory poll crashed")
            self._stop.wait(self.interval_s)

    def _stream(self, profile_id: int) -> Stream | None:
        if profile_id not in self._connectors:
            self._connectors[profile_id] = ProfileService(self.store).connector(profile_id)
        return inventory_stream(self._connectors[profile_id])

    def poll_once(self) -> list[str]:
        """One look at every DMS; returns (and reports) the changes seen."""
        sources = {f.source_profile_id for f in list_feeds(self.store, enabled_only=True)}
        changes: list[str] = []
        for profile_id in sorted(p for p in sources if p is not None):
            stream = self._stream(profile_id)
            if stream is None:
                continue
            incremental = stream.spec.cursor_field is not None
            known = self._status.get(profile_id)
            cursor = self._cursor.get(profile_id) if incremental else None
            seen: dict[str, str] = {}
            for chunk in stream.read(cursor):
                for vin, status in zip(chunk["vin"], chunk["status"], strict=True):
                    seen[str(vin).upper()] = str(status).upper()
            if incremental:
                self._cursor[profile_id] = getattr(stream, "last_cursor", None) or cursor
            if known is None:  # first look: remember, report nothing
                self._status[profile_id] = seen
                continue
            for vin, status in seen.items():
                if known.get(vin) != status:
                    changes.append(f"{vin} {known.get(vin, 'new')}→{status}")
            if not incremental:
                changes += [f"{vin} left the extract" for vin in set(known) - set(seen)]
                self._status[profile_id] = seen
            else:
                known.update(seen)
        if changes:
            self.on_change(", ".join(changes))
        return changes


class RealtimeFeeds:
    """Webhook receiver + optional poller + one republisher, started and stopped together."""

    def __init__(
        self,
        store: Store,
        *,
        secret: str = "",
        settings: RealtimeSettings | None = None,
        on_published: Callable[[list[FeedRunSummary]], None] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or RealtimeSettings()
        self.on_published = on_published
        self.cache = ConnectorCache(store)
        self.republisher = Republisher(self._publish, warm=self._warm)
        self.receiver = (
            WebhookReceiver(
                secret, self._on_event, host=self.settings.host, port=self.settings.port
            )
            if self.settings.webhook
            else None
        )
        self.poller = (
            InventoryPoller(store, self.settings.poll_interval_s, self.republisher.request)
            if self.settings.poll_interval_s > 0
            else None
        )
        self.events: list[dict[str, Any]] = []  # the last events handled, newest last

    @classmethod
    def from_store(cls, store: Store, **kwargs: Any) -> RealtimeFeeds:
        """With the saved settings and the webhook secret from the keyring."""
        secret = secrets.get_secret(SECRET_OWNER, SECRET_FIELD) or ""
        return cls(store, secret=secret, settings=load_settings(store), **kwargs)

    @property
    def url(self) -> str:
        """Where the DMS must send events (empty when webhooks are off or not started)."""
        return self.receiver.url if self.receiver is not None else ""

    def start(self) -> str:
        self.republisher.start()
        if self.poller is not None:
            self.poller.start()
        return self.receiver.start() if self.receiver is not None else ""

    def stop(self) -> None:
        if self.receiver is not None:
            self.receiver.stop()
        if self.poller is not None:
            self.poller.stop()
        self.republisher.stop()
        self.cache.close()

    def _on_event(self, event_type: str, payload: dict[str, Any]) -> None:
        self.events.append({"type": event_type, "payload": payload})
        del self.events[:-100]
        try:  # the webhook_silent alert watches this time; a busy store must not drop the event
            alert_signals.put(
                self.store, alert_signals.WEBHOOK, WEBHOOK_SIGNAL, WEBHOOK_LABEL, utcnow()
            )
        except SQLAlchemyError as exc:
            log.warning("Could not note the webhook's time for the alerts: %s", exc)
        if event_type in STATUS_EVENTS:
            vin = payload.get("vin", "?")
            moved = f"{payload.get('previousStatus', '?')}→{payload.get('status', '?')}"
            self.republisher.request(f"{vin} {moved}")

    def _warm(self) -> None:
        """Open the DMS and destination connections (token, TLS) before the first sale."""
        feeds = list_feeds(self.store, enabled_only=True)
        for profile_id in {f.dest_profile_id for f in feeds} - {None}:
            assert profile_id is not None
            self.cache.get(profile_id)
        for profile_id in {f.source_profile_id for f in feeds} - {None}:
            read_source(self.store, profile_id, self.cache)

    def _publish(self, reason: str) -> list[FeedRunSummary]:
        log.info("republishing feeds: %s", reason)
        summaries = publish_all(
            self.store, trigger="realtime", triggered_by=f"DMS: {reason}"[:100], cache=self.cache
        )
        if self.on_published is not None:
            self.on_published(summaries)
        return summaries
