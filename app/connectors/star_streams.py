"""The six STAR REST streams: reads through the REST base (records, paging and the date
filter from each domain's declaration in ``app.formats.star``) and per-record writes.

A record is known by its STAR key (``customer_key``…, the id in the URL): a read's rows
carry it, a write's ``dest_id`` is it. A create sends the key (ours: the mapped key
field, else the record's golden id) with an ``Idempotency-Key``; the key the answer
gives is the record's from then on (a DMS numbers its customers); when its answer is lost
the record is looked up by that key before anything is sent again, and a 409 (it exists)
becomes an update. An update is a merge patch of the fields the payload carries."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from app.connectors.rest.paging import CursorToken, LimitOffset, Paginator
from app.connectors.rest.stream import Api, RestStream
from app.connectors.rest.writes import answer, checked_payload, create_once, refusal
from app.connectors.streams import (
    FieldKind,
    Stream,
    StreamField,
    StreamSpec,
    WriteAction,
    WriteRecord,
    WriteResult,
)
from app.formats.errors import StarError
from app.formats.star import codec, domains, filters
from app.formats.star.domain_model import CREATE, UPDATE, Domain

STREAMS = tuple(domains.DOMAINS)
ENTITIES = {
    "customers": "customer",
    "inventory_vehicles": "inventory",
    "service_vehicles": "vehicle",
    "appointments": "appointment",
    "vehicle_invoices": "deal",
    "credit_authorizations": "credit_application",
}
_KINDS = {
    "datetime": FieldKind.DATETIME,
    "day": FieldKind.DATE,
    "date": FieldKind.DATE,
    "int": FieldKind.INTEGER,
    "bool": FieldKind.BOOLEAN,
}
_NAMESPACE = uuid.UUID("6f0c8a1e-5b2d-4c7a-9d3e-2a1b0c9d8e7f")  # our Idempotency-Keys


def spec_for(d: Domain) -> StreamSpec:
    return StreamSpec(
        name=d.name,
        entity=ENTITIES[d.name],
        fields=tuple(
            StreamField(
                f.name,
                _KINDS.get(f.kind, FieldKind.STRING),
                f.name in (d.key_field,) or f.name in d.required_create,
                f.note,
            )
            for f in d.fields
        ),
        primary_key=d.key_field,
        cursor_field=d.cursor_field,
        writable=True,
        max_batch=50,
        description=f"STAR {d.schema} records ({d.spec_file}).",
    )


def _paginator(d: Domain) -> Paginator:
    env = d.list_envelope
    if d.paging == "cursor":
        return CursorToken(param="cursor", cursor=env.next_cursor, more=env.has_more)
    return LimitOffset(total=env.total)


def _since(d: Domain) -> Any:
    if d.date_filter == "from_to":
        return lambda cursor: filters.from_to_params(cursor)
    return lambda cursor: {"filter": filters.sdate_edate_filter(cursor)}


class StarStream(RestStream):
    def __init__(self, d: Domain, api: Api, page_size: int) -> None:
        super().__init__(
            spec_for(d),
            api,
            d.collection,
            paginator=_paginator(d),
            page_size=min(page_size, d.limit_max),
            records=d.list_envelope.records,
            since=_since(d),
            to_row=lambda item: codec.flatten(d.name, item),
            item_path=f"{d.collection}/{{id}}",
            item_record=d.single_wrapper,
        )
        self.domain = d

    # -- writing ------------------------------------------------------------------
    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        return [self._write_one(record) for record in batch]

    def _write_one(self, record: WriteRecord) -> WriteResult:
        d = self.domain
        payload = checked_payload(self.spec, record.payload, as_text=True)
        if isinstance(payload, WriteResult):
            return payload
        key = record.dest_id or payload.get(d.key_field) or record.golden_id
        if record.dest_id or payload.get(d.key_field):
            updated = self._update(key, payload)
            if updated is not None:
                return updated
        return self._create(key, payload, record)

    def _path(self, key: str) -> str:
        return f"{self.domain.collection}/{quote(key, safe='')}"

    def _update(self, key: str, payload: Mapping[str, str]) -> WriteResult | None:
        """PATCH the record; None when it is not there (then it is created)."""
        d = self.domain
        changes = {k: v for k, v in payload.items() if k not in (d.key_field, d.id_field)}
        body = codec.unflatten(d.name, changes, UPDATE)
        response = self.api.request(
            "PATCH",
            self._path(key),
            content=_json_bytes(body),
            headers={"Content-Type": d.patch_media_type},
        )
        if response.status_code == 404:
            return None
        if response.status_code >= 300:
            return refusal(self.api, response, f"{self.spec.entity} {key}")
        return WriteResult(
            WriteAction.UPDATED, dest_id=self._key_in(response, key), response=answer(response)
        )

    def _create(self, key: str, payload: Mapping[str, str], record: WriteRecord) -> WriteResult:
        d = self.domain
        body = codec.unflatten(d.name, {**payload, d.key_field: key}, CREATE)
        idempotency = str(uuid.uuid5(_NAMESPACE, record.idempotency_key or f"{key}"))

        def send() -> httpx.Response:
            return self.api.request(
                "POST",
                d.collection,
                json=body,
                headers={"Idempotency-Key": idempotency},
                retry_ambiguous=False,
            )

        def find() -> str | None:
            found = self.api.request("GET", self._path(key))
            return self._key_in(found, key) if found.status_code == 200 else None

        result = create_once(
            self.api,
            f"the new {self.spec.entity}",
            send,
            find,
            lambda response: self._key_in(response, key),
        )
        if result.action is WriteAction.REJECTED and "(HTTP 409)" in (result.error or ""):
            again = self._update(key, payload)  # it exists already: bring it up to date
            if again is not None:
                return again
        return result

    def _key_in(self, response: httpx.Response, sent: str) -> str:
        """The record's key as the answer gives it: a DMS numbers what it creates (a
        customer's key is its customer number), which is how its reads and other
        records (a deal's customer) name it. The key we sent when the answer has none."""
        try:
            record = codec.read_single(self.domain.name, response.json())
        except (ValueError, StarError):
            return sent
        given = record.get(self.domain.key_field)
        return given.strip() if isinstance(given, str) and given.strip() else sent


def _json_bytes(body: Any) -> bytes:
    """A JSON body sent with its own media type (merge patch)."""
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def build_streams(apis: Mapping[str, Api], page_size: int) -> dict[str, Stream]:
    return {name: StarStream(domains.DOMAINS[name], apis[name], page_size) for name in STREAMS}
