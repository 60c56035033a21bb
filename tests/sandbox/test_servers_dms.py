"""The simulated DMS: OAuth, Fortellis headers, paging, updatedSince, ETag/If-Match, writes."""

from __future__ import annotations

import time

from app.sandbox.servers import SandboxServers
from tests.support.fake_dataset import build_fake_dataset
from tests.support.sandbox_api import client, dms_headers, dms_token


def test_token_bad_credentials_and_basic_auth(servers: SandboxServers) -> None:
    info = servers.servers["dms"]
    with client() as c:
        bad = c.post(
            f"{info.url}/oauth2/token",
            data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
        )
        assert bad.status_code == 401
        assert bad.json()["error"] == "invalid_client"
        basic = c.post(
            f"{info.url}/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=(info.credentials["client_id"], info.credentials["client_secret"]),
        )
        assert basic.status_code == 200
        assert basic.json()["token_type"] == "Bearer"
        assert basic.json()["expires_in"] == 3600


def test_token_expires(dataset: object) -> None:
    with SandboxServers(dataset, seed=1, token_ttl_s=1.0) as s:  # type: ignore[arg-type]
        headers = dms_headers(s)
        url = s.servers["dms"].url
        with client() as c:
            assert c.get(f"{url}/customers", headers=headers).status_code == 200
            time.sleep(1.2)
            expired = c.get(f"{url}/customers", headers=headers)
            assert expired.status_code == 401
            assert "expired" in expired.json()["message"]
            fresh = dms_headers(s)
            assert c.get(f"{url}/customers", headers=fresh).status_code == 200


def test_required_headers(servers: SandboxServers) -> None:
    url = servers.servers["dms"].url
    good = dms_headers(servers, request_id="abc-123")
    with client() as c:
        ok = c.get(f"{url}/customers", headers=good)
        assert ok.status_code == 200
        assert ok.headers["Request-Id"] == "abc-123"
        no_auth = c.get(f"{url}/customers", headers={**good, "Authorization": ""})
        assert no_auth.status_code == 401
        assert no_auth.headers["Request-Id"] == "abc-123"
        wrong_sub = c.get(f"{url}/customers", headers={**good, "Subscription-Id": "other"})
        assert wrong_sub.status_code == 403
        missing = {k: v for k, v in good.items() if k != "Request-Id"}
        no_rid = c.get(f"{url}/customers", headers=missing)
        assert no_rid.status_code == 400
        assert no_rid.json()["field"] == "Request-Id"


def test_paging_to_the_end(servers: SandboxServers, dataset: object) -> None:
    url = servers.servers["dms"].url
    headers = dms_headers(servers)
    seen: list[str] = []
    next_url: str | None = f"{url}/customers?pageSize=7"
    pages = 0
    with client() as c:
        while next_url and pages < 20:
            body = c.get(next_url, headers=headers).json()
            seen += [item["customerId"] for item in body["items"]]
            next_url = body["links"].get("nextPage", {}).get("href")
            pages += 1
        assert body["totalItems"] == 25
        assert "nextPage" not in body["links"]
        # past the end answers the last page again (CDK spec), so clients must follow links
        again = c.get(f"{url}/customers?pageSize=7&page=99", headers=headers).json()
        assert again["page"] == 4
        too_big = c.get(f"{url}/customers?pageSize=5000", headers=headers).json()
        assert too_big["pageSize"] == 1000
        assert c.get(f"{url}/customers?page=0", headers=headers).status_code == 400
    assert pages == 4
    assert sorted(seen) == sorted(f"C{100001 + i}" for i in range(25))
    assert len(seen) == len(set(seen))
    stamps = [(x["updatedAt"], x["customerId"]) for x in again["items"]]
    assert stamps == sorted(stamps)


def test_updated_since_is_inclusive(servers: SandboxServers) -> None:
    url = servers.servers["dms"].url
    headers = dms_headers(servers)
    with client() as c:
        body = c.get(
            f"{url}/customers", params={"updatedSince": "2024-03-08T01:00:00Z"}, headers=headers
        ).json()
        stamps = [i["updatedAt"] for i in body["items"]]
        # customers 7 and 16 sit exactly on the boundary, 8 and 17 after it
        assert stamps == ["2024-03-08T01:00:00Z"] * 2 + ["2024-03-09T02:00:00Z"] * 2
        offset = c.get(
            f"{url}/customers",
            params={"updatedSince": "2024-03-08T02:00:00+01:00"},
            headers=headers,
        ).json()
        assert offset["totalItems"] == 4
        bad = c.get(f"{url}/customers", params={"updatedSince": "yesterday"}, headers=headers)
        assert bad.status_code == 400
        assert bad.json()["field"] == "updatedSince"


