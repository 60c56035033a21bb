"""The simulated marketing platform: consent fields, batch results, lists, segments, 429."""

from __future__ import annotations

from app.sandbox.servers import SandboxServers
from tests.support.sandbox_api import client


def test_consent_fields_and_batch(servers: SandboxServers) -> None:
    mkt = servers.servers["marketing"]
    key = {"X-API-Key": mkt.credentials["api_key"]}
    with client() as c:
        assert c.get(f"{mkt.url}/contacts").status_code == 401
        first = c.get(f"{mkt.url}/contacts", params={"limit": "3"}, headers=key).json()
        assert {"email_consent", "sms_consent"} <= set(first["data"][0])
        records = [
            {"email": "new@x.example", "email_consent": "subscribed", "segments": ["service"]},
            {"email": "person0@example.com", "email_consent": "subscribed"},  # had unsubscribed
            {"email": "person1@example.com", "sms_consent": "maybe"},
            {"email": "person2@example.com", "email_consent": "unsubscribed"},
            {"email": "person3@example.com", "last_name": "Last3"},
            {"first_name": "NoEmail"},
        ]
        r = c.post(f"{mkt.url}/contacts/batch", json={"records": records}, headers=key)
        results = r.json()["results"]
        assert [x["status"] for x in results] == [
            "created", "rejected", "rejected", "updated", "unchanged", "rejected",
        ]  # fmt: skip
        assert "opt in" in results[1]["error"]
        assert "sms_consent" in results[2]["error"]
        made = c.get(f"{mkt.url}/contacts/{results[0]['id']}", headers=key).json()
        assert made["segments"] == "service"
        assert made["email_consent"] == "subscribed"
        over = c.post(
            f"{mkt.url}/contacts/batch",
            json={"records": [{"email": f"{i}@x.example"} for i in range(101)]},
            headers=key,
        )
        assert over.status_code == 413
        segments = c.get(f"{mkt.url}/segments", headers=key).json()["data"]
        assert {"name": "lease-end", "count": 5} in segments
        in_segment = c.get(f"{mkt.url}/contacts", params={"segment": "lease-end"}, headers=key)
        assert len(in_segment.json()["data"]) == 5


def test_lists_and_members(servers: SandboxServers) -> None:
    mkt = servers.servers["marketing"]
    key = {"X-API-Key": mkt.credentials["api_key"]}
    with client() as c:
        made = c.post(f"{mkt.url}/lists", json={"name": "Lease end 2024"}, headers=key)
        assert made.status_code == 201
        list_id = made.json()["list_id"]
        assert (
            c.post(f"{mkt.url}/lists", json={"name": "lease END 2024"}, headers=key).status_code
            == 409
        )
        added = c.post(
            f"{mkt.url}/lists/{list_id}/members",
            json={"emails": ["person1@example.com", "PERSON3@example.com", "ghost@x.example"]},
            headers=key,
        ).json()
        assert added == {"added": 2, "already_members": 0, "not_found": ["ghost@x.example"]}
        again = c.post(
            f"{mkt.url}/lists/{list_id}/members", json={"subscriber_ids": ["S000002"]}, headers=key
        ).json()
        assert again["already_members"] == 1
        members = c.get(f"{mkt.url}/lists/{list_id}/members", headers=key).json()["data"]
        assert sorted(m["subscriber_id"] for m in members) == ["S000002", "S000004"]
        assert c.get(f"{mkt.url}/lists", headers=key).json()["data"][0]["member_count"] == 2
        assert c.get(f"{mkt.url}/lists/L9999", headers=key).status_code == 404


def test_marketing_rate_limit(servers: SandboxServers) -> None:
    servers.set_faults("marketing:rps=1,marketing:bucket=2")
    mkt = servers.servers["marketing"]
    key = {"X-API-Key": mkt.credentials["api_key"]}
    with client() as c:
        codes = [c.get(f"{mkt.url}/segments", headers=key) for _ in range(4)]
    assert [r.status_code for r in codes] == [200, 200, 429, 429]
    assert codes[2].headers["Retry-After"] == "1"
    assert "rate limit" in codes[2].json()["message"]
