"""Streams of the CDK Fortellis connector.

- ``repair_orders``: reads Fortellis ``listRepairOrders`` (``dateTimeInterval`` from the
  cursor to now, ``page``/``pageSize``, following ``links.nextPage``, with
  ``Prefer: return=representation`` for the service lines) and ``retrieveRepairOrder``
  for fetch by id; writes to CDK Drive: ``createRepairOrder`` (never resent blindly:
  after an unclear answer the advisor's open ROs are searched for the same tag, vehicle
  and customer), ``updateRepairOrder`` (the whole header, ``If-Match``), ``addServiceLine``
  and ``updateServiceLine`` (``If-Match``).
- ``customers`` / ``service_vehicles``: ``query…ById`` for fetch, ``query…`` for search,
  ``create…`` via ``create_once`` (found again by e-mail / phone, or by VIN / plate),
  ``update…`` with ``If-Match``. No whole read (see ``cdk_fortellis_specs``).

Every update GETs the record first (its ETag and its current values: CDK's updates
replace the whole record), sends it with ``If-Match``, and on 412 does both once more.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx
import pandas as pd

from app.connectors import cdk_fortellis_specs as specs
from app.connectors.errors import ConnectorError
from app.connectors.rest.paging import Page, PageNumber
from app.connectors.rest.stream import Api, RestStream
from app.connectors.rest.writes import answer, checked_payload, create_once, refusal, rejected
from app.connectors.rest_helpers import frame
from app.connectors.streams import StreamSpec, WriteAction, WriteRecord, WriteResult
from app.formats.cdk import customers, repair_orders, vehicles
from app.formats.cdk import interval as intervals
from app.formats.cdk.common import CdkFormatError, Hrefs, Json, id_from_href, names

Build = Callable[[Json], Json | None]
_UPDATE_NAMES = names(repair_orders.UPDATE)


class OnePage:
    """A collection answered in one piece (CDK Drive's searches have no paging)."""

    def first(self, page_size: int) -> dict[str, Any]:
        return {}

    def next(self, page: Page) -> tuple[str, dict[str, Any]] | None:
        return None


def etag(response: httpx.Response) -> str:
    return response.headers.get("ETag", "")


def conditional_write(
    api: Api, read_path: str, write_path: str, build: Build, what: str
) -> WriteResult:
    """GET ``read_path`` (ETag + current record), POST ``build(current)`` to
    ``write_path`` with ``If-Match``; on 412 both once more. ``build`` answers None when
    nothing needs sending."""
    sent = False
    response: httpx.Response | None = None
    for _attempt in range(2):
        current = api.request("GET", read_path)
        if current.status_code >= 300:
            return refusal(api, current, what)
        try:
            body = build(answer(current))
        except CdkFormatError as exc:
            return rejected(f"Cannot write {what}: {exc}")
        if body is None:
            action = WriteAction.UPDATED if sent else WriteAction.UNCHANGED
            return WriteResult(action, response=answer(current))
        response = api.request("POST", write_path, json=body, headers={"If-Match": etag(current)})
        sent = True
        if response.status_code != 412:
            break
    assert response is not None
    if response.status_code >= 300:
        return refusal(api, response, what)
    return WriteResult(WriteAction.UPDATED, response=answer(response))


def blanks(changes: Mapping[str, Any]) -> list[str]:
    return [k for k, v in changes.items() if v == ""]


class RepairOrderStream(RestStream):
    def __init__(
        self,
        spec: StreamSpec,
        read_api: Api,
        write_api: Api,
        hrefs: Hrefs,
        *,
        page_size: int,
        history_start: str,
    ) -> None:
        self.owner_of: Callable[[str], str] | None = None  # VIN -> the owner's customer id
        super().__init__(
            spec,
            read_api,
            "/",
            paginator=PageNumber(link="links.nextPage.href"),
            page_size=page_size,
            records="items",
            since=lambda cursor: {"dateTimeInterval": intervals.since(cursor)},
            to_row=self._row,
            item_path="/{id}",
        )
        self.write_api = write_api
        self.hrefs = hrefs
        self.history_start = history_start

    def _row(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """A Fortellis repair order names its vehicle but not its customer: with an owner
        look-up, ``customer_id`` is the owner of the VIN (one vehicle search per VIN), on
        reads and on fetches by key alike."""
        row = repair_orders.from_fortellis(item)
        if self.owner_of is not None and not row.get("customer_id") and row.get("vin"):
            row["customer_id"] = self.owner_of(str(row["vin"]))
        return row

    def pages(self, cursor: str | None = None) -> Iterator[list[dict[str, Any]]]:
        """``dateTimeInterval`` is required: a full read asks from the history start."""
        return super().pages(cursor or self.history_start)

    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        return [self._write_one(record) for record in batch]

    def _write_one(self, record: WriteRecord) -> WriteResult:
        payload = checked_payload(self.spec, record.payload)
        if isinstance(payload, WriteResult):
            return payload
        ident = record.dest_id or str(payload.get("ro_number") or "")
        return self._update(ident, payload) if ident else self._create(payload)

    # -- create ---------------------------------------------------------------------
    def _create(self, payload: Mapping[str, Any]) -> WriteResult:
        gaps = repair_orders.missing(payload, repair_orders.CREATE_REQUIRED)
        gaps += repair_orders.missing_in_lines(str(payload.get("service_lines") or ""))
        if gaps:
            return rejected(f"CDK needs these to create a repair order: {', '.join(gaps)}")
        try:
            body = repair_orders.create_body(payload, self.hrefs)
        except CdkFormatError as exc:
            return rejected(f"Cannot write the repair order: {exc}")
        result = create_once(
            self.write_api,
            "the repair order",
            lambda: self.write_api.request("POST", "/", json=body, retry_ambiguous=False),
            lambda: self._find(payload),
            lambda r: str(answer(r).get("repairOrderId") or ""),
        )
        return result

    def _find(self, payload: Mapping[str, Any]) -> str | None:
        """The open RO of the same advisor with the same tag, vehicle and customer."""
        params = {"serviceAdvisorId": str(payload["advisor_id"])}
        response = self.write_api.request("GET", "/", params=params)
        self.write_api.raise_for_read(response)
        for item in answer(response).get("items") or []:
            if not isinstance(item, Mapping):
                continue
            if (
                str(item.get("tagNum")) == str(payload["tag_number"])
                and id_from_href(item.get("vehicleHref")) == str(payload["vehicle_id"])
                and id_from_href(item.get("customerHref")) == str(payload["customer_id"])
            ):
                return str(item.get("repairOrderId") or "") or None
        return None

    # -- update ---------------------------------------------------------------------
    def _update(self, ident: str, payload: Mapping[str, Any]) -> WriteResult:
        path = f"/{quote(ident, safe='')}/"
        header = {k: v for k, v in payload.items() if k in _UPDATE_NAMES}
        results: list[WriteResult] = []
        if header:

            def build(current: Json) -> Json | None:
                row = repair_orders.from_drive(current)
                before = repair_orders.update_body(row, self.hrefs)
                after = repair_orders.update_body({**row, **header}, self.hrefs, blanks(header))
                return None if after == before else after

            results.append(
                conditional_write(self.write_api, path, path, build, f"repair order {ident}")
            )
        lines_text = str(payload.get("service_lines") or "")
        try:
            lines = repair_orders.parse_lines(lines_text)
        except ValueError:
            return rejected("service_lines: not a JSON list of service lines")
        for number, line in enumerate(lines, start=1):
            if results and results[-1].action is WriteAction.REJECTED:
                break
            results.append(self._line(path, ident, number, line))
        refused = next((r for r in results if r.action is WriteAction.REJECTED), None)
        if refused is not None:
            return refused
        changed = any(r.action is WriteAction.UPDATED for r in results)
        last = results[-1].response if results else None
        action = WriteAction.UPDATED if changed else WriteAction.UNCHANGED
        return WriteResult(action, dest_id=ident, response=last)

    def _line(self, path: str, ident: str, number: int, line: Mapping[str, Any]) -> WriteResult:
        what = f"service line {number} of repair order {ident}"
        try:
            wanted = repair_orders.line_body(line)
        except CdkFormatError as exc:
            return rejected(f"Cannot write {what}: {exc}")
        line_id = str(line.get("service_line_id") or "")
        if not line_id:
            gaps = repair_orders.missing_in_lines(json.dumps([line]))
            if gaps:
                return rejected(f"CDK needs these to add {what}: {', '.join(gaps)}")
            return conditional_write(
                self.write_api, path, f"{path}service-lines", lambda _current: wanted, what
            )
        line_path = f"{path}service-lines/{quote(line_id, safe='')}/"

        def build(current: Json) -> Json | None:
            now = repair_orders.line_body(repair_orders.line_from_drive(current))
            merged = {**now, **wanted}
            return None if merged == now else merged

        return conditional_write(self.write_api, line_path, line_path, build, what)


class SearchStream(RestStream):
    """Customers and service vehicles: fetch by id, search, create once, update."""

    lists_all = False  # CDK cannot page through all of them: reconcile looks ids up

    def __init__(
        self,
        spec: StreamSpec,
        api: Api,
        hrefs: Hrefs,
        *,
        searches: Mapping[str, str],  # row column -> query parameter
        from_cdk: Callable[[Mapping[str, Any]], dict[str, str]],
        write_body: Callable[[Mapping[str, Any], Sequence[str]], Json],
        writable: Sequence[str],
        id_key: str,
    ) -> None:
        super().__init__(
            spec,
            api,
            "/",
            paginator=OnePage(),
            page_size=1,
            records="items",
            to_row=from_cdk,
            item_path="/{id}/",
        )
        self.hrefs = hrefs
        self.searches = dict(searches)
        self.from_cdk = from_cdk
        self.write_body = write_body
        self.writable = tuple(writable)
        self.id_key = id_key  # the id property of CDK's answer

    def _refuse(self) -> ConnectorError:
        what = self.spec.name.replace("_", " ")
        by = ", ".join(self.searches)
        return ConnectorError(
            f"CDK cannot list {what} changed since a time, nor page through all of them, so "
            f"the {what} stream is not read as a whole (no nightly full scan).",
            hint=f"Re-sync single records by id, or search by {by}; follow changes through "
            "repair orders, CDK events or a DMS extract.",
        )

    def read(self, cursor: str | None = None) -> Iterator[pd.DataFrame]:
        raise self._refuse()

    def preview(self, limit: int, since: str | None = None) -> pd.DataFrame:
        raise self._refuse()

    def search(self, **criteria: str) -> pd.DataFrame:
        """Records whose columns match ``criteria`` (``email=…``, ``vin=…``…), as CDK's
        search finds them."""
        unknown = sorted(set(criteria) - set(self.searches))
        if unknown or not any(criteria.values()):
            raise ConnectorError(
                f"The {self.spec.name} stream searches by {', '.join(self.searches)}, "
                f"not by {', '.join(unknown) or 'nothing'}."
            )
        params = {self.searches[k]: v for k, v in criteria.items() if v}
        response = self.api.request("GET", "/", params=params)
        self.api.raise_for_read(response)
        items = answer(response).get("items") or []
        rows = [self.from_cdk(i) for i in items if isinstance(i, Mapping)]
        return frame(rows, self.spec.field_names())

    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        return [self._write_one(record) for record in batch]

    def _write_one(self, record: WriteRecord) -> WriteResult:
        payload = checked_payload(self.spec, record.payload)
        if isinstance(payload, WriteResult):
            return payload
        changes = {k: v for k, v in payload.items() if k in self.writable}
        ident = record.dest_id or str(payload.get(self.spec.primary_key) or "")
        label = self.spec.entity.replace("_", " ")
        if ident:
            path = f"/{quote(ident, safe='')}/"

            def build(current: Json) -> Json | None:
                row = self.from_cdk(current)
                before = self.write_body(row, ())
                after = self.write_body({**row, **changes}, blanks(changes))
                return None if after == before else after

            result = conditional_write(self.api, path, path, build, f"{label} {ident}")
            return WriteResult(result.action, ident, result.error, result.response)
        gap = self.cannot_create(changes)
        if gap:
            return rejected(gap)
        try:
            body = self.write_body(changes, ())
        except CdkFormatError as exc:
            return rejected(f"Cannot write the {label}: {exc}")
        return create_once(
            self.api,
            f"the {label}",
            lambda: self.api.request("POST", "/", json=body, retry_ambiguous=False),
            lambda: self.find(changes),
            lambda r: str(answer(r).get(self.id_key) or ""),
        )

    def cannot_create(self, row: Mapping[str, Any]) -> str:
        """Why a record cannot be created ('' when it can)."""
        raise NotImplementedError

    def find(self, row: Mapping[str, Any]) -> str | None:
        """The id of the record ``row`` describes, if CDK has it."""
        raise NotImplementedError


def _text(row: Mapping[str, Any], name: str) -> str:
    return str(row.get(name) or "").strip()


class CustomerStream(SearchStream):
    def cannot_create(self, row: Mapping[str, Any]) -> str:
        if not (_text(row, "last_name") or _text(row, "company_name")):
            return "CDK needs a last name (or a company name) to create a customer."
        if not (_text(row, "email") or any(_text(row, p) for p in customers.PHONES)):
            return (
                "CDK customers are found again by e-mail or phone: give one of them to "
                "create a customer (so a retry can never make a second one)."
            )
        return ""

    def find(self, row: Mapping[str, Any]) -> str | None:
        """A customer with the same last name and the row's e-mail, else one of its phones."""
        surname = (_text(row, "last_name") or _text(row, "company_name")).casefold()
        tries = [("email", _text(row, "email"))] + [
            ("phone", _text(row, p)) for p in customers.PHONES
        ]
        for column, value in tries:
            if not value:
                continue
            found = self.search(**{column: value})
            for _, hit in found.iterrows():
                names = {str(hit["last_name"]).casefold(), str(hit["company_name"]).casefold()}
                if surname in names:
                    return str(hit["customer_id"])
        return None


class VehicleStream(SearchStream):
    def cannot_create(self, row: Mapping[str, Any]) -> str:
        gaps = vehicles.missing_for_create(row)
        return f"CDK needs these to create a service vehicle: {', '.join(gaps)}" if gaps else ""

    def find(self, row: Mapping[str, Any]) -> str | None:
        """The vehicle with the row's VIN, else its plate."""
        for column in ("vin", "license_plate"):
            value = _text(row, column)
            if value:
                found = self.search(**{column: value})
                if len(found):
                    return str(found.iloc[0]["vehicle_id"])
        return None


def build_streams(
    apis: Mapping[str, Api], hrefs: Hrefs, page_size: int, history_start: str
) -> dict[str, RestStream]:
    out: list[RestStream] = [
        RepairOrderStream(
            specs.REPAIR_ORDERS,
            apis["repair_orders"],
            apis["repair_orders_write"],
            hrefs,
            page_size=page_size,
            history_start=history_start,
        ),
        CustomerStream(
            specs.CUSTOMERS,
            apis["customers"],
            hrefs,
            searches={"name": "name", "email": "email", "phone": "phone"},
            from_cdk=customers.from_cdk,
            write_body=customers.write_body,
            writable=customers.WRITABLE,
            id_key="customerId",
        ),
        VehicleStream(
            specs.SERVICE_VEHICLES,
            apis["service_vehicles"],
            hrefs,
            searches={
                "vin": "vin",
                "license_plate": "licensePlateNum",
                "customer_id": "customerId",
            },
            from_cdk=vehicles.from_cdk,
            write_body=lambda row, blank: vehicles.write_body(row, hrefs, blank),
            writable=vehicles.WRITABLE,
            id_key="vehicleId",
        ),
    ]
    return {s.spec.name: s for s in out}


def owner_lookup(vehicles: SearchStream) -> Callable[[str], str]:
    """VIN -> the customer id of its owner as CDK's vehicle search gives it ('' when CDK
    has no such vehicle), asked once per VIN for the life of the connector."""
    known: dict[str, str] = {}

    def owner_of(vin: str) -> str:
        if vin not in known:
            found = vehicles.search(vin=vin)
            known[vin] = str(found.iloc[0]["customer_id"]) if len(found) else ""
        return known[vin]

    return owner_of