def test_etag_if_match(servers: SandboxServers) -> None:
    url = servers.servers["dms"].url
    headers = dms_headers(servers)
    with client() as c:
        got = c.get(f"{url}/customers/C100003", headers=headers)
        etag = got.headers["ETag"]
        assert etag.strip('"') == got.json()["etag"]
        change = {"email": "new.address@example.com"}
        missing = c.patch(f"{url}/customers/C100003", json=change, headers=headers)
        assert missing.status_code == 428
        ok = c.patch(f"{url}/customers/C100003", json=change, headers={**headers, "If-Match": etag})
        assert ok.status_code == 200
        assert ok.json()["email"] == "new.address@example.com"
        assert ok.headers["ETag"] != etag
        assert ok.json()["updatedAt"] > got.json()["updatedAt"]
        stale = c.patch(
            f"{url}/customers/C100003",
            json={"city": "Plano"},
            headers={**headers, "If-Match": etag},
        )
        assert stale.status_code == 412
        bad = c.patch(
            f"{url}/customers/C100003",
            json={"email": "not-an-email"},
            headers={**headers, "If-Match": ok.headers["ETag"]},
        )
        assert bad.status_code == 422
        assert bad.json()["field"] == "email"
        unknown = c.patch(
            f"{url}/customers/C100003",
            json={"shoeSize": "9"},
            headers={**headers, "If-Match": ok.headers["ETag"]},
        )
        assert unknown.status_code == 422
        assert "shoeSize" in unknown.json()["message"]
        assert c.get(f"{url}/customers/NOPE", headers=headers).status_code == 404


def test_repair_order_lines_and_filters(servers: SandboxServers) -> None:
    url = servers.servers["dms"].url
    headers = dms_headers(servers)
    with client() as c:
        ro = c.get(f"{url}/repair-orders/R9000", headers=headers).json()
        assert [line["lineNumber"] for line in ro["lines"]] == ["1", "2"]
        listed = c.get(f"{url}/repair-orders", headers=headers).json()["items"]
        assert "lines" not in listed[0]
        full = c.get(
            f"{url}/repair-orders", headers={**headers, "Prefer": "return=representation"}
        ).json()["items"]
        assert len(full[0]["lines"]) == 2
        owned = c.get(f"{url}/vehicles", params={"customerId": "C100001"}, headers=headers).json()
        assert {v["customerId"] for v in owned["items"]} == {"C100001"}
        assert owned["totalItems"] == 1
        inv = c.get(f"{url}/inventory/{ro['vin']}", headers=headers)
        assert inv.status_code == 404


def test_writes_appointments_leads_deals(servers: SandboxServers) -> None:
    url = servers.servers["dms"].url
    headers = dms_headers(servers)
    with client() as c:
        appt = {"customerId": "C100002", "scheduledAt": "2024-04-01T09:30:00-05:00",
                "serviceRequested": "Oil change"}  # fmt: skip
        first = c.post(
            f"{url}/appointments", json=appt, headers={**headers, "Idempotency-Key": "k1"}
        )
        assert first.status_code == 201
        assert first.json()["scheduledAt"] == "2024-04-01T14:30:00Z"
        again = c.post(
            f"{url}/appointments", json=appt, headers={**headers, "Idempotency-Key": "k1"}
        )
        assert again.status_code == 200
        assert again.json()["appointmentId"] == first.json()["appointmentId"]
        assert first.json()["appointmentId"] == "A303"
        no_cust = c.post(f"{url}/appointments", json={**appt, "customerId": "C1"}, headers=headers)
        assert no_cust.status_code == 422
        assert no_cust.json()["field"] == "customerId"
        moved = c.patch(
            f"{url}/appointments/A303",
            json={"status": "CANCELLED"},
            headers={**headers, "If-Match": first.headers["ETag"]},
        )
        assert moved.json()["status"] == "CANCELLED"

        lead = {
            "crmLeadId": "LD9",
            "source": "CRM",
            "customer": {"firstName": "Ann", "lastName": "New", "email": "ann@new.example"},
            "vehicle": {"vin": "1FADP5AU6DL536022", "year": "2013", "make": "Ford"},
        }
        made = c.post(f"{url}/leads", json=lead, headers=headers)
        assert made.status_code == 201
        assert made.json()["customerCreated"] is True
        new_id = made.json()["customerId"]
        assert new_id == "C100026"
        assert c.get(f"{url}/customers/{new_id}", headers=headers).json()["lastName"] == "New"
        repeat = c.post(f"{url}/leads", json=lead, headers=headers)
        assert repeat.status_code == 200
        assert repeat.json()["leadId"] == made.json()["leadId"]
        matched = c.post(
            f"{url}/leads",
            json={"customer": {"lastName": "X", "email": "PERSON4@example.com"}},
            headers=headers,
        )
        assert matched.json()["customerId"] == "C100005"
        assert matched.json()["customerCreated"] is False
        nobody = c.post(f"{url}/leads", json={"customer": {"firstName": "Z"}}, headers=headers)
        assert nobody.status_code == 422
        assert nobody.json()["field"] == "customer.lastName"

        deal = c.get(f"{url}/deals/D7001", headers=headers)
        booked = c.patch(
            f"{url}/deals/D7001",
            json={"status": "BOOKED"},
            headers={**headers, "If-Match": deal.headers["ETag"]},
        )
        assert booked.status_code == 200
        unit = c.get(f"{url}/inventory/{deal.json()['vin']}", headers=headers).json()
        assert unit["status"] == "SOLD"
        bad_status = c.patch(
            f"{url}/deals/D7001",
            json={"status": "WON"},
            headers={**headers, "If-Match": booked.headers["ETag"]},
        )
        assert bad_status.status_code == 422
        assert "BOOKED" in bad_status.json()["message"]


