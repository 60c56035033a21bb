"""Outgoing webhooks: DMS Event Relay (JWT bearer) and CRM (HMAC), with redelivery."""

from __future__ import annotations

import time

from app.sandbox.servers import SandboxServers, jwt
from tests.support.sandbox import export
from tests.support.sandbox_api import client, dms_headers
from tests.support.webhooks import WebhookReceiver, hmac_ok


def _subscribe(url: str, target: str, **extra: object) -> str:
    with client() as c:
        r = c.post(f"{url}/_sandbox/webhooks", json={"url": target, **extra})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_dms_event_jwt_and_redelivery(servers: SandboxServers, receiver: WebhookReceiver) -> None:
    dms = servers.servers["dms"]
    receiver.statuses = [500]  # first attempt fails, the redelivery gets the default 202
    receiver.delay_s = 0.3  # a slow receiver must not slow down the API call
    _subscribe(dms.url, receiver.url)
    headers = dms_headers(servers)
    with client() as c:
        units = c.get(f"{dms.url}/inventory", headers=headers).json()["items"]
        vin = units[0]["vin"]
        got = c.get(f"{dms.url}/inventory/{vin}", headers=headers)
        started = time.monotonic()
        r = c.patch(
            f"{dms.url}/inventory/{vin}",
            json={"status": "SOLD"},
            headers={**headers, "If-Match": got.headers["ETag"]},
        )
        assert r.status_code == 200
        assert time.monotonic() - started < 0.25
    calls = receiver.wait_for(2)
    assert len(calls) == 2
    first, second = calls
    assert first.headers["Fortellis-Event-Id"] == second.headers["Fortellis-Event-Id"]
    assert first.body == second.body
    event = first.json()
    assert event["eventType"] == "inventory.status.changed"
    assert event["eventId"] == first.headers["Fortellis-Event-Id"]
    assert event["payload"]["vin"] == vin
    assert (event["payload"]["previousStatus"], event["payload"]["status"]) == ("AVAILABLE", "SOLD")
    token = second.headers["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, dms.credentials["webhook_secret"])
    assert claims["exp"] > claims["iat"]
    assert claims["jti"] == event["eventId"]
    try:
        jwt.decode(token, "wrong-secret")
        raise AssertionError("a token signed with another secret must not verify")
    except jwt.JwtError as exc:
        assert "signature" in str(exc)
    deadline = time.monotonic() + 2
    log: list[dict[str, object]] = []
    while time.monotonic() < deadline and not any(e["delivered"] for e in log):
        with client() as c:
            log = c.get(f"{dms.url}/_sandbox/webhooks/deliveries").json()
        time.sleep(0.02)
    assert [(e["attempt"], e["status"]) for e in log] == [(1, 500), (2, 202)]


def test_deal_event_cascades_to_inventory(
    servers: SandboxServers, receiver: WebhookReceiver
) -> None:
    dms = servers.servers["dms"]
    _subscribe(dms.url, receiver.url, secret="my-own-secret")
    headers = dms_headers(servers)
    with client() as c:
        deal = c.get(f"{dms.url}/deals/D7000", headers=headers)
        c.patch(
            f"{dms.url}/deals/D7000",
            json={"status": "DELIVERED"},
            headers={**headers, "If-Match": deal.headers["ETag"]},
        ).raise_for_status()
    calls = receiver.wait_for(2)
    kinds = sorted(call.json()["eventType"] for call in calls)
    assert kinds == ["deal.status.changed", "inventory.status.changed"]
    for call in calls:
        jwt.decode(call.headers["Authorization"][7:], "my-own-secret")
    by_kind = {call.json()["eventType"]: call.json()["payload"] for call in calls}
    assert by_kind["deal.status.changed"]["status"] == "DELIVERED"
    assert by_kind["inventory.status.changed"]["status"] == "DELIVERED"
    assert by_kind["inventory.status.changed"]["vin"] == deal.json()["vin"]


def test_gives_up_after_the_configured_attempts(
    servers: SandboxServers, receiver: WebhookReceiver
) -> None:
    servers.set_faults("webhook_attempts=3,webhook_backoff_s=0.02")
    receiver.default = 500
    dms = servers.servers["dms"]
    _subscribe(dms.url, receiver.url)
    servers.app("dms").store.set_inventory_status(
        servers.app("dms").store.all("inventory")[0]["vin"], "PENDING"
    )
    assert len(receiver.wait_for(3)) == 3
    time.sleep(0.2)
    assert len(receiver.received) == 3
    log = list(servers.app("dms").webhooks.log)
    assert log[-1]["gave_up"] is True
    assert [e["attempt"] for e in log] == [1, 2, 3]


def test_connection_refused_is_retried(servers: SandboxServers) -> None:
    servers.set_faults("webhook_attempts=2,webhook_backoff_s=0.02")
    dms = servers.app("dms")
    dms.webhooks.subscribe("http://127.0.0.1:9/nothing-listens-here")
    dms.store.set_inventory_status(dms.store.all("inventory")[0]["vin"], "SOLD")
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and len(dms.webhooks.log) < 2:
        time.sleep(0.02)
    assert [(e["attempt"], e["status"]) for e in dms.webhooks.log] == [(1, 0), (2, 0)]
    assert "ConnectError" in dms.webhooks.log[0]["error"]


def test_only_loopback_targets(servers: SandboxServers) -> None:
    with client() as c:
        r = c.post(
            f"{servers.servers['dms'].url}/_sandbox/webhooks", json={"url": "https://example.com/x"}
        )
    assert r.status_code == 422
    assert r.json()["field"] == "url"


def test_crm_hmac_signed_lead_events(servers: SandboxServers, receiver: WebhookReceiver) -> None:
    crm = servers.servers["crm"]
    key = {"X-API-Key": crm.credentials["api_key"]}
    receiver.statuses = [503]
    someone = export(servers, "crm", "contacts")[1]["contact_id"]
    with client() as c:
        sub = c.post(
            f"{crm.url}/webhooks",
            json={"url": receiver.url, "secret": "s3cret", "events": ["lead.created"]},
            headers=key,
        )
        assert sub.status_code == 201
        assert c.post(f"{crm.url}/webhooks", json={"url": receiver.url}).status_code == 401
        lead = c.post(
            f"{crm.url}/leads",
            json={"contact_id": someone, "source": "Phone", "comments": "wants a truck"},
            headers=key,
        )
        assert lead.status_code == 201
    calls = receiver.wait_for(2)
    assert len(calls) == 2
    for call in calls:
        assert hmac_ok("s3cret", call.body, call.headers["X-Signature"])
        assert not hmac_ok("other", call.body, call.headers["X-Signature"])
        assert call.headers["X-Timestamp"].isdigit()
    assert calls[0].headers["X-Event-Id"] == calls[1].headers["X-Event-Id"]
    event = calls[0].json()
    assert event["event_type"] == "lead.created"
    assert event["data"]["lead"]["lead_id"] == lead.json()["lead_id"]
    assert event["data"]["contact"]["contact_id"] == someone


def test_crm_status_change_event(servers: SandboxServers, receiver: WebhookReceiver) -> None:
    crm = servers.servers["crm"]
    key = {"X-API-Key": crm.credentials["api_key"]}
    _subscribe(crm.url, receiver.url)  # no secret: the demo webhook secret is used
    lead = export(servers, "crm", "leads")[0]["lead_id"]
    with client() as c:
        same = c.patch(f"{crm.url}/leads/{lead}", json={"status": "New"}, headers=key)
        assert same.status_code == 200
        moved = c.patch(f"{crm.url}/leads/{lead}", json={"status": "Contacted"}, headers=key)
        assert moved.json()["status"] == "Contacted"
        bad = c.patch(f"{crm.url}/leads/{lead}", json={"status": "Won"}, headers=key)
        assert bad.status_code == 422
    calls = receiver.wait_for(1)
    time.sleep(0.1)
    assert len(receiver.received) == 1  # the no-op PATCH sent nothing
    event = calls[0].json()
    assert event["event_type"] == "lead.status_changed"
    assert event["data"]["previous_status"] == "New"
    assert hmac_ok(
        crm.credentials["webhook_secret"], calls[0].body, calls[0].headers["X-Signature"]
    )
