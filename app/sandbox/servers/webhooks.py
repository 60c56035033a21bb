"""Outgoing webhooks: subscriptions, a background delivery worker, redelivery with back-off.

A change enqueues an event and returns at once; one worker thread per server POSTs it.
A non-2xx answer or a connection error schedules the same event (same id, same body)
again after ``backoff_s * 2**(attempt-1)`` seconds (capped at 60), up to ``attempts``
tries. Undelivered events are dropped when the server stops. Targets must be loopback
addresses: the demo dealership never calls out of the machine.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from app.sandbox.servers.errors import ApiError

log = logging.getLogger(__name__)

# (body, secret, event id) -> headers for one attempt; signing per attempt keeps JWT
# iat/exp fresh on redeliveries.
Signer = Callable[[bytes, str, str], dict[str, str]]
Envelope = Callable[[str, str, dict[str, Any]], dict[str, Any]]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Subscription:
    id: str
    url: str
    secret: str
    events: frozenset[str] = frozenset()  # empty = every event

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events


@dataclass(order=True)
class _Delivery:
    due: float
    seq: int
    subscription: Subscription = field(compare=False)
    event_id: str = field(compare=False)
    event_type: str = field(compare=False)
    body: bytes = field(compare=False)
    attempt: int = field(default=1, compare=False)


class WebhookDispatcher:
    """Subscriptions plus the delivery worker of one server."""

    MAX_LOG = 2000

    def __init__(
        self,
        name: str,
        signer: Signer,
        envelope: Envelope,
        *,
        default_secret: str,
        attempts: int = 5,
        backoff_s: float = 2.0,
        timeout_s: float = 5.0,
    ) -> None:
        self.name = name
        self._signer = signer
        self._envelope = envelope
        self._default_secret = default_secret
        self.attempts = attempts
        self.backoff_s = backoff_s
        self._timeout_s = timeout_s
        self._subs: dict[str, Subscription] = {}
        self._queue: list[_Delivery] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.log: deque[dict[str, Any]] = deque(maxlen=self.MAX_LOG)

    # -- subscriptions -------------------------------------------------------------
    def subscribe(
        self, url: str, secret: str | None = None, events: frozenset[str] = frozenset()
    ) -> Subscription:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.hostname not in LOOPBACK:
            raise ApiError(
                422, "webhook url must be http(s) on 127.0.0.1 or localhost", field="url"
            )
        sub = Subscription(uuid.uuid4().hex, url, secret or self._default_secret, events)
        with self._cond:
            self._subs[sub.id] = sub
        return sub

    def unsubscribe(self, sub_id: str) -> bool:
        with self._cond:
            return self._subs.pop(sub_id, None) is not None

    def subscriptions(self) -> list[dict[str, Any]]:
        with self._cond:
            return [
                {"id": s.id, "url": s.url, "events": sorted(s.events)} for s in self._subs.values()
            ]

    # -- publishing ----------------------------------------------------------------
    def publish(self, event_type: str, payload: Mapping[str, Any]) -> list[str]:
        """Queue ``event_type`` for every interested subscriber; returns the event ids."""
        ids: list[str] = []
        with self._cond:
            for sub in self._subs.values():
                if not sub.wants(event_type):
                    continue
                event_id = str(uuid.uuid4())
                body = json.dumps(
                    self._envelope(event_id, event_type, dict(payload)), separators=(",", ":")
                ).encode()
                heapq.heappush(
                    self._queue,
                    _Delivery(time.monotonic(), next(self._seq), sub, event_id, event_type, body),
                )
                ids.append(event_id)
            self._cond.notify()
        return ids

    def pending(self) -> int:
        with self._cond:
            return len(self._queue)

    # -- worker --------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping = False
        self._thread = threading.Thread(
            target=self._run, name=f"sandbox-{self.name}-webhooks", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._queue.clear()
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout=self._timeout_s + 2)
            self._thread = None

    def _next(self) -> _Delivery | None:
        with self._cond:
            while not self._stopping:
                if self._queue:
                    wait = self._queue[0].due - time.monotonic()
                    if wait <= 0:
                        return heapq.heappop(self._queue)
                    self._cond.wait(timeout=min(wait, 1.0))
                else:
                    self._cond.wait(timeout=1.0)
            return None

    def _run(self) -> None:
        with httpx.Client(timeout=self._timeout_s, trust_env=False) as client:
            while (delivery := self._next()) is not None:
                self._attempt(client, delivery)

    def _attempt(self, client: httpx.Client, d: _Delivery) -> None:
        headers = {"Content-Type": "application/json"}
        headers.update(self._signer(d.body, d.subscription.secret, d.event_id))
        status, error = 0, ""
        try:
            response = client.post(d.subscription.url, content=d.body, headers=headers)
            status = response.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        delivered = 200 <= status < 300
        entry = {
            "event_id": d.event_id,
            "event_type": d.event_type,
            "subscription_id": d.subscription.id,
            "attempt": d.attempt,
            "status": status,
            "error": error,
            "delivered": delivered,
            "at": time.time(),
        }
        if not delivered and d.attempt >= self.attempts:
            entry["gave_up"] = True
            log.warning(
                "%s webhook %s given up after %d attempts", self.name, d.event_id, d.attempt
            )
        with self._cond:
            self.log.append(entry)
            if not delivered and d.attempt < self.attempts and not self._stopping:
                delay = min(60.0, self.backoff_s * 2 ** (d.attempt - 1))
                d.attempt += 1
                d.due = time.monotonic() + delay
                d.seq = next(self._seq)
                heapq.heappush(self._queue, d)
