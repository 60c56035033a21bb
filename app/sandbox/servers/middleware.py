"""The ASGI layer every simulated server sits behind: faults, rate limit, stats.

Order per request: count it (always), then — unless the path is exempt — inject latency,
maybe a fault, and apply the per-key token bucket, then call the app. ``/_sandbox/*``
and the OAuth token endpoints are never faulted or limited: tests and the runner need
them to answer reliably.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from app.sandbox.servers.service import SandboxService


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def _send_json(
    send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    payload = json.dumps(body).encode()
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})


async def _drop(send: Send) -> None:
    """Close the connection with no response at all.

    uvicorn hands the app its protocol cycle's bound ``send``; aborting that cycle's
    transport resets the socket, which an HTTP client sees as a protocol/read error.
    Marking the cycle disconnected stops uvicorn from trying to send a 500 afterwards.
    Without such a transport (another server), answer headers with a body that never
    comes, which the server then cuts off: the client still fails mid-response.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is not None and hasattr(transport, "abort"):
        transport.abort()
        cycle.disconnected = True  # type: ignore[union-attr]
        return
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]}
    )


async def _buffered(receive: Receive) -> Receive:
    """The request's body read now, handed out again by the returned ``receive``."""
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body"):
            break

    async def replay() -> Message:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    return replay


class SandboxMiddleware:
    """Wraps a server's Starlette app (outermost, so ``send`` is uvicorn's own)."""

    def __init__(self, app: ASGIApp, service: SandboxService, routes: list[BaseRoute]) -> None:
        self.app = app
        self.service = service
        self.routes = routes

    def _template(self, scope: Scope) -> str:
        for route in self.routes:
            match, _ = route.matches(scope)
            if match is not Match.NONE:
                return str(getattr(route, "path", scope["path"]))
        return "(unmatched)"

    def _exempt(self, path: str) -> bool:
        return path.startswith("/_sandbox/") or path in self.service.token_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        svc = self.service
        status = 0
        request_id = _header(scope, b"request-id") if svc.echo_request_id else None

        async def tracked(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                if request_id is not None:
                    headers = [h for h in message.get("headers", []) if h[0] != b"request-id"]
                    headers.append((b"request-id", request_id.encode("latin-1")))
                    message = {**message, "headers": headers}
            await send(message)

        try:
            if self._exempt(scope["path"]):
                await self.app(scope, receive, tracked)
                return
            await self._faulted(scope, receive, send, tracked)
        finally:
            svc.stats.record(scope["method"], self._template(scope), status)

    async def _faulted(self, scope: Scope, receive: Receive, send: Send, tracked: Send) -> None:
        svc = self.service
        settings = svc.faults.settings
        decision = svc.faults.decide()
        if decision.latency_s:
            await asyncio.sleep(decision.latency_s)
        if decision.kind == "drop":
            await _drop(send)
            return
        if decision.kind == "lost":  # the server acts, its answer never arrives

            async def swallow(_message: Message) -> None:
                return None

            await self.app(scope, receive, swallow)
            await _drop(send)
            return
        retry = {"Retry-After": str(settings.retry_after_s)}
        path = scope["path"]
        if decision.kind == "error":
            body = svc.fault_body(path, decision.status, "simulated server fault (sandbox)")
            await _send_json(
                tracked, decision.status, body, retry if decision.status == 503 else None
            )
            return
        if decision.kind == "rate_limit":
            body = svc.fault_body(path, 429, "too many requests (simulated burst)")
            await _send_json(tracked, 429, body, retry)
            return
        if decision.kind == "timeout":
            # a slow backend already has the request, and finishes it even when the
            # client gives up waiting (its answer then goes nowhere)
            receive = await _buffered(receive)
            await self._hold(settings.timeout_s)
        key = svc.rate_limit_key(scope)
        if key is not None:
            wait = svc.limiter.acquire(key)
            if wait:
                body = svc.fault_body(path, 429, f"rate limit exceeded; retry in {wait} s")
                await _send_json(tracked, 429, body, {"Retry-After": str(wait)})
                return
        await self.app(scope, receive, tracked)

    async def _hold(self, seconds: float) -> None:
        """Sleep like a stuck backend, but let a stopping server finish promptly."""
        steps = max(1, int(seconds / 0.05))
        for _ in range(steps):
            if self.service.stopping.is_set():
                return
            await asyncio.sleep(seconds / steps)
