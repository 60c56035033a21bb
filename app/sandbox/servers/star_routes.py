"""The simulated DMS speaking STAR REST (``app.formats.star``) over the same records.

Mounted under ``/v1/v1_0_0`` (the path of the specs' ``servers`` URL):
``/customers``, ``/inventory-vehicles``, ``/service-vehicles``, ``/appointments``,
``/vehicle-invoices``, ``/credit-authorizations``, each with ``GET`` (list), ``POST``,
``GET|PUT|PATCH /{key}``. Records are the DMS store's own (customers, stock units,
customer vehicles, appointments, deals), rendered with the codec's ``unflatten`` and read
back with ``flatten``: a change made through either dialect is seen by the other. Credit
authorizations have no DMS table: they live in a small table here, empty at start.

- Auth: ``Authorization: Bearer`` from the DMS token endpoint, or ``X-API-KEY`` (the
  specs' ``member-api-key``) with the demo key ``star_api_key``. No Subscription-Id.
- Headers: those the spec marks required for the operation (none for appointments); a
  missing or malformed one answers 400 with an ``ErrorDetail`` naming it.
- Lists: ``filter=sdate:YYYY-MM-DD,edate:YYYY-MM-DD`` (inclusive days, on ``updated_at``),
  ``limit`` 1..100 (default 100), ``offset`` >= 0, ordered by (updated_at, id);
  ``{"data", "has_more", "total_count"}``. Appointments: ``limit`` 1..200, ``cursor``,
  ``from``/``to`` on the scheduled start (``filter`` and ``offset`` work there too).
- Keys: a record's ``<x>_key`` is its DMS id, or the key its creator chose (kept here);
  a customer's is always its DMS number, as a DMS numbers its customers (deals refer to
  them by it), the creator's key only finds it again.
  ``POST`` answers 201 (``Location``, ``ETag``); the same ``Idempotency-Key`` (or an
  appointment's ``client_request_id``) replays that answer; a known key is 409.
- ``PUT`` replaces the writable fields (those of the spec's update schema); ``PATCH``
  changes the flat fields whose STAR path the body holds (a null clears one; an array in
  the body does not drop the fields it leaves out, unlike a strict RFC 7386 merge).
  ``If-Match`` is honoured when sent (412 when stale), not required.
- Value vocabularies are mapped both ways (DMS -> STAR -> DMS), e.g. deal status PENDING,
  BOOKED, DELIVERED, UNWOUND = PENDING_APPROVAL, ISSUED, CLOSED, VOIDED; a STAR value that
  stands for the current DMS value changes nothing (ARRIVED appointments read as BOOKED,
  DELIVERED stock as SOLD; a CASH or FINANCE deal is a VEHICLE_SALE invoice, LEASE a LEASE).
- Appointments render the DMS customer's name, e-mail and phones and the vehicle of the
  same VIN; ``scheduled_end`` is the start plus an hour; ``dealer_id`` is ROOFTOP-DEMO.

Each domain's adapter (DMS row <-> flat STAR row, ``star_adapter``) is in its module:
``star_customers``, ``star_vehicles``, ``star_appointments``, ``star_invoices`` (with a
deal's structure and trade-in), ``star_credit_authorizations`` (with their table);
``ErrorDetail`` bodies and query parameters: ``star_requests``.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app.formats import star
from app.formats.errors import StarError
from app.sandbox.servers.clock import format_ts, parse_ts
from app.sandbox.servers.dataset import Record
from app.sandbox.servers.dms_store import DmsStore
from app.sandbox.servers.errors import ApiError
from app.sandbox.servers.oauth import TokenIssuer
from app.sandbox.servers.paging import decode_cursor, encode_cursor
from app.sandbox.servers.records import etag_of
from app.sandbox.servers.service import json_body
from app.sandbox.servers.star_adapter import Adapter, id_column, no_problem
from app.sandbox.servers.star_appointments import (
    APPOINTMENT_STATUS,
    appointments_adapter,
    scheduled_between,
)
from app.sandbox.servers.star_credit_authorizations import CreditTable, credit_adapter
from app.sandbox.servers.star_customers import customers_adapter
from app.sandbox.servers.star_invoices import DealExtras, check_trade, vehicle_invoices_adapter
from app.sandbox.servers.star_requests import as_text, int_param, star_error
from app.sandbox.servers.star_vehicles import inventory_adapter, service_vehicles_adapter

DEFAULT_LIMIT = 100
ECHOED = ("Transaction-ID", "Correlation-ID", "Standards-Version", "Org-Version")
# DMS columns a PUT/PATCH may not clear
KEEP = {"appointments": ("scheduled_at",), "deals": ("customer_id",)}


class StarRoutes:
    """The STAR dialect of one ``DmsService``: adapters, keys, the credit table."""

    def __init__(
        self, store: DmsStore, issuer: TokenIssuer, credentials: Mapping[str, str]
    ) -> None:
        self.store = store
        self.issuer = issuer
        self.api_key = credentials.get("star_api_key", "")
        self.credits = CreditTable(store)
        self.deals = DealExtras(store)
        self.adapters: dict[str, Adapter] = {}
        self.reset()

    def reset(self) -> None:
        """Forget created keys, idempotency keys, credit authorizations and deal extras (on
        reload)."""
        self.credits.reset()
        self.deals.reset()
        self.adapters = {
            a.domain: a
            for a in (
                customers_adapter(),
                inventory_adapter(),
                service_vehicles_adapter(),
                appointments_adapter(self.store),
                vehicle_invoices_adapter(self.store, self.deals, self._customer_id),
                credit_adapter(self._customer_id),
            )
        }

    def _customer_id(self, key: str) -> str:
        """The customer's DMS number, given it or the key the customer was made under."""
        return self.adapters["customers"].id_of(key)

    # -- routes --------------------------------------------------------------------
    def routes(self) -> list[BaseRoute]:
        routes: list[BaseRoute] = []
        for adapter in self.adapters.values():
            d = adapter.spec
            base = f"{star.BASE_PATH}{d.collection}"
            routes.append(Route(base, self._handler(d.name, self._collection),
                                methods=["GET", "POST"]))  # fmt: skip
            routes.append(Route(f"{base}/{{key}}", self._handler(d.name, self._item),
                                methods=["GET", "PUT", "PATCH"]))  # fmt: skip
        return routes

    def _handler(
        self, domain: str, fn: Callable[[Request, Adapter], Any]
    ) -> Callable[[Request], Any]:
        async def handler(request: Request) -> Response:
            echo = {h: request.headers[h] for h in ECHOED if request.headers.get(h)}
            try:
                self._guard(request, domain)
                response: Response = await fn(request, self.adapters[domain])
            except ApiError as exc:
                response = JSONResponse(
                    star_error(exc.status, exc.message, exc.field), exc.status, exc.headers
                )
            except StarError as exc:
                response = JSONResponse(star_error(422, exc.message), 422)
            response.headers.update(echo)
            return response

        return handler

    def _guard(self, request: Request, domain: str) -> None:
        key = request.headers.get("x-api-key")
        if key is not None:
            if not (self.api_key and hmac.compare_digest(key.encode(), self.api_key.encode())):
                raise ApiError(401, "X-API-KEY is not a valid member API key", field="X-API-KEY")
        else:
            self.issuer.validate(request.headers.get("authorization", ""))
        problems = star.header_problems(domain, request.method, request.headers)
        if problems:
            raise ApiError(400, problems[0], field=problems[0].split(" ", 1)[0])

    async def _collection(self, request: Request, adapter: Adapter) -> Response:
        if request.method == "POST":
            return await self._create(request, adapter)
        return self._list(request, adapter)

    async def _item(self, request: Request, adapter: Adapter) -> Response:
        key = request.path_params["key"]
        if request.method == "GET":
            with self.store.lock:
                record = self._get(adapter, key)
                body = self._render(adapter, record)
            return self._single(adapter, body, record, 200)
        return await self._update(request, adapter, key)

    # -- reads -----------------------------------------------------------------------
    def _rows(self, adapter: Adapter, low: str) -> list[Record]:
        if adapter.entity == "credit_authorizations":
            return self.credits.rows(low)
        return self.store.query(adapter.entity, low)

    def _get(self, adapter: Adapter, key: str) -> Record:
        record_id = adapter.id_of(key)
        if adapter.entity == "credit_authorizations":
            return self.credits.get(record_id, key)
        label = adapter.spec.schema
        try:
            return self.store.get(adapter.entity, record_id)
        except ApiError:
            raise ApiError(404, f"no {label} with key '{key}'") from None

    def _render(self, adapter: Adapter, record: Record) -> dict[str, Any]:
        return star.unflatten(adapter.domain, adapter.to_flat(record), star.RECORD)

    def _list(self, request: Request, adapter: Adapter) -> Response:
        d = adapter.spec
        params = request.query_params
        limit = int_param(params, "limit", min(DEFAULT_LIMIT, d.limit_max), 1, d.limit_max)
        try:
            window = star.parse_filter(params.get("filter", ""))
        except StarError as exc:
            raise ApiError(400, exc.message, field="filter") from None
        low, high = window.bounds()
        with self.store.lock:
            rows = self._rows(adapter, low)
            if high:
                rows = [r for r in rows if r["updated_at"] < high]
            if d.paging == "cursor":
                rows = scheduled_between(rows, params)
                status = params.get("appointment_status", "").upper()
                if status:
                    rows = [r for r in rows if APPOINTMENT_STATUS.get(r["status"]) == status]
                if params.get("vin"):
                    rows = [r for r in rows if r["vin"] == params["vin"]]
            total = len(rows)
            cursor = params.get("cursor", "")
            if cursor:
                after = decode_cursor(cursor)
                id_key = id_column(adapter)
                rows = [r for r in rows if (r["updated_at"], r[id_key]) > after]
                offset = 0
            else:
                offset = int_param(params, "offset", 0, 0, None)
            chunk = rows[offset : offset + limit]
            has_more = offset + len(chunk) < len(rows)
            body: dict[str, Any] = {
                "data": [self._render(adapter, r) for r in chunk],
                "has_more": has_more,
                "total_count": total,
            }
            if d.paging == "cursor" and has_more and chunk:
                body["next_cursor"] = encode_cursor(chunk[-1], id_column(adapter))
        return JSONResponse(body)

    def _single(
        self, adapter: Adapter, body: dict[str, Any], record: Record, status: int
    ) -> Response:
        headers = {"ETag": f'"{record.get("etag") or etag_of(record)}"'}
        stamp = parse_ts(record.get("updated_at", ""))
        if stamp is not None:
            headers["Last-Modified"] = stamp.strftime("%a, %d %b %Y %H:%M:%S GMT")
        if status == 201:
            key = adapter.key_of(record[id_column(adapter)])
            headers["Location"] = f"{star.BASE_PATH}{adapter.spec.collection}/{key}"
        return JSONResponse(star.wrap_single(adapter.domain, body), status, headers=headers)

    # -- writes -----------------------------------------------------------------------
    def _parse(self, adapter: Adapter, body: Mapping[str, Any]) -> dict[str, str]:
        """The fields the body carries, as flat values (present ones only)."""
        flat = star.flatten(adapter.domain, body)
        present = star.fields_present(adapter.domain, body)
        return {k: flat[k] for k in present}

    def _check(self, adapter: Adapter, changes: Mapping[str, str]) -> None:
        d = adapter.spec
        for column, value in changes.items():
            reason = adapter.checks.get(column, no_problem)(value)
            if reason:
                known = column in d.field_names
                where = d.field(column).write_path(star.UPDATE) if known else column
                raise ApiError(422, f"{column}: {reason}", field=where)

    async def _create(self, request: Request, adapter: Adapter) -> Response:
        d = adapter.spec
        body = await json_body(request)
        replay = request.headers.get("idempotency-key") or as_text(body.get("client_request_id"))
        with self.store.lock:
            known = adapter.idempotency.get(replay)
            if known is not None:
                record = self._get(adapter, adapter.key_of(known))
                return self._single(adapter, self._render(adapter, record), record, 201)
            flat = self._parse(adapter, body)
            key = flat.get(d.key_field, "").strip() if d.key_field in d.writable("create") else ""
            if d.key_field in d.required_create and not key:
                raise ApiError(422, f"{d.key_field}: required", field=d.key_field)
            if key and self._key_taken(adapter, key):
                raise ApiError(409, f"a {d.schema} with key '{key}' already exists",
                               field=d.key_field)  # fmt: skip
            fields = adapter.to_dms(flat, None)
            self._check(adapter, fields)
            if adapter.entity == "deals":
                check_trade(flat)
            record = self._insert(adapter, fields, key)
            record_id = record[id_column(adapter)]
            if adapter.entity == "deals":
                self.deals.keep_deal_extras(record_id, flat)
            if key and key != record_id:
                adapter.keys[key] = record_id
                if adapter.shows_client_key:
                    adapter.ids[record_id] = key
            adapter.idempotency.remember(replay, record_id)
            return self._single(adapter, self._render(adapter, record), record, 201)

    def _customer_exists(self, fields: Mapping[str, str]) -> None:
        customer = fields.get("customer_id", "")
        if customer and customer not in self.store.tables["customers"]:
            raise ApiError(422, f"customer_id: no DMS customer '{customer}'", field="customer_id")

    def _key_taken(self, adapter: Adapter, key: str) -> bool:
        if key in adapter.keys:
            return True
        if adapter.entity == "credit_authorizations":
            return key in self.credits.records
        return key in self.store.tables[adapter.entity]

    def _insert(self, adapter: Adapter, fields: dict[str, str], key: str) -> Record:
        entity = adapter.entity
        self._customer_exists(fields)
        if entity == "customers":
            return self.store.create_customer(fields)
        if entity == "appointments":
            for required in ("customer_id", "scheduled_at"):
                if not fields.get(required):
                    raise ApiError(422, f"{required}: required", field=required)
            moment = parse_ts(fields["scheduled_at"])
            if moment is not None:
                fields["scheduled_at"] = format_ts(moment)
            return self.store.create_appointment(fields)
        if entity == "deals" and not fields.get("customer_id"):
            raise ApiError(422, "customer_id: required", field="customer_reference.party_key")
        if entity == "credit_authorizations":
            return self.credits.insert(fields)
        if entity == "inventory" and not fields.get("vin"):
            raise ApiError(422, "vin: required (the DMS keys stock by VIN)",
                           field="vehicle_identifier.vin")  # fmt: skip
        return self.store.create(entity, fields)

    async def _update(self, request: Request, adapter: Adapter, key: str) -> Response:
        d = adapter.spec
        body = await json_body(request)
        given = self._parse(adapter, body)
        writable = set(d.writable(star.UPDATE))
        if request.method == "PUT":  # a replacement: writable fields not sent are cleared
            flat = {k: given.get(k, "") for k in writable}
        else:
            flat = {k: val for k, val in given.items() if k in writable}
        if_match = request.headers.get("if-match") or "*"
        with self.store.lock:
            current = self._get(adapter, key)
            if adapter.entity == "deals":
                check_trade(flat)
                self.deals.check_deal_change(
                    current, flat, self.adapters["vehicle_invoices"], self._customer_id
                )
            changes = adapter.to_dms(flat, current)
            self._check(adapter, changes)
            for column in KEEP.get(adapter.entity, ()):
                if column in changes and not changes[column].strip():
                    raise ApiError(422, f"{column}: cannot be emptied", field=column)
            self._customer_exists(changes)
            record_id = current[id_column(adapter)]
            if adapter.entity == "credit_authorizations":
                record = self.credits.update(record_id, changes, if_match)
            else:
                record = self.store.update(adapter.entity, record_id, changes, if_match)
            if adapter.entity == "deals":
                self.deals.keep_deal_extras(record_id, flat)
            return self._single(adapter, self._render(adapter, record), record, 200)
