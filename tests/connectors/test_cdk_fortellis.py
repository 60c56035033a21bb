"""The CDK Fortellis connector against the simulated DMS's CDK routes on 127.0.0.1."""

from __future__ import annotations

import json
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pandas as pd
import pytest

from app.connectors.cdk_fortellis import CdkFortellisConnector
from app.connectors.cdk_fortellis_streams import RepairOrderStream, SearchStream
from app.connectors.errors import AuthError, ConnectorError
from app.connectors.registry import get_kind
from app.connectors.streams import WriteAction, WriteRecord
from app.formats.cdk.interval import parse_interval
from app.sandbox.servers import SandboxServers
from tests.support.sandbox import dms_client, export, patch_customer

ADVISOR = "SDOMBROWSKI"  # Steve Dombrowski, one of the demo dealership's advisors
LINE = {
    "service_request": "Brakes squeal",
    "dispatch_code": "BRK",
    "estimated_duration": "1.5",
    "labor_operations": [
        {
            "op_code": "BRK01",
            "op_code_desc": "Replace front pads",
            "sold_hours": "1.2",
            "sale_amount": "150",
            "sale_override_flag": "false",
            "force_shop_charge_flag": "false",
        }
    ],
}


def make(sandbox: SandboxServers, **overrides: Any) -> CdkFortellisConnector:
    info = sandbox.servers["dms"]
    creds = info.credentials
    settings: dict[str, Any] = {
        "base_url": info.url,
        "client_id": creds["client_id"],
        "subscription_id": creds["subscription_id"],
        "page_size": 25,
        "rate_limit_per_s": 0,
    }
    secrets = {"client_secret": overrides.pop("client_secret", creds["client_secret"])}
    secrets.update(overrides.pop("secrets", {}))
    settings.update(overrides)
    return CdkFortellisConnector(settings, secrets)


@pytest.fixture
def cdk(calm: SandboxServers) -> Any:
    connector = make(calm)
    yield connector
    connector.close()


def sent(connector: CdkFortellisConnector) -> list[httpx.Request]:
    """Every request the connector's client sends from now on."""
    seen: list[httpx.Request] = []
    connector.client.client.event_hooks["request"].append(seen.append)
    return seen


def ro_stream(connector: CdkFortellisConnector) -> RepairOrderStream:
    stream = connector.streams()["repair_orders"]
    assert isinstance(stream, RepairOrderStream)
    return stream


def search_stream(connector: CdkFortellisConnector, name: str) -> SearchStream:
    stream = connector.streams()[name]
    assert isinstance(stream, SearchStream)
    return stream


def read_all(stream: Any, cursor: str | None = None) -> pd.DataFrame:
    frames = list(stream.read(cursor))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def a_vehicle(sandbox: SandboxServers) -> dict[str, Any]:
    return export(sandbox, "dms", "vehicles")[0]


def new_ro(sandbox: SandboxServers, tag: str) -> dict[str, str]:
    vehicle = a_vehicle(sandbox)
    return {
        "customer_id": vehicle["customer_id"],
        "customer_contact_info": "555-201-3344",
        "vehicle_id": vehicle["vehicle_id"],
        "mileage_in": "42000",
        "mileage_unit": "MI",
        "promise_at": "2026-12-24T17:00:00Z",
        "advisor_id": ADVISOR,
        "tag_number": tag,
        "service_lines": json.dumps([LINE]),
    }


