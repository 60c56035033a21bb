"""Streams of the Generic REST CRM: paged reads (``GenericStream``: the profile's paths,
paging, "changed since" parameter and field names), batch upserts and single creates.

Batch upsert (contacts, deals): at most 100 records per call; a 413 splits the batch in
halves until it fits. The server answers ``[{"index","status","id","error"}]``; each
becomes the record's ``WriteResult`` (``id`` = the CRM's own id, in ``dest_id``).
Contacts whose CRM id is known (``WriteRecord.dest_id``) are matched on ``contact_id``;
when that id is gone (merged away, deleted) the record is sent again matched on its
``external_id``. Single creates (leads, activities, appointments) are idempotent:
activities/appointments on ``external_id``, leads on the ``Idempotency-Key`` header.
Bodies carry the API's field names (``FieldNames``); the batch envelope (``idField``,
``records``, ``results``) is the simulated CRM's own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx
import pandas as pd

from app.connectors import crm_rest_specs as specs
from app.connectors.errors import AuthError
from app.connectors.generic_rest import Dialect
from app.connectors.generic_rest_stream import GenericStream
from app.connectors.rest.stream import Api
from app.connectors.rest_helpers import (
    clean_payload,
    error_text,
    frame,
    idempotency_key,
    json_object,
    raise_for_read,
)
from app.connectors.streams import (
    Lookup,
    Stream,
    StreamSpec,
    WriteAction,
    WriteRecord,
    WriteResult,
)

SYSTEM = "CRM"
MAX_BATCH = 100
ACTIONS = {
    "created": WriteAction.CREATED,
    "updated": WriteAction.UPDATED,
    "unchanged": WriteAction.UNCHANGED,
    "rejected": WriteAction.REJECTED,
}
Body = dict[str, Any]


def _rejected(message: str) -> WriteResult:
    return WriteResult(WriteAction.REJECTED, error=message)


def _check_auth(response: httpx.Response) -> None:
    if response.status_code in (401, 403):
        raise AuthError(
            f"The CRM refused the write: {error_text(response)}.",
            hint="Check the API key or OAuth client in the connection profile.",
        )


class CrmStream(GenericStream):
    """One CRM collection. Fetching by key reads the collection (the CRM has no
    single-record address for every stream)."""

    def __init__(
        self,
        spec: StreamSpec,
        api: Api,
        path: str,
        writable: Sequence[str] = (),
        *,
        page_size: int = 200,
        dialect: Dialect | None = None,
    ) -> None:
        super().__init__(
            spec, api, path, dialect=dialect or Dialect.of(specs.DIALECT), page_size=page_size
        )
        self.item_path = None
        self.writable = tuple(writable)

    def _body(self, record: WriteRecord) -> Body | WriteResult:
        """The payload limited to writable fields; an unknown field rejects the record."""
        payload = clean_payload(record.payload)
        names = set(self.spec.field_names())
        extra = sorted(k for k in payload if k not in names)
        if extra:
            return _rejected(
                f"Not a field of CRM {self.spec.name}: {', '.join(extra)}. Fix the mapping."
            )
        return {k: v for k, v in payload.items() if k in self.writable}


class BatchUpsertStream(CrmStream):
    """Contacts and deals: ``POST {path}/batch-upsert`` matched on an id field; activities:
    ``POST {path}/batch``, created once per external_id."""

    def __init__(
        self,
        *args: Any,
        match_dest_on: str | None = None,
        batch_path: str = "batch-upsert",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.match_dest_on = match_dest_on  # id field for records whose dest_id is known
        self.batch_path = batch_path

    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        results: list[WriteResult | None] = [None] * len(batch)
        groups: dict[str, list[tuple[int, Body]]] = {}
        for index, record in enumerate(batch):
            body = self._body(record)
            if isinstance(body, WriteResult):
                results[index] = body
                continue
            body.setdefault("external_id", record.key)
            if not body["external_id"]:
                body["external_id"] = record.key
            id_field = "external_id"
            if record.dest_id and self.match_dest_on:
                id_field = self.match_dest_on
                body[id_field] = record.dest_id
            groups.setdefault(id_field, []).append((index, body))
        gone: list[tuple[int, Body]] = []  # matched on a CRM id that no longer exists
        for id_field, items in groups.items():
            answers = self._send_all(id_field, [b for _, b in items])
            for (index, body), answer in zip(items, answers, strict=True):
                if id_field != "external_id" and _gone(answer):
                    gone.append((index, {k: v for k, v in body.items() if k != id_field}))
                results[index] = answer
        if gone:  # sent again by external id, together (not one request each)
            again = self._send_all("external_id", [b for _, b in gone])
            for (index, _body), answer in zip(gone, again, strict=True):
                results[index] = answer
        return [r if r is not None else _rejected("internal: no result") for r in results]

    def _send_all(self, id_field: str, bodies: list[Body]) -> list[WriteResult]:
        out: list[WriteResult] = []
        for start in range(0, len(bodies), MAX_BATCH):
            out += self._send(id_field, bodies[start : start + MAX_BATCH])
        return out

    def _send(self, id_field: str, bodies: list[Body]) -> list[WriteResult]:
        response = self.api.request(
            "POST",
            f"{self.path}/{self.batch_path}",
            json={
                "idField": self.names.api(id_field),
                "records": [self.names.body(b) for b in bodies],
            },
        )
        if response.status_code == 413:
            if len(bodies) == 1:
                return [
                    _rejected(f"The CRM refused the record as too large: {error_text(response)}")
                ]
            half = len(bodies) // 2
            return self._send(id_field, bodies[:half]) + self._send(id_field, bodies[half:])
        _check_auth(response)
        if response.status_code >= 300:
            reason = f"The CRM refused the whole batch: {error_text(response)}"
            return [_rejected(reason) for _ in bodies]
        answers = json_object(response).get("results")
        by_index = {a.get("index"): a for a in answers or [] if isinstance(a, dict)}
        return [_result(by_index.get(i)) for i in range(len(bodies))]


class ContactStream(BatchUpsertStream):
    """Contacts: batch upsert, plus archive (``POST <path>/{id}/archive``: the contact
    leaves the list) and delete (``DELETE <path>/{id}``), and look-ups that follow a
    merge (410 with ``merged_into``) — the simulated CRM's dialect."""

    removals = ("inactive", "delete")

    def remove(self, batch: Sequence[WriteRecord], how: str) -> list[WriteResult]:
        if how not in self.removals:
            raise NotImplementedError(f"CRM contacts cannot be removed by '{how}'")
        return [self._remove_one(record, how) for record in batch]

    def _remove_one(self, record: WriteRecord, how: str) -> WriteResult:
        if not record.dest_id:
            return WriteResult(WriteAction.UNCHANGED, error="not in the CRM: nothing to remove")
        path = f"{self.path}/{quote(record.dest_id, safe='')}"
        if how == "inactive":
            response = self.api.request("POST", f"{path}/archive")
        else:
            response = self.api.request("DELETE", path)
        _check_auth(response)
        if response.status_code in (404, 410):
            return WriteResult(
                WriteAction.UNCHANGED,
                dest_id=record.dest_id,
                error=f"already gone from the CRM: {error_text(response)}",
            )
        if response.status_code >= 300:
            return _rejected(f"The CRM refused to remove the contact: {error_text(response)}")
        word = "archived" if how == "inactive" else "deleted"
        return WriteResult(WriteAction.REMOVED, dest_id=record.dest_id, response={"done": word})

    def lookup(self, ids: Sequence[str]) -> Lookup:
        """Contacts by CRM id, one GET each; a merged-away id says where it went."""
        rows: list[dict[str, Any]] = []
        moved: dict[str, str] = {}
        for ident in ids:
            response = self.api.request("GET", f"{self.path}/{quote(ident, safe='')}")
            if response.status_code == 410:
                winner = _json_field(response, "merged_into")
                if winner:
                    moved[ident] = winner
                continue
            if response.status_code == 404:
                continue
            raise_for_read(response, SYSTEM)
            rows.append(self._row(json_object(response)))
        return Lookup(frame(rows, self.spec.field_names()), moved)


