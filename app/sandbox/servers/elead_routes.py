"""Elead's APIs on the simulated CRM, over the same contacts and leads as its own routes
(contacts are Elead customers, leads are opportunities, under the same ids; see
``elead_views``), each
under its spec's ``basePath`` (Prism ignores it; the product adds it to the base URL):

- ``/elead-sales-customers`` — *Elead Sales Customers*: ``POST /search`` (``page``,
  ``pageSize`` ≤ 100; ``firstName``, ``lastName``, ``emailAddress``, ``phoneNumber``
  found anywhere in the field, case-insensitively, phones by digits; no criteria: every
  customer), ``POST /`` create, ``GET|POST /{customerId}`` read / update (the body is the
  whole customer), ``GET /{customerId}/ownedVehicles`` (the contact's deals with a VIN).
- ``/elead-sales-opportunities`` — *Elead Sales Opportunities*: ``GET /searchDelta``
  (``dateFrom`` required and within the past 7 days, else 400), ``GET /search``
  (``dateFrom`` and ``dateTo``, both ends inclusive), both matched against when the lead
  last changed, ordered by it, ``page``/``pageSize`` ≤ 100; ``POST /`` create (a new lead
  every time: ``isDuplicate`` is always false), ``POST /comment`` (appended to the lead's
  comments), ``POST /tradein``, ``DELETE /tradein/{tradeInId}``, ``POST /vehicleSought``,
  ``DELETE /vehicleSought/{vehicleSoughtId}``, ``POST /reassignPrimarySalesperson``
  (salespeople are the names on the CRM's leads and deals, by their Elead id). Each of
  these marks the lead changed.

Every call needs the CRM's OAuth bearer token (``POST /oauth/token``), the demo
``Subscription-Id`` (403 otherwise) and a ``Request-Id`` (400 without). The CRM's rate
limit and faults apply as on its other routes. Errors are Elead's ``Error`` body
(``code``, ``message``, ``referenceId``).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app.sandbox.servers import elead_views as views
from app.sandbox.servers import validation as v
from app.sandbox.servers.clock import format_ts, normalise_query_ts, parse_ts
from app.sandbox.servers.crm_store import LEAD_STATUSES, CrmStore, validate_contact
from app.sandbox.servers.dataset import Record
from app.sandbox.servers.errors import ApiError
from app.sandbox.servers.faults import FaultInjector
from app.sandbox.servers.oauth import TokenIssuer
from app.sandbox.servers.rejects import REASON, customer_key
from app.sandbox.servers.service import json_body

CUSTOMERS = views.CUSTOMERS
OPPORTUNITIES = views.OPPORTUNITIES
DELTA_DAYS = 7
MAX_PAGE = 100
DEFAULT_PAGE = 10
CODES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    410: "Gone",
    413: "PayloadTooLarge",
    422: "UnprocessableEntity",
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}
Handler = Callable[[Request], Awaitable[Response]]


def is_elead_path(path: str) -> bool:
    return path.startswith((CUSTOMERS + "/", OPPORTUNITIES + "/")) or path in (
        CUSTOMERS,
        OPPORTUNITIES,
    )


def elead_error(status: int, message: str, code: str = "") -> dict[str, Any]:
    """Elead's ``Error``: a code word, the message, a fresh reference id."""
    return {
        "code": code or CODES.get(status, "Error"),
        "message": message,
        "referenceId": str(uuid.uuid4()),
    }


def _page_args(request: Request) -> tuple[int, int]:
    out = []
    for name, default in (("page", 1), ("pageSize", DEFAULT_PAGE)):
        raw = request.query_params.get(name, "")
        try:
            value = int(raw) if raw else default
        except ValueError:
            raise ApiError(400, f"{name} must be a whole number", field=name) from None
        if value < 1:
            raise ApiError(400, f"{name} must be 1 or more", field=name)
        out.append(value)
    return out[0], min(out[1], MAX_PAGE)


