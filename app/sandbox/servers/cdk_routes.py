"""CDK's own APIs on the simulated DMS, over the same records as its other routes, each
under its spec's ``basePath`` (Prism ignores it; the product adds it to the base URL):

- ``/service/v1/repair-orders`` — Fortellis *Service Repair Orders*: ``GET /`` with the
  required ``dateTimeInterval`` (ISO 8601 ``start/end``, ``start/duration`` or
  ``duration/end``; both ends inclusive) matched against the time the RO last changed,
  ``page``/``pageSize`` and ``links.nextPage``, ``status`` (CLOSED, or any other value for
  open ROs), ``Prefer: return=representation`` for service lines; ``GET /{id}``.
- ``/cdkdrive/service/v1/repair-orders`` — CDK Drive *Repair Orders*: ``GET /`` (open
  ROs of ``serviceAdvisorId``), ``POST /`` create, ``GET|POST /{id}/`` read / update the
  header (If-Match), ``POST /{id}/service-lines`` add a line (If-Match: the RO's ETag),
  ``GET|POST|DELETE /{id}/service-lines/{lineId}/`` (If-Match: the line's ETag).
- ``/customer`` — CDK Drive *Customer* and ``/vehicles`` — *Service Vehicles*: see
  ``cdk_people``.

Every call needs what the DMS's other routes need (bearer token, ``Subscription-Id``,
``Request-Id``, echoed back); faults apply as everywhere. Errors are CDK's
``ErrorResponse``; a body that breaks the spec's rules is a 400.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app.formats.cdk import repair_orders as codec
from app.formats.cdk.common import CdkFormatError, names
from app.formats.cdk.interval import IntervalError, parse_interval
from app.sandbox.servers import cdk_views as views
from app.sandbox.servers.cdk_people import PeopleRoutes, hrefs, require
from app.sandbox.servers.clock import format_ts
from app.sandbox.servers.dataset import Record
from app.sandbox.servers.dms_store import DmsStore
from app.sandbox.servers.errors import ApiError
from app.sandbox.servers.paging import page_number_response
from app.sandbox.servers.records import check_if_match
from app.sandbox.servers.service import json_body

FORTELLIS_RO = "/service/v1/repair-orders"
DRIVE_RO = "/cdkdrive/service/v1/repair-orders"
_PATHS = {f.name: f.path for f in codec.DRIVE}
_HEADER_EXTRAS = tuple(
    n
    for n in names(codec.DRIVE)
    if n not in ("ro_number", "customer_id", "mileage_in", "advisor_id", "status", "service_lines")
)
_REQUIRED_TEXT = (  # RepairOrder / RepairOrderSummary strings sent even when empty
    "customer_contact_info",
    "dispatch_make_code",
    "tag_number",
    "promise_at",
    "advisor_id",
    "comments",
    "remarks",
)
Guard = Callable[[Request], None]


def cdk_routes(store: DmsStore, guard: Guard) -> list[BaseRoute]:
    """Every CDK route of the simulated DMS."""
    return RepairOrderRoutes(store, guard).routes() + PeopleRoutes(store, guard).routes()


class RepairOrderRoutes:
    def __init__(self, store: DmsStore, guard: Guard) -> None:
        self.store = store
        self.guard = guard
        self.extras = views.Extras(store)

    def routes(self) -> list[BaseRoute]:
        line = f"{DRIVE_RO}/{{repairOrderId}}/service-lines/{{serviceLineId}}/"
        return [
            Route(f"{FORTELLIS_RO}/", self.list_changed, methods=["GET"]),
            Route(f"{FORTELLIS_RO}/{{repairOrderId}}", self.retrieve, methods=["GET"]),
            Route(f"{DRIVE_RO}/", self.drive_collection, methods=["GET", "POST"]),
            Route(f"{DRIVE_RO}/{{repairOrderId}}/", self.drive_one, methods=["GET", "POST"]),
            Route(f"{DRIVE_RO}/{{repairOrderId}}/service-lines", self.add_line, methods=["POST"]),
            Route(line, self.one_line, methods=["GET", "POST", "DELETE"]),
        ]

    # -- Fortellis reads ----------------------------------------------------------
    def _fortellis(self, record: Record, with_lines: bool) -> dict[str, Any]:
        extras = self.extras.of("repair_orders", record["ro_number"])
        row = views.fortellis_row(record, self.store.lines(record["ro_number"]), extras)
        if not with_lines:
            row.pop("lines")
        return codec.to_fortellis(row)

    async def list_changed(self, request: Request) -> Response:
        self.guard(request)
        params = request.query_params
        raw = params.get("dateTimeInterval", "")
        if not raw:
            raise ApiError(
                400,
                "dateTimeInterval is required: an ISO 8601 interval such as "
                "2024-05-01T00:00:00Z/2024-05-02T00:00:00Z",
                field="dateTimeInterval",
            )
        try:
            start, end = parse_interval(raw)
        except IntervalError as exc:
            raise ApiError(400, f"dateTimeInterval: {exc}", field="dateTimeInterval") from None
        until = format_ts(end)
        status = params.get("status", "")
        lines = "return=representation" in request.headers.get("prefer", "")
        with self.store.lock:
            rows = [
                r
                for r in self.store.query("repair_orders", format_ts(start))
                if r["updated_at"] <= until
                and (not status or (r["status"] == "CLOSED") == (status == "CLOSED"))
            ]
            body = page_number_response(
                rows, request.url, params, lambda r: self._fortellis(r, lines)
            )
        return JSONResponse(body)

    async def retrieve(self, request: Request) -> Response:
        self.guard(request)
        record = self.store.get("repair_orders", request.path_params["repairOrderId"])
        lines = "return=representation" in request.headers.get("prefer", "")
        return JSONResponse(self._fortellis(record, lines))

    # -- Drive: the header ----------------------------------------------------------
    def _drive_row(self, record: Record) -> dict[str, Any]:
        ro = record["ro_number"]
        extras = self.extras.of("repair_orders", ro)
        customer = self.store.tables["customers"].get(record["customer_id"]) or {}
        contact = next(
            (customer.get(c, "") for c in ("mobile_phone", "home_phone", "work_phone", "email")
             if customer.get(c)),
            "",
        )  # fmt: skip
        vehicle = self._vehicle_by_vin(record["vin"], record["customer_id"])
        base_date = record["close_date"] or record["open_date"]
        row: dict[str, Any] = {
            "ro_number": ro,
            "customer_id": record["customer_id"],
            "customer_contact_info": contact,
            "vehicle_id": vehicle.get("vehicle_id", ""),
            "dispatch_make_code": views.make_code(vehicle.get("make", "")),
            "mileage_in": record["mileage_in"] or "0",
            "mileage_unit": "MI",
            "tag_number": f"T{ro[-4:]}",
            "promise_at": f"{base_date}T17:00:00Z" if base_date else record["updated_at"],
            "advisor_id": views.advisor_id(record["advisor"]),
            "status": record["status"],
            "labor_total": record["labor_total"],
            "parts_total": record["parts_total"],
        }
        row.update({k: v for k, v in extras.items() if k in _HEADER_EXTRAS})
        row["service_lines"] = views.drive_lines(record, self.store.lines(ro), extras)
        return row

    def _vehicle_by_vin(self, vin: str, customer_id: str) -> Record:
        found = [v for v in self.store.tables["vehicles"].values() if v["vin"] == vin]
        own = [v for v in found if v["customer_id"] == customer_id]
        return (own or found or [{}])[0]

    def _drive(self, request: Request, record: Record) -> dict[str, Any]:
        body = codec.drive_body(self._drive_row(record), hrefs(request), _REQUIRED_TEXT)
        body["links"] = {
            "self": {"href": f"{request.base_url}{DRIVE_RO[1:]}/{record['ro_number']}/"}
        }
        return body

    def _etag(self, record: Record) -> str:
        return views.etag(record, self.extras.of("repair_orders", record["ro_number"]))

    async def drive_collection(self, request: Request) -> Response:
        self.guard(request)
        if request.method == "POST":
            return await self._create(request)
        advisor = request.query_params.get("serviceAdvisorId", "")
        if not advisor:
            raise ApiError(400, "serviceAdvisorId is required", field="serviceAdvisorId")
        with self.store.lock:
            mine = [
                r
                for r in self.store.tables["repair_orders"].values()
                if r["status"] == "OPEN" and views.advisor_id(r["advisor"]) == advisor
            ]
            items = [_summary(self._drive(request, r)) for r in mine]
        return JSONResponse({"items": items})

    async def drive_one(self, request: Request) -> Response:
        self.guard(request)
        ro = request.path_params["repairOrderId"]
        if request.method == "POST":
            row = _header_row(await json_body(request))
            with self.store.lock:
                record = self.store.get("repair_orders", ro)
                check_if_match(self._etag(record), request.headers.get("if-match"))
                require(row, codec.UPDATE_REQUIRED, _PATHS)
                changes, kept = self._header(row)
                extras = self.extras.of("repair_orders", ro)
                for key in _HEADER_EXTRAS:
                    extras.pop(key, None)
                extras.update(kept)
                record = self.store.update("repair_orders", ro, changes, record["etag"])
        record = self.store.get("repair_orders", ro)
        headers = views.quoted(self._etag(record))
        return JSONResponse(self._drive(request, record), headers=headers)

    def _header(self, row: Mapping[str, Any]) -> tuple[Record, dict[str, Any]]:
        """(DMS column changes, Drive-only values) of a header row; 400 for what the
        DMS does not know (customer, vehicle, advisor)."""
        customer_id = str(row.get("customer_id") or "")
        if customer_id not in self.store.tables["customers"]:
            raise ApiError(400, f"customerHref: no customer '{customer_id}'", field="customerHref")
        vehicle = self.store.tables["vehicles"].get(str(row.get("vehicle_id") or ""))
        if vehicle is None:
            raise ApiError(400, "vehicleHref: no such vehicle", field="vehicleHref")
        known = views.advisors(r["advisor"] for r in self.store.tables["repair_orders"].values())
        advisor = known.get(str(row.get("advisor_id") or ""))
        if advisor is None:
            raise ApiError(
                400,
                f"serviceAdvisorId: no service advisor '{row.get('advisor_id')}'",
                field="serviceAdvisorId",
            )
        changes = {
            "customer_id": customer_id,
            "vin": vehicle["vin"],
            "mileage_in": str(row.get("mileage_in") or ""),
            "advisor": advisor,
        }
        kept = {k: v for k, v in row.items() if k in _HEADER_EXTRAS and v not in ("", None)}
        return changes, kept

    async def _create(self, request: Request) -> Response:
        row = _header_row(await json_body(request))
        require(row, codec.CREATE_REQUIRED, _PATHS)
        gaps = codec.missing_in_lines(row["service_lines"])
        if gaps:
            raise ApiError(400, f"required: {', '.join(gaps)}", field="serviceLineItems")
        with self.store.lock:
            changes, kept = self._header(row)
            now = self.store.clock.now()
            fields = {**changes, "open_date": now[:10], "status": "OPEN", "pay_type": "CUSTOMER"}
            record = self.store.insert("repair_orders", fields)
            ro = record["ro_number"]
            extras = self.extras.of("repair_orders", ro)
            extras.update(kept, created_at=now)
            for line in codec.parse_lines(row["service_lines"]):
                self._append_line(record, line)
            record = self.store.get("repair_orders", ro)
        headers = {**views.quoted(self._etag(record)), "Location": f"{DRIVE_RO}/{ro}/"}
        return JSONResponse(self._drive(request, record), 201, headers=headers)

    # -- Drive: service lines --------------------------------------------------------
    def _append_line(self, record: Record, line: Mapping[str, Any], ident: str = "") -> str:
        """Store one Drive service line as DMS lines; returns its id (``ident`` when it
        replaces a line, else the number of its first DMS line)."""
        ro = record["ro_number"]
        current = self.store.lines(ro)
        first = 1 + max(
            (int(x["line_number"]) for x in current if x["line_number"].isdigit()), default=0
        )
        new = views.dms_lines(ro, first, line, record["pay_type"] or "CUSTOMER")
        if not new:
            raise ApiError(
                400, "laborOperations: at least one is required", field="laborOperations"
            )
        self._set_lines(record, current + new)
        ident = ident or new[0]["line_number"]
        extras = self.extras.of("repair_orders", ro)
        extras.setdefault("lines", {})[ident] = _writable(line)
        extras.setdefault("members", {})[ident] = [x["line_number"] for x in new]
        return ident

    def _set_lines(self, record: Record, lines: list[Record]) -> None:
        ro = record["ro_number"]
        self.store.replace_lines(ro, lines)
        current = self.store.get("repair_orders", ro)
        self.store.update("repair_orders", ro, views.totals(lines), current["etag"])

    def _line(self, record: Record, ident: str) -> dict[str, Any]:
        extras = self.extras.of("repair_orders", record["ro_number"])
        for line in views.drive_lines(record, self.store.lines(record["ro_number"]), extras):
            if line["service_line_id"] == ident:
                return line
        raise ApiError(404, f"no service line '{ident}' on repair order {record['ro_number']}")

    async def add_line(self, request: Request) -> Response:
        self.guard(request)
        ro = request.path_params["repairOrderId"]
        line = _line_row(await json_body(request))
        with self.store.lock:
            record = self.store.get("repair_orders", ro)
            check_if_match(self._etag(record), request.headers.get("if-match"))
            ident = self._append_line(record, line)
            shown = self._line(self.store.get("repair_orders", ro), ident)
        return JSONResponse(
            codec.line_to_drive(shown), 201, headers=views.quoted(views.line_etag(shown))
        )

    async def one_line(self, request: Request) -> Response:
        self.guard(request)
        ro = request.path_params["repairOrderId"]
        ident = request.path_params["serviceLineId"]
        line = _line_row(await json_body(request)) if request.method == "POST" else None
        with self.store.lock:
            record = self.store.get("repair_orders", ro)
            shown = self._line(record, ident)
            if request.method == "GET":
                tag = views.line_etag(shown)
                return JSONResponse(codec.line_to_drive(shown), headers=views.quoted(tag))
            check_if_match(views.line_etag(shown), request.headers.get("if-match"))
            extras = self.extras.of("repair_orders", ro)
            members = extras.setdefault("members", {})
            group = dict(views.groups(self.store.lines(ro), extras))[ident]
            gone = {x["line_number"] for x in group}
            kept = [x for x in self.store.lines(ro) if x["line_number"] not in gone]
            extras.setdefault("lines", {}).pop(ident, None)
            members.pop(ident, None)
            self._set_lines(record, kept)
            if line is None:
                return Response(status_code=204)
            record = self.store.get("repair_orders", ro)
            self._append_line(record, line, ident)
            shown = self._line(self.store.get("repair_orders", ro), ident)
        return JSONResponse(
            codec.line_to_drive(shown), headers=views.quoted(views.line_etag(shown))
        )


def _header_row(body: Mapping[str, Any]) -> dict[str, str]:
    try:
        return codec.from_drive(body)
    except CdkFormatError as exc:
        raise ApiError(400, str(exc)) from None


def _line_row(body: Mapping[str, Any]) -> dict[str, Any]:
    line = codec.line_from_drive(body)
    gaps = codec.missing_in_lines(json.dumps([line]))
    if gaps:
        raise ApiError(400, f"required: {', '.join(g.split('.', 1)[1] for g in gaps)}")
    return _writable(line)


def _writable(line: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in line.items() if k not in ("service_line_id", "status")}


def _summary(ro: Mapping[str, Any]) -> dict[str, Any]:
    """A Drive ``RepairOrderSummary`` of a Drive ``RepairOrder``."""
    out = {
        k: ro.get(k, "")
        for k in (
            "repairOrderId",
            "vehicleHref",
            "tagNum",
            "customerHref",
            "customerContactInfo",
            "comments",
            "serviceAdvisorId",
            "remarks",
            "promiseDateTime",
        )
    }
    out["serviceLineSummary"] = [
        {
            "serviceRequest": s.get("serviceRequest", ""),
            "estimatedDuration": s.get("estimatedDuration", 0),
        }
        for s in ro.get("serviceLineItems") or []
    ]
    estimate = ro.get("estimate") or {}
    if "authorized" in estimate:
        out["repairOrderEstimate"] = {"authorized": estimate["authorized"]}
    out["status"] = ro.get("status") or {"code": ""}
    out["links"] = ro["links"]
    return out
