"""Shared fixtures: a fresh data folder and store per test, the real keyring, and a small
real HTTP server on 127.0.0.1 for connection tests."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import keyring
import pytest

from app import secrets
from app.paths import AppPaths
from app.store import Store, open_store

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session", autouse=True)
def _require_real_keyring() -> None:
    """The suite proves secrets go to a real Secret Service; say how to get one if absent."""
    name = secrets.backend_name(keyring.get_keyring())
    if "SecretService" not in name and "WinVault" not in name and "macOS" not in name:
        pytest.exit(
            f"Tests need a real keyring but the backend is {name}. Run them with "
            "`bash scripts/test.sh` (it starts gnome-keyring under dbus-run-session).",
            returncode=3,
        )


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return AppPaths(tmp_path / "data").ensure()


@pytest.fixture
def store(paths: AppPaths) -> Iterator[Store]:
    s = open_store(paths)
    yield s
    s.dispose()


def files_containing(folder: Path, needle: str) -> list[Path]:
    """Every file under ``folder`` whose bytes contain ``needle`` (utf-8 or utf-16)."""
    hits = []
    patterns = [needle.encode("utf-8"), needle.encode("utf-16-le")]
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(p in data for p in patterns):
                hits.append(path)
    return hits


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