def paged(request: Request, items: list[Any], render: Callable[[Any], Any]) -> dict[str, Any]:
    """One page of ``items`` with Elead's paging properties and links."""
    page, size = _page_args(request)
    total = len(items)
    pages = math.ceil(total / size)
    chunk = items[(page - 1) * size : page * size]

    def to(number: int, rel: str, title: str) -> dict[str, str]:
        href = str(request.url.include_query_params(page=number, pageSize=size))
        return views.link(href, rel, "GET", title)

    links = [to(1, "first", "first page"), to(max(1, pages), "last", "last page")]
    if page < pages:
        links.append(to(page + 1, "next", "next page"))
    if page > 1:
        links.append(to(page - 1, "prev", "previous page"))
    return {
        "items": [render(i) for i in chunk],
        "totalItems": total,
        "totalPages": pages,
        "pageNumber": page,
        "pageSize": size,
        "links": links,
    }


class EleadRoutes:
    def __init__(self, store: CrmStore, issuer: TokenIssuer, credentials: Mapping[str, str]):
        self.store = store
        self.issuer = issuer
        self.subscription = credentials["elead_subscription_id"]
        self.extras = views.EleadExtras()
        self._salespeople: dict[str, str] = {}  # Elead id -> name
        self.faults: FaultInjector | None = None  # the CRM's, set once it has them

    def reset(self) -> None:
        self.extras = views.EleadExtras()
        self._salespeople = {}

    def routes(self) -> list[BaseRoute]:
        c, o = CUSTOMERS, OPPORTUNITIES
        h = self._elead
        return [
            Route(f"{c}/search", h(self.search_customers), methods=["POST"]),
            Route(f"{c}/", h(self.create_customer), methods=["POST"]),
            Route(f"{c}/{{customerId}}/ownedVehicles", h(self.owned), methods=["GET"]),
            Route(f"{c}/{{customerId}}", h(self.customer), methods=["GET", "POST"]),
            Route(f"{o}/searchDelta", h(self.search_delta), methods=["GET"]),
            Route(f"{o}/search", h(self.search_range), methods=["GET"]),
            Route(f"{o}/", h(self.create_opportunity), methods=["POST"]),
            Route(f"{o}/comment", h(self.add_comment), methods=["POST"]),
            Route(f"{o}/tradein", h(self.add_trade_in), methods=["POST"]),
            Route(f"{o}/tradein/{{tradeInId}}", h(self.remove_trade_in), methods=["DELETE"]),
            Route(f"{o}/vehicleSought", h(self.add_sought), methods=["POST"]),
            Route(
                f"{o}/vehicleSought/{{vehicleSoughtId}}", h(self.remove_sought), methods=["DELETE"]
            ),
            Route(f"{o}/reassignPrimarySalesperson", h(self.reassign), methods=["POST"]),
        ]

    # -- plumbing -----------------------------------------------------------------------
    def _elead(self, handler: Handler) -> Handler:
        async def wrapped(request: Request) -> Response:
            try:
                self._guard(request)
                return await handler(request)
            except ApiError as exc:
                body = elead_error(exc.status, exc.message)
                return JSONResponse(body, exc.status, headers=exc.headers)

        return wrapped

    def _guard(self, request: Request) -> None:
        self.issuer.validate(request.headers.get("authorization", ""))
        if request.headers.get("subscription-id") != self.subscription:
            raise ApiError(
                403, "Subscription-Id header is missing or not subscribed to this dealership"
            )
        if not request.headers.get("request-id", "").strip():
            raise ApiError(400, "Request-Id header is required (a GUID)")

    @staticmethod
    def _base(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    def _salesperson_name(self, ident: str) -> str | None:
        """The salesperson behind an Elead id (the CRM keeps names, not ids)."""
        wanted = ident.strip().lower()
        known = self._salespeople.get(wanted)
        if known is None:
            with self.store.lock:
                names = {r["salesperson"] for r in self.store.leads.rows.values()}
                names |= {r["salesperson"] for r in self.store.deals.rows.values()}
            self._salespeople = {views.elead_id("salesperson", n): n for n in names if n}
            known = self._salespeople.get(wanted)
        return known

    def _contact_id(self, ident: str) -> str:
        """The contact whose id is Elead's customer id ``ident`` (404 when none, or when
        it was merged away)."""
        contact = ident.strip().lower()
        with self.store.lock:
            if contact not in self.store.contacts.rows and contact not in self.store.merged:
                raise ApiError(404, f"no customer '{ident}'")
            if contact in self.store.merged:
                winner = self.store.resolve(contact)
                raise ApiError(404, f"customer {ident} was merged into {winner}")
        return contact

    def _lead_id(self, ident: str) -> str:
        lead = ident.strip().lower()
        if lead not in self.store.leads.rows:
            raise ApiError(404, f"no opportunity '{ident}'")
        return lead

    def _touch(self, lead_id: str) -> None:
        """Mark a lead changed (Elead-only parts of it changed)."""
        with self.store.lock:
            self.store.leads.rows[lead_id]["updated_at"] = self.store.clock.now()
            self.store.leads.changed()

    # -- customers ------------------------------------------------------------------------
    def _customer(self, request: Request, contact: Record) -> dict[str, Any]:
        stored = self.extras.customers.get(contact["contact_id"], {})
        return views.customer_view(contact, stored, self._base(request))

    async def search_customers(self, request: Request) -> Response:
        criteria = await json_body(request)
        for key in ("firstName", "lastName", "phoneNumber", "emailAddress"):
            views.text_of(criteria, key)
        wanted = {k: str(v) for k, v in criteria.items() if v}
        with self.store.lock:
            contacts = sorted(self.store.contacts.rows.values(), key=lambda r: r["contact_id"])
            found = [self._customer(request, c) for c in contacts]
        found = [c for c in found if views.matches(c, wanted)]
        return JSONResponse(paged(request, found, views.search_view))

    def _request(self, body: Mapping[str, Any]) -> dict[str, str]:
        views.check_customer(body)
        fields = views.contact_fields(body)
        reason = validate_contact(fields, None)
        if not reason and self.faults is not None and self.faults.rejects(customer_key(fields)):
            reason = REASON  # the reject_rate fault, as Elead's validation says no
        if reason:
            raise ApiError(400, reason.replace("last_name", "lastName").replace("email", "emails"))
        return fields

    @staticmethod
    def _kept(body: Mapping[str, Any]) -> dict[str, Any]:
        return {k: val for k, val in body.items() if k not in ("id", "links")}

    async def create_customer(self, request: Request) -> Response:
        body = await json_body(request)
        fields = self._request(body)
        with self.store.lock:
            record = self.store.contacts.insert(fields)
            self.extras.customers[record["contact_id"]] = self._kept(body)
            shown = self._customer(request, record)
        return JSONResponse(shown)

    async def customer(self, request: Request) -> Response:
        contact_id = self._contact_id(request.path_params["customerId"])
        if request.method == "POST":
            body = await json_body(request)
            fields = self._request(body)
            self.store.update_contact(contact_id, fields)
            self.extras.customers[contact_id] = self._kept(body)
        return JSONResponse(self._customer(request, self.store.contact(contact_id)))

    async def owned(self, request: Request) -> Response:
        ident = request.path_params["customerId"]
        contact_id = self._contact_id(ident)
        deals = [d for d in self.store.deals.all() if d["contact_id"] == contact_id]
        return JSONResponse(views.owned_vehicles(deals, contact_id))

    # -- reading opportunities --------------------------------------------------------------
    def _opportunity(self, request: Request, lead: Record) -> dict[str, Any]:
        extras = self.extras.leads.get(lead["lead_id"]) or views.LeadExtras()
        return views.opportunity_view(lead, extras, self._base(request))

    def _changed(self, request: Request, since: str, until: str = "") -> Response:
        with self.store.lock:
            rows = [
                dict(r)
                for r in self.store.leads.rows.values()
                if r["updated_at"] >= since and (not until or r["updated_at"] <= until)
            ]
            rows.sort(key=lambda r: (r["updated_at"], r["lead_id"]))
            body = paged(request, rows, lambda r: self._opportunity(request, r))
        return JSONResponse(body)

    def _date(self, request: Request, name: str) -> str:
        raw = request.query_params.get(name, "")
        if not raw:
            raise ApiError(400, f"{name} is required (an RFC 3339 date-time)")
        return normalise_query_ts(raw, name)

    async def search_delta(self, request: Request) -> Response:
        since = self._date(request, "dateFrom")
        now = parse_ts(self.store.clock.now())
        assert now is not None
        oldest = format_ts(now - timedelta(days=DELTA_DAYS))
        if since < oldest:
            raise ApiError(
                400,
                f"dateFrom must be within the past {DELTA_DAYS} days (on or after {oldest}); "
                "use the date-range search for older changes",
            )
        return self._changed(request, since)

    async def search_range(self, request: Request) -> Response:
        since, until = self._date(request, "dateFrom"), self._date(request, "dateTo")
        if until < since:
            raise ApiError(400, "dateTo is before dateFrom")
        return self._changed(request, since, until)

    # -- writing opportunities --------------------------------------------------------------
    def _salesperson(self, ident: str) -> str:
        name = self._salesperson_name(ident)
        if name is None:
            raise ApiError(404, f"no salesperson '{ident}'")
        return name

    def _set_primary(self, lead: Record, extras: views.LeadExtras, vehicle: dict[str, Any]) -> None:
        """Make ``vehicle`` the primary vehicle sought: the CRM's vehicle of interest."""
        current = views.sought_view(lead, extras)
        if current and current[0]["isPrimary"]:
            extras.sought.append({k: val for k, val in current[0].items() if k != "isPrimary"})
        extras.primary = {
            k: val for k, val in vehicle.items() if k not in ("vin", "yearFrom", "yearTo", "make",
                                                              "model", "isPrimary")
        }  # fmt: skip
        self.store.leads.apply(
            lead["lead_id"],
            {
                "vehicle_of_interest_vin": str(vehicle.get("vin") or ""),
                "vehicle_of_interest": views.describe_vehicle(vehicle),
            },
        )

    async def create_opportunity(self, request: Request) -> Response:
        body = await json_body(request)
        contact_id = self._contact_id(views.uuid_of(body, "customerId"))
        source = views.text_of(body, "source")
        if "source" not in body:
            raise ApiError(400, "source is required")
        up_type = views.choice_of(body, "upType", views.UP_TYPES)
        if not up_type:
            raise ApiError(400, "upType is required")
        status = views.text_of(body, "status") or "New"
        reason = v.one_of(*LEAD_STATUSES)(status)
        if reason:
            raise ApiError(400, f"status: {reason}")
        date_in = views.date_time_of(body, "dateIn")
        comments = views.text_of(body, "comments")
        if len(comments) > 1500:
            raise ApiError(400, "comments: at most 1500 characters")
        sought = [
            views.sought_fields(s, f"soughtVehicles.{n}.")
            for n, s in enumerate(views._list(body, "soughtVehicles"))
        ]
        trades = [
            {"id": str(uuid.uuid4()), **views.trade_in_fields(t, f"tradeIns.{n}.")}
            for n, t in enumerate(views._list(body, "tradeIns"))
        ]
        team = views._list(body, "salesTeam")
        lead_of = next((p for p in team if p.get("isPrimary") is True), team[0] if team else None)
        salesperson = self._salesperson(views.uuid_of(lead_of, "id")) if lead_of else ""
        fields = {
            "contact_id": contact_id,
            "source": source,
            "status": status,
            "salesperson": salesperson,
            "comments": comments,
        }
        with self.store.lock:
            record, _ = self.store.create_lead(fields, None)
            lead_id = record["lead_id"]
            if date_in:
                self.store.leads.rows[lead_id]["created_at"] = date_in
                self.store.leads.changed()
            extras = self.extras.lead(lead_id)
            extras.sub_source = views.text_of(body, "subSource")
            extras.sub_status = views.text_of(body, "subStatus")
            extras.up_type = up_type
            extras.trade_ins = trades
            for n, vehicle in enumerate(sought):
                vehicle = {"id": str(uuid.uuid4()), **vehicle}
                if vehicle["isPrimary"] or (n == 0 and not any(s["isPrimary"] for s in sought)):
                    self._set_primary(self.store.leads.rows[lead_id], extras, vehicle)
                else:
                    extras.sought.append({k: val for k, val in vehicle.items() if k != "isPrimary"})
            shown = self._opportunity(request, dict(self.store.leads.rows[lead_id]))
        return JSONResponse(
            {"opportunity": shown, "isDuplicate": False, "opportunityActivityId": str(uuid.uuid4())}
        )

    async def _target(self, request: Request) -> tuple[dict[str, Any], str]:
        body = await json_body(request)
        return body, self._lead_id(views.uuid_of(body, "opportunityId"))

    async def add_comment(self, request: Request) -> Response:
        body, lead_id = await self._target(request)
        comment = views.text_of(body, "comment")
        if not comment:
            raise ApiError(400, "comment is required")
        if len(comment) > 1500:
            raise ApiError(400, "comment: at most 1500 characters")
        with self.store.lock:
            before = self.store.leads.rows[lead_id]["comments"]
            self.store.leads.apply(lead_id, {"comments": f"{before}\n{comment}".strip()})
            self._touch(lead_id)
        return Response(status_code=204)

    async def add_trade_in(self, request: Request) -> Response:
        body, lead_id = await self._target(request)
        trade = {"id": str(uuid.uuid4()), **views.trade_in_fields(body, "")}
        with self.store.lock:
            self.extras.lead(lead_id).trade_ins.append(trade)
            self._touch(lead_id)
        return JSONResponse(trade)

    async def add_sought(self, request: Request) -> Response:
        body, lead_id = await self._target(request)
        vehicle = {"id": str(uuid.uuid4()), **views.sought_fields(body, "")}
        with self.store.lock:
            lead = self.store.leads.rows[lead_id]
            extras = self.extras.lead(lead_id)
            if vehicle["isPrimary"] or not views.sought_view(lead, extras):
                self._set_primary(lead, extras, vehicle)
                vehicle["isPrimary"] = True
            else:
                extras.sought.append({k: val for k, val in vehicle.items() if k != "isPrimary"})
            self._touch(lead_id)
        return JSONResponse(vehicle)

    def _remove(self, ident: str, what: str, pick: Callable[[views.LeadExtras], list[Any]]) -> None:
        wanted = ident.strip().lower()
        with self.store.lock:
            for lead_id, extras in self.extras.leads.items():
                items = pick(extras)
                for item in list(items):
                    if str(item.get("id", "")).lower() == wanted:
                        items.remove(item)
                        self._touch(lead_id)
                        return
        raise ApiError(404, f"no {what} '{ident}'")

    async def remove_trade_in(self, request: Request) -> Response:
        self._remove(request.path_params["tradeInId"], "trade-in", lambda e: e.trade_ins)
        return Response(status_code=204)

    async def remove_sought(self, request: Request) -> Response:
        ident = request.path_params["vehicleSoughtId"].strip().lower()
        with self.store.lock:
            for lead_id, lead in self.store.leads.rows.items():
                extras = self.extras.leads.get(lead_id) or views.LeadExtras()
                shown = views.sought_view(lead, extras)
                if shown and shown[0]["isPrimary"] and str(shown[0]["id"]).lower() == ident:
                    extras = self.extras.lead(lead_id)
                    extras.primary = {}
                    self.store.leads.apply(
                        lead_id, {"vehicle_of_interest_vin": "", "vehicle_of_interest": ""}
                    )
                    self._touch(lead_id)
                    return Response(status_code=204)
        self._remove(ident, "vehicle sought", lambda e: e.sought)
        return Response(status_code=204)

    async def reassign(self, request: Request) -> Response:
        body, lead_id = await self._target(request)
        name = self._salesperson(views.uuid_of(body, "salesPersonId"))
        self.store.leads.apply(lead_id, {"salesperson": name})
        return Response(status_code=204)
