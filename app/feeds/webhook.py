"""A small HTTP endpoint for DMS events (CDK Event Relay style) on this workstation.

Every POST must carry ``Authorization: Bearer <HS256 JWT>`` signed with the shared
secret (else 401). The event id (``Fortellis-Event-Id`` header, else ``eventId`` in the
body) makes redeliveries harmless: an id seen before is answered 202 and not handled
again. Accepted events are handed to ``on_event`` (which must return quickly) and
answered ``202 Accepted`` at once; the publishing happens on another thread.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from app.feeds.tokens import TokenError, verify_bearer

log = logging.getLogger(__name__)
EventHandler = Callable[[str, dict[str, Any]], None]
MAX_BODY = 1024 * 1024


class _SeenIds:
    """The last ``size`` event ids, thread-safe."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        with self._lock:
            if event_id in self._ids:
                self._ids.move_to_end(event_id)
                return False
            self._ids[event_id] = None
            while len(self._ids) > self.size:
                self._ids.popitem(last=False)
            return True


class WebhookReceiver:
    def __init__(
        self,
        secret: str,
        on_event: EventHandler,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        remember: int = 10_000,
    ) -> None:
        self.secret = secret
        self.on_event = on_event
        self.host, self.port = host, port
        self.seen = _SeenIds(remember)
        self.stats = {"accepted": 0, "duplicates": 0, "refused": 0}
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
        self.stats[key] = self.stats.get(key, 0) + 1

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """Decide the answer to one delivery (separate from HTTP plumbing for tests)."""
        try:
            claims = verify_bearer(headers.get("authorization", ""), self.secret)
        except TokenError as exc:
            self._count("refused")
            return 401, {"error": f"unauthorized: {exc}"}
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
        if event_id and not self.seen.first_time(event_id):
            self._count("duplicates")
            return 202, {"accepted": True, "duplicate": True}
        payload = event.get("payload")
        try:
            self.on_event(
                str(event.get("eventType") or ""), payload if isinstance(payload, dict) else {}
            )
        except Exception:  # a bug downstream must not make the DMS redeliver forever
            log.exception("handling DMS event %s failed", event_id)
        self._count("accepted")
        return 202, {"accepted": True}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    self._answer(413, {"error": "event too large"})
                    return
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                self._answer(*receiver.handle(headers, body))

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler
