"""CDK Drive *Customer* (``/customer``) and *Service Vehicles* (``/vehicles``) on the
simulated DMS, over its customers and vehicles.

``GET /`` searches (customers by ``name`` — part of first, last or company name —,
``email`` — any of the six —, ``phone`` — any number, by its last ten digits; vehicles
by ``vin``, ``licensePlateNum``, ``customerId``; several parameters must all match). With
no parameter at all it answers 400: the collection has no paging, and this DMS does not
hand out every record in one answer. ``POST /`` creates (201, ``ETag``), ``GET /{id}/``
reads (``ETag``), ``POST /{id}/`` replaces the record with ``If-Match`` (428 without,
412 when stale). The vehicle routes end in ``/`` as the spec writes them, so they do not
meet the DMS's own ``/vehicles`` and ``/vehicles/{vehicleId}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app.formats.cdk import customers, vehicles
from app.formats.cdk.common import CdkFormatError
from app.sandbox.servers import cdk_views as views
from app.sandbox.servers import validation as v
from app.sandbox.servers.dataset import Record
from app.sandbox.servers.dms_store import DmsStore
from app.sandbox.servers.errors import ApiError
from app.sandbox.servers.records import check_if_match
from app.sandbox.servers.service import json_body

CUSTOMERS = "/customer"
VEHICLES = "/vehicles"
Guard = Callable[[Request], None]
_BLANKS = ("make_code", "model_code", "purchase_date", "in_service_date")  # required
_CUSTOMER_PATHS = {f.name: f.path for f in customers.ALL}
_VEHICLE_PATHS = {f.name: f.path for f in vehicles.ALL}
_CUSTOMER_CHECKS: dict[str, v.Check] = {
    "email": v.email,
    "primary_phone": v.phone,
    "home_phone": v.phone,
    "mobile_phone": v.phone,
    "zip": v.zip_code,
    "state": v.state,
    "email_type": v.one_of(*customers.EMAIL_TYPES),
}
_VEHICLE_CHECKS: dict[str, v.Check] = {
    "vin": v.vin,
    "status": v.one_of(*vehicles.STATUSES),
    "mileage_unit": v.one_of("MI", "KM"),
    "purchase_date": v.date,
    "in_service_date": v.date,
    "warranty_expiration_date": v.date,
}


def hrefs(request: Request) -> dict[str, str]:
    """Where this server's customers and vehicles are, for links in answers."""
    base = str(request.base_url).rstrip("/")
    return {"customer": f"{base}{CUSTOMERS}", "vehicle": f"{base}{VEHICLES}"}


def require(row: Mapping[str, Any], wanted: Sequence[str], paths: Mapping[str, str]) -> None:
    """400 naming the spec's properties a body leaves out."""
    gaps = [paths.get(n, n) for n in wanted if str(row.get(n) or "").strip() == ""]
    if gaps:
        raise ApiError(400, f"required: {', '.join(gaps)}", field=gaps[0])


def _check(row: Mapping[str, str], checks: Mapping[str, v.Check], paths: Mapping[str, str]) -> None:
    for name, check in checks.items():
        reason = check(str(row.get(name) or ""))
        if reason:
            raise ApiError(400, f"{paths[name]}: {reason}", field=paths[name])


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)[-10:]


