"""What every simulated server has in common: state loading, the ``/_sandbox`` routes,
fault settings, stats, webhooks, and the Starlette app wrapped in the sandbox middleware.

``/_sandbox/*`` needs no credentials (loopback only, for tests and the demo tooling):

- ``GET /_sandbox/stats``: ``{"counts": {entity: n}, "requests": {...}, "faults": {...}}``
- ``GET /_sandbox/export/{entity}``: every current record of the entity (stored shape)
- ``GET|PUT /_sandbox/faults``: read, or replace with a spec string / JSON object
- ``POST /_sandbox/reset``: reload the data set, clear the stats
- ``POST|GET /_sandbox/webhooks``, ``DELETE /_sandbox/webhooks/{id}``,
  ``GET /_sandbox/webhooks/deliveries``: for servers that send webhooks
"""

from __future__ import annotations

import abc
import json
import threading
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Scope

from app.sandbox.servers.dataset import DatasetLike
from app.sandbox.servers.errors import ApiError, SandboxError
from app.sandbox.servers.faults import FaultInjector, FaultSettings, FaultSpec
from app.sandbox.servers.middleware import SandboxMiddleware
from app.sandbox.servers.ratelimit import TokenBucketLimiter
from app.sandbox.servers.stats import RequestStats
from app.sandbox.servers.webhooks import WebhookDispatcher


