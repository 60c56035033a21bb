"""The inventory webhook against hostile senders: a lying or missing Content-Length is
refused before the body is read (and before the token is even asked for, the body is
not read); a token without an expiry is refused; events without an id, a handler that
fails, and redeliveries past ten thousand other events are each handled exactly once."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

from app.feeds.webhook import WebhookReceiver
from app.sandbox.servers import jwt as sandbox_jwt

SECRET = "s3cret"


def _token(claims: dict[str, Any]) -> str:
    return sandbox_jwt.encode(claims, SECRET)


def _headers(event_id: str | None = None, **claims: Any) -> dict[str, str]:
    now = int(time.time())
    token = _token({"iat": now, "exp": now + 300, **claims})
    out = {"authorization": f"Bearer {token}"}
    if event_id is not None:
        out["fortellis-event-id"] = event_id
    return out


def _body(vin: str = "1G4AH59H45G118341", **extra: Any) -> bytes:
    return json.dumps(
        {
            "eventType": "inventory.status.changed",
            "payload": {"vin": vin, "status": "SOLD"},
            **extra,
        }
    ).encode()


def _raw_post(url: str, head: str, body: bytes = b"", wait_s: float = 5.0) -> bytes:
    """Send a request by hand (headers as given), keep the socket open, read the answer."""
    host, port = url.split("//")[1].split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=wait_s) as sock:
        sock.sendall(f"POST /events HTTP/1.1\r\nHost: x\r\n{head}\r\n".encode() + body)
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks) and b"}" in chunk:
                    break
        except TimeoutError:
            pass
        return b"".join(chunks)


def test_a_lying_content_length_is_refused_before_anything_is_read() -> None:
    got: list[Any] = []
    receiver = WebhookReceiver(SECRET, lambda t, p: got.append(p))
    url = receiver.start()
    auth = f"Authorization: {_headers('x1')['authorization']}\r\n"
    try:
        # -1 used to mean "read until the client stops": the answer comes at once instead
        negative = _raw_post(url, f"{auth}Content-Length: -1\r\n", b"{" * 1000)
        words = _raw_post(url, f"{auth}Content-Length: abc\r\n")
        missing = _raw_post(url, auth)
        huge = _raw_post(url, f"{auth}Content-Length: 209715200\r\n")
        # no token: refused from the headers, while the promised megabyte never comes
        anonymous = _raw_post(url, "Content-Length: 1000000\r\n")
    finally:
        receiver.stop()
    assert negative.startswith(b"HTTP/1.0 400") and b"whole number" in negative
    assert words.startswith(b"HTTP/1.0 400")
    assert missing.startswith(b"HTTP/1.0 411")
    assert huge.startswith(b"HTTP/1.0 413")
    assert anonymous.startswith(b"HTTP/1.0 401")
    assert got == []


def test_a_token_without_an_expiry_is_refused() -> None:
    receiver = WebhookReceiver(SECRET, lambda t, p: None)
    forever = {"authorization": "Bearer " + _token({"iat": int(time.time()), "jti": "e1"})}
    assert receiver.handle(forever, _body())[0] == 401
    text_exp = {"authorization": "Bearer " + _token({"exp": "tomorrow", "jti": "e2"})}
    assert receiver.handle(text_exp, _body())[0] == 401
    infinite = {"authorization": "Bearer " + _token({"exp": float("inf"), "jti": "e3"})}
    assert receiver.handle(infinite, _body())[0] == 401
    assert receiver.stats["accepted"] == 0


def test_events_without_an_id_are_handled_once() -> None:
    got: list[Any] = []
    receiver = WebhookReceiver(SECRET, lambda t, p: got.append(p))
    no_id = {"authorization": "Bearer " + _token({"exp": int(time.time()) + 300})}
    for _ in range(3):
        assert receiver.handle(no_id, _body())[0] == 202
    assert receiver.handle(no_id, _body("1FADP5AU6DL536022"))[0] == 202
    assert [p["vin"] for p in got] == ["1G4AH59H45G118341", "1FADP5AU6DL536022"]


def test_an_event_whose_handling_failed_is_handled_when_it_comes_again() -> None:
    got: list[Any] = []
    fail = [True]

    def on_event(_type: str, payload: dict[str, Any]) -> None:
        if fail.pop() if fail else False:
            raise RuntimeError("the republisher is not running")
        got.append(payload)

    receiver = WebhookReceiver(SECRET, on_event)
    status, _ = receiver.handle(_headers("e1"), _body())
    assert status == 500  # the DMS sends it again
    assert receiver.handle(_headers("e1"), _body())[0] == 202
    assert receiver.handle(_headers("e1"), _body())[1].get("duplicate") is True
    assert len(got) == 1


def test_the_replay_window_is_time_not_a_count() -> None:
    clock = [1000.0]
    got: list[Any] = []
    receiver = WebhookReceiver(SECRET, lambda t, p: got.append(p), clock=lambda: clock[0])
    assert receiver.handle(_headers("first"), _body())[0] == 202
    for n in range(22_000):  # a burst of other events
        receiver.handle(_headers(f"burst-{n}"), _body())
    assert receiver.handle(_headers("first"), _body())[1].get("duplicate") is True
    clock[0] += 71 * 3600
    assert receiver.handle(_headers("first"), _body())[1].get("duplicate") is True
    clock[0] += 2 * 3600  # past the 72-hour window: a new delivery of an old id
    assert receiver.handle(_headers("first"), _body())[1].get("duplicate") is None
    assert len(got) == 22_002


def test_a_full_window_refuses_for_now_rather_than_forgetting() -> None:
    receiver = WebhookReceiver(SECRET, lambda t, p: None, max_ids=3)
    for n in range(3):
        assert receiver.handle(_headers(f"e{n}"), _body())[0] == 202
    assert receiver.handle(_headers("e3"), _body())[0] == 503
    assert receiver.handle(_headers("e0"), _body())[1].get("duplicate") is True
