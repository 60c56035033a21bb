"""Streams of the Generic REST DMS: paged reads and per-record writes.

Reads go through ``GenericStream`` (the profile's paths, paging, "changed since"
parameter and field names, plus a catch-up pass when the answer gives a total);
``last_cursor`` holds the highest ``updated_at`` yielded so far (the cursor to store once
the destination acknowledged).

Writes answer per record: 2xx -> created/updated/unchanged with the DMS id; a refusal
(400/404/409/412/422...) -> rejected with the DMS's own words; 401/403 -> ``AuthError``;
network/5xx after retries -> ``DeliveryError`` (from ``ResilientClient``). Bodies carry
the API's field names (``FieldNames``); updates are a PATCH with ``If-Match`` after a GET
for the ``ETag``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from app.connectors import dms_rest_specs as specs
from app.connectors.errors import AuthError
from app.connectors.generic_rest import Dialect
from app.connectors.generic_rest_stream import GenericStream
from app.connectors.rest.stream import Api
from app.connectors.rest_helpers import (
    clean_payload,
    error_text,
    idempotency_key,
    json_object,
)
from app.connectors.streams import Stream, StreamSpec, WriteAction, WriteRecord, WriteResult

SYSTEM = "DMS"
Row = dict[str, Any]


def _rejected(message: str) -> WriteResult:
    return WriteResult(WriteAction.REJECTED, error=message)


def _refusal(response: httpx.Response, what: str) -> WriteResult:
    """A non-2xx answer to a write: auth problems stop the batch, the rest reject one record."""
    if response.status_code in (401, 403):
        raise AuthError(
            f"The DMS refused the write: {error_text(response)}.",
            hint="Check the sign-in settings (and Subscription ID, if the DMS uses one) in "
            "the connection profile.",
        )
    return _rejected(f"The DMS refused {what}: {error_text(response)}")


def _etag(response: httpx.Response) -> str:
    return response.headers.get("ETag", "")


class DmsStream(GenericStream):
    """One DMS collection: read pages; subclasses add writes."""

    def __init__(
        self,
        spec: StreamSpec,
        api: Api,
        path: str,
        *,
        page_size: int = 500,
        prefer_lines: bool = False,
        dialect: Dialect | None = None,
    ) -> None:
        super().__init__(
            spec,
            api,
            path,
            dialect=dialect or Dialect.of(specs.DIALECT),
            page_size=page_size,
            headers={"Prefer": "return=representation"} if prefer_lines else None,
        )
        self.prefer_lines = prefer_lines

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
        body = self.names.body(changes)
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
        body = self.names.body(
            {k: v for k, v in payload.items() if k in specs.APPOINTMENT_CREATE and v}
        )
        response = self.api.request(
            "POST", self.path, json=body, headers={"Idempotency-Key": idempotency_key(record)}
        )
        if response.status_code >= 300:
            return _refusal(response, "the appointment")
        data = json_object(response)
        ident = data.get(self.names.api("appointment_id"), "")
        return WriteResult(WriteAction.CREATED, dest_id=str(ident), response=data)


class LeadStream(DmsStream):
    """Create sales leads; ``crm_lead_id`` (the record key by default) makes it idempotent.

    ``WriteResult.response`` carries the DMS answer (the simulated DMS's includes
    ``customerId`` and ``customerCreated``: the prospect customer it made).
    """

    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        return [self._write_one(record) for record in batch]

    def _write_one(self, record: WriteRecord) -> WriteResult:
        payload = clean_payload(record.payload)
        problem = self._unknown(payload)
        if problem:
            return problem
        body = self._section(payload, specs.LEAD_FIELDS)
        body.setdefault(self.names.api("crm_lead_id"), record.key)
        vehicle = self._section(payload, specs.LEAD_VEHICLE_FIELDS)
        customer = self._section(payload, specs.CUSTOMER_WRITABLE)
        if vehicle:
            body["vehicle"] = vehicle
        if customer and not body.get(self.names.api("customer_id")):
            body["customer"] = customer
        response = self.api.request("POST", self.path, json=body)
        if response.status_code >= 300:
            return _refusal(response, "the lead")
        data = json_object(response)
        action = WriteAction.CREATED if response.status_code == 201 else WriteAction.UNCHANGED
        ident = data.get(self.names.api("lead_id"), "")
        return WriteResult(action, dest_id=str(ident), response=data)

    def _section(self, payload: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
        return self.names.body({k: payload[k] for k in names if payload.get(k) not in (None, "")})


def build_streams(
    apis: Mapping[str, Api], page_size: int, ro_lines: bool, dialect: Dialect | None = None
) -> dict[str, Stream]:
    """Every DMS stream, each on its API (one shared client underneath)."""
    dialect = dialect or Dialect.of(specs.DIALECT)
    kw: dict[str, Any] = {"page_size": page_size, "dialect": dialect}

    def on(name: str) -> tuple[StreamSpec, Api, str]:
        return specs.BY_NAME[name], apis[name], dialect.path(name)

    out: list[Stream] = [
        PatchStream(*on("customers"), specs.CUSTOMER_WRITABLE, **kw),
        DmsStream(*on("vehicles"), **kw),
        DmsStream(*on("deals"), **kw),
        PatchStream(*on("deal_status"), specs.DEAL_PATCH, **kw),
        RepairOrderStream(*on("repair_orders"), prefer_lines=ro_lines, **kw),
        AppointmentStream(*on("appointments"), **kw),
        DmsStream(*on("inventory"), **kw),
        LeadStream(*on("leads"), **kw),
    ]
    return {s.spec.name: s for s in out}
