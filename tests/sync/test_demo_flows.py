"""The six DMS <-> CRM flows of the demo dealership, end to end on the sandbox servers:
customers and leads over Elead, what Elead's API cannot carry over the CRM's generic API,
both on the same CRM records."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.sandbox.demo import install_demo
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.store import Store
from app.sync.engine import SyncEngine
from tests.support.sandbox import crm_contact_of, export, linked, patch_customer


@pytest.fixture(scope="module")
def module_sandbox() -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(250, seed=3), seed=3) as servers:
        yield servers


@pytest.fixture
def demo(store: Store, module_sandbox: SandboxServers) -> SandboxServers:
    module_sandbox.set_faults("")
    install_demo(store, module_sandbox.port_file_payload())
    return module_sandbox


def crm(sandbox: SandboxServers) -> httpx.Client:
    info = sandbox.servers["crm"]
    return httpx.Client(base_url=info.url, headers={"X-API-Key": info.credentials["api_key"]})


def run(store: Store, flow: str) -> Any:
    summary = SyncEngine(store).run(flow)
    assert summary.status == "succeeded", (flow, summary.error, summary.counts)
    return summary


def test_service_history_lands_on_the_right_crm_contact(store: Store, demo: SandboxServers) -> None:
    run(store, "customers-dms-to-crm")
    summary = run(store, "service-history-dms-to-crm")
    ros = export(demo, "dms", "repair_orders")
    assert summary.counts["read"] == len(ros)
    activities = [a for a in export(demo, "crm", "activities") if a["type"] == "service"]
    by_ro = {a["external_id"]: a for a in activities}
    for ro in ros[:50]:
        activity = by_ro[f"RO-{ro['ro_number']}"]
        # written over the generic API on the contact created over Elead: one id space
        assert activity["contact_id"] == linked(store, ro["customer_id"])
        assert ro["ro_number"] in activity["subject"]
    # run again: nothing new is created
    again = run(store, "service-history-dms-to-crm")
    assert again.counts["created"] == 0
    assert len([a for a in export(demo, "crm", "activities") if a["type"] == "service"]) == len(
        activities
    )


def test_new_crm_lead_of_an_existing_dms_customer_is_linked_not_recreated(
    store: Store, demo: SandboxServers
) -> None:
    run(store, "customers-dms-to-crm")
    dms_customers = export(demo, "dms", "customers")
    existing = next(c for c in dms_customers if c["mobile_phone"] and c["last_name"])
    with crm(demo) as c:
        # a walk-in typed into the CRM by hand: same mobile, no e-mail, unknown to the CRM
        r = c.post(
            "/leads",
            json={
                "source": "Walk-in",
                "status": "New",
                "comments": "Asked about a RAV4",
                "contact": {
                    "first_name": existing["first_name"],
                    "last_name": existing["last_name"],
                    "mobile": existing["mobile_phone"],
                },
            },
            headers={"Idempotency-Key": "walk-in-1"},
        )
        assert r.status_code == 201, r.text
        crm_lead_id = r.json()["lead_id"]
    # and a brand-new prospect nobody knows
    with crm(demo) as c:
        r = c.post(
            "/leads",
            json={"source": "Website", "status": "New",
                  "contact": {"first_name": "Zelda", "last_name": "Quimby",
                              "email": "zelda.quimby@example.net"}},
            headers={"Idempotency-Key": "web-1"},
        )  # fmt: skip
        new_lead_id = r.json()["lead_id"]
    run(store, "leads-crm-to-dms")
    leads = {lead["crm_lead_id"]: lead for lead in export(demo, "dms", "leads")}
    assert leads[crm_lead_id]["customer_id"] == existing["customer_id"]
    after = export(demo, "dms", "customers")
    same_mobile = [c for c in after if c["mobile_phone"] == existing["mobile_phone"]]
    assert [c["customer_id"] for c in same_mobile] == [existing["customer_id"]]
    zelda = [c for c in after if c["email"] == "zelda.quimby@example.net"]
    assert len(zelda) == 1 and leads[new_lead_id]["customer_id"] == zelda[0]["customer_id"]
    # idempotent: running again creates nothing
    run(store, "leads-crm-to-dms")
    assert len(export(demo, "dms", "leads")) == len(leads)


def test_deal_status_both_ways(store: Store, demo: SandboxServers) -> None:
    run(store, "customers-dms-to-crm")
    run(store, "deal-status-dms-to-crm")
    deals = export(demo, "dms", "deals")
    crm_deals = {d["external_id"]: d for d in export(demo, "crm", "deals")}
    delivered = next(d for d in deals if d["status"] == "DELIVERED" and d["lead_source"])
    assert crm_deals[delivered["deal_number"]]["status"] == "Delivered"
    # on the buyer's CRM contact, made over Elead (a reference through the links)
    assert crm_deals[delivered["deal_number"]]["contact_id"] == linked(
        store, delivered["customer_id"]
    )
    # the deal arrives as a STAR vehicle invoice: its vehicle is described year make model
    described = crm_deals[delivered["deal_number"]]["vehicle_description"]
    assert described.split(" ")[0].isdigit() and len(described.split(" ")) >= 3, described
    # the CRM marks a deal unwound -> it flows back to the DMS
    with crm(demo) as c:
        r = c.post(
            "/deals/batch-upsert",
            json={"idField": "external_id",
                  "records": [{"external_id": delivered["deal_number"], "status": "Unwound"}]},
        )  # fmt: skip
        assert r.status_code == 200, r.text
    summary = run(store, "deal-status-crm-to-dms")
    assert summary.counts["updated"] >= 1
    back = {d["deal_number"]: d for d in export(demo, "dms", "deals")}
    assert back[delivered["deal_number"]]["status"] == "UNWOUND"


def test_appointment_booked_in_the_crm_reaches_the_dms_scheduler(
    store: Store, demo: SandboxServers
) -> None:
    run(store, "customers-dms-to-crm")
    customer = export(demo, "dms", "customers")[10]
    contact = crm_contact_of(store, demo, customer["customer_id"])
    with crm(demo) as c:
        r = c.post(
            "/appointments",
            json={"contact_id": contact["contact_id"], "scheduled_at": "2026-12-03T15:30:00Z",
                  "service_requested": "Oil change and tire rotation", "external_id": "web-appt-1"},
        )  # fmt: skip
        assert r.status_code in (200, 201), r.text
    before = {a["appointment_id"] for a in export(demo, "dms", "appointments")}
    run(store, "appointments-crm-to-dms")
    after = export(demo, "dms", "appointments")
    booked = [a for a in after if a["appointment_id"] not in before]
    assert [(a["customer_id"], a["service_requested"], a["source"]) for a in booked] == [
        (customer["customer_id"], "Oil change and tire rotation", "CRM")
    ]
    run(store, "appointments-crm-to-dms")
    assert len(export(demo, "dms", "appointments")) == len(after)


def test_customer_changed_in_the_dms_flows_incrementally(
    store: Store, demo: SandboxServers
) -> None:
    run(store, "customers-dms-to-crm")
    target = export(demo, "dms", "customers")[20]
    patch_customer(demo, target["customer_id"], {"mobile_phone": "(248) 204-7788"})
    summary = run(store, "customers-dms-to-crm")
    assert summary.counts["updated"] == 1
    contact = crm_contact_of(store, demo, target["customer_id"])
    assert contact["mobile"] == "+12482047788"