def _json_field(response: httpx.Response, name: str) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get(name) or "") if isinstance(body, dict) else ""


def _result(answer: Mapping[str, Any] | None) -> WriteResult:
    if answer is None:
        return WriteResult(WriteAction.FAILED, error="The CRM gave no result for this record.")
    action = ACTIONS.get(str(answer.get("status")), WriteAction.FAILED)
    dest = answer.get("id")
    error = answer.get("error")
    if action is WriteAction.REJECTED and error:
        error = f"The CRM refused the record: {error}"
    return WriteResult(
        action,
        dest_id=str(dest) if dest else None,
        error=str(error) if error else None,
        response=dict(answer),
    )


def _gone(result: WriteResult) -> bool:
    """A match on a CRM id that no longer exists (merged away or deleted)."""
    return result.action is WriteAction.REJECTED and "no record with" in (result.error or "")


class CreateOnceStream(CrmStream):
    """Activities and appointments: ``POST`` one per record, idempotent on external_id
    (sent again, the CRM writes the body to the record it has)."""

    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        return [self._create(record) for record in batch]

    def _create(self, record: WriteRecord) -> WriteResult:
        body = self._body(record)
        if isinstance(body, WriteResult):
            return body
        if not body.get("external_id"):
            body["external_id"] = record.key
        response = self.api.request("POST", self.path, json=self.names.body(body))
        _check_auth(response)
        if response.status_code >= 300:
            return _rejected(f"The CRM refused the {self.spec.entity}: {error_text(response)}")
        data = json_object(response)
        # 200: the CRM already had it and wrote the body to it; for a record the engine
        # sends as an update (it knows the CRM's id) that is an update, for a create
        # whose first answer was lost, the record it already holds
        if response.status_code == 201:
            action = WriteAction.CREATED
        else:
            action = WriteAction.UPDATED if record.dest_id else WriteAction.UNCHANGED
        ident = data.get(self.names.api(self.spec.primary_key), "")
        return WriteResult(action, dest_id=str(ident), response=data)


