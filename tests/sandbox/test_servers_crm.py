"""The simulated CRM: auth, batch upsert, cursor paging, rate limit, merge, deals."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from app.sandbox.servers import FaultSettings, FaultSpec, SandboxError, SandboxServers
from tests.support.sandbox import export
from tests.support.sandbox_api import client


def _key(servers: SandboxServers) -> dict[str, str]:
    return {"X-API-Key": servers.servers["crm"].credentials["api_key"]}


def _ids(servers: SandboxServers, entity: str = "contacts") -> list[str]:
    """The CRM's ids (UUIDs) of the data set's contacts (or leads), in its order."""
    key = "contact_id" if entity == "contacts" else "lead_id"
    return [r[key] for r in export(servers, "crm", entity)]


def _upsert(c: httpx.Client, url: str, key: dict[str, str], records: list[Any]) -> httpx.Response:
    return c.post(
        f"{url}/contacts/batch-upsert",
        json={"idField": "external_id", "records": records},
        headers=key,
    )


def test_auth_api_key_or_oauth(servers: SandboxServers) -> None:
    crm = servers.servers["crm"]
    with client() as c:
        assert c.get(f"{crm.url}/contacts").status_code == 401
        assert c.get(f"{crm.url}/contacts", headers={"X-API-Key": "nope"}).status_code == 401
        assert c.get(f"{crm.url}/contacts", headers=_key(servers)).status_code == 200
        token = c.post(
            f"{crm.url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(crm.credentials["client_id"], crm.credentials["client_secret"]),
        ).json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        assert c.get(f"{crm.url}/contacts", headers=bearer).status_code == 200
        wrong = c.post(f"{crm.url}/oauth/token", data={"grant_type": "password"})
        assert wrong.status_code == 400


def test_batch_upsert_results(servers: SandboxServers) -> None:
    crm = servers.servers["crm"]
    key = _key(servers)
    existing = {"external_id": "C100001", "first_name": "First0", "last_name": "Last0"}
    records = [
        {"external_id": "C900001", "first_name": "Nia", "last_name": "Okafor", "email": "nia@x.io"},
        {**existing},
        {**existing, "city": "Dallas"},
        {"external_id": "C900002", "first_name": "No", "email": "no-last@x.io"},
        {"external_id": "C900003", "last_name": "Bad", "email": "not an email"},
        {"external_id": "C900004", "last_name": "Odd", "favourite_colour": "red"},
        {"last_name": "NoKey"},
        "not an object",
        {"external_id": "C900005", "last_name": "Flags", "email_opt_out": True},
    ]
    ids = _ids(servers)
    with client() as c:
        r = _upsert(c, crm.url, key, records)
        assert r.status_code == 200
        results = r.json()["results"]
        statuses = [x["status"] for x in results]
        assert statuses == [
            "created", "unchanged", "updated", "rejected", "rejected", "rejected",
            "rejected", "rejected", "created",
        ]  # fmt: skip
        assert [x["index"] for x in results] == list(range(9))
        assert results[1]["id"] == results[2]["id"] == ids[0]
        assert "last_name" in results[3]["error"]
        assert "email" in results[4]["error"]
        assert "favourite_colour" in results[5]["error"]
        assert "external_id" in results[6]["error"]
        assert results[0]["error"] is None
        assert r.json()["summary"] == {"created": 2, "unchanged": 1, "updated": 1, "rejected": 5}
        made = c.get(f"{crm.url}/contacts/{results[0]['id']}", headers=key).json()
        assert (made["last_name"], made["external_id"]) == ("Okafor", "C900001")
        flags = c.get(f"{crm.url}/contacts/{results[8]['id']}", headers=key).json()
        assert flags["email_opt_out"] == "true"
        again = _upsert(c, crm.url, key, records[:1])
        assert again.json()["results"][0] == {
            "index": 0, "status": "unchanged", "id": results[0]["id"], "error": None,
        }  # fmt: skip
        too_many = _upsert(c, crm.url, key, [{"external_id": f"X{i}"} for i in range(101)])
        assert too_many.status_code == 413
        by_email = c.post(
            f"{crm.url}/contacts/batch-upsert",
            json={
                "idField": "email",
                "records": [{"email": "PERSON3@example.com", "city": "Waco"}],
            },
            headers=key,
        ).json()["results"][0]
        assert (by_email["status"], by_email["id"]) == ("updated", ids[3])
        bad_field = c.post(
            f"{crm.url}/contacts/batch-upsert",
            json={"idField": "first_name", "records": []},
            headers=key,
        )
        assert bad_field.status_code == 422


def test_cursor_pagination_to_the_end(servers: SandboxServers) -> None:
    crm = servers.servers["crm"]
    key = _key(servers)
    ids = _ids(servers)
    seen: list[str] = []
    cursor: str | None = ""
    with client() as c:
        for _ in range(20):
            params = {"limit": "4", **({"cursor": cursor} if cursor else {})}
            body = c.get(f"{crm.url}/contacts", params=params, headers=key).json()
            seen += [row["contact_id"] for row in body["data"]]
            cursor = body["next_cursor"]
            if not body["has_more"]:
                break
        assert cursor is None
        assert sorted(seen) == sorted(ids) and len(ids) == 15
        assert len(seen) == len(set(seen))
        assert c.get(f"{crm.url}/contacts?cursor=%%%", headers=key).status_code == 400
        since = c.get(
            f"{crm.url}/contacts", params={"updated_since": "2024-03-07T00:00:00Z"}, headers=key
        ).json()["data"]
        assert [row["updated_at"] for row in since] == [
            "2024-03-07T00:00:00Z",
            "2024-03-07T01:00:00Z",
        ]
        by_ext = c.get(f"{crm.url}/contacts", params={"external_id": "C100002"}, headers=key)
        assert [row["contact_id"] for row in by_ext.json()["data"]] == [ids[1]]


def test_updated_record_is_seen_again_behind_the_cursor(servers: SandboxServers) -> None:
    crm = servers.servers["crm"]
    key = _key(servers)
    with client() as c:
        first = c.get(f"{crm.url}/contacts", params={"limit": "3"}, headers=key).json()
        early = first["data"][0]["contact_id"]
        c.patch(f"{crm.url}/contacts/{early}", json={"city": "Tyler"}, headers=key)
        rest: list[str] = []
        cursor = first["next_cursor"]
        while cursor:
            body = c.get(f"{crm.url}/contacts", params={"cursor": cursor}, headers=key).json()
            rest += [row["contact_id"] for row in body["data"]]
            cursor = body["next_cursor"]
    assert rest[-1] == early


def test_rate_limit_429_with_retry_after(servers: SandboxServers) -> None:
    servers.set_faults("crm:rps=2,crm:bucket=3")
    crm = servers.servers["crm"]
    key = _key(servers)
    with client() as c:
        codes = [c.get(f"{crm.url}/contacts", headers=key) for _ in range(5)]
        assert [r.status_code for r in codes] == [200, 200, 200, 429, 429]
        limited = codes[3]
        assert int(limited.headers["Retry-After"]) >= 1
        # another key has its own bucket; sandbox routes are never limited
        assert c.get(f"{crm.url}/contacts", headers={"X-API-Key": "other"}).status_code == 401
        assert c.get(f"{crm.url}/_sandbox/stats").status_code == 200
        time.sleep(float(limited.headers["Retry-After"]))
        assert c.get(f"{crm.url}/contacts", headers=key).status_code == 200
        stats = c.get(f"{crm.url}/_sandbox/stats").json()
        assert stats["rate_limited"] == 2
        assert stats["requests"]["by_route"]["GET /contacts"]["429"] == 2


def test_merge_contacts(servers: SandboxServers) -> None:
    crm = servers.servers["crm"]
    key = _key(servers)
    k1, k2, k7 = (_ids(servers)[n] for n in (0, 1, 6))
    leads_of_k1 = [
        r["lead_id"] for r in export(servers, "crm", "leads") if r["contact_id"] in (k1, k2)
    ]
    with client() as c:
        c.patch(f"{crm.url}/contacts/{k7}", json={"city": "Frisco"}, headers=key)
        merged = c.post(
            f"{crm.url}/contacts/merge",
            json={"winnerId": k1, "loserIds": [k2, k7]},
            headers=key,
        )
        assert merged.status_code == 200
        assert merged.json()["city"] == "Frisco"  # blank winner field filled from a loser
        gone = c.get(f"{crm.url}/contacts/{k2}", headers=key)
        assert gone.status_code == 410
        assert gone.json()["merged_into"] == k1
        leads = c.get(f"{crm.url}/leads", params={"contact_id": k1}, headers=key).json()
        assert sorted(x["lead_id"] for x in leads["data"]) == sorted(leads_of_k1)
        assert len(leads_of_k1) == 2
        # the loser's external id now finds the winner
        r = _upsert(c, crm.url, key, [{"external_id": "C100002", "last_name": "Last0"}])
        assert r.json()["results"][0]["id"] == k1
        bad = c.post(
            f"{crm.url}/contacts/merge",
            json={"winnerId": k1, "loserIds": [k1]},
            headers=key,
        )
        assert bad.status_code == 422
        exported = c.get(f"{crm.url}/_sandbox/export/merges").json()
        assert {"loser_id": k2, "winner_id": k1} in exported


def test_deals_activities_appointments(servers: SandboxServers) -> None:
    crm = servers.servers["crm"]
    key = _key(servers)
    k1, k3 = (_ids(servers)[n] for n in (0, 2))
    with client() as c:
        deals = c.post(
            f"{crm.url}/deals/batch-upsert",
            json={
                "idField": "external_id",
                "records": [
                    {"external_id": "D7000", "contact_external_id": "C100001", "status": "won"},
                    {"external_id": "D7001", "contact_external_id": "C999999", "status": "won"},
                    {"external_id": "D7002", "contact_id": k3},
                ],
            },
            headers=key,
        ).json()["results"]
        assert [d["status"] for d in deals] == ["created", "rejected", "rejected"]
        assert "C999999" in deals[1]["error"]
        assert "status" in deals[2]["error"]
        listed = c.get(f"{crm.url}/deals", headers=key).json()["data"]
        assert listed[0]["contact_id"] == k1

        activity = {"contact_id": k3, "type": "service", "external_id": "RO-R9000"}
        first = c.post(f"{crm.url}/activities", json=activity, headers=key)
        assert first.status_code == 201
        again = c.post(f"{crm.url}/activities", json=activity, headers=key)
        assert again.status_code == 200
        assert again.json()["activity_id"] == first.json()["activity_id"]
        revised = c.post(
            f"{crm.url}/activities", json={**activity, "subject": "Brakes"}, headers=key
        )
        assert revised.status_code == 200 and revised.json()["subject"] == "Brakes"
        batch = {"idField": "external_id", "records": [{**activity, "subject": "Tyres"}]}
        answer = c.post(f"{crm.url}/activities/batch", json=batch, headers=key).json()
        assert answer["results"][0]["status"] == "updated"
        bad_type = c.post(f"{crm.url}/activities", json={**activity, "type": "x"}, headers=key)
        assert bad_type.status_code == 422

        appt = {"contact_id": k3, "scheduled_at": "2024-05-01T10:00:00Z", "vin": "bad"}
        assert c.post(f"{crm.url}/appointments", json=appt, headers=key).status_code == 422
        appt["vin"] = "1G4AH59H45G118341"
        made = c.post(f"{crm.url}/appointments", json=appt, headers=key)
        assert made.status_code == 201
        assert made.json()["status"] == "scheduled"


def test_create_lead_with_new_contact_and_idempotency(servers: SandboxServers) -> None:
    crm = servers.servers["crm"]
    key = _key(servers)
    body = {
        "source": "Website",
        "vehicle_of_interest": "2024 Toyota RAV4 XLE",
        "contact": {"first_name": "Lu", "last_name": "Chen", "email": "lu@chen.example"},
    }
    with client() as c:
        made = c.post(f"{crm.url}/leads", json=body, headers={**key, "Idempotency-Key": "abc"})
        assert made.status_code == 201
        assert made.json()["contact_created"] is True
        again = c.post(f"{crm.url}/leads", json=body, headers={**key, "Idempotency-Key": "abc"})
        assert again.status_code == 200
        assert again.json()["lead_id"] == made.json()["lead_id"]
        no_name = {**body, "contact": {"email": "anon@x.example"}}
        rejected = c.post(f"{crm.url}/leads", json=no_name, headers=key)
        assert rejected.status_code == 422
        assert "last_name" in rejected.json()["message"]
        counts = c.get(f"{crm.url}/_sandbox/stats").json()["counts"]
        assert counts["leads"] == 6
        assert counts["contacts"] == 16


def test_reject_rate_refuses_the_same_share_of_each_batch_every_time(
    servers: SandboxServers,
) -> None:
    """``crm:reject_rate=0.1``: about a tenth of the records in a batch are refused with a
    per-record validation error, the rest are taken; the same records are refused again on
    the next attempt (decided per record, not per request), until the rate is lowered."""
    crm = servers.servers["crm"]
    key = _key(servers)
    records = [
        {"external_id": f"C95{n:04d}", "last_name": f"Reject{n}", "email": f"r{n}@x.io"}
        for n in range(100)
    ]
    servers.set_faults("crm:reject_rate=0.1")
    with client() as c:
        first = _upsert(c, crm.url, key, records).json()["results"]
        refused = {records[x["index"]]["external_id"] for x in first if x["status"] == "rejected"}
        assert 1 <= len(refused) <= 20, len(refused)  # seeded: 3 of these 100
        assert {x["status"] for x in first} == {"created", "rejected"}
        reasons = {x["error"] for x in first if x["status"] == "rejected"}
        assert reasons == {"validation failed: refused by a CRM validation rule (sandbox fault "
                           "reject_rate)"}  # fmt: skip
        stored = {r["external_id"] for r in c.get(f"{crm.url}/_sandbox/export/contacts").json()}
        assert not refused & stored and len(stored & {r["external_id"] for r in records}) == (
            100 - len(refused)
        )
        again = _upsert(c, crm.url, key, list(reversed(records))).json()["results"]
        refused_again = {
            records[99 - x["index"]]["external_id"] for x in again if x["status"] == "rejected"
        }
        assert refused_again == refused  # the same records, whatever their place
        stats = c.get(f"{crm.url}/_sandbox/stats").json()["faults"]
        assert stats["settings"]["reject_rate"] == 0.1
        assert stats["counts"]["rejected"] == 2 * len(refused)
        # a merge can be refused too (reject_rate=1 refuses every one)
        servers.set_faults("crm:reject_rate=1")
        merge = c.post(
            f"{crm.url}/contacts/merge",
            json={"winnerId": "K000001", "loserIds": ["K000002"]},
            headers=key,
        )
        assert merge.status_code == 422 and "reject_rate" in merge.json()["message"]
        servers.set_faults("crm:reject_rate=0")
        fixed = _upsert(c, crm.url, key, records).json()["results"]
        assert {x["status"] for x in fixed} <= {"created", "unchanged"}
    with pytest.raises(SandboxError, match="reject_rate"):
        FaultSpec.parse("reject_rate=1.5").settings_for("crm", FaultSettings())
