"""The Generic REST kinds (dms_rest, crm_rest) pointed at APIs shaped unlike the sandbox:
paths, paging styles, the "changed since" parameter and field names from the profile,
against a small in-house API on 127.0.0.1 (and the sandbox DMS's page numbers)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from app.connectors import crm_rest_specs, dms_rest_specs
from app.connectors.base import FieldType
from app.connectors.crm_rest import CrmRestConnector
from app.connectors.dms_rest import DmsRestConnector
from app.connectors.generic_rest import Dialect
from app.connectors.rest.paging import CursorToken, LimitOffset, NextLink, PageNumber
from app.connectors.streams import WriteAction, WriteRecord
from app.sandbox.servers import SandboxServers
from app.services.errors import ValidationError
from app.services.profiles import ProfileService
from app.store import Store
from tests.support.inhouse_api import TOKEN, Collection, InHouseApi, serving
from tests.support.sandbox import export

CLIENTS = 23


def _clients() -> list[dict[str, Any]]:
    return [
        {
            "client_no": f"C{n:04d}",
            "given_name": f"Given{n}",
            "family_name": f"Family{n}",
            "mail": f"client{n}@example.net",
            "city": "Lansing",
            "addressLine1": f"{n} Main St",
            "modified": f"2026-03-01T00:00:{n:02d}Z",
        }
        for n in range(1, CLIENTS + 1)
    ]


def _bookings() -> list[dict[str, Any]]:
    return [
        {
            "booking_ref": "B1",
            "client_no": "C0001",
            "slot": "2026-04-01T09:00:00Z",
            "serviceRequested": "Oil change",
            "modified": "2026-03-01T00:00:01Z",
        }
    ]


@pytest.fixture
def inhouse() -> Iterator[InHouseApi]:
    api = InHouseApi(
        {
            "/api/clients": Collection("client_no", "modified", _clients()),
            "/api/service-bookings": Collection("booking_ref", "modified", _bookings()),
            "/people": Collection(
                "person_id",
                "changed",
                [
                    {
                        "person_id": f"P{n}",
                        "surname": f"Sur{n}",
                        "ref": f"R{n}",
                        "changed": f"t{n:02d}",
                    }
                    for n in range(1, 12)
                ],
                paging="page_number",
                size_param="per_page",
                since_param="changed_since",
                records_at="people",
                total_at="meta.total",
            ),
        }
    )
    with serving(api) as running:
        yield running


IN_HOUSE_DMS: dict[str, Any] = {
    "auth_mode": "bearer",
    "page_size": 5,
    "rate_limit_per_s": 0,
    "stream_paths": {"customers": "/api/clients", "appointments": "/api/service-bookings"},
    "paging": "limit_offset",
    "page_size_param": "limit",
    "offset_param": "skip",
    "records_at": "results",
    "total_at": "count",
    "since_param": "modified_after",
    "field_names": {
        "customer_id": "client_no",
        "first_name": "given_name",
        "last_name": "family_name",
        "email": "mail",
        "updated_at": "modified",
        "appointments.appointment_id": "booking_ref",
        "appointments.scheduled_at": "slot",
    },
}


def dms_for(api: InHouseApi, **overrides: Any) -> DmsRestConnector:
    settings = {"base_url": api.url, **IN_HOUSE_DMS, **overrides}
    problems = DmsRestConnector.validate(settings, {"token": TOKEN})
    assert not problems, problems
    return DmsRestConnector(settings, {"token": TOKEN})


def read_all(stream: Any, cursor: str | None = None) -> pd.DataFrame:
    frames = list(stream.read(cursor))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


# --- the defaults are the kinds' dialects as they were ------------------------------------
def test_defaults_are_the_dialects_the_kinds_were_built_on() -> None:
    dms = Dialect.of(dms_rest_specs.DIALECT)
    pager = dms.paginator()
    assert isinstance(pager, NextLink)
    assert (pager.link, pager.limit) == ("links.nextPage.href", "pageSize")
    assert (dms.records_at, dms.total_at, dms.since("T")) == (
        "items",
        "totalItems",
        {"updatedSince": "T"},
    )
    assert dms.path("repair_orders") == "/repair-orders" and dms.path("deal_status") == "/deals"
    names = dms.names("customers")
    assert names.api("address_line1") == "addressLine1"
    assert names.row({"firstName": "A", "addressLine1": "B"}) == {
        "first_name": "A",
        "address_line1": "B",
    }
    crm = Dialect.of(crm_rest_specs.DIALECT)
    cursor = crm.paginator()
    assert isinstance(cursor, CursorToken)
    assert (cursor.param, cursor.cursor, cursor.more, cursor.limit) == (
        "cursor",
        "next_cursor",
        "has_more",
        "limit",
    )
    assert (crm.records_at, crm.since("T"), crm.names("contacts").api("first_name")) == (
        "data",
        {"updated_since": "T"},
        "first_name",
    )
    for kind in (DmsRestConnector, CrmRestConnector):
        assert kind.label.startswith("Generic REST")
        assert "no dedicated connector" in kind.description
        for name in ("stream_paths", "paging", "since_param", "field_names", "records_at"):
            assert kind.field(name).advanced
        assert kind.field("stream_paths").type is FieldType.MAPPING
        assert not kind.field("stream_paths").is_address  # a path never moves a secret
        assert kind.field("offset_param").visible({"paging": "limit_offset"}, {})
        assert not kind.field("offset_param").visible({"paging": "cursor"}, {})


def test_paginators_of_each_style() -> None:
    def pager(**settings: Any) -> Any:
        values = {"stream_paths": {}, "field_names": {}, **settings}
        return Dialect.of(dms_rest_specs.DIALECT, values.get).paginator()

    numbers = pager(paging="page_number", page_param="p", page_size_param="n", total_at="total")
    assert isinstance(numbers, PageNumber) and (numbers.page, numbers.size) == ("p", "n")
    assert numbers.total == "total" and numbers.link is None
    offsets = pager(paging="limit_offset", offset_param="from")
    assert isinstance(offsets, LimitOffset)
    assert (offsets.limit, offsets.offset, offsets.total) == ("pageSize", "from", "totalItems")
    cursor = pager(paging="cursor", cursor_param="after", cursor_at="meta.next")
    assert isinstance(cursor, CursorToken) and (cursor.param, cursor.cursor) == (
        "after",
        "meta.next",
    )


# --- an in-house DMS: limit/offset, renamed fields, other paths ---------------------------
def test_a_full_read_gets_every_record_once_in_our_field_names(inhouse: InHouseApi) -> None:
    connector = dms_for(inhouse)
    stream = connector.streams()["customers"]
    frames = list(stream.read())
    assert len(frames) == 5  # 23 records, 5 a page
    df = pd.concat(frames, ignore_index=True)
    assert list(df.columns) == stream.spec.field_names()
    assert sorted(df["customer_id"]) == [f"C{n:04d}" for n in range(1, CLIENTS + 1)]
    first = df[df["customer_id"] == "C0007"].iloc[0]
    assert (first["first_name"], first["last_name"], first["email"]) == (
        "Given7",
        "Family7",
        "client7@example.net",
    )
    assert (first["city"], first["address_line1"]) == ("Lansing", "7 Main St")
    assert stream.last_cursor == "2026-03-01T00:00:23Z"  # type: ignore[attr-defined]
    lists = inhouse.seen("GET", "/api/clients")
    assert [r.query for r in lists] == [{"limit": "5", "skip": str(n)} for n in range(0, 25, 5)]
    assert connector.check().ok
    assert "23 customers" in connector.check().message
    connector.close()


def test_an_incremental_read_sends_the_configured_parameter(inhouse: InHouseApi) -> None:
    connector = dms_for(inhouse)
    df = read_all(connector.streams()["customers"], "2026-03-01T00:00:20Z")
    assert sorted(df["customer_id"]) == ["C0020", "C0021", "C0022", "C0023"]
    (request,) = inhouse.seen("GET", "/api/clients")
    assert request.query == {"limit": "5", "skip": "0", "modified_after": "2026-03-01T00:00:20Z"}
    connector.close()


def test_a_record_changed_while_paging_is_caught_up_through_the_paginator(
    inhouse: InHouseApi,
) -> None:
    def edit_after_the_first_page(api: InHouseApi, path: str, number: int) -> None:
        if path == "/api/clients" and number == 1:  # C0002 moves to the end: skip shifts
            api.touch(path, "C0002", {"city": "Monroe"})

    inhouse.after_list = edit_after_the_first_page
    connector = dms_for(inhouse)
    df = read_all(connector.streams()["customers"])
    assert set(df["customer_id"]) == {f"C{n:04d}" for n in range(1, CLIENTS + 1)}
    moved = df[df["customer_id"] == "C0002"]
    assert "Monroe" in set(moved["city"])  # the changed record came again, newer
    skips = [r.query["skip"] for r in inhouse.seen("GET", "/api/clients")]
    assert skips.count("0") == 2  # a second pass over the same range
    connector.close()


def test_writes_send_the_api_names_to_the_configured_paths(inhouse: InHouseApi) -> None:
    connector = dms_for(inhouse)
    customers = connector.streams()["customers"]
    change = WriteRecord("k", "g", {"first_name": "Zed", "city": "Flint"}, dest_id="C0003")
    result = customers.write([change])[0]
    assert result.action is WriteAction.UPDATED, result.error
    (patch,) = inhouse.seen("PATCH")
    assert patch.path == "/api/clients/C0003"
    assert patch.body == {"given_name": "Zed", "city": "Flint"}
    assert patch.headers["if-match"] == '"v1"'
    stored = inhouse.collections["/api/clients"].find("C0003")
    assert stored is not None and stored["given_name"] == "Zed"

    booking = WriteRecord(
        "CRM-AP-9",
        "g",
        {
            "customer_id": "C0003",
            "scheduled_at": "2026-04-02T10:00:00Z",
            "service_requested": "Tyres",
        },
    )
    created = connector.streams()["appointments"].write([booking])[0]
    assert created.action is WriteAction.CREATED and created.dest_id == "N0002"
    (post,) = inhouse.seen("POST")
    assert post.path == "/api/service-bookings"
    assert post.body == {
        "client_no": "C0003",
        "slot": "2026-04-02T10:00:00Z",
        "serviceRequested": "Tyres",
    }

    fetched = customers.fetch(["C0003", "C9999"])
    assert fetched["customer_id"].tolist() == ["C0003"] and fetched["first_name"].iloc[0] == "Zed"
    assert [r.path for r in inhouse.seen("GET")][-2:] == [
        "/api/clients/C0003",
        "/api/clients/C9999",
    ]
    bookings = read_all(connector.streams()["appointments"])
    assert set(bookings["appointment_id"]) == {"B1", "N0002"}
    assert set(bookings["scheduled_at"]) == {"2026-04-01T09:00:00Z", "2026-04-02T10:00:00Z"}
    connector.close()


def test_a_crm_with_page_numbers_and_its_own_names(inhouse: InHouseApi) -> None:
    settings: dict[str, Any] = {
        "base_url": inhouse.url,
        "auth_mode": "bearer",
        "page_size": 4,
        "rate_limit_per_s": 0,
        "stream_paths": {"contacts": "/people"},
        "paging": "page_number",
        "page_size_param": "per_page",
        "records_at": "people",
        "total_at": "meta.total",
        "since_param": "changed_since",
        "field_names": {
            "contact_id": "person_id",
            "last_name": "surname",
            "updated_at": "changed",
            "contacts.external_id": "ref",
        },
    }
    assert CrmRestConnector.validate(settings, {"token": TOKEN}) == {}
    connector = CrmRestConnector(settings, {"token": TOKEN})
    contacts = connector.streams()["contacts"]
    df = read_all(contacts)
    assert sorted(df["contact_id"]) == sorted(f"P{n}" for n in range(1, 12))
    assert df[df["contact_id"] == "P3"].iloc[0][["last_name", "external_id"]].tolist() == [
        "Sur3",
        "R3",
    ]
    pages = [r.query.get("page", "1") for r in inhouse.seen("GET", "/people")]
    assert pages == ["1", "2", "3"]  # 11 records, 4 a page: the total ends it
    newer = read_all(contacts, "t10")
    assert sorted(newer["contact_id"]) == ["P10", "P11"]
    assert inhouse.seen("GET", "/people")[-1].query["changed_since"] == "t10"

    results = contacts.write(
        [
            WriteRecord("R3", "g", {"last_name": "Sur3"}),
            WriteRecord("R99", "g", {"last_name": "New"}),
        ]
    )
    assert [r.action for r in results] == [WriteAction.UNCHANGED, WriteAction.CREATED]
    (upsert,) = inhouse.seen("POST", "/people/batch-upsert")
    assert upsert.body == {
        "idField": "ref",
        "records": [{"surname": "Sur3", "ref": "R3"}, {"surname": "New", "ref": "R99"}],
    }
    connector.close()


# --- the sandbox DMS read by page numbers instead of its next links -------------------------
def test_the_sandbox_dms_read_by_page_number(calm: SandboxServers) -> None:
    info = calm.servers["dms"]
    creds = info.credentials
    settings: dict[str, Any] = {
        "base_url": info.url,
        "client_id": creds["client_id"],
        "subscription_id": creds["subscription_id"],
        "page_size": 25,
        "rate_limit_per_s": 0,
        "paging": "page_number",
    }
    connector = DmsRestConnector(settings, {"client_secret": creds["client_secret"]})
    df = read_all(connector.streams()["customers"])
    assert df["customer_id"].is_unique
    assert len(df) == len(export(calm, "dms", "customers"))
    connector.close()


# --- settings that cannot work are refused, in words ---------------------------------------
def test_invalid_settings_are_refused_with_readable_messages() -> None:
    def problems(**settings: Any) -> dict[str, str]:
        return DmsRestConnector.validate(
            {"base_url": "https://dms.test", "auth_mode": "bearer", **settings}, {"token": "t"}
        )

    assert problems() == {}
    assert problems(stream_paths={"clients": "/api/clients"})["stream_paths"] == (
        "Paths per stream: 'clients' is not one of customers, vehicles, deals, deal_status, "
        "repair_orders, appointments, inventory, leads."
    )
    assert (
        "must start with / (e.g. /customers), not 'api/clients'"
        in (problems(stream_paths={"customers": "api/clients"})["stream_paths"])
    )
    assert (
        "must start with /" in problems(stream_paths={"customers": "https://x/y"})["stream_paths"]
    )
    assert (
        "must not contain spaces, ?, #, { or }"
        in (problems(stream_paths={"customers": "/api/clients?all=1"})["stream_paths"])
    )
    assert problems(field_names={"shoe_size": "shoe"})["field_names"] == (
        "Field names in the API: no stream has a field 'shoe_size'"
    )
    assert problems(field_names={"customers.vin": "VIN"})["field_names"] == (
        "Field names in the API: 'customers.vin': the customers stream has no field 'vin'"
    )
    assert (
        "there is no stream 'clients'"
        in problems(field_names={"clients.email": "mail"})["field_names"]
    )
    assert problems(field_names={"first_name": "lastName"})["field_names"].endswith(
        "in customers, first_name and last_name would both be 'lastName'; in leads, "
        "first_name and last_name would both be 'lastName'"
    )
    assert "must not contain spaces" in problems(field_names={"email": "e mail"})["field_names"]
    assert problems(since_param="changed since")["since_param"] == (
        "'Changed since' parameter must be one word, without spaces, & = ? # or /."
    )
    assert "dotted path" in problems(records_at="data..items")["records_at"]
    assert problems(records_at=".") == {}  # the answer is the list itself
    assert (
        "must be one of: next_link, page_number, limit_offset, cursor"
        in problems(paging="infinite_scroll")["paging"]
    )
    crm = CrmRestConnector.validate(
        {"base_url": "https://crm.test", "stream_paths": {"customers": "/c"}}, {"api_key": "k"}
    )
    assert "'customers' is not one of contacts, leads" in crm["stream_paths"]


def test_a_profile_with_such_settings_is_not_saved(store: Store) -> None:
    profiles = ProfileService(store)
    with pytest.raises(ValidationError) as refused:
        profiles.create(
            "In-house DMS",
            "dms_rest",
            {"base_url": "https://dms.test", "auth_mode": "bearer", "field_names": {"x": "y"}},
            {"token": "t"},
        )
    assert refused.value.problems == {
        "field_names": "Field names in the API: no stream has a field 'x'"
    }
    saved = profiles.create(
        "In-house DMS",
        "dms_rest",
        {
            "base_url": "https://dms.test",
            "auth_mode": "bearer",
            # what `setup import --set connection.….field_names.customers.email=mail` makes
            "field_names": {"customers": {"email": "mail"}, "first_name": "given_name"},
        },
        {"token": "t"},
    )
    assert saved.settings["field_names"] == {"customers.email": "mail", "first_name": "given_name"}
    assert saved.settings["paging"] == "next_link" and saved.settings["stream_paths"] == {}