_LEAD_CONTACT_COLUMNS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "phone": "phone",
    "mobile": "mobile",
    "street": "street",
    "city": "city",
    "state": "state",
    "postal_code": "postal_code",
    "contact_external_id": "external_id",
}


class LeadStream(CrmStream):
    """Create a lead (with its contact, or ``contact_id``), or update a known one. Reading
    fills in each lead's contact (name, e-mail, phones, address) so a flow to the DMS can
    find or create the customer."""

    def read(self, cursor: str | None = None) -> Iterator[pd.DataFrame]:
        for df in super().read(cursor):
            contacts = self._contacts(sorted({c for c in df["contact_id"] if c}))
            for column, source in _LEAD_CONTACT_COLUMNS.items():
                df[column] = [str(contacts.get(c, {}).get(source) or "") for c in df["contact_id"]]
            yield df

    def _contacts(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The leads' contacts by id, up to 100 a call (``?ids=`` is the simulated CRM's
        filter; an API without it answers with its first contacts, which match none)."""
        path, names = self.dialect.path("contacts"), self.dialect.names("contacts")
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), 100):
            params = {"ids": ",".join(ids[start : start + 100]), self.dialect.page_size_param: 100}
            response = self.api.request("GET", path, params=params)
            raise_for_read(response, SYSTEM)
            for item in self.records_in(response):
                row = names.row(item)
                found[str(row.get("contact_id"))] = row
        return found

    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        return [self._write_one(record) for record in batch]

    def _write_one(self, record: WriteRecord) -> WriteResult:
        body = self._body(record)
        if isinstance(body, WriteResult):
            return body
        payload = clean_payload(record.payload)
        if record.dest_id:
            changes = {k: v for k, v in body.items() if k in specs.LEAD_PATCHABLE}
            path = f"{self.path}/{quote(record.dest_id, safe='')}"
            response = self.api.request("PATCH", path, json=self.names.body(changes))
            action = WriteAction.UPDATED
            ident = record.dest_id
        else:
            wire = self.names.body({k: v for k, v in body.items() if v not in ("", None)})
            if not body.get("contact_id"):
                contact = {
                    ("external_id" if k == "contact_external_id" else k): v
                    for k, v in payload.items()
                    if k in specs.LEAD_CONTACT and v not in ("", None)
                }
                wire["contact"] = self.dialect.names("contacts").body(contact)
            key = idempotency_key(record)
            response = self.api.request(
                "POST", self.path, json=wire, headers={"Idempotency-Key": key}
            )
            action = WriteAction.CREATED
            ident = ""
        _check_auth(response)
        if response.status_code >= 300:
            return _rejected(f"The CRM refused the lead: {error_text(response)}")
        data = json_object(response)
        dest = data.get(self.names.api("lead_id")) or ident
        return WriteResult(action, dest_id=str(dest), response=data)


def build_streams(
    apis: Mapping[str, Api], page_size: int, dialect: Dialect | None = None
) -> dict[str, Stream]:
    """Every CRM stream, each on its API (one shared client underneath)."""
    dialect = dialect or Dialect.of(specs.DIALECT)
    kw: dict[str, Any] = {"page_size": page_size, "dialect": dialect}

    def on(name: str) -> tuple[StreamSpec, Api, str]:
        return specs.BY_NAME[name], apis[name], dialect.path(name)

    out: list[Stream] = [
        ContactStream(*on("contacts"), specs.CONTACT_WRITABLE, match_dest_on="contact_id", **kw),
        LeadStream(*on("leads"), specs.LEAD_WRITABLE, **kw),
        BatchUpsertStream(*on("activities"), specs.ACTIVITY_WRITABLE, batch_path="batch", **kw),
        BatchUpsertStream(*on("deal_status"), specs.DEAL_WRITABLE, **kw),
        CreateOnceStream(*on("appointments"), specs.APPOINTMENT_WRITABLE, **kw),
    ]
    return {s.spec.name: s for s in out}
