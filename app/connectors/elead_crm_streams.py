"""Streams of the Elead CRM connector.

- ``customers`` (*Elead Sales Customers*): reads page by page with
  ``Customers_SearchCustomers`` (``POST /search``, no criteria, ``page``/``pageSize``);
  fetch by id ``Customers_GetCustomer`` (+ ``Customers_GetCustomerOwnedVehicles`` for
  ``owned_vehicles``); search by name, e-mail, phone; create ``Customers_CreateCustomer``
  via ``create_once`` (found again by last name + e-mail, then + each phone; looked for
  first when the record says ``look_first``: the flow's last run was cut off); update
  ``Customers_UpdateCustomer`` with the customer as Elead has it and the given columns
  changed (nothing sent when nothing changes); an update of a customer Elead no longer
  has (deleted, merged away) finds the customer by e-mail or phone, else creates one.
  No cursor: Elead has no "changed since" for customers.
- ``opportunities`` (*Elead Sales Opportunities*): reads what changed since the cursor
  with ``Opportunities_SearchDelta`` (``dateFrom``, which Elead only accepts within the
  past 7 days); an older cursor first catches up with ``Opportunities_Search``
  (``dateFrom``/``dateTo``) in windows of at most 7 days (see ``OpportunityStream.plan``);
  with ``customers_on_read`` each customer a read meets is fetched once
  (``Customers_GetCustomer``) to fill the ``customer_*`` columns.
  Creates with ``Opportunities_CreateOpportunity`` via ``create_once`` (found again among
  the opportunities changed since just before the create), then
  ``Opportunities_ReassignPrimarySalesPerson`` for ``salesperson_id`` (also on update).
- ``opportunity_trade_ins`` / ``opportunity_vehicles_sought``: ``Opportunities_AddTradeIn``
  / ``Opportunities_AddVehicleSought`` (never twice: after an unclear answer the
  opportunity is looked at first), replaced on change (``Opportunities_DeleteTradeIn`` /
  ``Opportunities_DeleteVehicleSought``, then add).
- ``opportunity_comments``: ``Opportunities_AddComment``.

Elead's search answers say ``pageNumber``/``totalPages`` and link the next page with
``rel: next`` in a list of links; pages are asked by number (a next link on another host,
as the spec's examples have, is never followed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pandas as pd

from app.connectors import elead_crm_specs as specs
from app.connectors.errors import AmbiguousRequestError, ConnectorError
from app.connectors.rest.paging import Page, dig
from app.connectors.rest.stream import Api, RestStream, Row
from app.connectors.rest.writes import answer, create_once, refusal, rejected, unknown_fields
from app.connectors.rest_helpers import clean_payload, frame
from app.connectors.streams import StreamSpec, WriteAction, WriteRecord, WriteResult
from app.formats.elead import customers, opportunities
from app.formats.elead.common import EleadFormatError, parse_instant, rfc3339

# searchDelta reaches back 7 days; a dateFrom is kept an hour inside that, so it is still
# within Elead's 7 days when it arrives (clocks differ, requests wait for a rate limit).
DELTA_REACH = timedelta(days=7) - timedelta(hours=1)
WINDOW = timedelta(days=7)  # the widest date range one /search asks for
SETTLE = timedelta(minutes=5)  # a read's "now" is taken this much earlier (clock skew)
SEARCH_PAGES = 20  # a find-again search looks at this many pages at most
Clock = Callable[[], datetime]


class PageNumbers:
    """``page``/``pageSize``: the next page while the last one was full and the answer's
    ``totalPages`` says there are more."""

    def first(self, page_size: int) -> dict[str, Any]:
        return {"page": 1, "pageSize": page_size}

    def next(self, page: Page) -> tuple[str, dict[str, Any]] | None:
        asked = int(page.query.get("pageSize") or 0)
        number = int(page.query.get("page") or 1)
        total = dig(page.body, "totalPages")
        if not page.records or len(page.records) < asked:
            return None
        if isinstance(total, int) and not isinstance(total, bool) and number >= total:
            return None
        return page.url, {**page.query, "page": number + 1}


def _json(response: httpx.Response, api: Api) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ConnectorError(
            f"Elead answered {response.request.method} {response.request.url.path} with "
            "something that is not JSON.",
            hint="Check that the API addresses point at the Elead APIs themselves.",
        ) from None


def _items(body: Any, what: str) -> list[Mapping[str, Any]]:
    items = body.get("items") if isinstance(body, Mapping) else None
    if not isinstance(items, list):
        raise ConnectorError(f"Elead answered the {what} without a list of items.")
    return [i for i in items if isinstance(i, Mapping)]


def _text(row: Mapping[str, Any], name: str) -> str:
    return str(row.get(name) or "").strip()


# -- customers ------------------------------------------------------------------------------
class CustomerStream(RestStream):
    # Elead has no listing of a store's customers, only a search (read pages through it
    # with no criteria, which a large store's Elead does not promise to answer whole):
    # reconciliation looks each linked customer up by id instead.
    lists_all = False

    def __init__(self, api: Api, *, page_size: int, owned_vehicles_on_read: bool = False) -> None:
        super().__init__(
            specs.CUSTOMERS,
            api,
            "/search",
            paginator=PageNumbers(),
            page_size=page_size,
            to_row=customers.from_elead,
            item_path="/{id}",
        )
        self.owned_vehicles_on_read = owned_vehicles_on_read

    def pages(self, cursor: str | None = None) -> Iterator[list[Row]]:
        """Every customer, page by page (Elead's search with no criteria)."""
        for rows in self._search({}, self.page_size):
            if self.owned_vehicles_on_read:
                for row in rows:
                    row["owned_vehicles"] = self._owned(row["customer_id"])
            yield rows

    def _search(self, criteria: Mapping[str, Any], page_size: int) -> Iterator[list[Row]]:
        query = self.paginator.first(page_size)
        while True:
            response = self.api.request("POST", "/search", params=query, json=dict(criteria))
            self.api.raise_for_read(response)
            body = _json(response, self.api)
            records = list(_items(body, "customer search"))
            yield [customers.from_elead(r) for r in records]
            following = self.paginator.next(Page(self.api.url + "/search", query, body, records))
            if following is None:
                return
            query = following[1]

    def _owned(self, ident: str) -> str:
        if not ident:
            return ""
        response = self.api.request("GET", f"/{quote(ident, safe='')}/ownedVehicles")
        if response.status_code == 404:
            return ""
        self.api.raise_for_read(response)
        return customers.owned_vehicles_text(_json(response, self.api))

    def one(self, key: str) -> Row | None:
        """The customer with Elead id ``key`` as a row (no owned vehicles), or None."""
        response = self.api.request("GET", f"/{quote(key, safe='')}")
        if response.status_code == 404:
            return None
        self.api.raise_for_read(response)
        return customers.from_elead(_json(response, self.api))

    def fetch(self, keys: Sequence[str]) -> pd.DataFrame:
        """Customers by Elead id, each with its owned vehicles (two calls a customer)."""
        rows = []
        for key in keys:
            row = self.one(key)
            if row is None:
                continue
            row["owned_vehicles"] = self._owned(row["customer_id"] or key)
            rows.append(row)
        return frame(rows, self.spec.field_names())

    def search(self, **criteria: str) -> pd.DataFrame:
        """Customers Elead finds for ``first_name``, ``last_name``, ``email``, ``phone``
        (all given must match), at most ``SEARCH_PAGES`` pages."""
        try:
            body = customers.search_body(criteria)
        except EleadFormatError as exc:
            raise ConnectorError(str(exc)) from None
        if not body:
            raise ConnectorError("Give at least one of first_name, last_name, email, phone.")
        rows: list[Row] = []
        for number, page in enumerate(self._search(body, self.page_size), start=1):
            rows += page
            if number >= SEARCH_PAGES:
                break
        return frame(rows, self.spec.field_names())

    # -- writing ------------------------------------------------------------------------
    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        return [self._write_one(record) for record in batch]

    def _write_one(self, record: WriteRecord) -> WriteResult:
        payload = clean_payload(record.payload)
        problem = unknown_fields(self.spec, payload)
        if problem:
            return problem
        changes = {k: v for k, v in payload.items() if k in customers.WRITABLE}
        ident = record.dest_id or _text(payload, "customer_id")
        look_first = record.look_first
        if ident:
            updated = self._update(ident, changes)
            if updated is not None:
                return updated
            # gone (deleted, or merged into another customer): the customer Elead has
            # with this e-mail or phone is updated, else a new one is created
            look_first = True
        gap = _cannot_create(changes)
        if gap:
            return rejected(gap)
        try:
            body = customers.create_body(changes)
        except EleadFormatError as exc:
            return rejected(f"Cannot write the customer: {exc}")
        if look_first:  # it may be there already (the last run was cut off)
            found = self.find(changes)
            result = self._update(found, changes) if found else None
            if result is not None:
                if result.action is WriteAction.REJECTED:
                    return result
                return dataclasses.replace(result, response={"found_before_create": found})
        return create_once(
            self.api,
            "the customer",
            lambda: self.api.request("POST", "/", json=body, retry_ambiguous=False),
            lambda: self.find(changes),
            lambda r: str(answer(r).get("id") or ""),
            settle_s=self.api.client.timeout_s,  # Elead would not know a resent create
        )

    def _update(self, ident: str, changes: Mapping[str, Any]) -> WriteResult | None:
        """The customer as Elead has it with ``changes`` applied; None when Elead has no
        customer ``ident`` (any more)."""
        path = f"/{quote(ident, safe='')}"
        what = f"customer {ident}"
        response: httpx.Response | None = None
        for _attempt in range(2):  # once more when the record changed in between (412)
            current = self.api.request("GET", path)
            if current.status_code == 404:
                return None
            if current.status_code >= 300:
                return refusal(self.api, current, what)
            now = answer(current)
            try:
                body = customers.update_body(now, changes)
            except EleadFormatError as exc:
                return rejected(f"Cannot write {what}: {exc}")
            if body == customers.request_of(now):
                return WriteResult(WriteAction.UNCHANGED, ident, response=now)
            tag = current.headers.get("ETag")
            headers = {"If-Match": tag} if tag else None
            response = self.api.request("POST", path, json=body, headers=headers)
            if response.status_code != 412:
                break
        assert response is not None
        if response.status_code >= 300:
            return refusal(self.api, response, what)
        return WriteResult(WriteAction.UPDATED, ident, response=answer(response))

    def find(self, row: Mapping[str, Any]) -> str | None:
        """The customer with the row's last name (or company name) and its e-mail, else
        one of its phones, as Elead's search finds them; of several, the one that has
        most of the row's values exactly as the row says them (the one a lost create
        made, rather than another copy of the same person)."""
        surname = (_text(row, "last_name") or _text(row, "company_name")).casefold()
        tries = [("email", _text(row, "email"))]
        tries += [("phone", _text(row, p)) for p in customers.PHONES]
        for column, value in tries:
            if not value:
                continue
            criteria = {column: value}
            if _text(row, "last_name"):
                criteria["last_name"] = _text(row, "last_name")
            hits = [
                hit
                for _, hit in self.search(**criteria).iterrows()
                if surname
                in {str(hit["last_name"]).casefold(), str(hit["company_name"]).casefold()}
            ]
            if hits:
                best = max(hits, key=lambda hit: _same_values(row, hit))  # first of equals
                return str(best["customer_id"])
        return None


def _same_values(row: Mapping[str, Any], hit: pd.Series[Any]) -> int:
    """How many of the row's non-empty values the customer has exactly."""
    return sum(
        1
        for name in _FOUND_BY
        if _text(row, name) and _text(row, name) == str(hit.get(name) or "").strip()
    )


_FOUND_BY = (
    "first_name", "last_name", "company_name", "email", "home_phone", "mobile_phone",
    "work_phone", "other_phone", "address_line1", "city", "zip",
)  # fmt: skip


def _cannot_create(row: Mapping[str, Any]) -> str:
    if not (_text(row, "last_name") or _text(row, "company_name")):
        return "Elead needs a last name (or a company name) to create a customer."
    if not (_text(row, "email") or any(_text(row, p) for p in customers.PHONES)):
        return (
            "Elead customers are found again by e-mail or phone: give one of them to create "
            "a customer (so a retry can never make a second one)."
        )
    return ""


# -- opportunities ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Query:
    """One read request series: ``path`` with ``params``; the rows of its last page carry
    ``until`` as their cursor (every change before it has been seen then), the others
    ``since`` (the query's own start)."""

    path: str
    params: dict[str, str]
    since: str
    until: str


def plan(start: datetime, now: datetime) -> list[Query]:
    """The requests that read every change from ``start`` to ``now``: date-range searches
    of at most ``WINDOW`` while ``start`` is further back than searchDelta reaches, then
    one searchDelta from where they ended."""
    reach = now - DELTA_REACH
    out: list[Query] = []
    at = start
    while at < reach:
        end = min(at + WINDOW, reach)
        since, until = rfc3339(at), rfc3339(end)
        out.append(Query("/search", {"dateFrom": since, "dateTo": until}, since, until))
        at = end
    begin = min(at, now)
    since = rfc3339(begin)
    out.append(Query("/searchDelta", {"dateFrom": since}, since, rfc3339(max(begin, now - SETTLE))))
    return out


class OpportunityStream(RestStream):
    def __init__(
        self,
        api: Api,
        *,
        page_size: int,
        history_start: datetime,
        clock: Clock = lambda: datetime.now(UTC),
        customers_from: CustomerStream | None = None,
    ) -> None:
        super().__init__(
            specs.OPPORTUNITIES,
            api,
            "/searchDelta",
            paginator=PageNumbers(),
            page_size=page_size,
            since=lambda cursor: {"dateFrom": cursor},
            to_row=opportunities.from_elead,
        )
        self.history_start = history_start
        self.clock = clock
        self.queries: list[Query] = []  # what the last read asked, for tests and logs
        # set: each opportunity's customer_* columns are filled from its customer
        self.customers_from = customers_from
        self._customers: dict[str, Row | None] = {}  # customers met by the current read

    def pages(self, cursor: str | None = None) -> Iterator[list[Row]]:
        start = self.history_start
        if cursor:
            moment = parse_instant(cursor)
            if moment is None:
                raise ConnectorError(
                    f"'{cursor}' is not a time the opportunities can be read from.",
                    hint="Give a date-time like 2026-01-01T00:00:00Z.",
                )
            start = moment
        self.queries = plan(start, self.clock())
        self._customers = {}
        for query in self.queries:
            for rows in self._run(query):
                yield self._with_customers(rows)

    def _with_customers(self, rows: list[Row]) -> list[Row]:
        """``rows`` with their customer's details (when ``customers_from`` is set): one
        request per customer the read has not met yet."""
        for row in rows:
            found: Row | None = None
            ident = str(row.get("customer_id") or "")
            if self.customers_from is not None and ident:
                if ident not in self._customers:
                    self._customers[ident] = self.customers_from.one(ident)
                found = self._customers[ident]
            for column, name in specs.CUSTOMER_DETAILS.items():
                row[column] = str((found or {}).get(name) or "")
        return rows

    def _run(self, query: Query) -> Iterator[list[Row]]:
        params: dict[str, Any] = {**query.params, **self.paginator.first(self.page_size)}
        while True:
            response = self.api.request("GET", query.path, params=params)
            self.api.raise_for_read(response)
            body = _json(response, self.api)
            records = _items(body, f"opportunity {query.path.strip('/')}")
            following = self.paginator.next(
                Page(self.api.url + query.path, params, body, list(records))
            )
            stamp = query.until if following is None else query.since
            yield [{**opportunities.from_elead(r), specs.SYNC_CURSOR: stamp} for r in records]
            if following is None:
                return
            params = following[1]

    def changed_since(self, moment: datetime) -> Iterator[Mapping[str, Any]]:
        """Elead's opportunities (JSON) changed since ``moment`` (at most
        ``SEARCH_PAGES`` pages), to find one again."""
        params: dict[str, Any] = {"dateFrom": rfc3339(moment), **self.paginator.first(100)}
        for _number in range(SEARCH_PAGES):
            response = self.api.request("GET", "/searchDelta", params=params)
            self.api.raise_for_read(response)
            body = _json(response, self.api)
            records = _items(body, "opportunity searchDelta")
            yield from records
            following = self.paginator.next(
                Page(self.api.url + "/searchDelta", params, body, list(records))
            )
            if following is None:
                return
            params = following[1]

    def opportunity(self, ident: str, since: datetime) -> Mapping[str, Any] | None:
        """One opportunity as Elead has it, if it changed since ``since``."""
        wanted = ident.lower()
        return next(
            (o for o in self.changed_since(since) if str(o.get("id")).lower() == wanted), None
        )

    def fetch(self, keys: Sequence[str]) -> pd.DataFrame:
        raise ConnectorError(
            "Elead cannot read one opportunity by its id (its API searches by date only).",
            hint="Read the opportunities changed since a time instead.",
        )

    # -- writing ------------------------------------------------------------------------
    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        return [self._write_one(record) for record in batch]

    def _write_one(self, record: WriteRecord) -> WriteResult:
        payload = clean_payload(record.payload)
        problem = unknown_fields(self.spec, payload)
        if problem:
            return problem
        ident = record.dest_id or _text(payload, "opportunity_id")
        if ident:
            return self._update(ident, payload)
        return self._create(payload)

    def _create(self, payload: Mapping[str, Any]) -> WriteResult:
        row = {k: v for k, v in payload.items() if k in opportunities.CREATE}
        try:
            body = opportunities.create_body(row)
            salesperson = _text(payload, "salesperson_id")
            if salesperson:
                opportunities.reassign_body(body["customerId"], salesperson)  # checks the id
        except EleadFormatError as exc:
            return rejected(f"Cannot create the opportunity: {exc}")
        sent_at = self.clock()
        result = create_once(
            self.api,
            "the opportunity",
            lambda: self.api.request("POST", "/", json=body, retry_ambiguous=False),
            lambda: self._find(body, sent_at),
            lambda r: str(dig(answer(r), "opportunity.id") or ""),
            settle_s=self.api.client.timeout_s,
        )
        if result.action is not WriteAction.CREATED or not salesperson or not result.dest_id:
            return result
        assigned = self._reassign(result.dest_id, salesperson)
        if assigned.action is WriteAction.REJECTED:
            note = {**(result.response or {}), "salesperson_not_assigned": assigned.error}
            return WriteResult(WriteAction.CREATED, result.dest_id, response=note)
        return result

    def _find(self, body: Mapping[str, Any], sent_at: datetime) -> str | None:
        """The customer's opportunity from this source that came in with the create
        (its ``dateIn``, else since just before it was sent)."""
        since = sent_at - SETTLE
        for item in self.changed_since(since):
            customer = item.get("customer")
            if not isinstance(customer, Mapping):
                continue
            if str(customer.get("id", "")).lower() != body["customerId"]:
                continue
            if item.get("source") != body["source"] or item.get("upType") != body["upType"]:
                continue
            came = parse_instant(str(item.get("dateIn") or ""))
            if "dateIn" in body:
                if came != parse_instant(body["dateIn"]):
                    continue
            elif came is None or came < since:
                continue
            return str(item.get("id") or "") or None
        return None

    def _reassign(self, ident: str, salesperson_id: str) -> WriteResult:
        try:
            body = opportunities.reassign_body(ident, salesperson_id)
        except EleadFormatError as exc:
            return rejected(f"Cannot reassign opportunity {ident}: {exc}")
        response = self.api.request("POST", "/reassignPrimarySalesperson", json=body)
        if response.status_code >= 300:
            return refusal(self.api, response, f"the salesperson of opportunity {ident}")
        return WriteResult(WriteAction.UPDATED, ident)

    def _update(self, ident: str, payload: Mapping[str, Any]) -> WriteResult:
        """Elead changes an opportunity only through sub-operations: the primary
        salesperson is reassigned; what else the record says cannot be sent."""
        salesperson = _text(payload, "salesperson_id")
        kept = sorted(
            k
            for k, v in payload.items()
            if v not in ("", None) and k in opportunities.CREATE and k != "customer_id"
        )
        note = (
            {
                "not_sent": "Elead cannot change these after the opportunity is created: "
                + ", ".join(kept)
            }
            if kept
            else {}
        )
        if not salesperson:
            return WriteResult(WriteAction.UNCHANGED, ident, response=note or None)
        result = self._reassign(ident, salesperson)
        if result.action is WriteAction.REJECTED:
            return result
        return WriteResult(WriteAction.UPDATED, ident, response={"reassigned": salesperson, **note})


# -- sub-operations ----------------------------------------------------------------------------
class SubStream(RestStream):
    """A write-only stream of things added to opportunities (trade-ins, vehicles sought):
    added once (after an unclear answer the opportunity is looked at first), replaced
    (removed, then added) when they change."""

    collection = ""  # "/tradein"
    item_key = ""  # "tradeIns" in an Opportunity
    label = ""

    def make_body(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The add request's body from a row (``EleadFormatError`` when it cannot be)."""
        raise NotImplementedError

    def __init__(self, spec: StreamSpec, api: Api, owner: OpportunityStream) -> None:
        super().__init__(spec, api, self.collection, paginator=PageNumbers(), page_size=1)
        self.owner = owner

    def read(self, cursor: str | None = None) -> Iterator[pd.DataFrame]:
        raise ConnectorError(
            f"Elead's {self.label}s are read with their opportunity (the opportunities "
            f"stream), not on their own."
        )

    def preview(self, limit: int, since: str | None = None) -> pd.DataFrame:
        raise ConnectorError(f"The {self.spec.name} stream can only be written.")

    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        return [self._write_one(record) for record in batch]

    def _write_one(self, record: WriteRecord) -> WriteResult:
        payload = clean_payload(record.payload)
        problem = unknown_fields(self.spec, payload)
        if problem:
            return problem
        row = {k: v for k, v in payload.items() if k != self.spec.primary_key}
        try:
            body = self.make_body(row)
        except EleadFormatError as exc:
            return rejected(f"Cannot add the {self.label}: {exc}")
        old = record.dest_id or _text(payload, self.spec.primary_key)
        if old:
            gone = self.api.request("DELETE", f"{self.collection}/{quote(old, safe='')}")
            if gone.status_code >= 300 and gone.status_code != 404:
                return refusal(self.api, gone, f"the removal of {self.label} {old}")
        sent_at = self.owner.clock()
        result = create_once(
            self.api,
            f"the {self.label}",
            lambda: self.api.request("POST", self.collection, json=body, retry_ambiguous=False),
            lambda: self._find(body, sent_at),
            lambda r: str(answer(r).get("id") or ""),
        )
        if old and result.action is WriteAction.CREATED:
            return WriteResult(WriteAction.UPDATED, result.dest_id, response=result.response)
        return result

    def _find(self, body: Mapping[str, Any], sent_at: datetime) -> str | None:
        """The opportunity's item that has what was sent (by VIN when there is one)."""
        found = self.owner.opportunity(body["opportunityId"], sent_at - SETTLE)
        if found is None:
            return None
        sent = {k: v for k, v in body.items() if k != "opportunityId"}
        keys = ("vin",) if sent.get("vin") else tuple(sent)
        for item in found.get(self.item_key) or []:
            if isinstance(item, Mapping) and all(item.get(k) == sent.get(k) for k in keys):
                return str(item.get("id") or "") or None
        return None


class TradeInStream(SubStream):
    collection = "/tradein"
    item_key = "tradeIns"
    label = "trade-in"

    def make_body(self, row: Mapping[str, Any]) -> dict[str, Any]:
        return opportunities.trade_in_body(row)


class VehicleSoughtStream(SubStream):
    collection = "/vehicleSought"
    item_key = "soughtVehicles"
    label = "vehicle sought"

    def make_body(self, row: Mapping[str, Any]) -> dict[str, Any]:
        return opportunities.vehicle_sought_body(row)


class CommentStream(RestStream):
    """Comments added to opportunities: Elead gives them no id and cannot show them, so
    an unclear answer is parked, never resent blindly."""

    def __init__(self, api: Api) -> None:
        super().__init__(specs.COMMENTS, api, "/comment", paginator=PageNumbers(), page_size=1)

    def read(self, cursor: str | None = None) -> Iterator[pd.DataFrame]:
        raise ConnectorError("Elead does not show an opportunity's comments.")

    def preview(self, limit: int, since: str | None = None) -> pd.DataFrame:
        raise ConnectorError("The opportunity_comments stream can only be written.")

    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        return [self._write_one(record) for record in batch]

    def _write_one(self, record: WriteRecord) -> WriteResult:
        payload = clean_payload(record.payload)
        problem = unknown_fields(self.spec, payload)
        if problem:
            return problem
        try:
            body = opportunities.comment_body(
                _text(payload, "opportunity_id"), str(payload.get("comment") or "")
            )
        except EleadFormatError as exc:
            return rejected(f"Cannot add the comment: {exc}")
        what = f"the comment on opportunity {body['opportunityId']}"
        try:
            response = self.api.request("POST", "/comment", json=body, retry_ambiguous=False)
        except AmbiguousRequestError as exc:
            return rejected(
                f"Elead did not confirm {what} ({exc}). Elead cannot show comments, so it "
                "was not sent again: check the opportunity in Elead and replay this record "
                "if the comment is missing."
            )
        if response.status_code >= 300:
            return refusal(self.api, response, what)
        return WriteResult(WriteAction.CREATED, None, response={"added": body["comment"]})


def build_streams(
    customers_api: Api,
    opportunities_api: Api,
    *,
    page_size: int,
    history_start: datetime,
    owned_vehicles_on_read: bool = False,
    customers_on_read: bool = False,
    clock: Clock = lambda: datetime.now(UTC),
) -> dict[str, RestStream]:
    customer = CustomerStream(
        customers_api, page_size=page_size, owned_vehicles_on_read=owned_vehicles_on_read
    )
    opportunity = OpportunityStream(
        opportunities_api,
        page_size=page_size,
        history_start=history_start,
        clock=clock,
        customers_from=customer if customers_on_read else None,
    )
    out: list[RestStream] = [
        customer,
        opportunity,
        TradeInStream(specs.TRADE_INS, opportunities_api, opportunity),
        VehicleSoughtStream(specs.VEHICLES_SOUGHT, opportunities_api, opportunity),
        CommentStream(opportunities_api),
    ]
    return {s.spec.name: s for s in out}
