"""Receive webhooks: a small HTTP server on 127.0.0.1 that records POSTs, and the check of
an HMAC signature."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    """A tiny HTTP server on 127.0.0.1 that records POSTs and answers scripted statuses."""

    def __init__(self, statuses: list[int] | None = None, default: int = 202) -> None:
        self.statuses = list(statuses or [])
        self.default = default
        self.delay_s = 0.0
        self.received: list[Received] = []
        self.event = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with outer.event:
                    outer.received.append(Received(dict(self.headers.items()), body))
                    status = outer.statuses.pop(0) if outer.statuses else outer.default
                    outer.event.notify_all()
                time.sleep(outer.delay_s)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        with self.event:
            self.event.wait_for(lambda: len(self.received) >= count, timeout=timeout)
            return list(self.received)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def hmac_ok(secret: str, body: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)
