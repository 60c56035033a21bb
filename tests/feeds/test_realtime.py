"""Real time: a unit sold in the DMS leaves the website within 10 seconds, by webhook
(verified, 202, de-duplicated) or, for a DMS without webhooks, by a short poll."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx

from app.alerts.conditions import CONDITIONS, evaluate
from app.alerts.config import AlertSettings
from app.feeds.publish import publish_all
from app.feeds.realtime import WEBHOOK_LABEL, RealtimeFeeds, RealtimeSettings, load_settings
from app.feeds.webhook import WebhookReceiver
from app.sandbox.demo_feeds import start_demo_realtime
from app.sandbox.servers import SandboxServers
from app.sandbox.servers import jwt as sandbox_jwt
from app.store import Store
from app.store.models import utcnow
from tests.support.feeds import available_vin, listings

BOUND_S = 10.0


def _wait_for(condition: Callable[[], bool], bound_s: float = BOUND_S) -> bool:
    deadline = time.monotonic() + bound_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _gone_everywhere(sandbox: SandboxServers, vin: str) -> Callable[[], bool]:
    return lambda: all(not listings(sandbox, c, vin) for c in ("website", "google", "meta"))


def test_sold_unit_leaves_every_feed_within_10_s_by_webhook(
    demo_store: Store, feeds_sandbox: SandboxServers
) -> None:
    publish_all(demo_store)
    vin = available_vin(feeds_sandbox)
    assert listings(feeds_sandbox, "website", vin)
    assert load_settings(demo_store).webhook
    realtime = start_demo_realtime(demo_store, feeds_sandbox.port_file_payload())
    subs = httpx.get(
        f"{feeds_sandbox.servers['dms'].url}/_sandbox/webhooks", trust_env=False
    ).json()
    sub = next(s["id"] for s in subs if s["url"] == realtime.url)
    try:
        feeds_sandbox.app("dms").store.set_inventory_status(vin, "SOLD")  # a DMS user sells it
        assert _wait_for(lambda: not listings(feeds_sandbox, "website", vin))
        assert _wait_for(_gone_everywhere(feeds_sandbox, vin))
    finally:
        httpx.delete(f"{feeds_sandbox.servers['dms'].url}/_sandbox/webhooks/{sub}", trust_env=False)
        realtime.stop()
    assert realtime.receiver is not None and realtime.receiver.stats["accepted"] >= 1
    assert realtime.events[0]["payload"]["vin"] == vin
    deliveries = httpx.get(
        f"{feeds_sandbox.servers['dms'].url}/_sandbox/webhooks/deliveries", trust_env=False
    ).json()
    mine = [d for d in deliveries if d["subscription_id"] == sub]
    assert mine and all(d["status"] == 202 for d in mine)
    # the webhook_silent alert watches the last event's time, noted as it arrived
    cfg = AlertSettings(**{c: c == "webhook_silent" for c in CONDITIONS})
    assert evaluate(demo_store, cfg, utcnow() + timedelta(hours=1)) == []
    silent = evaluate(demo_store, cfg, utcnow() + timedelta(hours=5))
    assert [p.title for p in silent] == [f"{WEBHOOK_LABEL}: no webhook for 4 hours"]


def test_sold_unit_leaves_the_website_by_polling(
    demo_store: Store, feeds_sandbox: SandboxServers
) -> None:
    publish_all(demo_store)
    vin = available_vin(feeds_sandbox)
    realtime = RealtimeFeeds(
        demo_store, settings=RealtimeSettings(webhook=False, poll_interval_s=0.5)
    )
    assert realtime.start() == ""
    try:
        assert realtime.poller is not None
        assert _wait_for(lambda: realtime.poller is not None and bool(realtime.poller._status))
        feeds_sandbox.app("dms").store.set_inventory_status(vin, "DELIVERED")
        assert _wait_for(lambda: not listings(feeds_sandbox, "website", vin))
    finally:
        realtime.stop()


def _signed(secret: str, event_id: str, exp_in: int = 300) -> dict[str, str]:
    now = int(time.time())
    token = sandbox_jwt.encode({"iat": now, "exp": now + exp_in, "jti": event_id}, secret)
    return {"authorization": f"Bearer {token}", "fortellis-event-id": event_id}


def _event(vin: str = "1G4AH59H45G118341") -> bytes:
    return json.dumps(
        {
            "eventId": "e1",
            "eventType": "inventory.status.changed",
            "payload": {"vin": vin, "status": "SOLD"},
        }
    ).encode()


def test_receiver_verifies_the_token_and_deduplicates() -> None:
    got: list[tuple[str, dict[str, Any]]] = []
    receiver = WebhookReceiver("s3cret", lambda t, p: got.append((t, p)))
    assert receiver.handle(_signed("s3cret", "e1"), _event())[0] == 202
    assert receiver.handle(_signed("s3cret", "e1"), _event()) == (
        202,
        {"accepted": True, "duplicate": True},
    )
    assert len(got) == 1 and got[0][0] == "inventory.status.changed"
    assert receiver.handle(_signed("other", "e2"), _event())[0] == 401
    assert receiver.handle(_signed("s3cret", "e3", exp_in=-600), _event())[0] == 401
    assert receiver.handle({"fortellis-event-id": "e4"}, _event())[0] == 401
    assert receiver.handle(_signed("s3cret", "e5"), b"not json")[0] == 400
    assert len(got) == 1
    assert receiver.stats == {"accepted": 1, "duplicates": 1, "refused": 4, "failed": 0}


def test_receiver_over_http_replies_202_and_401() -> None:
    got: list[str] = []
    receiver = WebhookReceiver("s3cret", lambda t, p: got.append(p["vin"]))
    url = receiver.start()
    try:
        ok = httpx.post(url, content=_event(), headers=_signed("s3cret", "h1"), trust_env=False)
        again = httpx.post(url, content=_event(), headers=_signed("s3cret", "h1"), trust_env=False)
        bad = httpx.post(url, content=_event(), headers=_signed("nope", "h2"), trust_env=False)
    finally:
        receiver.stop()
    assert (ok.status_code, again.status_code, bad.status_code) == (202, 202, 401)
    assert again.json()["duplicate"] is True
    assert got == ["1G4AH59H45G118341"]
