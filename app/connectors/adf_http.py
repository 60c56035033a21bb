"""ADF leads POSTed to the dealership: an HTTP listener and the spool folder behind it.

``AdfHttpListener`` answers ``POST /`` (or ``/adf``) on a local port:

- a body over ``max_bytes`` is refused with 413 before it is read;
- the body must carry ``X-ADF-Signature: sha256=<hex>``, the HMAC-SHA256 of the body
  with the connection's shared secret (401 otherwise);
- an accepted body is written to the spool's ``incoming/`` folder (202): it is *not*
  parsed here, so hostile XML meets the same parser, and is parked the same way, as mail.

The inbox's next run reads the spool with the mailbox (``Spool.pending``); once that run
has committed, the files it read move to ``processed/`` (``Spool.mark_processed``).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from app.connectors.errors import ConnectorError

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-ADF-Signature"
PATHS = ("/", "/adf")


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``: ``sha256=`` and the HMAC in hex."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, body: bytes, header: str) -> bool:
    given = header.strip()
    given = given[7:] if given.lower().startswith("sha256=") else given
    return bool(secret) and hmac.compare_digest(sign(secret, body)[7:], given.lower())


@dataclass(frozen=True)
class SpoolItem:
    name: str
    path: Path
    received_at: str
    charset: str | None
    remote: str


class Spool:
    """``incoming/`` and ``processed/`` under one folder; one ``.xml`` file per POST with
    a ``.json`` beside it (when it arrived, from where, the charset it was sent in)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.incoming = folder / "incoming"
        self.processed = folder / "processed"

    def put(self, body: bytes, *, charset: str | None, remote: str) -> str:
        self.incoming.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:12]}"
        meta = {
            "received_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "charset": charset,
            "remote": remote,
        }
        _write_atomic(self.incoming / f"{name}.json", json.dumps(meta).encode("utf-8"))
        _write_atomic(self.incoming / f"{name}.xml", body)  # last: its presence says "ready"
        return name

    def pending(self) -> list[SpoolItem]:
        """What waits to be read, newest first."""
        if not self.incoming.is_dir():
            return []
        items = []
        for path in sorted(self.incoming.glob("*.xml"), reverse=True):
            try:
                meta = json.loads(path.with_suffix(".json").read_text("utf-8"))
            except (OSError, ValueError):
                meta = {}
            items.append(
                SpoolItem(
                    path.stem,
                    path,
                    str(meta.get("received_at") or ""),
                    meta.get("charset") or None,
                    str(meta.get("remote") or ""),
                )
            )
        return items

    def mark_processed(self, names: list[str]) -> int:
        """Move read files to ``processed/``; how many moved."""
        if not names:
            return 0
        self.processed.mkdir(parents=True, exist_ok=True)
        moved = 0
        for name in names:
            for suffix in (".json", ".xml"):
                source = self.incoming / f"{name}{suffix}"
                with contextlib.suppress(FileNotFoundError):
                    os.replace(source, self.processed / source.name)
                    moved += suffix == ".xml"
        return moved


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("ADF listener: " + format, *args)

    def _answer(self, status: HTTPStatus, body: dict[str, Any], close: bool = False) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/health":
            self._answer(HTTPStatus.OK, {"status": "ok"})
        else:
            self._answer(HTTPStatus.NOT_FOUND, {"error": "POST ADF leads to /"})

    def do_POST(self) -> None:
        listener = self.server.listener
        if self.path.split("?")[0] not in PATHS:
            self._answer(HTTPStatus.NOT_FOUND, {"error": "POST ADF leads to /"}, close=True)
            return
        length_header = self.headers.get("Content-Length")
        if length_header is None or not length_header.strip().isdigit():
            self._answer(HTTPStatus.LENGTH_REQUIRED, {"error": "Content-Length required"}, True)
            return
        length = int(length_header)
        if length > listener.max_bytes:
            listener.refused += 1
            self._answer(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                {"error": f"{length:,} bytes is over the limit of {listener.max_bytes:,}"},
                close=True,
            )
            return
        body = self.rfile.read(length)
        if not signature_ok(listener.secret, body, self.headers.get(SIGNATURE_HEADER, "")):
            listener.refused += 1
            self._answer(
                HTTPStatus.UNAUTHORIZED,
                {"error": f"missing or wrong {SIGNATURE_HEADER} (HMAC-SHA256 of the body)"},
            )
            return
        content_type = Message()
        content_type["Content-Type"] = self.headers.get("Content-Type", "application/xml")
        charset = content_type.get_param("charset")
        name = listener.spool.put(
            body,
            charset=charset if isinstance(charset, str) and charset else None,
            remote=str(self.client_address[0]),
        )
        listener.accepted += 1
        self._answer(HTTPStatus.ACCEPTED, {"status": "accepted", "id": name})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    listener: AdfHttpListener


class AdfHttpListener:
    """The HTTP side of an ADF inbox; ``start()`` returns its URL, ``stop()`` ends it."""

    def __init__(self, spool: Spool, secret: str, *, host: str, port: int, max_bytes: int) -> None:
        if not secret:
            raise ConnectorError(
                "The ADF inbox listens for HTTP POSTs only with a shared secret.",
                hint="Set the shared secret senders sign their POSTs with.",
            )
        self.spool, self.secret = spool, secret
        self.host, self.port, self.max_bytes = host, port, max_bytes
        self.accepted = self.refused = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def start(self) -> str:
        try:
            server = _Server((self.host, self.port), _Handler)
        except OSError as exc:
            raise ConnectorError(
                f"Could not listen on {self.host}:{self.port}: {exc.strerror or exc}.",
                hint="Another program may use that port; choose another one.",
            ) from None
        server.listener = self
        self._server = server
        self.port = int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="adf-listener"
        )
        self._thread.daemon = True
        self._thread.start()
        return self.url

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