def test_patch_inventory_and_export(servers: SandboxServers) -> None:
    url = servers.servers["dms"].url
    headers = dms_headers(servers)
    with client() as c:
        units = c.get(f"{url}/inventory", headers=headers).json()["items"]
        vin = units[0]["vin"]
        got = c.get(f"{url}/inventory/{vin}", headers=headers)
        same = c.patch(
            f"{url}/inventory/{vin}",
            json={"price": got.json()["price"]},
            headers={**headers, "If-Match": got.headers["ETag"]},
        )
        assert same.headers["ETag"] == got.headers["ETag"]  # no change, no bump
        cheaper = c.patch(
            f"{url}/inventory/{vin}",
            json={"price": "19999.00", "status": "PENDING"},
            headers={**headers, "If-Match": got.headers["ETag"]},
        )
        assert cheaper.status_code == 200
        negative = c.patch(
            f"{url}/inventory/{vin}",
            json={"price": "-5"},
            headers={**headers, "If-Match": cheaper.headers["ETag"]},
        )
        assert negative.status_code == 422
        exported = c.get(f"{url}/_sandbox/export/inventory").json()
        row = next(r for r in exported if r["vin"] == vin)
        assert (row["price"], row["status"]) == ("19999.00", "PENDING")
        assert c.get(f"{url}/_sandbox/export/nothing").status_code == 404


def test_reset_restores_the_data_set() -> None:
    ds = build_fake_dataset(customers=6)
    with SandboxServers(ds, seed=3) as s:
        url = s.servers["dms"].url
        headers = dms_headers(s)
        with client() as c:
            got = c.get(f"{url}/customers/C100001", headers=headers)
            c.patch(
                f"{url}/customers/C100001",
                json={"city": "Austin"},
                headers={**headers, "If-Match": got.headers["ETag"]},
            )
            assert c.post(f"{url}/_sandbox/reset").status_code == 200
            again = c.get(f"{url}/customers/C100001", headers=headers)
            assert again.json()["city"] == ""
            assert again.headers["ETag"] == got.headers["ETag"]
            assert dms_token(url, s.servers["dms"].credentials)


def test_the_cached_page_order_follows_updates_and_new_records(dataset: object) -> None:
    from app.sandbox.servers.dms_store import DmsStore

    store = DmsStore(lambda _event, _payload: None)
    store.load(dataset)  # type: ignore[arg-type]
    before = [r["customer_id"] for r in store.query("customers")]
    first = before[0]
    etag = store.get("customers", first)["etag"]
    store.update("customers", first, {"address_line2": "Suite 9"}, etag)
    after = [r["customer_id"] for r in store.query("customers")]
    assert after[-1] == first and sorted(after) == sorted(before)  # moved to the end
    newest = store.get("customers", first)["updated_at"]
    assert [r["customer_id"] for r in store.query("customers", since=newest)] == [first]
    _lead, _created, new_customer = store.create_lead({}, {"last_name": "Newman"})
    assert new_customer and len(store.query("customers")) == len(before) + 1
