"""A small HTTP endpoint for DMS events (CDK Event Relay style) on this workstation.

Every POST must carry ``Authorization: Bearer <HS256 JWT>`` signed with the shared
secret, with an expiry (else 401) -- checked from the headers, before a byte of the body
is read. The body's length must be given and sensible (``Content-Length``: 411 when
missing, 400 when not a number, 413 over 1 MB) and arrive within ``READ_TIMEOUT_S``.

The event id (``Fortellis-Event-Id`` header, else ``eventId`` in the body, else the
token's ``jti``, else a digest of the body) makes redeliveries harmless: an id seen in the
last ``window_s`` (72 hours) is answered 202 and not handled again. Ids are forgotten by
age, never by count: when more than ``max_ids`` arrived within the window, new events are
answered 503 with ``Retry-After`` (the DMS sends them again) rather than forgetting one.
Accepted events are handed to ``on_event`` (which must return quickly) and answered
``202 Accepted``; when it raises, the id is forgotten and the answer is 500, so the DMS's
redelivery brings the event back instead of it being lost.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from app.feeds.tokens import TokenError, verify_bearer

log = logging.getLogger(__name__)
EventHandler = Callable[[str, dict[str, Any]], None]
Clock = Callable[[], float]
MAX_BODY = 1024 * 1024
READ_TIMEOUT_S = 10.0
WINDOW_S = 72 * 3600.0
MAX_IDS = 250_000


class _SeenIds:
    """Event ids seen in the last ``window_s`` seconds (by ``clock``), thread-safe."""

    def __init__(self, window_s: float, max_ids: int, clock: Clock) -> None:
        self.window_s = window_s
        self.max_ids = max_ids
        self.clock = clock
        self._ids: OrderedDict[bytes, float] = OrderedDict()  # digest -> first seen, oldest first
        self._lock = threading.Lock()

    @staticmethod
    def _digest(event_id: str) -> bytes:
        return hashlib.blake2b(event_id.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def _expire(self, now: float) -> None:
        while self._ids:
            oldest, at = next(iter(self._ids.items()))
            if now - at < self.window_s:
                return
            del self._ids[oldest]

    def claim(self, event_id: str) -> bool | None:
        """True the first time in the window (now claimed), False for a repeat, None when
        the window is full (refuse for now; forgetting an id would let its repeat in)."""
        key = self._digest(event_id)
        with self._lock:
            now = self.clock()
            self._expire(now)
            if key in self._ids:
                return False
            if len(self._ids) >= self.max_ids:
                return None
            self._ids[key] = now
            return True

    def release(self, event_id: str) -> None:
        """Forget an id whose handling failed, so its redelivery is handled."""
        with self._lock:
            self._ids.pop(self._digest(event_id), None)

    def __len__(self) -> int:
        return len(self._ids)


class WebhookReceiver:
    def __init__(
        self,
        secret: str,
        on_event: EventHandler,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        window_s: float = WINDOW_S,
        max_ids: int = MAX_IDS,
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
    ) -> None:
        self.secret = secret
        self.on_event = on_event
        self.host, self.port = host, port
        self.seen = _SeenIds(window_s, max_ids, clock)
        self.wall_clock = wall_clock
        self.stats = {"accepted": 0, "duplicates": 0, "refused": 0, "failed": 0}
        self._stats_lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            return ""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/events"

    def start(self) -> str:
        if self._server is not None:
            return self.url
        self._server = ThreadingHTTPServer((self.host, self.port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="feeds-webhook",
            daemon=True,
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server, self._thread = None, None

    def _count(self, key: str) -> None:
        with self._stats_lock:
            self.stats[key] = self.stats.get(key, 0) + 1

    def authorise(self, headers: dict[str, str]) -> tuple[int, dict[str, Any]] | dict[str, Any]:
        """The token's claims, or the refusal to send (from the headers alone)."""
        try:
            return verify_bearer(
                headers.get("authorization", ""), self.secret, now=self.wall_clock()
            )
        except TokenError as exc:
            self._count("refused")
            return 401, {"error": f"unauthorized: {exc}"}

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """Decide the answer to one delivery (separate from HTTP plumbing for tests)."""
        claims = self.authorise(headers)
        if isinstance(claims, tuple):
            return claims
        return self.handle_authorised(claims, headers, body)

    def handle_authorised(
        self, claims: dict[str, Any], headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any]]:
        try:
            event = json.loads(body or b"{}")
        except ValueError:
            self._count("refused")
            return 400, {"error": "the body is not JSON"}
        if not isinstance(event, dict):
            self._count("refused")
            return 400, {"error": "the body is not a JSON object"}
        event_id = headers.get("fortellis-event-id") or str(event.get("eventId") or "")
        event_id = event_id or str(claims.get("jti") or "")
        # no id anywhere: the same body delivered twice is the same event
        event_id = event_id or "body:" + hashlib.sha256(body).hexdigest()
        first = self.seen.claim(event_id)
        if first is None:
            self._count("refused")
            return 503, {"error": "too many events at once; send this one again later"}
        if not first:
            self._count("duplicates")
            return 202, {"accepted": True, "duplicate": True}
        payload = event.get("payload")
        try:
            self.on_event(
                str(event.get("eventType") or ""), payload if isinstance(payload, dict) else {}
            )
        except Exception:
            # not lost: forgotten, so the DMS's redelivery (it retries a 5xx) is handled
            self.seen.release(event_id)
            self._count("failed")
            log.exception("handling DMS event %s failed; asked the DMS to send it again", event_id)
            return 500, {"error": "the event could not be handled; send it again"}
        self._count("accepted")
        return 202, {"accepted": True}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            timeout = READ_TIMEOUT_S  # a body that trickles in is given up on

            def do_POST(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                length, problem = _content_length(headers)
                if problem is not None:
                    receiver._count("refused")
                    self.close_connection = True
                    self._answer(*problem)
                    return
                claims = receiver.authorise(headers)  # before reading a byte of the body
                if isinstance(claims, tuple):
                    self.close_connection = True
                    self._answer(*claims)
                    return
                try:
                    body = self.rfile.read(length) if length else b""
                except OSError:  # the sender stopped or went too slowly
                    self.close_connection = True
                    return
                if len(body) < length:
                    receiver._count("refused")
                    self.close_connection = True
                    self._answer(400, {"error": "the body is shorter than its Content-Length"})
                    return
                self._answer(*receiver.handle_authorised(claims, headers, body))

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 503:
                    self.send_header("Retry-After", "60")
                if self.close_connection:
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


def _content_length(headers: dict[str, str]) -> tuple[int, tuple[int, dict[str, Any]] | None]:
    """The body's length, or the answer that refuses it (before anything is read)."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return 0, (411, {"error": "send the event with a Content-Length, not chunked"})
    raw = headers.get("content-length")
    if raw is None:
        return 0, (411, {"error": "a Content-Length header is required"})
    text = raw.strip()
    if not text.isascii() or not text.isdigit():
        return 0, (
            400,
            {"error": f"Content-Length must be a whole number of bytes, not {raw[:20]!r}"},
        )
    length = int(text)
    if length > MAX_BODY:
        return 0, (413, {"error": f"event too large (at most {MAX_BODY:,} bytes)"})
    return length, None