# -- settings and "Test connection" ------------------------------------------------
def test_registered_with_its_settings() -> None:
    assert get_kind("cdk_fortellis") is CdkFortellisConnector
    assert CdkFortellisConnector.secret_field_names() == ("client_secret", "token")
    assert CdkFortellisConnector.field("auth_mode").choices == ("oauth2", "bearer")
    problems = CdkFortellisConnector.validate(
        {"base_url": "https://api.fortellis.io", "ro_history_start": "long ago"}, {}
    )
    assert set(problems) == {"subscription_id", "client_id", "client_secret", "ro_history_start"}
    c = CdkFortellisConnector({"base_url": "https://api.fortellis.io/"}, {})
    assert c.api_url("repair_orders") == "https://api.fortellis.io/service/v1/repair-orders"
    assert c.api_url("repair_orders_write") == (
        "https://api.fortellis.io/cdkdrive/service/v1/repair-orders"
    )
    assert c.api_url("customers") == "https://api.fortellis.io/customer"
    own = CdkFortellisConnector(
        {
            "base_url": "https://api.fortellis.io",
            "api_base_urls": {"repair_orders_write": "http://127.0.0.1:4011"},
        },
        {},
    )
    assert own.api_url("repair_orders_write") == "http://127.0.0.1:4011"
    assert own.api_url("repair_orders") == "https://api.fortellis.io/service/v1/repair-orders"
    assert set(c.streams()) == {
        "repair_orders",
        "customers",
        "service_vehicles",
        "customers_by_repair_orders",
    }
    assert c.streams()["repair_orders"].spec.cursor_field == "created_at"
    assert c.streams()["customers"].spec.cursor_field is None


def test_check_reads_one_repair_order_of_the_last_day(calm: SandboxServers) -> None:
    result = make(calm).check()
    assert result.ok, result.message
    assert "Connected to CDK Fortellis" in result.message and "last day" in result.message
    wrong = make(calm, client_secret="nope").check()
    assert not wrong.ok and "refused the client id / secret" in wrong.message
    other = make(calm, subscription_id="someone-else").check()
    assert not other.ok and "Subscription ID" in other.message


def test_probe_asks_for_a_one_day_interval_and_one_record(calm: SandboxServers) -> None:
    connector = make(calm)
    stream, path, query = connector.probe()
    assert (stream, path, query["pageSize"]) == ("repair_orders", "/", 1)
    start, end = parse_interval(query["dateTimeInterval"])
    assert end - start == timedelta(days=1)
    assert abs(end - datetime.now(UTC)) < timedelta(minutes=1)


def test_bearer_token_sign_in(calm: SandboxServers) -> None:
    with closing(dms_client(calm)) as c:
        token = c.headers["Authorization"].removeprefix("Bearer ")
    connector = make(calm, auth_mode="bearer", secrets={"token": token})
    assert connector.check().ok
    bad = make(calm, auth_mode="bearer", secrets={"token": "forged"})
    with pytest.raises(AuthError):
        read_all(ro_stream(bad))


# -- reading repair orders -------------------------------------------------------------
def test_full_read_follows_page_links_with_fortellis_headers(
    cdk: CdkFortellisConnector, calm: SandboxServers
) -> None:
    requests = sent(cdk)
    stream = ro_stream(cdk)
    frames = list(stream.read())
    assert len(frames) > 2
    df = pd.concat(frames, ignore_index=True)
    assert list(df.columns) == stream.spec.field_names()
    dms = export(calm, "dms", "repair_orders")
    assert sorted(df["ro_number"]) == sorted(r["ro_number"] for r in dms)
    assert stream.last_cursor == df["created_at"].max()
    by_id = {r["ro_number"]: r for r in dms}
    for row in df.head(20).to_dict("records"):
        source = by_id[row["ro_number"]]
        assert (row["vin"], row["mileage_in"], row["advisor"]) == (
            source["vin"],
            source["mileage_in"],
            source["advisor"],
        )
        assert row["op_codes"] == source["op_codes"] and row["total"] == source["total"]
        assert row["created_at"] == f"{source['open_date']}T00:00:00Z"
    requests = [r for r in requests if r.url.path != "/oauth2/token"]
    ro_reads = [r for r in requests if "dateTimeInterval" in parse_qs(r.url.query.decode())]
    first = ro_reads[0]
    query = parse_qs(urlsplit(str(first.url)).query)
    assert query["dateTimeInterval"][0].startswith("2000-01-01T00:00:00Z/")
    assert query["pageSize"] == ["25"]
    assert len(ro_reads) == len(frames)
    # the rest are owner look-ups, one vehicle search per VIN
    assert len(requests) - len(ro_reads) == df["vin"].nunique()
    ids = [r.headers["Request-Id"] for r in requests]
    assert len(set(ids)) == len(ids)
    for r in requests:
        assert r.headers["Subscription-Id"] == calm.servers["dms"].credentials["subscription_id"]
        assert r.headers["Authorization"].startswith("Bearer ")
        assert not {"client_id", "client_secret", "subscription_id"} & set(parse_qs(r.url.query))
    for r in ro_reads:
        assert r.headers["Prefer"] == "return=representation"
    assert all("page=" in str(r.url) for r in ro_reads[1:])  # the server's next links


