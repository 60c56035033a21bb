"""Streams of the Fortellis-style DMS: paged reads and per-record writes.

Reads follow ``links.nextPage`` to the end; ``last_cursor`` holds the highest
``updated_at`` yielded so far (the cursor to store once the destination acknowledged).
Page numbers shift when a record changes while we page (it moves to the end of the
``updatedAt`` order), which can skip one record: when fewer distinct ids arrived than
``totalItems`` said, one catch-up pass re-reads the same range and yields only what was
missed. ``updatedSince`` is inclusive, so rows stamped exactly at the cursor come again;
the engine's payload hash skips them.

Writes answer per record: 2xx -> created/updated/unchanged with the DMS id; a refusal
(400/404/409/412/422...) -> rejected with the DMS's own words; 401/403 -> ``AuthError``;
network/5xx after retries -> ``DeliveryError`` (from ``ResilientClient``).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import httpx
import pandas as pd

from app.connectors import dms_rest_specs as specs
from app.connectors.errors import AuthError, ConnectorError
from app.connectors.rest.paging import same_server
from app.connectors.rest.stream import Api
from app.connectors.rest_helpers import (
    clean_payload,
    error_text,
    frame,
    idempotency_key,
    json_object,
    raise_for_read,
)
from app.connectors.streams import Stream, StreamSpec, WriteAction, WriteRecord, WriteResult

SYSTEM = "DMS"
Row = dict[str, Any]


@lru_cache(maxsize=4096)  # a few dozen field names, asked for on every record
def snake(name: str) -> str:
    """``firstName`` -> ``first_name`` (the DMS speaks camelCase JSON)."""
    return "".join("_" + ch.lower() if ch.isupper() else ch for ch in name)


@lru_cache(maxsize=4096)
def camel(name: str) -> str:
    """``first_name`` -> ``firstName``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _rejected(message: str) -> WriteResult:
    return WriteResult(WriteAction.REJECTED, error=message)


def _refusal(response: httpx.Response, what: str) -> WriteResult:
    """A non-2xx answer to a write: auth problems stop the batch, the rest reject one record."""
    if response.status_code in (401, 403):
        raise AuthError(
            f"The DMS refused the write: {error_text(response)}.",
            hint="Check the client id / secret and Subscription-Id in the connection profile.",
        )
    return _rejected(f"The DMS refused {what}: {error_text(response)}")


def _etag(response: httpx.Response) -> str:
    return response.headers.get("ETag", "")


