"""The Elead CRM connector's ``opportunities`` stream (*Elead Sales Opportunities*).

Reads what changed since the cursor with ``Opportunities_SearchDelta`` (``dateFrom``,
which Elead only accepts within the past 7 days); an older cursor first catches up with
``Opportunities_Search`` (``dateFrom``/``dateTo``) in windows of at most 7 days (see
``OpportunityStream.plan``); with ``customers_on_read`` each customer a read meets is
fetched once (``Customers_GetCustomer``) to fill the ``customer_*`` columns. Creates
with ``Opportunities_CreateOpportunity`` via ``create_once`` (found again among the
opportunities changed since just before the create), then
``Opportunities_ReassignPrimarySalesPerson`` for ``salesperson_id`` (also on update).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from app.connectors import elead_crm_specs as specs
from app.connectors.elead_crm_answers import (
    SEARCH_PAGES,
    SETTLE,
    Clock,
    PageNumbers,
    items_of,
    json_of,
    text_of,
)
from app.connectors.elead_crm_customers import CustomerStream
from app.connectors.errors import ConnectorError
from app.connectors.rest.paging import Page, dig
from app.connectors.rest.stream import Api, RestStream, Row
from app.connectors.rest.writes import answer, checked_payload, create_once, refusal, rejected
from app.connectors.streams import WriteAction, WriteRecord, WriteResult
from app.formats.elead import opportunities
from app.formats.elead.common import EleadFormatError, parse_instant, rfc3339

# searchDelta reaches back 7 days; a dateFrom is kept an hour inside that, so it is still
# within Elead's 7 days when it arrives (clocks differ, requests wait for a rate limit).
DELTA_REACH = timedelta(days=7) - timedelta(hours=1)
WINDOW = timedelta(days=7)  # the widest date range one /search asks for


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
            body = json_of(response, self.api)
            records = items_of(body, f"opportunity {query.path.strip('/')}")
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
            body = json_of(response, self.api)
            records = items_of(body, "opportunity searchDelta")
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
        payload = checked_payload(self.spec, record.payload)
        if isinstance(payload, WriteResult):
            return payload
        ident = record.dest_id or text_of(payload, "opportunity_id")
        if ident:
            return self._update(ident, payload)
        return self._create(payload)

    def _create(self, payload: Mapping[str, Any]) -> WriteResult:
        row = {k: v for k, v in payload.items() if k in opportunities.CREATE}
        try:
            body = opportunities.create_body(row)
            salesperson = text_of(payload, "salesperson_id")
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
        salesperson = text_of(payload, "salesperson_id")
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