def test_preview_with_since_reads_only_what_changed_since(
    cdk: CdkFortellisConnector, calm: SandboxServers
) -> None:
    dms = export(calm, "dms", "repair_orders")
    stamps = sorted(r["updated_at"] for r in dms)
    since = stamps[-5]
    preview = ro_stream(cdk).preview(limit=3, since=since)
    assert len(preview) == 3
    changed = {r["ro_number"] for r in dms if r["updated_at"] >= since}
    assert set(preview["ro_number"]) <= changed
    first = ro_stream(cdk).preview(limit=2)
    assert len(first) == 2 and list(first.columns) == ro_stream(cdk).spec.field_names()


def test_fetch_by_id(cdk: CdkFortellisConnector, calm: SandboxServers) -> None:
    some = export(calm, "dms", "repair_orders")[3]["ro_number"]
    df = ro_stream(cdk).fetch([some, "NO-SUCH-RO"])
    assert df["ro_number"].tolist() == [some] and df.iloc[0]["lines"]


def test_repair_orders_name_their_customer_by_the_owner_of_the_vin(
    calm: SandboxServers,
) -> None:
    """Fortellis repair orders carry no customer: the owner of the VIN is looked up (read
    and fetch alike), and the look-up can be switched off."""
    dms = {r["ro_number"]: r for r in export(calm, "dms", "repair_orders")}
    owner_of = {v["vin"]: v["customer_id"] for v in export(calm, "dms", "vehicles")}
    with_lookup = make(calm)
    try:
        df = read_all(ro_stream(with_lookup))
        for row in df.head(30).to_dict("records"):
            assert row["customer_id"] == owner_of[dms[row["ro_number"]]["vin"]]
        some = df.iloc[5]["ro_number"]
        fetched = ro_stream(with_lookup).fetch([some])
        assert fetched.iloc[0]["customer_id"] == owner_of[dms[some]["vin"]]
    finally:
        with_lookup.close()
    without = make(calm, ro_owner_lookup=False)
    try:
        assert set(ro_stream(without).preview(limit=5)["customer_id"]) <= {"", None}
    finally:
        without.close()


def test_incremental_read_from_the_cursor(cdk: CdkFortellisConnector, calm: SandboxServers) -> None:
    stream = ro_stream(cdk)
    everything = read_all(stream)
    cursor = stream.last_cursor
    assert cursor
    result = stream.write([WriteRecord("K-inc", "g-inc", new_ro(calm, "T-INC"))])[0]
    assert result.action is WriteAction.CREATED, result.error
    newer = read_all(stream, cursor)
    assert result.dest_id in set(newer["ro_number"])
    assert len(newer) < len(everything) / 4
    assert stream.last_cursor and stream.last_cursor >= cursor


