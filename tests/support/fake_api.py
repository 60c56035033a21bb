"""A small real HTTP API on 127.0.0.1 for connection tests (``fake_api`` fixture)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class FakeApi:
    """A real HTTP server on 127.0.0.1 that checks an API key and can be told to fail."""

    url: str = ""
    api_key: str = "test-key-0123456789"
    header: str = "X-API-Key"
    status: int = 200
    delay_s: float = 0.0
    requests: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
def fake_api() -> Iterator[FakeApi]:
    api = FakeApi()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            api.requests.append({"path": self.path, **dict(self.headers)})
            if api.delay_s:
                time.sleep(api.delay_s)
            if self.headers.get(api.header) != api.api_key:
                code, body = 401, {"error": "invalid api key"}
            else:
                code, body = api.status, {"ok": api.status < 400}
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield api
    server.shutdown()
    server.server_close()
