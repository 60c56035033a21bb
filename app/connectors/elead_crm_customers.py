"""The Elead CRM connector's ``customers`` stream (*Elead Sales Customers*).

Reads page by page with ``Customers_SearchCustomers`` (``POST /search``, no criteria,
``page``/``pageSize``); fetch by id ``Customers_GetCustomer`` (+
``Customers_GetCustomerOwnedVehicles`` for ``owned_vehicles``); search by name, e-mail,
phone; create ``Customers_CreateCustomer`` via ``create_once`` (found again by last
name + e-mail, then + each phone; looked for first when the record says ``look_first``:
the flow's last run was cut off); update ``Customers_UpdateCustomer`` with the customer
as Elead has it and the given columns changed (nothing sent when nothing changes); an
update of a customer Elead no longer has (deleted, merged away) finds the customer by
e-mail or phone, else creates one. No cursor: Elead has no "changed since" for
customers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx
import pandas as pd

from app.connectors import elead_crm_specs as specs
from app.connectors.elead_crm_answers import SEARCH_PAGES, PageNumbers, items_of, json_of, text_of
from app.connectors.errors import ConnectorError
from app.connectors.rest.paging import Page
from app.connectors.rest.stream import Api, RestStream, Row
from app.connectors.rest.writes import answer, checked_payload, create_once, refusal, rejected
from app.connectors.rest_helpers import frame
from app.connectors.streams import WriteAction, WriteRecord, WriteResult
from app.formats.elead import customers
from app.formats.elead.common import EleadFormatError


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
            body = json_of(response, self.api)
            records = list(items_of(body, "customer search"))
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
        return customers.owned_vehicles_text(json_of(response, self.api))

    def one(self, key: str) -> Row | None:
        """The customer with Elead id ``key`` as a row (no owned vehicles), or None."""
        response = self.api.request("GET", f"/{quote(key, safe='')}")
        if response.status_code == 404:
            return None
        self.api.raise_for_read(response)
        return customers.from_elead(json_of(response, self.api))

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
        payload = checked_payload(self.spec, record.payload)
        if isinstance(payload, WriteResult):
            return payload
        changes = {k: v for k, v in payload.items() if k in customers.WRITABLE}
        ident = record.dest_id or text_of(payload, "customer_id")
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
        surname = (text_of(row, "last_name") or text_of(row, "company_name")).casefold()
        tries = [("email", text_of(row, "email"))]
        tries += [("phone", text_of(row, p)) for p in customers.PHONES]
        for column, value in tries:
            if not value:
                continue
            criteria = {column: value}
            if text_of(row, "last_name"):
                criteria["last_name"] = text_of(row, "last_name")
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
        if text_of(row, name) and text_of(row, name) == str(hit.get(name) or "").strip()
    )


_FOUND_BY = (
    "first_name", "last_name", "company_name", "email", "home_phone", "mobile_phone",
    "work_phone", "other_phone", "address_line1", "city", "zip",
)  # fmt: skip


def _cannot_create(row: Mapping[str, Any]) -> str:
    if not (text_of(row, "last_name") or text_of(row, "company_name")):
        return "Elead needs a last name (or a company name) to create a customer."
    if not (text_of(row, "email") or any(text_of(row, p) for p in customers.PHONES)):
        return (
            "Elead customers are found again by e-mail or phone: give one of them to create "
            "a customer (so a retry can never make a second one)."
        )
    return ""