# -- writing repair orders -------------------------------------------------------------
def test_repair_order_create_update_lines_and_412_retry(
    cdk: CdkFortellisConnector, calm: SandboxServers
) -> None:
    stream = ro_stream(cdk)
    lacking = {k: v for k, v in new_ro(calm, "T1").items() if k != "tag_number"}
    refused = stream.write([WriteRecord("K0", "g0", lacking)])[0]
    assert refused.action is WriteAction.REJECTED and "tag_number" in (refused.error or "")
    created = stream.write([WriteRecord("K1", "g1", new_ro(calm, "T1"))])[0]
    assert created.action is WriteAction.CREATED and created.dest_id, created.error
    ro = created.dest_id
    assert created.response and created.response["tagNum"] == "T1"
    mine = {r["ro_number"]: r for r in export(calm, "dms", "repair_orders")}[ro]
    assert (mine["advisor"], mine["op_codes"], mine["labor_total"]) == (
        "Steve Dombrowski",
        "BRK01",
        "150.00",
    )
    update = WriteRecord("K1", "g1", {"remarks": "called the customer"}, dest_id=ro)
    assert stream.write([update])[0].action is WriteAction.UPDATED
    assert stream.write([update])[0].action is WriteAction.UNCHANGED
    # someone else changes the RO between our GET and our POST: 412, then once more
    requests = sent(cdk)
    write_api = stream.write_api
    original = write_api.request
    interfered: list[int] = []

    def meddling(method: str, path: str, **kwargs: Any) -> httpx.Response:
        if method == "POST" and not interfered:
            interfered.append(1)
            with closing(dms_client(calm)) as c:
                url = f"{cdk.api_url('repair_orders_write')}/{ro}/"
                got = c.get(url, headers={"Request-Id": "x1"})
                body = {**got.json(), "comments": "changed meanwhile"}
                for key in ("repairOrderId", "status", "links", "serviceLineItems"):
                    body.pop(key)
                headers = {"Request-Id": "x2", "If-Match": got.headers["ETag"]}
                assert c.post(url, json=body, headers=headers).status_code == 200
        return original(method, path, **kwargs)

    write_api.request = meddling  # type: ignore[method-assign]
    again = WriteRecord("K1", "g1", {"po_number": "PO-9"}, dest_id=ro)
    result = stream.write([again])[0]
    assert result.action is WriteAction.UPDATED, result.error
    statuses = [r.method for r in requests]
    assert statuses == ["GET", "POST", "GET", "POST"]
    assert all(r.headers.get("If-Match") for r in requests if r.method == "POST")
    write_api.request = original  # type: ignore[method-assign]
    current = stream.write_api.request("GET", f"/{ro}/").json()
    assert (current["poNumber"], current["comments"]) == ("PO-9", "changed meanwhile")
    # a new service line, then a change to it
    oil = {**LINE, "service_request": "Oil change"}
    added = stream.write([WriteRecord("K1", "g1", {"service_lines": json.dumps([oil])}, ro)])[0]
    assert added.action is WriteAction.UPDATED, added.error
    line_id = added.response["serviceLineId"] if added.response else ""
    shorter = {**oil, "service_line_id": line_id, "estimated_duration": "0.5"}
    moved = stream.write([WriteRecord("K1", "g1", {"service_lines": json.dumps([shorter])}, ro)])
    assert moved[0].action is WriteAction.UPDATED, moved[0].error
    same = stream.write([WriteRecord("K1", "g1", {"service_lines": json.dumps([shorter])}, ro)])
    assert same[0].action is WriteAction.UNCHANGED
    row = stream.fetch([ro]).iloc[0]
    assert [line["description"] for line in json.loads(row["lines"])] == [
        "Brakes squeal",
        "Oil change",
    ]
    gone = stream.write([WriteRecord("K9", "g9", {"remarks": "x"}, dest_id="NO-SUCH-RO")])[0]
    assert gone.action is WriteAction.REJECTED and "HTTP 404" in (gone.error or "")