async def json_body(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 that says what is wrong with it."""
    raw = await request.body()
    if not raw.strip():
        raise ApiError(400, "request body must be a JSON object")
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "request body must be a JSON object")
    return data


async def _api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body(), exc.status, headers=exc.headers)


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"code": exc.status_code, "message": exc.detail}, exc.status_code)


class SandboxService(abc.ABC):
    """One simulated system: its in-memory state and its ASGI app."""

    name: ClassVar[str]
    token_paths: ClassVar[frozenset[str]] = frozenset()
    echo_request_id: ClassVar[bool] = False
    rate_limited: ClassVar[bool] = False

    def __init__(
        self, dataset: DatasetLike, base: FaultSettings, credentials: Mapping[str, str]
    ) -> None:
        self.dataset = dataset
        self.base = base
        self.credentials = dict(credentials)
        self.faults = FaultInjector(self.name, base)
        self.limiter = TokenBucketLimiter(base.rps, base.bucket)
        self.stats = RequestStats()
        self.stopping = threading.Event()
        self.webhooks: WebhookDispatcher | None = self.make_webhooks(base)
        self.load()
        routes = self._sandbox_routes() + self.routes()
        app = Starlette(
            routes=routes,
            exception_handlers={ApiError: _api_error, HTTPException: _http_error},
        )
        self.asgi = SandboxMiddleware(app, self, routes)

    # -- to implement -------------------------------------------------------------
    @abc.abstractmethod
    def load(self) -> None:
        """(Re)build the in-memory state from ``self.dataset``."""

    @abc.abstractmethod
    def routes(self) -> list[BaseRoute]:
        """The system's own API routes."""

    @abc.abstractmethod
    def exports(self) -> dict[str, Callable[[], list[dict[str, Any]]]]:
        """Entity name -> a function returning all its current records."""

    def make_webhooks(self, base: FaultSettings) -> WebhookDispatcher | None:
        """The server's webhook dispatcher, if it sends webhooks."""
        return None

    def on_configure(self, settings: FaultSettings) -> None:
        """React to new settings (token lifetime, webhook back-off...)."""
        if self.webhooks is not None:
            self.webhooks.attempts = max(1, settings.webhook_attempts)
            self.webhooks.backoff_s = settings.webhook_backoff_s

    # -- shared behaviour ---------------------------------------------------------
    @property
    def settings(self) -> FaultSettings:
        return self.faults.settings

    def configure(self, settings: FaultSettings) -> None:
        self.faults.configure(settings)
        self.limiter.configure(settings.rps, settings.bucket)
        self.on_configure(settings)

    def set_faults(self, spec: str) -> None:
        """Replace the fault settings with ``spec`` applied over this server's defaults."""
        self.configure(FaultSpec.parse(spec).settings_for(self.name, self.base))

    def rate_limit_key(self, scope: Scope) -> str | None:
        if not self.rate_limited:
            return None
        for key, value in scope.get("headers", []):
            if key.lower() in (b"x-api-key", b"authorization"):
                return bytes(value).decode("latin-1")
        return None

    def counts(self) -> dict[str, int]:
        return {name: len(fn()) for name, fn in self.exports().items()}

    def fault_body(self, path: str, status: int, message: str) -> dict[str, Any]:
        """The JSON body of an injected fault or rate-limit answer on ``path``."""
        return {"code": status, "message": message}

    def start(self) -> None:
        self.stopping.clear()
        if self.webhooks is not None:
            self.webhooks.start()

    def stop(self) -> None:
        self.stopping.set()
        if self.webhooks is not None:
            self.webhooks.stop()

    # -- /_sandbox ----------------------------------------------------------------
    def _sandbox_routes(self) -> list[BaseRoute]:
        routes: list[BaseRoute] = [
            Route("/_sandbox/ping", self._ping, methods=["GET"]),
            Route("/_sandbox/stats", self._stats, methods=["GET"]),
            Route("/_sandbox/export/{entity}", self._export, methods=["GET"]),
            Route("/_sandbox/faults", self._faults, methods=["GET", "PUT"]),
            Route("/_sandbox/reset", self._reset, methods=["POST"]),
        ]
        if self.webhooks is not None:
            routes += [
                Route("/_sandbox/webhooks", self._webhooks, methods=["GET", "POST"]),
                Route("/_sandbox/webhooks/deliveries", self._deliveries, methods=["GET"]),
                Route("/_sandbox/webhooks/{sub_id}", self._unsubscribe, methods=["DELETE"]),
            ]
        return routes

    async def _ping(self, _request: Request) -> Response:
        """Readiness: answers at once, however big the data set."""
        return JSONResponse({"server": self.name})

    async def _stats(self, _request: Request) -> Response:
        return JSONResponse(
            {
                "server": self.name,
                "counts": self.counts(),
                "requests": self.stats.snapshot(),
                "faults": self.faults.snapshot(),
                "rate_limited": self.limiter.limited,
            }
        )

    async def _export(self, request: Request) -> Response:
        entity = request.path_params["entity"]
        exports = self.exports()
        if entity not in exports:
            known = ", ".join(sorted(exports))
            raise ApiError(404, f"unknown entity '{entity}'; known: {known}", field="entity")
        return JSONResponse(exports[entity]())

    async def _faults(self, request: Request) -> Response:
        if request.method == "PUT":
            raw = (await request.body()).decode("utf-8", "replace")
            try:
                data = json.loads(raw) if raw.strip().startswith(("{", '"')) else raw
            except json.JSONDecodeError as exc:
                raise ApiError(400, f"faults body is not valid JSON: {exc}") from None
            spec = data.get("spec", "") if isinstance(data, dict) and "spec" in data else data
            try:
                self.set_faults(json.dumps(spec) if isinstance(spec, dict) else str(spec))
            except SandboxError as exc:
                raise ApiError(400, str(exc)) from None
        return JSONResponse(self.faults.snapshot())

    async def _reset(self, _request: Request) -> Response:
        self.load()
        self.stats.reset()
        self.faults.reset_counts()
        return JSONResponse({"reset": True, "counts": self.counts()})

    async def _webhooks(self, request: Request) -> Response:
        assert self.webhooks is not None
        if request.method == "GET":
            return JSONResponse(self.webhooks.subscriptions())
        body = await json_body(request)
        url = body.get("url")
        if not isinstance(url, str) or not url:
            raise ApiError(422, "url: required", field="url")
        secret = body.get("secret")
        events = body.get("events") or []
        if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
            raise ApiError(422, "events: expected a list of event type names", field="events")
        sub = self.webhooks.subscribe(
            url, secret if isinstance(secret, str) else None, frozenset(events)
        )
        return JSONResponse({"id": sub.id, "url": sub.url, "events": sorted(sub.events)}, 201)

    async def _deliveries(self, _request: Request) -> Response:
        assert self.webhooks is not None
        return JSONResponse(list(self.webhooks.log))

    async def _unsubscribe(self, request: Request) -> Response:
        assert self.webhooks is not None
        if not self.webhooks.unsubscribe(request.path_params["sub_id"]):
            raise ApiError(404, "no such webhook subscription")
        return Response(status_code=204)