class DmsStream(Stream):
    """One DMS collection: read pages; subclasses add writes."""

    def __init__(
        self,
        spec: StreamSpec,
        api: Api,
        path: str,
        *,
        page_size: int = 500,
        prefer_lines: bool = False,
    ) -> None:
        self.spec = spec
        self.api = api
        self.path = path
        self.page_size = page_size
        self.prefer_lines = prefer_lines
        self.last_cursor: str | None = None  # max updated_at yielded by the last read

    # -- reading ------------------------------------------------------------------
    def read(self, cursor: str | None = None) -> Iterator[pd.DataFrame]:
        if not self.spec.readable:
            raise NotImplementedError(f"{self.spec.name} cannot be read")
        self.last_cursor = cursor
        seen: dict[str, str] = {}
        total = yield from self._pass(cursor, seen)
        if total is not None and len(seen) < total:
            yield from self._pass(cursor, seen)  # records moved while we paged: catch up

    def _pass(
        self, cursor: str | None, seen: dict[str, str]
    ) -> Generator[pd.DataFrame, None, int | None]:
        """Follow ``nextPage`` to the end; returns the server's ``totalItems``."""
        first: dict[str, Any] = {"pageSize": self.page_size}
        if cursor:
            first["updatedSince"] = cursor
        params: dict[str, Any] | None = first
        url: str | None = self.path
        headers = {"Prefer": "return=representation"} if self.prefer_lines else {}
        total: int | None = None
        visited: set[str] = set()
        while url:
            response = self.api.request("GET", url, params=params, headers=headers)
            raise_for_read(response, SYSTEM)
            body = json_object(response)
            items = body.get("items")
            if not isinstance(items, list):
                raise ConnectorError(f"The DMS answered {self.path} without an 'items' list.")
            if isinstance(body.get("totalItems"), int):
                total = body["totalItems"]
            rows = self._fresh(items, seen)
            if rows:
                yield frame(rows, self.spec.field_names())
            url, params = self._next(body, visited), None
        return total

    def _fresh(self, items: list[Any], seen: dict[str, str]) -> list[Row]:
        """Items as snake_case rows, skipping ids already yielded with this or a newer stamp."""
        rows = []
        key = self.spec.primary_key
        for item in items:
            if not isinstance(item, dict):
                continue
            row = self.transform({snake(k): v for k, v in item.items()})
            ident, stamp = str(row.get(key, "")), str(row.get("updated_at", ""))
            if ident in seen and seen[ident] >= stamp:
                continue
            seen[ident] = stamp
            if stamp and (self.last_cursor is None or stamp > self.last_cursor):
                self.last_cursor = stamp
            rows.append(row)
        return rows

    def transform(self, row: Row) -> Row:
        """Per-stream derived fields (overridden by repair orders)."""
        return row

    def fetch(self, keys: Sequence[str]) -> pd.DataFrame:
        """Specific records by id, one GET each (for "re-sync this customer / VIN")."""
        rows = []
        for key in keys:
            response = self.api.request("GET", f"{self.path}/{quote(key, safe='')}")
            if response.status_code == 404:
                continue
            raise_for_read(response, SYSTEM)
            rows.append(self.transform({snake(k): v for k, v in json_object(response).items()}))
        return frame(rows, self.spec.field_names())

    def _next(self, body: Mapping[str, Any], visited: set[str]) -> str | None:
        links = body.get("links")
        nxt = links.get("nextPage") if isinstance(links, dict) else None
        href = nxt.get("href") if isinstance(nxt, dict) else None
        if not isinstance(href, str) or not href:
            return None
        # never sends our bearer token to another host because a link says so
        return same_server(self.api.url, href, visited)

    # -- writing helpers ----------------------------------------------------------
    def _unknown(self, payload: Mapping[str, Any]) -> WriteResult | None:
        names = set(self.spec.field_names())
        extra = sorted(k for k in payload if k not in names)
        if extra:
            return _rejected(
                f"Not a field of DMS {self.spec.name}: {', '.join(extra)}. Fix the mapping."
            )
        return None

    def _patch(self, path: str, changes: Mapping[str, Any], what: str, ident: str) -> WriteResult:
        """GET for the ETag, PATCH with If-Match; on 412 fetch a fresh ETag and retry once."""
        body = {camel(k): v for k, v in changes.items()}
        if not body:
            return WriteResult(WriteAction.UNCHANGED, dest_id=ident)
        before = ""
        response: httpx.Response | None = None
        for _attempt in range(2):
            current = self.api.request("GET", path)
            if current.status_code >= 300:
                return _refusal(current, what)
            before = _etag(current)
            response = self.api.request("PATCH", path, json=body, headers={"If-Match": before})
            if response.status_code != 412:
                break
        assert response is not None
        if response.status_code >= 300:
            return _refusal(response, what)
        action = WriteAction.UNCHANGED if _etag(response) == before else WriteAction.UPDATED
        return WriteResult(action, dest_id=ident, response=json_object(response))


class RepairOrderStream(DmsStream):
    def transform(self, row: Row) -> Row:
        row["service_date"] = row.get("close_date") or row.get("open_date") or ""
        return row


