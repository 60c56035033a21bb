"""The Elead CRM connector against the simulated CRM's Elead routes on 127.0.0.1."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pandas as pd
import pytest

from app.connectors.elead_crm import EleadCrmConnector
from app.connectors.elead_crm_answers import SETTLE
from app.connectors.elead_crm_customers import CustomerStream
from app.connectors.elead_crm_opportunities import DELTA_REACH, WINDOW, OpportunityStream, plan
from app.connectors.errors import AuthError, ConnectorError, NotFilterableError
from app.connectors.registry import get_kind
from app.connectors.streams import WriteAction, WriteRecord
from app.formats.elead.common import parse_instant
from app.sandbox.servers import SandboxServers
from app.sandbox.servers.elead_views import elead_id
from tests.support.sandbox import export
from tests.support.sandbox_api import client


def make(sandbox: SandboxServers, **overrides: Any) -> EleadCrmConnector:
    info = sandbox.servers["crm"]
    creds = info.credentials
    settings: dict[str, Any] = {
        "base_url": info.url,
        "token_url": f"{info.url}{creds['token_path']}",
        "client_id": creds["client_id"],
        "subscription_id": creds["elead_subscription_id"],
        "page_size": 25,
        "rate_limit_per_s": 0,
    }
    secrets = {"client_secret": overrides.pop("client_secret", creds["client_secret"])}
    secrets.update(overrides.pop("secrets", {}))
    settings.update(overrides)
    return EleadCrmConnector(settings, secrets)


@pytest.fixture
def elead(calm: SandboxServers) -> Any:
    connector = make(calm)
    yield connector
    connector.close()


def sent(connector: EleadCrmConnector) -> list[httpx.Request]:
    seen: list[httpx.Request] = []
    connector.client.client.event_hooks["request"].append(seen.append)
    return seen


def customers_of(connector: EleadCrmConnector) -> CustomerStream:
    stream = connector.streams()["customers"]
    assert isinstance(stream, CustomerStream)
    return stream


def opportunities_of(connector: EleadCrmConnector) -> OpportunityStream:
    stream = connector.streams()["opportunities"]
    assert isinstance(stream, OpportunityStream)
    return stream


def read_all(stream: Any, cursor: str | None = None) -> pd.DataFrame:
    frames = list(stream.read(cursor))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def quick_sleeps(connector: EleadCrmConnector) -> list[float]:
    pauses: list[float] = []

    def quick(seconds: float) -> None:  # record the back-off, keep the test fast
        pauses.append(seconds)
        time.sleep(min(seconds, 0.005))

    connector.client.sleep = quick
    return pauses


# -- settings and "Test connection" -----------------------------------------------------
def test_registered_with_its_settings() -> None:
    assert get_kind("elead_crm") is EleadCrmConnector
    assert EleadCrmConnector.secret_field_names() == ("client_secret", "token")
    assert EleadCrmConnector.field("auth_mode").choices == ("oauth2", "bearer")
    problems = EleadCrmConnector.validate(
        {"base_url": "https://api.fortellis.io", "opportunities_from": "long ago"}, {}
    )
    assert set(problems) == {"subscription_id", "client_id", "client_secret", "opportunities_from"}
    bearer = {"base_url": "https://x.test", "auth_mode": "bearer", "subscription_id": "s"}
    assert set(EleadCrmConnector.validate(bearer, {})) == {"token"}
    assert EleadCrmConnector.validate(bearer, {"token": "t"}) == {}
    c = EleadCrmConnector({"base_url": "https://api.fortellis.io/"}, {})
    assert c.api_url("customers") == "https://api.fortellis.io/elead-sales-customers"
    assert c.api_url("opportunities") == "https://api.fortellis.io/elead-sales-opportunities"
    own = EleadCrmConnector(
        {"base_url": "https://a.test", "api_base_urls": {"opportunities": "http://127.0.0.1:9"}},
        {},
    )
    assert own.api_url("opportunities") == "http://127.0.0.1:9"
    streams = c.streams()
    assert set(streams) == {
        "customers",
        "opportunities",
        "opportunity_trade_ins",
        "opportunity_vehicles_sought",
        "opportunity_comments",
    }
    assert streams["customers"].spec.cursor_field is None
    assert streams["opportunities"].spec.cursor_field == "sync_cursor"
    assert not any(streams[n].spec.readable for n in streams if n.startswith("opportunity_"))
    start = EleadCrmConnector({"opportunities_from": "2024-02-01"}, {}).history_start()
    assert start == datetime(2024, 2, 1, tzinfo=UTC)


def test_check_asks_for_the_last_days_changes(calm: SandboxServers) -> None:
    requests: list[httpx.Request] = []
    connector = make(calm)
    stream, path, query = connector.probe()
    assert (stream, path, query["pageSize"]) == ("opportunities", "/searchDelta", 1)
    since = parse_instant(query["dateFrom"])
    assert since and abs(datetime.now(UTC) - timedelta(days=1) - since) < timedelta(minutes=1)
    result = connector.check()
    assert result.ok and "Connected to Elead" in result.message, result.message
    assert "opportunities changed in the last day" in result.message
    wrong = make(calm, client_secret="nope").check()
    assert not wrong.ok and "refused the client id / secret" in wrong.message
    other = make(calm, subscription_id="someone-else").check()
    assert not other.ok and "Subscription ID" in other.message, other.message
    del requests


def test_bearer_token_sign_in(calm: SandboxServers) -> None:
    creds = calm.servers["crm"].credentials
    with client() as c:
        token = c.post(
            f"{calm.servers['crm'].url}{creds['token_path']}",
            data={"grant_type": "client_credentials"},
            auth=(creds["client_id"], creds["client_secret"]),
        ).json()["access_token"]
    connector = make(calm, auth_mode="bearer", secrets={"token": token})
    assert connector.check().ok
    bad = make(calm, auth_mode="bearer", secrets={"token": "forged"})
    with pytest.raises(AuthError):
        read_all(customers_of(bad))


# -- customers ----------------------------------------------------------------------------
def test_customer_read_pages_with_elead_headers(
    elead: EleadCrmConnector, calm: SandboxServers
) -> None:
    requests = sent(elead)
    stream = customers_of(elead)
    frames = list(stream.read())
    df = pd.concat(frames, ignore_index=True)
    contacts = export(calm, "crm", "contacts")
    assert len(frames) == -(-len(contacts) // 25) > 2
    assert list(df.columns) == stream.spec.field_names()
    assert sorted(df["customer_id"]) == sorted(c["contact_id"] for c in contacts)
    by_id = {c["contact_id"]: c for c in contacts}
    for row in df.head(30).to_dict("records"):
        contact = by_id[row["customer_id"]]
        assert (row["last_name"], row["email"], row["zip"]) == (
            contact["last_name"],
            contact["email"],
            contact["postal_code"],
        )
        assert row["mobile_phone"] == contact["mobile"]
        # Elead's doNotEmail is a yes/no on each address: a CRM contact whose opt-out is
        # not known (blank: e.g. one another module's test wrote through the generic API)
        # reads as not opted out; no address, no flag
        opted_out = "true" if contact["email_opt_out"] == "true" else "false"
        assert row["email_opt_out"] == (opted_out if contact["email"] else "")
    requests = [r for r in requests if "/oauth" not in r.url.path]
    ids = [r.headers["Request-Id"] for r in requests]
    assert len(set(ids)) == len(ids) == len(frames)
    creds = calm.servers["crm"].credentials
    for r in requests:
        assert (r.method, r.url.path) == ("POST", "/elead-sales-customers/search")
        assert r.headers["Subscription-Id"] == creds["elead_subscription_id"]
        assert r.headers["Authorization"].startswith("Bearer ")
        assert not {"client_id", "client_secret", "subscription_id"} & set(r.url.params)
    assert requests[1].url.params["page"] == "2"
    assert len(stream.preview(3)) == 3
    with pytest.raises(NotFilterableError):
        stream.preview(3, since="2026-01-01T00:00:00Z")


def test_customer_fetch_search_create_update(
    elead: EleadCrmConnector, calm: SandboxServers
) -> None:
    stream = customers_of(elead)
    payload = {
        "name_prefix": "Dr",
        "first_name": "Ada",
        "middle_name": "King",
        "last_name": "Lovelace",
        "birth_date": "1815-12-10",
        "email": "ada.elead@example.com",
        "mobile_phone": "512-555-0199",
        "sms_opt_out": "true",
        "address_line1": "1 Analytical Way",
        "city": "Austin",
        "state": "TX",
        "zip": "78701",
    }
    no_contact = stream.write([WriteRecord("K-0", "g", {"last_name": "Nobody"})])[0]
    assert no_contact.action is WriteAction.REJECTED and "e-mail or phone" in (
        no_contact.error or ""
    )
    bad = stream.write([WriteRecord("K-0", "g", {**payload, "name_prefix": "Prof"})])[0]
    assert bad.action is WriteAction.REJECTED and "no title 'Prof'" in (bad.error or "")
    created = stream.write([WriteRecord("K-a", "g-a", payload)])[0]
    assert created.action is WriteAction.CREATED and created.dest_id, created.error
    ident = created.dest_id
    crm = [c for c in export(calm, "crm", "contacts") if c["email"] == payload["email"]]
    assert len(crm) == 1 and ident == crm[0]["contact_id"]
    assert (crm[0]["mobile"], crm[0]["sms_opt_out"], crm[0]["postal_code"]) == (
        "512-555-0199",
        "true",
        "78701",
    )
    found = stream.search(email="ADA.ELEAD@example.com")
    assert found["customer_id"].tolist() == [ident]
    row = stream.fetch([ident, "00000000-0000-0000-0000-000000000000"]).iloc[0]
    assert (row["name_prefix"], row["middle_name"], row["birth_date"]) == (
        "Dr",
        "King",
        "1815-12-10",
    )
    assert row["owned_vehicles"] == ""
    changed = WriteRecord("K-a", "g-a", {"city": "Dallas", "email_opt_out": "true"}, ident)
    updated = stream.write([changed])[0]
    assert updated.action is WriteAction.UPDATED and updated.dest_id == ident, updated.error
    assert stream.write([changed])[0].action is WriteAction.UNCHANGED
    crm = {c["email"]: c for c in export(calm, "crm", "contacts")}[payload["email"]]
    assert (crm["city"], crm["email_opt_out"], crm["street"]) == (
        "Dallas",
        "true",
        payload["address_line1"],
    )
    again = stream.fetch([ident]).iloc[0]
    assert (again["middle_name"], again["name_prefix"]) == ("King", "Dr")  # kept by the update
    # a customer Elead no longer has (deleted, merged away): the one it has with the
    # e-mail is updated; with too little to find or create one, the record is refused
    gone = stream.write([WriteRecord("K-x", "g", {"city": "X"}, dest_id=elead_id("x", "y"))])[0]
    assert gone.action is WriteAction.REJECTED and "last name" in (gone.error or "")
    moved = {**payload, "city": "Round Rock"}
    found = stream.write([WriteRecord("K-a", "g-a", moved, dest_id=elead_id("x", "y"))])[0]
    assert (found.action, found.dest_id) == (WriteAction.UPDATED, ident), found.error
    assert found.response == {"found_before_create": ident}
    # owned vehicles: the contact's deals in the CRM
    crm_key = {"X-API-Key": calm.servers["crm"].credentials["api_key"]}
    deal = {
        "external_id": "ELEAD-D1",
        "contact_id": crm["contact_id"],
        "status": "Sold",
        "vin": "1C6SRFFT5KN600224",
        "vehicle_description": "2019 RAM 1500",
    }
    with client() as c:
        r = c.post(
            f"{calm.servers['crm'].url}/deals/batch-upsert",
            json={"records": [deal]},
            headers=crm_key,
        )
        assert r.status_code == 200, r.text
    owned = json.loads(stream.fetch([ident]).iloc[0]["owned_vehicles"])
    assert owned == [
        {
            "vehicle_id": elead_id("vehicle", deal["vin"]),
            "vin": deal["vin"],
            "year": "2019",
            "make": "RAM",
            "model": "1500",
        }
    ]


@pytest.mark.parametrize("fault", ["lost_rate", "drop_rate"])
def test_customer_create_whose_answer_is_lost_makes_no_duplicate(
    calm: SandboxServers, fault: str
) -> None:
    """lost: Elead created it and the answer never came; drop: it never got there. Either
    way the customer is looked for before the create is sent again: one customer."""
    connector = make(calm)
    stream = customers_of(connector)
    email = f"unclear.{fault}@elead.example.com"
    original_find = stream.find
    searched: list[str] = []

    def find_after_fault(row: Any) -> str | None:
        calm.set_faults("")  # only the create meets the fault
        searched.append(row["email"])
        return original_find(row)

    stream.find = find_after_fault  # type: ignore[method-assign]
    calm.set_faults(f"crm:{fault}=1")
    try:
        payload = {"first_name": "Una", "last_name": "Clear", "email": email}
        result = stream.write([WriteRecord("K-u", "g-u", payload)])[0]
    finally:
        calm.set_faults("")
    assert result.action is WriteAction.CREATED and result.dest_id, result.error
    assert searched == [email]
    same = [c for c in export(calm, "crm", "contacts") if c["email"] == email]
    assert [c["contact_id"] for c in same] == [result.dest_id]
    if fault == "lost_rate":
        assert result.response and "found_after_unclear_create" in result.response
    connector.close()


def test_a_create_that_timed_out_is_given_time_to_finish_before_it_is_looked_for(
    calm: SandboxServers,
) -> None:
    """The answer timed out while Elead was still creating the customer: looked for at
    once, it is not there yet, and a second create would make a duplicate. The stream
    waits as long as it waited for the answer, then looks: one customer."""
    connector = make(calm, timeout_s=1, max_attempts=2)
    assert connector.check().ok  # signed in before the server slows down
    stream = customers_of(connector)
    original_find = stream.find

    def find_after_fault(row: Any) -> str | None:
        calm.set_faults("")
        return original_find(row)

    stream.find = find_after_fault  # type: ignore[method-assign]
    email = "slow.create@elead.example.com"
    calm.set_faults("crm:timeout_rate=1,timeout_s=1.5")  # held 1.5 s, then created
    try:
        payload = {"first_name": "Sol", "last_name": "Slow", "email": email}
        result = stream.write([WriteRecord("K-s", "g-s", payload)])[0]
    finally:
        calm.set_faults("")
    time.sleep(1)
    assert result.action is WriteAction.CREATED, result.error
    assert result.response and "found_after_unclear_create" in result.response
    same = [c for c in export(calm, "crm", "contacts") if c["email"] == email]
    assert [c["contact_id"] for c in same] == [result.dest_id]
    connector.close()


def test_a_create_after_a_cut_off_run_looks_first(calm: SandboxServers) -> None:
    """The flow's last run was cut off (killed, or failed mid-batch) after Elead created
    the customer: the engine marks the create look_first, and the customer Elead already
    has is updated, not made twice. A customer Elead does not have is created."""
    connector = make(calm)
    stream = customers_of(connector)
    payload = {"first_name": "Kit", "last_name": "Cutoff", "email": "kit@cutoff.example.com"}
    first = stream.write([WriteRecord("K-k", "g-k", payload)])[0]
    assert first.action is WriteAction.CREATED and first.dest_id
    again = {**payload, "mobile_phone": "+13135550177"}
    looked = stream.write([WriteRecord("K-k", "g-k", again, look_first=True)])[0]
    assert (looked.action, looked.dest_id) == (WriteAction.UPDATED, first.dest_id)
    assert looked.response == {"found_before_create": first.dest_id}
    same = [c for c in export(calm, "crm", "contacts") if c["email"] == payload["email"]]
    assert len(same) == 1 and same[0]["mobile"] == "+13135550177"
    fresh = {**payload, "email": "new@cutoff.example.com"}
    made = stream.write([WriteRecord("K-n", "g-n", fresh, look_first=True)])[0]
    assert made.action is WriteAction.CREATED and made.dest_id != first.dest_id
    connector.close()


# -- opportunities: reading ----------------------------------------------------------------
def test_plan_reaches_back_in_windows_of_seven_days_then_searchdelta() -> None:
    now = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)
    recent = plan(now - timedelta(days=3), now)
    assert [(q.path, q.params) for q in recent] == [
        ("/searchDelta", {"dateFrom": "2026-12-02T20:00:00Z"})
    ]
    assert recent[0].until == stamp(now - SETTLE)
    start = now - timedelta(days=30)
    queries = plan(start, now)
    *windows, delta = queries
    assert len(windows) == 4 and delta.path == "/searchDelta"
    assert windows[0].params["dateFrom"] == stamp(start)
    for q, after in zip(windows, [*windows[1:], delta], strict=True):
        low, high = parse_instant(q.params["dateFrom"]), parse_instant(q.params["dateTo"])
        assert low and high and timedelta(0) < high - low <= WINDOW
        assert after.params["dateFrom"] == q.params["dateTo"] == q.until
    reach = parse_instant(delta.params["dateFrom"])
    assert reach and now - reach <= DELTA_REACH < timedelta(days=7)


def test_incremental_catch_up_across_more_than_seven_days(
    elead: EleadCrmConnector, calm: SandboxServers
) -> None:
    requests = sent(elead)
    stream = opportunities_of(elead)
    stream.page_size = 2  # several pages per window
    leads = export(calm, "crm", "leads")
    stamps = sorted(r["updated_at"] for r in leads)
    cursor = stamps[-12]
    assert datetime.now(UTC) - parse_instant(cursor) > timedelta(days=8)  # type: ignore[operator]
    df = read_all(stream, cursor)
    expected = {r["lead_id"] for r in leads if r["updated_at"] >= cursor}
    assert set(df["opportunity_id"]) == expected and len(expected) >= 12
    paths = [q.path for q in stream.queries]
    assert paths[-1] == "/searchDelta" and set(paths[:-1]) == {"/search"} and len(paths) > 2
    asked = [r for r in requests if "/oauth" not in r.url.path]
    assert {r.url.path for r in asked} == {
        "/elead-sales-opportunities/search",
        "/elead-sales-opportunities/searchDelta",
    }
    for r in asked:
        query = {k: r.url.params.get_list(k) for k in r.url.params}
        if r.url.path.endswith("/search"):
            low = parse_instant(query["dateFrom"][0])
            high = parse_instant(query["dateTo"][0])
            assert low and high and high - low <= timedelta(days=7)
        else:
            since = parse_instant(query["dateFrom"][0])
            assert since and datetime.now(UTC) - since < timedelta(days=7)
    # every row's cursor says what had been seen when it came: the start of its query,
    # or on a query's last page its end
    allowed = {q.since for q in stream.queries} | {q.until for q in stream.queries}
    assert set(df["sync_cursor"]) <= allowed
    top = df["sync_cursor"].max()
    assert top == stream.last_cursor
    # the cursor never passes a change it has not seen: it is the end of the last query
    # that gave records (one that gives none cannot move it), and every change before it
    # was read
    assert top in {q.until for q in stream.queries}
    before = {r["lead_id"] for r in leads if cursor <= r["updated_at"] < top}
    assert before <= set(df["opportunity_id"])
    # a new opportunity: the next run from the cursor sees it in searchDelta, and the
    # cursor moves to that read's "now"; a run after that needs searchDelta only
    customer = export(calm, "crm", "contacts")[5]["contact_id"]
    made = stream.write([WriteRecord("L-n", "g-n", {"customer_id": customer, "source": "Phone"})])
    assert made[0].action is WriteAction.CREATED, made[0].error
    newer = read_all(stream, top)
    assert made[0].dest_id in set(newer["opportunity_id"])
    later = newer["sync_cursor"].max()
    assert later == stream.queries[-1].until and stream.queries[-1].path == "/searchDelta"
    last = read_all(stream, later)
    assert [q.path for q in stream.queries] == ["/searchDelta"]
    assert made[0].dest_id in set(last["opportunity_id"]) and len(last) < len(df)


def test_preview_since_and_no_fetch_by_id(elead: EleadCrmConnector, calm: SandboxServers) -> None:
    stream = opportunities_of(elead)
    leads = export(calm, "crm", "leads")
    since = sorted(r["updated_at"] for r in leads)[-6]
    shown = stream.preview(3, since=since)
    assert len(shown) == 3 and list(shown.columns) == stream.spec.field_names()
    changed = {r["lead_id"] for r in leads if r["updated_at"] >= since}
    assert set(shown["opportunity_id"]) <= changed
    with pytest.raises(ConnectorError, match="cannot read one opportunity"):
        stream.fetch([leads[0]["lead_id"]])
    with pytest.raises(ConnectorError, match="not a time"):
        list(stream.read("last tuesday"))


def test_opportunities_read_with_their_customers(calm: SandboxServers) -> None:
    """'Read customers with opportunities': each opportunity carries its customer's name,
    e-mail and phones, each customer fetched once per read."""
    plain = make(calm)
    try:
        assert set(read_all(opportunities_of(plain))["customer_last_name"]) == {""}
    finally:
        plain.close()
    connector = make(calm, customers_on_read=True)
    requests = sent(connector)
    try:
        df = read_all(opportunities_of(connector))
    finally:
        connector.close()
    contacts = {c["contact_id"]: c for c in export(calm, "crm", "contacts")}
    assert len(df) and set(df["customer_id"]) <= set(contacts)  # one id space
    for row in df.to_dict("records"):
        contact = contacts[row["customer_id"]]
        assert (row["customer_last_name"], row["customer_email"]) == (
            contact["last_name"],
            contact["email"],
        )
        assert row["customer_mobile_phone"] == contact["mobile"]
    fetched = [r.url.path for r in requests if r.url.path.startswith("/elead-sales-customers/")]
    assert sorted(fetched) == sorted(f"/elead-sales-customers/{c}" for c in set(df["customer_id"]))


# -- opportunities: writing ------------------------------------------------------------------
def _salesperson(calm: SandboxServers, name: str) -> str:
    return elead_id("salesperson", name)


def test_opportunity_create_reassign_and_sub_operations(
    elead: EleadCrmConnector, calm: SandboxServers
) -> None:
    streams = elead.streams()
    stream = opportunities_of(elead)
    contact = export(calm, "crm", "contacts")[7]
    salespeople = sorted(
        {r["salesperson"] for r in export(calm, "crm", "leads") if r["salesperson"]}
    )
    first, second = salespeople[0], salespeople[1]
    payload = {
        "customer_id": contact["contact_id"],
        "source": "Website",
        "sub_source": "Chat",
        "status": "New",
        "up_type": "Internet",
        "comments": "Asked about a RAV4",
        "salesperson_id": _salesperson(calm, first),
        "vehicle_of_interest": "2026 Toyota RAV4 XLE",
        "vehicle_of_interest_vin": "2T3P1RFV6SW000001",
        "vehicle_of_interest_new": "true",
        "trade_ins": json.dumps([{"year": "2015", "make": "Honda", "model": "Civic"}]),
    }
    refused = stream.write([WriteRecord("L-1", "g-1", {**payload, "customer_id": "K000001"})])[0]
    assert refused.action is WriteAction.REJECTED and "not an Elead id" in (refused.error or "")
    created = stream.write([WriteRecord("L-1", "g-1", payload)])[0]
    assert created.action is WriteAction.CREATED and created.dest_id, created.error
    ident = created.dest_id
    leads = {r["lead_id"]: r for r in export(calm, "crm", "leads")}
    lead = leads[ident]
    assert (lead["contact_id"], lead["source"], lead["salesperson"], lead["comments"]) == (
        contact["contact_id"],
        "Website",
        first,
        "Asked about a RAV4",
    )
    assert (lead["vehicle_of_interest"], lead["vehicle_of_interest_vin"]) == (
        "2026 Toyota RAV4 XLE",
        "2T3P1RFV6SW000001",
    )
    # an update: only the salesperson can change
    moved = stream.write(
        [
            WriteRecord(
                "L-1",
                "g-1",
                {**payload, "salesperson_id": _salesperson(calm, second), "status": "Contacted"},
                dest_id=ident,
            )
        ]
    )[0]
    assert moved.action is WriteAction.UPDATED, moved.error
    assert moved.response and "status" in moved.response["not_sent"]
    still = stream.write([WriteRecord("L-1", "g-1", {"status": "Sold"}, dest_id=ident)])[0]
    assert still.action is WriteAction.UNCHANGED
    lead = {r["lead_id"]: r for r in export(calm, "crm", "leads")}[ident]
    assert (lead["salesperson"], lead["status"]) == (second, "New")
    # sub-operations
    trades = streams["opportunity_trade_ins"]
    trade = {
        "opportunity_id": ident,
        "vin": "4A32B2FF0CE049620",
        "year": "2012",
        "make": "Ford",
        "model": "Focus",
    }
    added = trades.write([WriteRecord("T-1", "gt", trade)])[0]
    assert added.action is WriteAction.CREATED and added.dest_id, added.error
    replaced = trades.write([WriteRecord("T-1", "gt", {**trade, "year": "2013"}, added.dest_id)])[0]
    assert replaced.action is WriteAction.UPDATED and replaced.dest_id != added.dest_id
    sought = streams["opportunity_vehicles_sought"]
    want = {"opportunity_id": ident, "is_new": "false", "make": "Subaru", "model": "Outback"}
    wanted = sought.write([WriteRecord("S-1", "gs", want)])[0]
    assert wanted.action is WriteAction.CREATED and wanted.dest_id, wanted.error
    lacking = sought.write([WriteRecord("S-2", "gs2", {"opportunity_id": ident})])[0]
    assert lacking.action is WriteAction.REJECTED and "is_new" in (lacking.error or "")
    noted = streams["opportunity_comments"].write(
        [WriteRecord("C-1", "gc", {"opportunity_id": ident, "comment": "Coming Saturday"})]
    )[0]
    assert noted.action is WriteAction.CREATED, noted.error
    row = read_all(stream, stamp(datetime.now(UTC) - timedelta(minutes=10)))
    mine = row[row["opportunity_id"] == ident].iloc[-1]
    assert [t["year"] for t in json.loads(mine["trade_ins"])] == ["2015", "2013"]
    assert [v["make"] for v in json.loads(mine["vehicles_sought"])] == ["Toyota", "Subaru"]
    assert (mine["salesperson"], mine["sub_source"], mine["up_type"]) == (
        second,
        "Chat",
        "Internet",
    )
    lead = {r["lead_id"]: r for r in export(calm, "crm", "leads")}[ident]
    assert lead["comments"] == "Asked about a RAV4\nComing Saturday"


def test_opportunity_create_whose_answer_is_lost_makes_no_duplicate(
    calm: SandboxServers,
) -> None:
    connector = make(calm)
    stream = opportunities_of(connector)
    contact = export(calm, "crm", "contacts")[9]
    original_find = stream._find
    looked: list[int] = []

    def find_after_fault(body: Any, sent_at: Any) -> str | None:
        calm.set_faults("")
        looked.append(1)
        return original_find(body, sent_at)

    stream._find = find_after_fault  # type: ignore[method-assign]
    before = {r["lead_id"] for r in export(calm, "crm", "leads")}
    calm.set_faults("crm:lost_rate=1")
    try:
        payload = {"customer_id": contact["contact_id"], "source": "Referral"}
        result = stream.write([WriteRecord("L-u", "g-u", payload)])[0]
    finally:
        calm.set_faults("")
    assert result.action is WriteAction.CREATED and result.dest_id, result.error
    assert looked == [1] and result.response and "found_after_unclear_create" in result.response
    leads = {r["lead_id"] for r in export(calm, "crm", "leads")}
    assert leads - before == {result.dest_id} and len(leads) == len(before) + 1
    # a comment whose answer is lost is parked, not sent twice (Elead cannot show comments)
    comments = connector.streams()["opportunity_comments"]
    calm.set_faults("crm:lost_rate=1")
    try:
        note = {"opportunity_id": result.dest_id, "comment": "Left a voicemail"}
        parked = comments.write([WriteRecord("C-u", "g-c", note)])[0]
    finally:
        calm.set_faults("")
    assert parked.action is WriteAction.REJECTED and "not sent again" in (parked.error or "")
    lead = {r["lead_id"]: r for r in export(calm, "crm", "leads")}[result.dest_id]
    assert lead["comments"] == "Left a voicemail"  # done once, by the lost request
    connector.close()


def test_429_storms_and_server_errors_lose_and_duplicate_nothing(calm: SandboxServers) -> None:
    connector = make(calm, max_attempts=20)
    pauses = quick_sleeps(connector)
    customers = customers_of(connector)
    opportunity = opportunities_of(connector)
    opportunity.page_size = 5
    contacts = export(calm, "crm", "contacts")
    leads = export(calm, "crm", "leads")
    cursor = sorted(r["updated_at"] for r in leads)[-15]
    calm.set_faults(
        "crm:rate_limit_rate=0.25,error_rate=0.1,rps=0,seed=5"
    )  # quick sleeps: no bucket
    try:
        everyone = read_all(customers)
        changed = read_all(opportunity, cursor)
        made = []
        for n in range(8):
            row = {
                "customer_id": contacts[20 + n]["contact_id"],
                "source": "Storm",
                "date_in": f"2026-11-2{n}T10:00:00Z",
            }
            made += opportunity.write([WriteRecord(f"L-s{n}", f"g-s{n}", row)])
        for n in range(8):
            person = {"last_name": f"Storm{n}", "email": f"storm{n}@elead.example.com"}
            made += customers.write([WriteRecord(f"K-s{n}", f"g-k{n}", person)])
    finally:
        calm.set_faults("")
    assert len(everyone) == len(contacts)
    assert set(changed["opportunity_id"]) == {
        r["lead_id"] for r in leads if r["updated_at"] >= cursor
    }
    assert Counter(r.action for r in made) == {WriteAction.CREATED: 16}, [r.error for r in made]
    storm = [r for r in export(calm, "crm", "leads") if r["source"] == "Storm"]
    assert len(storm) == 8
    people = [c for c in export(calm, "crm", "contacts") if c["email"].startswith("storm")]
    assert len(people) == 8
    faults = calm.app("crm").faults.snapshot()["counts"]
    assert faults.get("rate_limit", 0) > 5 and faults.get("error", 0)
    assert connector.client.stats["throttled"] >= 5
    assert 1.0 in pauses  # the 429s' Retry-After: 1 was honoured
    connector.close()


def test_the_crms_own_rate_limit_is_waited_out(calm: SandboxServers) -> None:
    """A real token bucket (4 at once, 20 a second) against a client that does not limit
    itself: 429s with Retry-After, waited out for real, and every customer read."""
    connector = make(calm, page_size=10)
    calm.set_faults("crm:rps=20,bucket=4")
    try:
        df = read_all(customers_of(connector))
    finally:
        calm.set_faults("")
    assert len(df) == len(export(calm, "crm", "contacts"))
    assert connector.client.stats["throttled"] >= 1
    assert calm.app("crm").limiter.limited >= 1
    connector.close()