# -- customers and service vehicles -------------------------------------------------------
def test_customers_are_never_read_as_a_whole(cdk: CdkFortellisConnector) -> None:
    stream = search_stream(cdk, "customers")
    with pytest.raises(ConnectorError, match="not read as a whole") as caught:
        list(stream.read())
    assert "search by name, email, phone" in (caught.value.hint or "")
    with pytest.raises(ConnectorError, match="changed since"):
        stream.preview(5, None)
    with pytest.raises(ConnectorError, match="searches by"):
        stream.search(city="Austin")


def test_customer_search_fetch_create_update(
    cdk: CdkFortellisConnector, calm: SandboxServers
) -> None:
    stream = search_stream(cdk, "customers")
    someone = next(c for c in export(calm, "dms", "customers") if c["email"])
    found = stream.search(email=someone["email"].upper())
    assert found["customer_id"].tolist() == [someone["customer_id"]]
    fetched = stream.fetch([someone["customer_id"]])
    assert fetched.iloc[0]["last_name"] == someone["last_name"]
    payload = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada.lovelace@example.com",
        "mobile_phone": "512-555-0199",
        "address_line1": "1 Analytical Way",
        "city": "Austin",
        "state": "TX",
        "zip": "78701",
        "opt_in_email": "N",
    }
    no_contact = stream.write([WriteRecord("K-a0", "g", {"last_name": "Nobody"})])[0]
    assert no_contact.action is WriteAction.REJECTED and "e-mail or phone" in (
        no_contact.error or ""
    )
    created = stream.write([WriteRecord("K-a", "g-a", payload)])[0]
    assert created.action is WriteAction.CREATED and created.dest_id, created.error
    ident = created.dest_id
    dms = {c["customer_id"]: c for c in export(calm, "dms", "customers")}[ident]
    assert (dms["email"], dms["mobile_phone"], dms["opt_in_email"]) == (
        "ada.lovelace@example.com",
        "512-555-0199",
        "N",
    )
    # an update that meets a change made in between: 412, read again, sent again
    requests = sent(cdk)
    original = stream.api.request
    meddled: list[int] = []

    def meddling(method: str, path: str, **kwargs: Any) -> httpx.Response:
        if method == "POST" and not meddled:
            meddled.append(1)
            patch_customer(calm, ident, {"homePhone": "512-555-0100"})
        return original(method, path, **kwargs)

    stream.api.request = meddling  # type: ignore[method-assign]
    result = stream.write([WriteRecord("K-a", "g-a", {"city": "Dallas"}, dest_id=ident)])[0]
    stream.api.request = original  # type: ignore[method-assign]
    assert result.action is WriteAction.UPDATED and result.dest_id == ident, result.error
    assert [r.method for r in requests] == ["GET", "POST", "GET", "POST"]
    dms = {c["customer_id"]: c for c in export(calm, "dms", "customers")}[ident]
    assert (dms["city"], dms["home_phone"]) == ("Dallas", "512-555-0100")
    unchanged = stream.write([WriteRecord("K-a", "g-a", {"city": "Dallas"}, dest_id=ident)])[0]
    assert unchanged.action is WriteAction.UNCHANGED


@pytest.mark.parametrize("fault", ["lost_rate", "drop_rate"])
def test_customer_create_whose_answer_is_lost_makes_no_duplicate(
    calm: SandboxServers, fault: str
) -> None:
    """lost: CDK created it and the answer never came; drop: it never got there. Either
    way the create is looked for before it is sent again, and there is one customer."""
    connector = make(calm)
    stream = search_stream(connector, "customers")
    email = f"unclear.{fault}@example.com"
    original_find = stream.find
    searched: list[str] = []

    def find_after_fault(row: Any) -> str | None:
        calm.set_faults("")  # only the create meets the fault
        searched.append(row["email"])
        return original_find(row)

    stream.find = find_after_fault  # type: ignore[method-assign]
    calm.set_faults(f"dms:{fault}=1")
    try:
        payload = {"first_name": "Una", "last_name": "Clear", "email": email}
        result = stream.write([WriteRecord("K-u", "g-u", payload)])[0]
    finally:
        calm.set_faults("")
    assert result.action is WriteAction.CREATED and result.dest_id, result.error
    assert searched == [email]
    same = [c for c in export(calm, "dms", "customers") if c["email"] == email]
    assert [c["customer_id"] for c in same] == [result.dest_id]
    if fault == "lost_rate":
        assert result.response and "found_after_unclear_create" in result.response
    connector.close()