class PatchStream(DmsStream):
    """Writes that update an existing record (customers, deal status) with If-Match."""

    def __init__(
        self,
        spec: StreamSpec,
        api: Api,
        path: str,
        patchable: Sequence[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(spec, api, path, **kwargs)
        self.patchable = tuple(patchable)

    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        return [self._write_one(record) for record in batch]

    def _write_one(self, record: WriteRecord) -> WriteResult:
        payload = clean_payload(record.payload)
        problem = self._unknown(payload)
        if problem:
            return problem
        key = self.spec.primary_key
        ident = record.dest_id or str(payload.get(key) or "")
        label = self.spec.entity.replace("_", " ")
        if not ident:
            return _rejected(
                f"No DMS {label} to update: the record has no DMS {key} yet. "
                + ("New customers reach the DMS as leads." if label == "customer" else "")
            )
        changes = {k: v for k, v in payload.items() if k in self.patchable}
        path = f"{self.path}/{quote(ident, safe='')}"
        return self._patch(path, changes, f"{label} {ident}", ident)


class AppointmentStream(DmsStream):
    """Read appointments; write = book (POST, idempotent) or reschedule (PATCH)."""

    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        return [self._write_one(record) for record in batch]

    def _write_one(self, record: WriteRecord) -> WriteResult:
        payload = clean_payload(record.payload)
        problem = self._unknown(payload)
        if problem:
            return problem
        if record.dest_id:
            changes = {k: v for k, v in payload.items() if k in specs.APPOINTMENT_PATCH}
            path = f"{self.path}/{quote(record.dest_id, safe='')}"
            return self._patch(path, changes, f"appointment {record.dest_id}", record.dest_id)
        body = {camel(k): v for k, v in payload.items() if k in specs.APPOINTMENT_CREATE and v}
        response = self.api.request(
            "POST", self.path, json=body, headers={"Idempotency-Key": idempotency_key(record)}
        )
        if response.status_code >= 300:
            return _refusal(response, "the appointment")
        data = json_object(response)
        return WriteResult(
            WriteAction.CREATED, dest_id=str(data.get("appointmentId", "")), response=data
        )


class LeadStream(DmsStream):
    """Create sales leads; ``crmLeadId`` (the record key by default) makes it idempotent.

    ``WriteResult.response`` carries the DMS answer, including ``customerId`` and
    ``customerCreated`` so the engine can link the prospect customer.
    """

    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        return [self._write_one(record) for record in batch]

    def _write_one(self, record: WriteRecord) -> WriteResult:
        payload = clean_payload(record.payload)
        problem = self._unknown(payload)
        if problem:
            return problem
        body = _section(payload, specs.LEAD_FIELDS)
        body.setdefault("crmLeadId", record.key)
        vehicle = _section(payload, specs.LEAD_VEHICLE_FIELDS)
        customer = _section(payload, specs.CUSTOMER_WRITABLE)
        if vehicle:
            body["vehicle"] = vehicle
        if customer and not body.get("customerId"):
            body["customer"] = customer
        response = self.api.request("POST", self.path, json=body)
        if response.status_code >= 300:
            return _refusal(response, "the lead")
        data = json_object(response)
        action = WriteAction.CREATED if response.status_code == 201 else WriteAction.UNCHANGED
        return WriteResult(action, dest_id=str(data.get("leadId", "")), response=data)


def _section(payload: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    return {camel(k): payload[k] for k in names if payload.get(k) not in (None, "")}


def build_streams(apis: Mapping[str, Api], page_size: int, ro_lines: bool) -> dict[str, Stream]:
    """Every DMS stream, each on its API (one shared client underneath)."""
    kw: dict[str, Any] = {"page_size": page_size}
    out: list[Stream] = [
        PatchStream(
            specs.CUSTOMERS, apis["customers"], "/customers", specs.CUSTOMER_WRITABLE, **kw
        ),
        DmsStream(specs.VEHICLES, apis["vehicles"], "/vehicles", **kw),
        DmsStream(specs.DEALS, apis["deals"], "/deals", **kw),
        PatchStream(specs.DEAL_STATUS, apis["deal_status"], "/deals", specs.DEAL_PATCH, **kw),
        RepairOrderStream(
            specs.REPAIR_ORDERS,
            apis["repair_orders"],
            "/repair-orders",
            prefer_lines=ro_lines,
            **kw,
        ),
        AppointmentStream(specs.APPOINTMENTS, apis["appointments"], "/appointments", **kw),
        DmsStream(specs.INVENTORY, apis["inventory"], "/inventory", **kw),
        LeadStream(specs.LEADS, apis["leads"], "/leads", **kw),
    ]
    return {s.spec.name: s for s in out}
