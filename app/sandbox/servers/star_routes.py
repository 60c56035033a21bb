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
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app.formats import star
from app.formats.errors import StarError
from app.sandbox.schema import TABLES
from app.sandbox.servers import validation as v
from app.sandbox.servers.clock import format_ts, now_ts, parse_ts
from app.sandbox.servers.dataset import Record
from app.sandbox.servers.dms_store import DmsStore
from app.sandbox.servers.errors import ApiError
from app.sandbox.servers.oauth import TokenIssuer
from app.sandbox.servers.paging import decode_cursor, encode_cursor
from app.sandbox.servers.records import IdAllocator, IdempotencyKeys, check_if_match, etag_of
from app.sandbox.servers.service import json_body

DEALER_ID = "ROOFTOP-DEMO"
DEFAULT_LIMIT = 100
APPOINTMENT_MINUTES = 60
ECHOED = ("Transaction-ID", "Correlation-ID", "Standards-Version", "Org-Version")

CONDITION = {"NEW": "NEW", "USED": "USED", "CPO": "CERTIFIED_PREOWNED"}
INVENTORY_STATUS = {
    "AVAILABLE": "AVAILABLE",
    "PENDING": "RESERVED",
    "SOLD": "SOLD",
    "INCOMING": "RECEIVED",  # a trade-in taken in on a booked deal, not yet for sale
}
INVENTORY_STATUS_IN = {
    "RECEIVED": "INCOMING",
    "IN_TRANSIT": "INCOMING",
    "PREPARATION": "INCOMING",
    "AVAILABLE": "AVAILABLE",
    "STOCKED_IN": "AVAILABLE",
    "ON_DEALER_LOT": "AVAILABLE",
    "RESERVED": "PENDING",
    "PRE_SOLD": "PENDING",
    "ON_HOLD": "PENDING",
    "SALES_HOLD": "PENDING",
    "SOLD": "SOLD",
}
APPOINTMENT_STATUS = {
    "SCHEDULED": "BOOKED",
    "ARRIVED": "BOOKED",
    "COMPLETED": "COMPLETED",
    "NO_SHOW": "NO_SHOW",
    "CANCELLED": "CANCELLED",
}
DEAL_STATUS = {
    "PENDING": "PENDING_APPROVAL",
    "BOOKED": "ISSUED",
    "DELIVERED": "CLOSED",
    "UNWOUND": "VOIDED",
}
DEAL_STATUS_IN = {
    "DRAFT": "PENDING",
    "PENDING_APPROVAL": "PENDING",
    "ISSUED": "BOOKED",
    "ACKNOWLEDGED": "BOOKED",
    "CLOSED": "DELIVERED",
    "VOIDED": "UNWOUND",
    "CANCELLED": "UNWOUND",
}
CUSTOMER_READ_ONLY = ("customer_id", "created_at", "updated_at")
# DMS columns a PUT/PATCH may not clear
KEEP = {"appointments": ("scheduled_at",), "deals": ("customer_id",)}
# A deal's structure and trade-in beyond the DMS's deal columns: kept beside the deal.
DEAL_TERMS = ("version", "down_payment", "monthly_payment", "money_factor", "residual",
              "products")  # fmt: skip
TRADE_FIELDS = ("trade_vin", "trade_year", "trade_make", "trade_model", "trade_mileage",
                "trade_condition", "trade_value", "trade_payoff", "trade_lienholder")  # fmt: skip
# what may still change on a booked (or delivered) deal
AFTER_BOOKING = frozenset({"status", "payment_status", "salesperson", "delivery_date"})
BOOKED = ("BOOKED", "DELIVERED")
DEAL_SAME = ("customer_id", "vin", "stock_number", "salesperson", "lender", "deal_date",
             "delivery_date", "sale_price", "amount_financed", "term_months", "apr")  # fmt: skip
STRUCTURE = (
    (frozenset(DEAL_SAME) | frozenset(DEAL_TERMS) | frozenset(TRADE_FIELDS) | {"payment_method"})
    - AFTER_BOOKING
    - {"version"}
)
CREDIT_COLUMNS = tuple(
    c for c in star.domain("credit_authorizations").field_names if c != "credit_authorization_key"
)