def test_service_vehicle_create_search_update(
    cdk: CdkFortellisConnector, calm: SandboxServers
) -> None:
    stream = search_stream(cdk, "service_vehicles")
    with pytest.raises(ConnectorError, match="not read as a whole"):
        list(stream.read())
    owner = export(calm, "dms", "customers")[0]["customer_id"]
    payload = {
        "vin": "5TFAW5F19EX759955",
        "license_plate": "1ABC123",
        "make_code": "TOY",
        "make": "Toyota",
        "model_code": "TUNDRA",
        "model": "Tundra",
        "year": "2014",
        "status": "USED",
        "mileage": "56700",
        "mileage_unit": "MI",
        "purchase_date": "2019-01-01",
        "in_service_date": "2014-01-01",
        "customer_id": owner,
    }
    thin = stream.write([WriteRecord("K-v0", "g", {"vin": "5TFAW5F19EX759955"})])[0]
    assert thin.action is WriteAction.REJECTED and "make_code" in (thin.error or "")
    created = stream.write([WriteRecord("K-v", "g-v", payload)])[0]
    assert created.action is WriteAction.CREATED and created.dest_id, created.error
    found = stream.search(vin="5TFAW5F19EX759955")
    assert found["vehicle_id"].tolist() == [created.dest_id]
    assert found.iloc[0]["customer_id"] == owner and found.iloc[0]["license_plate"] == "1ABC123"
    assert stream.search(license_plate="1abc123")["vehicle_id"].tolist() == [created.dest_id]
    moved = stream.write([WriteRecord("K-v", "g-v", {"mileage": "60000"}, created.dest_id)])[0]
    assert moved.action is WriteAction.UPDATED, moved.error
    dms = {v["vehicle_id"]: v for v in export(calm, "dms", "vehicles")}[created.dest_id]
    assert (dms["mileage"], dms["vin"], dms["customer_id"]) == ("60000", payload["vin"], owner)


def test_changed_customers_are_followed_through_changed_repair_orders(
    calm: SandboxServers,
) -> None:
    """CDK has no 'changed since' for customers: the customers named by the repair orders
    changed since the cursor are fetched, each once, with an RO's time as cursor."""
    connector = make(calm, ro_owner_lookup=False)  # the follower looks owners up anyway
    try:
        stream = connector.streams()["customers_by_repair_orders"]
        assert stream.spec.cursor_field == "changed_at" and not stream.spec.writable
        orders = read_all(ro_stream(connector))
        since = sorted(orders["created_at"])[-40]
        recent = read_all(ro_stream(connector), since)
        assert set(recent["customer_id"]) <= {"", None}  # this RO stream looks nothing up
        owner_of = {v["vin"]: v["customer_id"] for v in export(calm, "dms", "vehicles")}
        expected: dict[str, set[str]] = {}
        for vin, created in zip(recent["vin"], recent["created_at"], strict=True):
            if owner_of.get(vin):
                expected.setdefault(owner_of[vin], set()).add(created)
        df = read_all(stream, since)
        assert sorted(df["customer_id"]) == sorted(expected)  # each named customer, once
        for customer, changed in zip(df["customer_id"], df["changed_at"], strict=True):
            assert changed in expected[customer]  # the time of a repair order naming them
        dms = {c["customer_id"]: c for c in export(calm, "dms", "customers")}
        for row in df.head(5).to_dict("records"):
            assert row["last_name"].upper() == dms[row["customer_id"]]["last_name"].upper()
    finally:
        connector.close()