class PeopleRoutes:
    def __init__(self, store: DmsStore, guard: Guard) -> None:
        self.store = store
        self.guard = guard
        self.extras = views.Extras(store)

    def routes(self) -> list[BaseRoute]:
        return [
            Route(f"{CUSTOMERS}/", self.customers, methods=["GET", "POST"]),
            Route(f"{CUSTOMERS}/{{customerId}}/", self.customer, methods=["GET", "POST"]),
            Route(f"{VEHICLES}/", self.vehicles, methods=["GET", "POST"]),
            Route(f"{VEHICLES}/{{vehicleId}}/", self.vehicle, methods=["GET", "POST"]),
        ]

    # -- customers ---------------------------------------------------------------------
    def _customer(self, request: Request, record: Record) -> tuple[dict[str, Any], str]:
        extras = self.extras.of("customers", record["customer_id"])
        body = customers.to_cdk(views.customer_row(record, extras))
        body["links"] = {"self": {"href": f"{hrefs(request)['customer']}/{record['customer_id']}"}}
        return body, views.etag(record, extras)

    def _customer_row(self, body: Mapping[str, Any]) -> dict[str, str]:
        for part in ("name", "contactMethods", "postalAddress"):
            if not isinstance(body.get(part), Mapping):
                raise ApiError(400, f"{part}: required (an object)", field=part)
        row = customers.from_cdk(body)
        if not (row["last_name"] or row["first_name"]):
            raise ApiError(400, "name.last: required", field="name.last")
        _check(row, _CUSTOMER_CHECKS, _CUSTOMER_PATHS)
        return row

    async def customers(self, request: Request) -> Response:
        self.guard(request)
        if request.method == "POST":
            row = self._customer_row(await json_body(request))
            changes, kept = views.customer_changes(row, None)
            with self.store.lock:
                fields = {**changes, "customer_type": "INDIVIDUAL"}
                record = self.store.insert("customers", fields, "C")
                self.extras.of("customers", record["customer_id"]).update(kept)
                body, tag = self._customer(request, record)
            return JSONResponse(body, 201, headers=views.quoted(tag))
        params = request.query_params
        name = params.get("name", "").strip().casefold()
        email = params.get("email", "").strip().casefold()
        phone = _digits(params.get("phone", ""))
        if not (name or email or phone):
            raise ApiError(400, "give name, email or phone to search customers", field="name")
        with self.store.lock:
            found = []
            for record in self.store.tables["customers"].values():
                row = views.customer_row(record, self.extras.of("customers", record["customer_id"]))
                if (
                    name
                    and not any(
                        name in str(row.get(k, "")).casefold()
                        for k in ("first_name", "last_name", "company_name")
                    )
                    and name not in f"{row['first_name']} {row['last_name']}".casefold()
                ):
                    continue
                emails = {
                    str(row.get(k, "")).casefold()
                    for k in ("email", *(f"email_{n}" for n in range(2, 7)))
                }
                if email and email not in emails:
                    continue
                numbers = {_digits(str(row.get(k, ""))) for k in (*customers.PHONES, "pager")}
                if phone and phone not in numbers:
                    continue
                found.append(self._customer(request, record)[0])
        return JSONResponse({"items": found})

    async def customer(self, request: Request) -> Response:
        self.guard(request)
        key = request.path_params["customerId"]
        if request.method == "POST":
            row = self._customer_row(await json_body(request))
            with self.store.lock:
                record = self.store.get("customers", key)
                extras = self.extras.of("customers", key)
                check_if_match(views.etag(record, extras), request.headers.get("if-match"))
                changes, kept = views.customer_changes(row, record)
                record = self.store.update("customers", key, changes, record["etag"])
                extras.clear()
                extras.update(kept)
        record = self.store.get("customers", key)
        body, tag = self._customer(request, record)
        return JSONResponse(body, headers=views.quoted(tag))

    # -- vehicles ------------------------------------------------------------------------
    def _vehicle(self, request: Request, record: Record) -> tuple[dict[str, Any], str]:
        extras = self.extras.of("vehicles", record["vehicle_id"])
        body = vehicles.to_cdk(views.vehicle_row(record, extras), hrefs(request), _BLANKS)
        body["links"] = {"self": {"href": f"{hrefs(request)['vehicle']}/{record['vehicle_id']}"}}
        return body, views.etag(record, extras)

    def _vehicle_row(self, body: Mapping[str, Any]) -> dict[str, str]:
        for part in ("identification", "specification", "dates"):
            if not isinstance(body.get(part), Mapping):
                raise ApiError(400, f"{part}: required (an object)", field=part)
        try:
            row = vehicles.from_cdk(body)
        except CdkFormatError as exc:
            raise ApiError(400, str(exc)) from None
        gaps = vehicles.missing_for_create(row)
        if gaps:
            named = [_VEHICLE_PATHS.get(g, "identification.vin") for g in gaps]
            raise ApiError(400, f"required: {', '.join(named)}", field=named[0])
        _check(row, _VEHICLE_CHECKS, _VEHICLE_PATHS)
        owner = row["customer_id"]
        if owner and owner not in self.store.tables["customers"]:
            raise ApiError(400, f"ownerHref: no customer '{owner}'", field="ownerHref")
        return row

    async def vehicles(self, request: Request) -> Response:
        self.guard(request)
        if request.method == "POST":
            row = self._vehicle_row(await json_body(request))
            changes, kept = views.vehicle_changes(row)
            with self.store.lock:
                record = self.store.insert("vehicles", changes, "V")
                self.extras.of("vehicles", record["vehicle_id"]).update(kept)
                body, tag = self._vehicle(request, record)
            return JSONResponse(body, 201, headers=views.quoted(tag))
        params = request.query_params
        wanted = {
            "vin": params.get("vin", "").strip().upper(),
            "license_plate": params.get("licensePlateNum", "").strip().upper(),
            "customer_id": params.get("customerId", "").strip(),
        }
        if not any(wanted.values()):
            raise ApiError(
                400, "give vin, licensePlateNum or customerId to search vehicles", field="vin"
            )
        with self.store.lock:
            found = []
            for record in self.store.tables["vehicles"].values():
                row = views.vehicle_row(record, self.extras.of("vehicles", record["vehicle_id"]))
                if all(
                    not want or str(row.get(k, "")).upper() == want.upper()
                    for k, want in wanted.items()
                ):
                    found.append(self._vehicle(request, record)[0])
        return JSONResponse({"items": found})

    async def vehicle(self, request: Request) -> Response:
        self.guard(request)
        key = request.path_params["vehicleId"]
        if request.method == "POST":
            row = self._vehicle_row(await json_body(request))
            with self.store.lock:
                record = self.store.get("vehicles", key)
                extras = self.extras.of("vehicles", key)
                check_if_match(views.etag(record, extras), request.headers.get("if-match"))
                changes, kept = views.vehicle_changes(row)
                self.store.update("vehicles", key, changes, record["etag"])
                extras.clear()
                extras.update(kept)
        record = self.store.get("vehicles", key)
        body, tag = self._vehicle(request, record)
        return JSONResponse(body, headers=views.quoted(tag))
