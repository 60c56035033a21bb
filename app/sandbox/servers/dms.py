"""The simulated DMS: a Fortellis-style REST API over the dealership's records.

Conventions follow CDK's Fortellis specs: ``POST /oauth2/token`` (client credentials,
form body or HTTP Basic), then every call needs ``Authorization: Bearer``,
``Subscription-Id`` (403 if wrong) and ``Request-Id`` (400 if missing; echoed back on
every answer). Collections take ``page``/``pageSize`` (max 1000, default 100) and
``updatedSince`` (inclusive), ordered by (updatedAt, id). Items are the schema columns in
camelCase plus ``etag``; single GETs send an ``ETag`` header, updates need ``If-Match``
(428 missing, 412 stale). ``Prefer: return=representation`` adds ``lines`` to listed
repair orders. ``POST /appointments`` honours ``Idempotency-Key``; ``POST /leads``
(``{customerId | customer: {...}, vehicle: {...}, source, comments, salesperson,
crmLeadId, status NEW|WORKING|SOLD|LOST}``) matches a customer by e-mail or creates one,
and is idempotent on ``crmLeadId``.

Routes: ``/customers[/{id}]`` (PATCH), ``/vehicles[/{id}]`` (``?customerId=&vin=``),
``/deals[/{dealNumber}]`` (PATCH status), ``/repair-orders[/{roNumber}]``,
``/appointments[/{id}]`` (POST, PATCH), ``/inventory[/{vin}]`` (PATCH status, price,
specialPrice), ``/leads[/{id}]`` (POST). Events ``inventory.status.changed`` and
``deal.status.changed`` go to webhook subscribers with an HS256 JWT bearer token.

The same records also answer in STAR REST under ``/v1/v1_0_0`` (``star_routes``).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app.formats import star
from app.sandbox.schema import TABLES
from app.sandbox.servers import jwt
from app.sandbox.servers import validation as v
from app.sandbox.servers.cdk_routes import cdk_routes
from app.sandbox.servers.clock import format_ts, now_ts, parse_ts
from app.sandbox.servers.dataset import Record, camel, snake, to_camel
from app.sandbox.servers.dms_checks import APPOINTMENT_CHECKS, CUSTOMER_CHECKS
from app.sandbox.servers.dms_store import ENTITIES, DmsStore
from app.sandbox.servers.errors import ApiError
from app.sandbox.servers.faults import FaultSettings
from app.sandbox.servers.oauth import TokenIssuer, token_endpoint
from app.sandbox.servers.paging import page_number_response, since_param
from app.sandbox.servers.records import IdempotencyKeys
from app.sandbox.servers.service import SandboxService, json_body
from app.sandbox.servers.star_requests import star_error
from app.sandbox.servers.star_routes import StarRoutes
from app.sandbox.servers.webhooks import WebhookDispatcher

_CUSTOMER_WRITABLE = [
    c for c in TABLES["dms_customers"] if c not in ("customer_id", "created_at", "updated_at")
]
# entity -> (writable columns, checks) for PATCH
UPDATES: dict[str, tuple[list[str], Mapping[str, v.Check]]] = {
    "customers": (_CUSTOMER_WRITABLE, CUSTOMER_CHECKS),
    "deals": (
        ["status", "salesperson", "crm_lead_id"],
        {"status": v.one_of("PENDING", "BOOKED", "DELIVERED", "UNWOUND")},
    ),
    "appointments": (
        ["scheduled_at", "status", "service_requested", "advisor", "vin"],
        APPOINTMENT_CHECKS,
    ),
    "inventory": (
        ["status", "price", "special_price"],
        {
            "status": v.one_of("AVAILABLE", "PENDING", "SOLD", "DELIVERED"),
            "price": v.money,
            "special_price": v.money,
        },
    ),
}
# URL segment -> (entity, path parameter, {query parameter: column} filters)
COLLECTIONS: dict[str, tuple[str, str, dict[str, str]]] = {
    "customers": ("customers", "customerId", {"email": "email"}),
    "vehicles": ("vehicles", "vehicleId", {"customerId": "customer_id", "vin": "vin"}),
    "deals": (
        "deals",
        "dealNumber",
        {"customerId": "customer_id", "status": "status", "vin": "vin"},
    ),
    "repair-orders": (
        "repair_orders",
        "roNumber",
        {"customerId": "customer_id", "status": "status", "vin": "vin"},
    ),
    "appointments": (
        "appointments",
        "appointmentId",
        {"customerId": "customer_id", "status": "status"},
    ),
    "inventory": ("inventory", "vin", {"status": "status", "condition": "condition"}),
    "leads": ("leads", "leadId", {"customerId": "customer_id", "status": "status"}),
}
Handler = Callable[[Request], Any]


def _etag_header(record: Record) -> dict[str, str]:
    return {"ETag": f'"{record["etag"]}"'}


class DmsService(SandboxService):
    name = "dms"
    token_paths: ClassVar[frozenset[str]] = frozenset({"/oauth2/token"})
    echo_request_id = True

    def __init__(self, dataset: Any, base: FaultSettings, credentials: Mapping[str, str]) -> None:
        self.store = DmsStore(self._emit)
        self.issuer = TokenIssuer(
            credentials["client_id"], credentials["client_secret"], base.token_ttl_s
        )
        self._idempotency = IdempotencyKeys()
        self.star = StarRoutes(self.store, self.issuer, credentials)
        super().__init__(dataset, base, credentials)

    # -- wiring -------------------------------------------------------------------
    def make_webhooks(self, base: FaultSettings) -> WebhookDispatcher:
        return WebhookDispatcher(
            "dms",
            self._sign,
            _envelope,
            default_secret=self.credentials["webhook_secret"],
            attempts=base.webhook_attempts,
            backoff_s=base.webhook_backoff_s,
        )

    def _sign(self, _body: bytes, secret: str, event_id: str) -> dict[str, str]:
        now = int(time.time())
        claims = {
            "iss": "rooftop-sandbox-dms",
            "sub": self.credentials["subscription_id"],
            "aud": "event-relay-subscriber",
            "iat": now,
            "exp": now + 300,
            "jti": event_id,
        }
        return {
            "Authorization": f"Bearer {jwt.encode(claims, secret)}",
            "Fortellis-Event-Id": event_id,
        }

    def _emit(self, event_type: str, payload: dict[str, Any]) -> None:
        if self.webhooks is not None:
            self.webhooks.publish(event_type, payload)

    def on_configure(self, settings: FaultSettings) -> None:
        super().on_configure(settings)
        self.issuer.ttl_s = settings.token_ttl_s

    def load(self) -> None:
        self.store.load(self.dataset)
        self.star.reset()

    def fault_body(self, path: str, status: int, message: str) -> dict[str, Any]:
        if path.startswith(star.BASE_PATH + "/"):
            return star_error(status, message)
        return super().fault_body(path, status, message)

    def exports(self) -> dict[str, Callable[[], list[dict[str, Any]]]]:
        out: dict[str, Callable[[], list[dict[str, Any]]]] = {
            e: functools.partial(self.store.all, e) for e in ENTITIES
        }
        out["repair_order_lines"] = self.store.all_lines
        out["credit_authorizations"] = self.star.credits.export
        out["appraisals"] = self.star.deals.export_appraisals  # trade-ins appraised on deals
        out["deal_terms"] = self.star.deals.export_deal_terms
        return out

    def counts(self) -> dict[str, int]:
        """Record counts without copying a million repair-order lines to count them."""
        out = {e: self.store.count(e) for e in ENTITIES}
        out["repair_order_lines"] = self.store.count_lines()
        out["credit_authorizations"] = len(self.star.credits.records)
        out["appraisals"] = len(self.star.deals.appraisals)
        return out

    def routes(self) -> list[BaseRoute]:
        routes: list[BaseRoute] = [
            Route("/oauth2/token", self._token, methods=["POST"]),
            Route("/leads", self._create_lead, methods=["POST"]),
            Route("/appointments", self._create_appointment, methods=["POST"]),
        ]
        for segment, (entity, param, filters) in COLLECTIONS.items():
            routes.append(Route(f"/{segment}", self._lister(entity, filters), methods=["GET"]))
            methods = ["GET", "PATCH"] if entity in UPDATES else ["GET"]
            routes.append(
                Route(f"/{segment}/{{{param}}}", self._one(entity, param), methods=methods)
            )
        return routes + self.star.routes() + cdk_routes(self.store, self._guard)

    # -- handlers -----------------------------------------------------------------
    async def _token(self, request: Request) -> Response:
        return await token_endpoint(request, self.issuer)

    def _guard(self, request: Request) -> None:
        self.issuer.validate(request.headers.get("authorization", ""))
        if request.headers.get("subscription-id") != self.credentials["subscription_id"]:
            raise ApiError(
                403,
                "Subscription-Id header is missing or not subscribed to this dealership",
                field="Subscription-Id",
            )
        if not request.headers.get("request-id", "").strip():
            raise ApiError(400, "Request-Id header is required (a GUID)", field="Request-Id")

    def _render(self, entity: str, record: Record, with_lines: bool) -> dict[str, Any]:
        out: dict[str, Any] = to_camel(record)
        if entity == "repair_orders" and with_lines:
            out["lines"] = [to_camel(line) for line in self.store.lines(record["ro_number"])]
        return out

    def _lister(self, entity: str, filters: Mapping[str, str]) -> Handler:
        async def handler(request: Request) -> Response:
            self._guard(request)
            params = request.query_params
            since = since_param(params, "updatedSince")
            wanted = {col: params[p] for p, col in filters.items() if params.get(p)}
            lines = "return=representation" in request.headers.get("prefer", "")
            with self.store.lock:  # the rows are the live records: render the page under it
                rows = self.store.query(entity, since, wanted)
                body = page_number_response(
                    rows, request.url, params, lambda r: self._render(entity, r, lines)
                )
            return JSONResponse(body)

        return handler

    def _one(self, entity: str, param: str) -> Handler:
        async def handler(request: Request) -> Response:
            self._guard(request)
            key = request.path_params[param]
            if request.method == "PATCH":
                writable, checks = UPDATES[entity]
                changes = v.clean_changes(
                    await json_body(request), writable, checks, to_column=snake, to_name=camel
                )
                record = self.store.update(entity, key, changes, request.headers.get("if-match"))
            else:
                record = self.store.get(entity, key)
            return JSONResponse(self._render(entity, record, True), headers=_etag_header(record))

        return handler

    async def _create_appointment(self, request: Request) -> Response:
        self._guard(request)
        body = await json_body(request)
        writable = [
            "customer_id",
            "scheduled_at",
            "service_requested",
            "advisor",
            "vin",
            "status",
            "source",
        ]
        fields = v.clean_changes(body, writable, APPOINTMENT_CHECKS, to_column=snake, to_name=camel)
        for required in ("customer_id", "scheduled_at", "service_requested"):
            if not fields.get(required):
                raise ApiError(422, f"{camel(required)}: required", field=camel(required))
        moment = parse_ts(fields["scheduled_at"])
        if moment is not None:
            fields["scheduled_at"] = format_ts(moment)
        key = request.headers.get("idempotency-key")
        known = self._idempotency.get(key)
        if known is not None:
            record = self.store.get("appointments", known)
            return JSONResponse(to_camel(record), 200, headers=_etag_header(record))
        try:
            record = self.store.create_appointment(fields)
        except ApiError as exc:
            raise ApiError(422, f"customerId: {exc.message}", field="customerId") from None
        self._idempotency.remember(key, record["appointment_id"])
        headers = {**_etag_header(record), "Location": f"/appointments/{record['appointment_id']}"}
        return JSONResponse(to_camel(record), 201, headers=headers)

    async def _create_lead(self, request: Request) -> Response:
        self._guard(request)
        body = await json_body(request)
        customer_body = body.pop("customer", None) or {}
        vehicle_body = body.pop("vehicle", None) or {}
        if not isinstance(customer_body, dict) or not isinstance(vehicle_body, dict):
            raise ApiError(422, "customer and vehicle must be JSON objects")
        lead = v.clean_changes(
            body,
            ["customer_id", "source", "comments", "salesperson", "crm_lead_id", "status"],
            {"status": v.one_of("NEW", "WORKING", "SOLD", "LOST")},
            to_column=snake,
            to_name=camel,
        )
        lead.update(
            v.clean_changes(
                vehicle_body,
                ["vin", "year", "make", "model", "stock_number"],
                {"vin": v.vin, "year": _year},
                to_column=snake,
                to_name=lambda c: f"vehicle.{camel(c)}",
            )
        )
        customer = v.clean_changes(
            customer_body,
            _CUSTOMER_WRITABLE,
            CUSTOMER_CHECKS,
            to_column=snake,
            to_name=lambda c: f"customer.{camel(c)}",
        )
        if not lead.get("customer_id"):
            _require_contactable(customer)
        record, created, customer_created = self.store.create_lead(lead, customer)
        out = {**to_camel(record), "customerCreated": customer_created}
        headers = {**_etag_header(record), "Location": f"/leads/{record['lead_id']}"}
        return JSONResponse(out, 201 if created else 200, headers=headers)


def _envelope(event_id: str, event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "eventType": event_type,
        "occurredAt": now_ts(),
        "payload": payload,
    }


def _year(value: str) -> str:
    if not value or (value.isdigit() and 1900 <= int(value) <= 2100):
        return ""
    return f"'{value}' is not a model year"


def _require_contactable(customer: Mapping[str, str]) -> None:
    if not (customer.get("last_name") or customer.get("company_name")):
        raise ApiError(
            422,
            "customer.lastName: required (or customer.companyName, or customerId)",
            field="customer.lastName",
        )
    if not any(customer.get(c) for c in ("email", "home_phone", "work_phone", "mobile_phone")):
        raise ApiError(
            422, "customer.email: an email or a phone number is required", field="customer.email"
        )