def _inverse(mapping: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for dms, star_value in mapping.items():
        out.setdefault(star_value, dms)
    return out


@dataclass
class Adapter:
    """One STAR domain over one table: DMS row <-> flat STAR row."""

    domain: str
    entity: str  # DmsStore entity, or "credit_authorizations"
    to_flat: Callable[[Record], dict[str, str]]
    # (flat values given, current DMS row or None) -> DMS columns to write
    to_dms: Callable[[Mapping[str, str], Record | None], dict[str, str]]
    checks: Mapping[str, v.Check] = field(default_factory=dict)  # on DMS columns
    keys: dict[str, str] = field(default_factory=dict)  # client key -> DMS id
    ids: dict[str, str] = field(default_factory=dict)  # DMS id -> client key
    # read back under the creator's key (else the DMS id is the key in every read)
    shows_client_key: bool = True
    idempotency: IdempotencyKeys = field(default_factory=IdempotencyKeys)

    @property
    def spec(self) -> star.Domain:
        return star.domain(self.domain)

    def key_of(self, record_id: str) -> str:
        return self.ids.get(record_id, record_id)

    def id_of(self, key: str) -> str:
        return self.keys.get(key, key)


def _mapped(
    flat: Mapping[str, str],
    current: Record | None,
    name: str,
    column: str,
    forward: Mapping[str, str],
    backward: Mapping[str, str],
) -> dict[str, str]:
    """A STAR enum value as the DMS column, unless it already stands for the current one."""
    if name not in flat:
        return {}
    value = flat[name].strip().upper()
    if current is not None and forward.get(current.get(column, ""), "") == value:
        return {}
    if not value:
        return {}  # the enum is not written: the DMS keeps its value
    if value not in backward:
        allowed = ", ".join(sorted(backward))
        raise ApiError(422, f"{name}: '{flat[name]}' is not one of {allowed}", field=name)
    return {column: backward[value]}


def _copy(flat: Mapping[str, str], pairs: Mapping[str, str]) -> dict[str, str]:
    """STAR flat field -> DMS column, for the fields given."""
    return {column: flat[name] for name, column in pairs.items() if name in flat}


class StarRoutes:
    """The STAR dialect of one ``DmsService``: adapters, keys, the credit table."""

    def __init__(
        self, store: DmsStore, issuer: TokenIssuer, credentials: Mapping[str, str]
    ) -> None:
        self.store = store
        self.issuer = issuer
        self.api_key = credentials.get("star_api_key", "")
        self.credits: dict[str, Record] = {}
        self._credit_ids = IdAllocator((), "CA", 6)
        self.adapters: dict[str, Adapter] = {}
        self.reset()

    def reset(self) -> None:
        """Forget created keys, idempotency keys and credit authorizations (on reload)."""
        self.credits = {}
        self._credit_ids = IdAllocator((), "CA", 6)
        self.deal_terms: dict[str, Record] = {}  # deal number -> DEAL_TERMS
        self.appraisals: dict[str, Record] = {}  # deal number -> the trade-in appraised
        self._appraisal_ids = IdAllocator((), "AP", 6)
        self.adapters = {
            a.domain: a
            for a in (
                self._customers(),
                self._inventory(),
                self._vehicles(),
                self._appointments(),
                self._deals(),
                self._credit(),
            )
        }

    # -- adapters ------------------------------------------------------------------
    def _customers(self) -> Adapter:
        from app.sandbox.servers.dms import CUSTOMER_CHECKS  # here: dms imports this module

        writable = [c for c in TABLES["dms_customers"] if c not in CUSTOMER_READ_ONLY]

        names = star.domain("customers").field_names

        def to_flat(r: Record) -> dict[str, str]:
            flat = {n: r.get(n, "") for n in names}
            flat["customer_key"] = r["customer_id"]  # the DMS's number, whoever made it
            return flat

        def to_dms(flat: Mapping[str, str], _current: Record | None) -> dict[str, str]:
            return {c: flat[c] for c in writable if c in flat}

        adapter = Adapter(
            "customers", "customers", to_flat, to_dms, CUSTOMER_CHECKS, shows_client_key=False
        )
        return adapter

    def _inventory(self) -> Adapter:
        same = {
            n: n
            for n in (
                "vin", "stock_number", "year", "make", "model", "trim", "body_style",
                "exterior_color", "interior_color", "mileage", "msrp", "price", "special_price",
                "photo_urls", "date_in_stock", "days_in_stock", "description",
            )
        }  # fmt: skip

        def to_flat(r: Record) -> dict[str, str]:
            flat = {n: r.get(c, "") for n, c in same.items()}
            flat.update(
                inventory_vehicle_key=adapter.key_of(r["vin"]),
                inventory_vehicle_id=r["vin"],
                condition=CONDITION.get(r["condition"], r["condition"]),
                status=INVENTORY_STATUS.get(r["status"], "SOLD" if r["status"] else ""),
                dealer_code="",
                updated_at=r["updated_at"],
            )
            return flat

        def to_dms(flat: Mapping[str, str], current: Record | None) -> dict[str, str]:
            out = _copy(flat, same)
            if current is not None:
                out.pop("vin", None)  # the key of a stock unit does not change
            out.update(_mapped(flat, current, "condition", "condition", CONDITION,
                               _inverse(CONDITION)))  # fmt: skip
            out.update(_mapped(flat, current, "status", "status", INVENTORY_STATUS,
                               INVENTORY_STATUS_IN))  # fmt: skip
            return out

        checks = {
            "vin": v.vin,
            "price": v.money,
            "special_price": v.money,
            "msrp": v.money,
            "date_in_stock": v.date,
            "year": _year,
            "mileage": _digits,
            "days_in_stock": _digits,
        }
        adapter = Adapter("inventory_vehicles", "inventory", to_flat, to_dms, checks)
        return adapter

    def _vehicles(self) -> Adapter:
        same = {
            n: n
            for n in ("customer_id", "vin", "year", "make", "model", "color", "mileage",
                      "purchase_date")
        }  # fmt: skip

        def to_flat(r: Record) -> dict[str, str]:
            flat = dict.fromkeys(star.domain("service_vehicles").field_names, "")
            flat.update({n: r.get(c, "") for n, c in same.items()})
            flat.update(
                service_vehicle_key=adapter.key_of(r["vehicle_id"]),
                service_vehicle_id=r["vehicle_id"],
                updated_at=r["updated_at"],
            )
            return flat

        def to_dms(flat: Mapping[str, str], _current: Record | None) -> dict[str, str]:
            return _copy(flat, same)

        checks = {"vin": v.vin, "year": _year, "mileage": _digits, "purchase_date": v.date}
        adapter = Adapter("service_vehicles", "vehicles", to_flat, to_dms, checks)
        return adapter

    def _appointments(self) -> Adapter:
        def to_flat(r: Record) -> dict[str, str]:
            customer = self.store.tables["customers"].get(r["customer_id"], {})
            vehicle = self._vehicle_by_vin(r["vin"])
            start = parse_ts(r["scheduled_at"])
            end = format_ts(start + timedelta(minutes=APPOINTMENT_MINUTES)) if start else ""
            return {
                "appointment_key": adapter.key_of(r["appointment_id"]),
                "appointment_id": r["appointment_id"],
                "dealer_id": DEALER_ID,
                "appointment_type": "SERVICE",
                "status": APPOINTMENT_STATUS.get(r["status"], "BOOKED"),
                "scheduled_at": r["scheduled_at"],
                "scheduled_end": end,
                "duration_minutes": "",
                "service_requested": r["service_requested"],
                "customer_id": r["customer_id"],
                "first_name": customer.get("first_name", ""),
                "last_name": customer.get("last_name") or customer.get("company_name", ""),
                "email": customer.get("email", ""),
                "home_phone": customer.get("home_phone", ""),
                "mobile_phone": customer.get("mobile_phone", ""),
                "vin": r["vin"],
                "year": vehicle.get("year", ""),
                "make": vehicle.get("make", ""),
                "model": vehicle.get("model", ""),
                "advisor": r["advisor"],
                "source": r["source"],
                "created_at": r["updated_at"],  # the DMS keeps no creation time
                "updated_at": r["updated_at"],
            }

        def to_dms(flat: Mapping[str, str], current: Record | None) -> dict[str, str]:
            out = _copy(flat, {c: c for c in ("scheduled_at", "service_requested", "advisor")})
            if current is None:
                out.update(_copy(flat, {"customer_id": "customer_id", "vin": "vin"}))
            return out

        checks = {"scheduled_at": v.timestamp, "vin": v.vin}
        adapter = Adapter("appointments", "appointments", to_flat, to_dms, checks)
        return adapter

    def _deals(self) -> Adapter:
        same = {n: n for n in DEAL_SAME}

        def to_flat(r: Record) -> dict[str, str]:
            unit = self.store.tables["inventory"].get(r["vin"]) or self._vehicle_by_vin(r["vin"])
            flat = {n: r.get(c, "") for n, c in same.items()}
            terms = self.deal_terms.get(r["deal_number"], {})
            trade = self.appraisals.get(r["deal_number"], {})
            flat.update(
                vehicle_invoice_key=adapter.key_of(r["deal_number"]),
                vehicle_invoice_id=r["deal_number"],
                deal_number=r["deal_number"],
                invoice_type="LEASE" if r["deal_type"] == "LEASE" else "VEHICLE_SALE",
                status=DEAL_STATUS.get(r["status"], ""),
                payment_status="",
                year=unit.get("year", ""),
                make=unit.get("make", ""),
                model=unit.get("model", ""),
                currency_code="USD",
                payment_method=r["deal_type"],
                updated_at=r["updated_at"],
            )
            flat.update({n: terms.get(n, "") for n in DEAL_TERMS})
            if not flat["products"] and r.get("fi_products"):
                flat["products"] = "; ".join(p for p in r["fi_products"].split(";") if p)
            flat.update({n: trade.get(n, "") for n in TRADE_FIELDS})
            if not flat["trade_payoff"]:
                flat["trade_payoff"] = r.get("payoff_amount", "")
            return flat

        def to_dms(flat: Mapping[str, str], current: Record | None) -> dict[str, str]:
            out = _copy(flat, same)
            if out.get("customer_id"):  # the customer's number, or the key it was made under
                out["customer_id"] = self.adapters["customers"].id_of(out["customer_id"])
            out.update(_mapped(flat, current, "status", "status", DEAL_STATUS, DEAL_STATUS_IN))
            if "products" in flat:  # the DMS keeps the products' names
                names = [p.partition("=")[0].strip() for p in flat["products"].split(";")]
                out["fi_products"] = ";".join(n for n in names if n)
            if "trade_payoff" in flat:
                out["payoff_amount"] = flat["trade_payoff"]
            method = flat.get("payment_method", "").strip().upper()
            if method:
                if method not in ("CASH", "FINANCE", "LEASE"):
                    raise ApiError(422, f"payment_method: '{method}' is not CASH, FINANCE or "
                                   "LEASE", field="financial_events")  # fmt: skip
                if current is None or current["deal_type"] != method:
                    out["deal_type"] = method
                return out
            kind = flat.get("invoice_type", "").strip().upper()
            if kind:
                now = "LEASE" if current is not None and current["deal_type"] == "LEASE" else ""
                if kind == "LEASE" and now != "LEASE":
                    out["deal_type"] = "LEASE"
                elif kind != "LEASE" and (current is None or current["deal_type"] == "LEASE"):
                    lender = out.get("lender", current.get("lender", "") if current else "")
                    out["deal_type"] = "FINANCE" if lender else "CASH"
            return out

        checks = {"sale_price": v.money, "deal_date": v.date, "delivery_date": v.date,
                  "vin": v.vin, "amount_financed": v.money, "term_months": _digits,
                  "payoff_amount": v.money}  # fmt: skip
        adapter = Adapter("vehicle_invoices", "deals", to_flat, to_dms, checks)
        return adapter

    # -- a deal's structure and trade-in -----------------------------------------------
    def _check_deal_change(self, current: Record, flat: Mapping[str, str]) -> None:
        """A booked deal's structure is the DMS's now; an older version never wins."""
        number = current["deal_number"]
        known = self.deal_terms.get(number, {}).get("version", "")
        given = flat.get("version", "").strip()
        if given.isdigit() and known.isdigit() and int(given) < int(known):
            raise ApiError(
                409,
                f"version {given} of deal {number} is older than version {known}, which "
                "the DMS has",
                field="vehicle_invoice_version",
            )
        if current["status"] not in BOOKED:
            return
        rendered = self.adapters["vehicle_invoices"].to_flat(current)
        given_flat = dict(flat)
        if given_flat.get("customer_id"):  # the customer's number, or the key it was made under
            given_flat["customer_id"] = self.adapters["customers"].id_of(given_flat["customer_id"])
        changed = sorted(
            k for k, value in given_flat.items()
            if k in STRUCTURE and value != rendered.get(k, "")
            and not (k == "payment_method" and not value)  # the DMS keeps its deal type
        )  # fmt: skip
        if changed:
            raise ApiError(
                409,
                f"deal {number} is {current['status'].lower()} in the DMS: its structure can "
                f"no longer change from outside ({', '.join(changed[:6])}); make the change "
                "in the DMS",
                field="invoice_status_type",
            )

    def _keep_deal_extras(self, number: str, flat: Mapping[str, str]) -> None:
        terms = self.deal_terms.setdefault(number, {})
        terms.update({n: flat[n] for n in DEAL_TERMS if n in flat})
        given = {n: flat[n] for n in TRADE_FIELDS if n in flat}
        if not given:
            return
        appraisal = self.appraisals.get(number)
        if appraisal is None:
            appraisal = {"appraisal_id": self._appraisal_ids.next(), "deal_number": number,
                         **dict.fromkeys(TRADE_FIELDS, "")}  # fmt: skip
            self.appraisals[number] = appraisal
        appraisal.update(given)
        appraisal["updated_at"] = self.store.clock.now()

    def export_appraisals(self) -> list[dict[str, Any]]:
        """Trade-ins appraised on deals, and whether each is in stock yet."""
        with self.store.lock:
            out: list[dict[str, Any]] = []
            for number, appraisal in self.appraisals.items():
                deal = self.store.tables["deals"].get(number, {})
                unit = self.store.tables["inventory"].get(appraisal.get("trade_vin", ""))
                out.append(
                    {
                        **appraisal,
                        "deal_status": deal.get("status", ""),
                        "in_inventory": unit is not None,
                        "inventory_status": unit.get("status", "") if unit else "",
                    }
                )
            return out

    def export_deal_terms(self) -> list[Record]:
        with self.store.lock:
            return [{"deal_number": n, **t} for n, t in self.deal_terms.items()]

    def _credit(self) -> Adapter:
        def to_flat(r: Record) -> dict[str, str]:
            flat = {c: r.get(c, "") for c in CREDIT_COLUMNS}
            flat["credit_authorization_key"] = adapter.key_of(r["credit_authorization_id"])
            return flat

        def to_dms(flat: Mapping[str, str], current: Record | None) -> dict[str, str]:
            skip = {"credit_authorization_id", "updated_at"}
            if current is not None:
                skip.add("deal_number")  # not in CreditAuthorizationUpdate
            out = {c: flat[c] for c in CREDIT_COLUMNS if c in flat and c not in skip}
            if out.get("customer_id"):  # the customer's number, or the key it was made under
                out["customer_id"] = self.adapters["customers"].id_of(out["customer_id"])
            return out

        checks = {"amount": v.money, "authorized_at": v.timestamp}
        adapter = Adapter("credit_authorizations", "credit_authorizations", to_flat, to_dms,
                          checks)  # fmt: skip
        return adapter

    def _vehicle_by_vin(self, vin: str) -> Record:
        if not vin:
            return {}
        for row in self.store.tables["vehicles"].values():
            if row["vin"] == vin:
                return row
        return {}

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
            rows = [r for r in self.credits.values() if r["updated_at"] >= low]
            rows.sort(key=lambda r: (r["updated_at"], r["credit_authorization_id"]))
            return rows
        return self.store.query(adapter.entity, low)

    def _get(self, adapter: Adapter, key: str) -> Record:
        record_id = adapter.id_of(key)
        if adapter.entity == "credit_authorizations":
            record = self.credits.get(record_id)
            if record is None:
                raise ApiError(404, f"no credit authorization with key '{key}'")
            return dict(record)
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
        limit = _int_param(params, "limit", min(DEFAULT_LIMIT, d.limit_max), 1, d.limit_max)
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
                rows = _scheduled_between(rows, params)
                status = params.get("appointment_status", "").upper()
                if status:
                    rows = [r for r in rows if APPOINTMENT_STATUS.get(r["status"]) == status]
                if params.get("vin"):
                    rows = [r for r in rows if r["vin"] == params["vin"]]
            total = len(rows)
            cursor = params.get("cursor", "")
            if cursor:
                after = decode_cursor(cursor)
                id_key = _id_column(adapter)
                rows = [r for r in rows if (r["updated_at"], r[id_key]) > after]
                offset = 0
            else:
                offset = _int_param(params, "offset", 0, 0, None)
            chunk = rows[offset : offset + limit]
            has_more = offset + len(chunk) < len(rows)
            body: dict[str, Any] = {
                "data": [self._render(adapter, r) for r in chunk],
                "has_more": has_more,
                "total_count": total,
            }
            if d.paging == "cursor" and has_more and chunk:
                body["next_cursor"] = encode_cursor(chunk[-1], _id_column(adapter))
        return JSONResponse(body)

    def _single(
        self, adapter: Adapter, body: dict[str, Any], record: Record, status: int
    ) -> Response:
        headers = {"ETag": f'"{record.get("etag") or etag_of(record)}"'}
        stamp = parse_ts(record.get("updated_at", ""))
        if stamp is not None:
            headers["Last-Modified"] = stamp.strftime("%a, %d %b %Y %H:%M:%S GMT")
        if status == 201:
            key = adapter.key_of(record[_id_column(adapter)])
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
            reason = adapter.checks.get(column, _ok)(value)
            if reason:
                known = column in d.field_names
                where = d.field(column).write_path(star.UPDATE) if known else column
                raise ApiError(422, f"{column}: {reason}", field=where)

    async def _create(self, request: Request, adapter: Adapter) -> Response:
        d = adapter.spec
        body = await json_body(request)
        replay = request.headers.get("idempotency-key") or _text(body.get("client_request_id"))
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
                _check_trade(flat)
            record = self._insert(adapter, fields, key)
            record_id = record[_id_column(adapter)]
            if adapter.entity == "deals":
                self._keep_deal_extras(record_id, flat)
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
            return key in self.credits
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
            record: Record = dict.fromkeys(CREDIT_COLUMNS, "")
            record.update(fields)
            record["credit_authorization_id"] = self._credit_ids.next()
            record["updated_at"] = self.store.clock.now()
            record["etag"] = etag_of(record)
            self.credits[record["credit_authorization_id"]] = record
            return dict(record)
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
                _check_trade(flat)
                self._check_deal_change(current, flat)
            changes = adapter.to_dms(flat, current)
            self._check(adapter, changes)
            for column in KEEP.get(adapter.entity, ()):
                if column in changes and not changes[column].strip():
                    raise ApiError(422, f"{column}: cannot be emptied", field=column)
            self._customer_exists(changes)
            record_id = current[_id_column(adapter)]
            if adapter.entity == "credit_authorizations":
                record = self._update_credit(record_id, changes, if_match)
            else:
                record = self.store.update(adapter.entity, record_id, changes, if_match)
            if adapter.entity == "deals":
                self._keep_deal_extras(record_id, flat)
            return self._single(adapter, self._render(adapter, record), record, 200)

    def _update_credit(self, record_id: str, changes: Mapping[str, str], if_match: str) -> Record:
        record = self.credits[record_id]
        check_if_match(record["etag"], if_match)
        diff = {k: val for k, val in changes.items() if record.get(k) != val}
        if diff:
            record.update(diff)
            record["updated_at"] = self.store.clock.now()
            record["etag"] = etag_of(record)
        return dict(record)

    def export_credits(self) -> list[Record]:
        with self.store.lock:
            return [dict(r) for r in self.credits.values()]


def _id_column(adapter: Adapter) -> str:
    return {
        "customers": "customer_id",
        "inventory": "vin",
        "vehicles": "vehicle_id",
        "appointments": "appointment_id",
        "deals": "deal_number",
        "credit_authorizations": "credit_authorization_id",
    }[adapter.entity]


def _check_trade(flat: Mapping[str, str]) -> None:
    vin = flat.get("trade_vin", "")
    reason = v.vin(vin) if vin else ""
    if reason:
        raise ApiError(422, f"trade_vin: {reason}", field="vehicle_references")


def _scheduled_between(rows: list[Record], params: Mapping[str, str]) -> list[Record]:
    """Appointments' ``from``/``to`` (date-times, inclusive) on the scheduled start."""
    out = rows
    for name, keep in (("from", lambda a, b: a >= b), ("to", lambda a, b: a <= b)):
        raw = params.get(name, "")
        if raw:
            moment = parse_ts(raw)
            if moment is None:
                raise ApiError(400, f"{name} must be an ISO 8601 date-time", field=name)
            bound = format_ts(moment)
            out = [r for r in out if r["scheduled_at"] and keep(r["scheduled_at"], bound)]
    return out


def _int_param(
    params: Mapping[str, str], name: str, default: int, low: int, high: int | None
) -> int:
    raw = params.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be a whole number", field=name) from None
    if value < low or (high is not None and value > high):
        limits = f"{low} to {high}" if high is not None else f"{low} or more"
        raise ApiError(400, f"{name} must be {limits}", field=name)
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _ok(_value: str) -> str:
    return ""


def _year(value: str) -> str:
    if not value or (value.isdigit() and 1900 <= int(value) <= 2100):
        return ""
    return f"'{value}' is not a model year"


def _digits(value: str) -> str:
    return "" if not value or value.isdigit() else f"'{value}' is not a whole number"


def star_error(status: int, message: str, field: str = "") -> dict[str, Any]:
    """An ``ErrorDetail`` body stamped now, with a fresh trace id."""
    return star.error_body(
        status, message, timestamp=now_ts(), trace_id=str(uuid.uuid4()), field=field
    )
