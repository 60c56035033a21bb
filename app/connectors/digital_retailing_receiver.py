"""How deal jackets come in from a digital-retailing tool: a signed webhook, or a poll of the
tool's jacket feed. Both end in ``Intake.take``, the one door into the inbox:

1. the body is checked before anything is kept: the signature (``HMAC-SHA256`` of the raw
   body with the shared secret, hex, in the signature header, optionally after
   ``sha256=``) on a webhook, then JSON, then its ``sent_at`` inside the replay window
   (a captured delivery cannot be played back later);
2. social security and tax numbers and credit reports are taken out
   (``jacket.strip_sensitive``): they go from the tool to the lender, never to us;
3. the jacket is kept only when it is newer than the one kept for its deal
   (``retailing_inbox.offer``): a redelivery is a duplicate, an update that arrives after
   a newer one is stale; neither changes anything, both are answered 202 so the tool stops
   redelivering;
4. ``on_stored`` hears of each kept version (the listener starts the flows).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from app.formats.errors import StarError
from app.formats.star.codec import _parse_moment
from app.formats.star.jacket import Jacket, parse_jacket, strip_sensitive
from app.store import retailing_inbox

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024
READ_TIMEOUT_S = 10.0
_LOCK = threading.Lock()  # one writer of the inbox per process
OnStored = Callable[[Jacket], None]


def signature(secret: str, body: bytes) -> str:
    """The signature a tool sends for ``body``: hex HMAC-SHA256 with the shared secret."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Taken:
    """What became of one jacket."""

    status: int  # the HTTP answer: 202 taken, 400/401/422 refused
    result: str  # stored | duplicate | stale | refused
    reason: str = ""
    deal_key: str = ""
    removed: tuple[str, ...] = ()  # where sensitive data was taken out (never the values)

    def answer(self) -> dict[str, Any]:
        body: dict[str, Any] = {"accepted": self.status == 202, "result": self.result}
        if self.reason:
            body["error" if self.status >= 400 else "note"] = self.reason
        if self.deal_key:
            body["deal"] = self.deal_key
        if self.removed:
            body["refused_fields"] = len(self.removed)
        return body


@dataclass
class Intake:
    """The inbox door of one connection (``system`` = its uid) in ``store``."""

    store: Any
    system: str
    replay_window_s: float = 900.0
    on_stored: OnStored | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    stats: dict[str, int] = field(
        default_factory=lambda: {"stored": 0, "duplicate": 0, "stale": 0, "refused": 0}
    )

    def _count(self, key: str) -> None:
        self.stats[key] = self.stats.get(key, 0) + 1

    def _refuse(self, status: int, reason: str) -> Taken:
        self._count("refused")
        log.warning("Refused a deal jacket: %s", reason)
        return Taken(status, "refused", reason)

    def take_bytes(self, body: bytes, *, check_window: bool = True) -> Taken:
        try:
            data = json.loads(body or b"")
        except (ValueError, UnicodeDecodeError):
            return self._refuse(400, "the body is not JSON")
        return self.take(data, check_window=check_window)

    def take(self, data: Any, *, check_window: bool = True) -> Taken:
        if not isinstance(data, dict):
            return self._refuse(400, "the body is not a JSON object")
        if check_window:
            problem = self._outside_window(data.get("sent_at"))
            if problem:
                return self._refuse(401, problem)
        clean, removed = strip_sensitive(data)
        if removed:
            log.warning(
                "A deal jacket carried data the app never stores; taken out before keeping it: %s",
                "; ".join(removed[:10]) + (f" (+{len(removed) - 10} more)" if removed[10:] else ""),
            )
        try:
            jacket = parse_jacket(clean)
        except StarError as exc:
            return self._refuse(422, exc.message)
        with _LOCK, self.store.session() as s:
            result = retailing_inbox.offer(
                s, self.system, jacket.deal_key, jacket.order, jacket.body(), jacket.event_id
            )
        self._count(result)
        if result == retailing_inbox.STORED:
            log.info("Deal %s version %s kept", jacket.deal_key, jacket.version)
            if self.on_stored is not None:
                try:
                    self.on_stored(jacket)
                except Exception:  # the jacket is kept: the next run takes it anyway
                    log.exception("Starting the flows for deal %s failed", jacket.deal_key)
        else:
            log.info("Deal %s version %s: %s, not kept", jacket.deal_key, jacket.version, result)
        note = {
            retailing_inbox.DUPLICATE: "this version of the deal was received before",
            retailing_inbox.STALE: "a newer version of the deal was received before",
        }.get(result, "")
        return Taken(202, result, note, jacket.deal_key, tuple(removed))

    def _outside_window(self, sent_at: Any) -> str:
        if self.replay_window_s <= 0:
            return ""
        moment = _parse_moment(sent_at) if isinstance(sent_at, str) else None
        if moment is None:
            return "the jacket has no sent_at time (ISO 8601), so its age cannot be checked"
        age = abs((self.clock() - moment).total_seconds())
        if age > self.replay_window_s:
            return (
                f"the jacket was sent {int(age)} s from now, outside the "
                f"{int(self.replay_window_s)} s replay window"
            )
        return ""


class WebhookServer:
    """``POST <path>`` with the signature header; everything else is 404/405."""

    def __init__(
        self,
        intake: Intake,
        secret: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        path: str = "/retailing/deals",
        signature_header: str = "X-Signature-SHA256",
    ) -> None:
        self.intake = intake
        self.secret = secret
        self.host, self.port, self.path = host, port, path
        self.signature_header = signature_header.lower()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            return ""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{self.path}"

    def start(self) -> str:
        if self._server is None:
            self._server = ThreadingHTTPServer((self.host, self.port), self._handler_class())
            self._server.daemon_threads = True
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.2},
                name="retailing-webhook",
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

    def verify(self, headers: dict[str, str], body: bytes) -> str:
        """'' when the signature is right, else why not."""
        given = headers.get(self.signature_header, "").strip()
        if given.lower().startswith("sha256="):
            given = given[7:]
        if not given:
            return f"no {self.signature_header} header"
        if not self.secret:
            return "this connection has no webhook secret to check signatures with"
        if not hmac.compare_digest(given.lower(), signature(self.secret, body)):
            return "the signature does not match the body"
        return ""

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        problem = self.verify(headers, body)
        if problem:
            return self.intake._refuse(401, problem).status, {"error": f"unauthorized: {problem}"}
        taken = self.intake.take_bytes(body)
        return taken.status, taken.answer()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            timeout = READ_TIMEOUT_S

            def do_POST(self) -> None:
                if self.path.split("?", 1)[0] != server.path:
                    self._answer(404, {"error": f"no such path; deal jackets go to {server.path}"})
                    return
                raw = self.headers.get("Content-Length")
                if raw is None or not raw.strip().isdigit():
                    self._answer(411, {"error": "Content-Length (a whole number) is required"})
                    return
                length = int(raw)
                if length > MAX_BODY:
                    self._answer(413, {"error": "deal jacket too large"})
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    body = self.rfile.read(length) if length else b""
                except TimeoutError:
                    self._answer(408, {"error": "the body did not arrive in time"})
                    return
                self._answer(*server.handle(headers, body))

            def do_GET(self) -> None:
                self._answer(405, {"error": "deal jackets are POSTed"})

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
