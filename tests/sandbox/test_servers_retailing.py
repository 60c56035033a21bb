"""The simulated digital-retailing tool (signed STAR deal jackets with redeliveries and
out-of-order updates, its jacket feed, the DMS's status back), and the simulated DMS
taking STAR deals with their structure and trade-in appraisal."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.domain import normalise
from app.formats import star
from app.sandbox.servers import SandboxServers
from app.sandbox.servers.retailing_deals import make_vin
from tests.support.sandbox_api import client, dms_token
from tests.support.star_specs import schema_errors
from tests.support.webhooks import WebhookReceiver, hmac_ok


@pytest.fixture
def tool(servers: SandboxServers, receiver: WebhookReceiver) -> Iterator[httpx.Client]:
    info = servers.servers["retailing"]
    with client(timeout=30) as c:
        c.base_url = httpx.URL(info.url)
        assert c.post("/_sandbox/send-deals?count=1").status_code == 409  # nowhere to send
        r = c.post(
            "/_sandbox/receiver",
            json={"url": receiver.url, "secret": info.credentials["webhook_secret"]},
        )
        assert r.status_code == 200, r.text
        yield c


def test_deals_go_out_signed_as_star_jackets_some_twice(
    servers: SandboxServers, receiver: WebhookReceiver, tool: httpx.Client
) -> None:
    sent = tool.post("/_sandbox/send-deals?count=6&redeliver=0.5").json()
    assert len(sent["deals"]) == 6
    deliveries = sent["deliveries"]
    again = [d for d in deliveries if d["redelivery"]]
    assert 0 < len(again) < 6 and len(deliveries) == 6 + len(again)
    got = receiver.wait_for(len(deliveries))
    secret = servers.servers["retailing"].credentials["webhook_secret"]
    by_event: dict[str, list[bytes]] = {}
    for r in got:
        assert hmac_ok(secret, r.body, r.headers["X-Signature-SHA256"])
        body = r.json()
        by_event.setdefault(body["event_id"], []).append(r.body)
        invoice = body["vehicle_invoice"]
        assert schema_errors("vehicle_invoice", "VehicleInvoice", invoice) == []
        assert invoice["vehicle_invoice_version"] == "1"
        assert body["event_type"] == "deal.created" and body["sent_at"]
        if "credit_authorization" in body:
            credit = body["credit_authorization"]
            assert schema_errors("credit_authorization", "CreditAuthorization", credit) == []
            assert credit["credit_report"]["text"].startswith("TRI-MERGE")  # to be refused
    assert len(by_event) == 6
    assert all(len(set(bodies)) == 1 for bodies in by_event.values())  # same body again


def test_updates_out_of_order_credit_decisions_and_late_retries(
    receiver: WebhookReceiver, tool: httpx.Client
) -> None:
    key = tool.post("/_sandbox/send-deals?count=1&redeliver=0").json()["deals"][0]
    moved = tool.post(f"/_sandbox/update-deal?deal={key}&out_of_order=1").json()
    assert moved["version"] == 3
    assert [d["version"] for d in moved["deliveries"]] == ["3", "2"]
    late = tool.post(f"/_sandbox/resend?deal={key}&version=1").json()
    assert late["deliveries"][0]["version"] == "1"
    changed = tool.post(
        f"/_sandbox/update-deal?deal={key}", json={"changes": {"sale_price": "30000.00"}}
    )
    assert changed.json()["version"] == 4
    bad = tool.post(f"/_sandbox/update-deal?deal={key}", json={"changes": {"nope": "1"}})
    assert bad.status_code == 422
    got = receiver.wait_for(5)
    versions = [r.json()["vehicle_invoice"]["vehicle_invoice_version"] for r in got]
    assert versions == ["1", "3", "2", "1", "4"]
    assert star.flatten("vehicle_invoices", got[-1].json()["vehicle_invoice"])["sale_price"] == (
        "30000.00"
    )
    assert tool.post("/_sandbox/update-deal?deal=nope").status_code == 404
    deal = next(d for d in tool.get("/_sandbox/export/deals").json() if d["deal_key"] == key)
    if deal["payment_method"] != "CASH":
        decided = tool.post(f"/_sandbox/credit-decision?deal={key}&status=AUTHORIZED").json()
        body = receiver.wait_for(6)[-1].json()
        assert decided["version"] == 5
        credit = star.flatten("credit_authorizations", body["credit_authorization"])
        assert credit["status"] == "AUTHORIZED" and credit["auth_number"].startswith("DEC-")


def test_the_jacket_feed_and_the_dms_status_back(
    servers: SandboxServers, receiver: WebhookReceiver, tool: httpx.Client
) -> None:
    keys = tool.post("/_sandbox/send-deals?count=3&redeliver=0").json()["deals"]
    api_key = servers.servers["retailing"].credentials["api_key"]
    assert tool.get("/deal-jackets").status_code == 401
    page = tool.get("/deal-jackets?limit=2", headers={"X-API-Key": api_key}).json()
    assert len(page["data"]) == 2 and page["has_more"] and page["next_after"] == "2"
    rest = tool.get("/deal-jackets?after=2", headers={"X-API-Key": api_key}).json()
    assert [j["vehicle_invoice"]["vehicle_invoice_key"] for j in rest["data"]] == keys[2:]
    headers = {
        "X-API-Key": api_key,
        **star.star_headers(transaction_id="t", correlation_id=str(uuid.uuid4())),
    }
    path = f"{star.BASE_PATH}/vehicle-invoices"
    listed = tool.get(path, headers=headers).json()
    assert listed["total_count"] == 3
    patch = {"invoice_status_type": "ISSUED"}
    done = tool.patch(f"{path}/{keys[0]}", json=patch, headers=headers)
    assert done.status_code == 200, done.text
    assert done.json()["invoice_status_type"] == "ISSUED"
    no_headers = tool.patch(f"{path}/{keys[0]}", json=patch, headers={"X-API-Key": api_key})
    assert no_headers.status_code == 400
    price = tool.patch(f"{path}/{keys[0]}", json={"invoice_number": "X"}, headers=headers)
    assert price.status_code == 422 and "only report a deal's status" in price.text
    assert tool.patch(f"{path}/DR-none", json=patch, headers=headers).status_code == 404
    deal = next(d for d in tool.get("/_sandbox/export/deals").json() if d["deal_key"] == keys[0])
    assert deal["status"] == "ISSUED" and deal["status_history"][0]["status"] == "ISSUED"


# -- the DMS side ---------------------------------------------------------------------------
def _dms(servers: SandboxServers) -> tuple[httpx.Client, str, dict[str, str]]:
    info = servers.servers["dms"]
    headers = {
        "Authorization": f"Bearer {dms_token(info.url, info.credentials)}",
        **star.star_headers(transaction_id="tx", correlation_id=str(uuid.uuid4())),
    }
    return client(timeout=10), info.url + info.credentials["star_base_path"], headers


DEAL = {"vehicle_invoice_key": "DR-77", "customer_id": "C100001", "vin": "1G4AH59H45G118341",
        "sale_price": "44500.00", "payment_method": "FINANCE", "lender": "Ally Financial",
        "version": "2", "down_payment": "3000.00", "amount_financed": "41500.00",
        "term_months": "72", "monthly_payment": "690.00", "apr": "5.99",
        "products": "GAP=695.00; Service Contract=1995.00", "trade_vin": "1FADP5AU6DL536022",
        "trade_year": "2013", "trade_make": "Ford", "trade_model": "C-Max",
        "trade_mileage": "88120", "trade_condition": "GOOD", "trade_value": "6500.00",
        "trade_payoff": "2150.00", "trade_lienholder": "Chase Auto"}  # fmt: skip


def _export(servers: SandboxServers, entity: str) -> list[dict[str, Any]]:
    with client() as c:
        data = c.get(f"{servers.servers['dms'].url}/_sandbox/export/{entity}").json()
    assert isinstance(data, list)
    return data


def test_the_dms_keeps_a_deals_structure_and_its_trade_in_appraisal(
    servers: SandboxServers,
) -> None:
    c, base, headers = _dms(servers)
    customer = _export(servers, "customers")[0]["customer_id"]
    body = star.unflatten("vehicle_invoices", {**DEAL, "customer_id": customer}, star.CREATE)
    created = c.post(f"{base}/vehicle-invoices", json=body, headers=headers)
    assert created.status_code == 201, created.text
    back = star.flatten("vehicle_invoices", created.json())
    for name in ("down_payment", "term_months", "apr", "trade_vin", "trade_value", "version",
                 "trade_lienholder", "products", "monthly_payment"):  # fmt: skip
        assert back[name] == DEAL[name], name
    number = back["vehicle_invoice_id"]
    deal = next(d for d in _export(servers, "deals") if d["deal_number"] == number)
    assert (deal["status"], deal["deal_type"], deal["payoff_amount"]) == (
        "PENDING",
        "FINANCE",
        "2150.00",
    )
    assert deal["fi_products"] == "GAP;Service Contract" and deal["term_months"] == "72"
    (appraisal,) = [a for a in _export(servers, "appraisals") if a["deal_number"] == number]
    assert appraisal["trade_vin"] == "1FADP5AU6DL536022" and not appraisal["in_inventory"]
    item = f"{base}/vehicle-invoices/DR-77"
    merge = {**headers, "Content-Type": "application/merge-patch+json"}

    def patch(flat: dict[str, str]) -> httpx.Response:
        return c.patch(item, json=star.unflatten("vehicle_invoices", flat, star.UPDATE),
                       headers=merge)  # fmt: skip

    old = patch({"version": "1", "down_payment": "100.00"})
    assert old.status_code == 409 and "older than version 2" in old.text
    assert patch({"version": "3", "down_payment": "3500.00"}).status_code == 200
    assert patch({"status": "ISSUED"}).status_code == 200  # booked in the DMS
    after = patch({"version": "4", "down_payment": "4000.00"})
    assert after.status_code == 409 and "is booked in the DMS" in after.text
    same = patch({"version": "4", "down_payment": "3500.00", "salesperson": "Pat Kim"})
    assert same.status_code == 200, same.text  # what did not change may be sent again
    terms = next(t for t in _export(servers, "deal_terms") if t["deal_number"] == number)
    assert terms["down_payment"] == "3500.00"
    bad_trade = star.unflatten(
        "vehicle_invoices", {**DEAL, "vehicle_invoice_key": "DR-78", "customer_id": customer,
                             "trade_vin": "NOT-A-VIN"}, star.CREATE)  # fmt: skip
    refused = c.post(f"{base}/vehicle-invoices", json=bad_trade, headers=headers)
    assert refused.status_code == 422 and "trade_vin" in refused.text
    stock = star.unflatten(
        "inventory_vehicles",
        {"inventory_vehicle_key": DEAL["trade_vin"], "vin": DEAL["trade_vin"],
         "condition": "USED", "status": "RECEIVED", "year": "2013"},
        star.CREATE,
    )  # fmt: skip
    assert c.post(f"{base}/inventory-vehicles", json=stock, headers=headers).status_code == 201
    (appraisal,) = [a for a in _export(servers, "appraisals") if a["deal_number"] == number]
    assert appraisal["in_inventory"] and appraisal["inventory_status"] == "INCOMING"
    c.close()


def test_trade_in_vins_pass_the_apps_vin_check() -> None:
    """A made-up trade-in VIN that the mapping's VIN check refused would reach the DMS
    blank: every one the tool makes has a right check digit and model-year code."""
    rng = random.Random(5)
    vins = [make_vin(rng) for _ in range(3000)]
    assert all(normalise.vin(v) == v for v in vins)
