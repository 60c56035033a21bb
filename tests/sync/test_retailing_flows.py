"""Digital retailing end to end on the demo dealership: the simulated tool sends deal
jackets by signed webhook (with its redeliveries, out-of-order updates and late retries),
the listener runs the flows, and the DMS ends up with one pending deal per jacket, its
structure and trade-in, the customer without duplicates and the credit application's
status; the DMS's status goes back to the tool and a booked deal's trade-in into stock."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from app.formats import star
from app.sandbox.demo import install_demo
from app.sandbox.demo_names import RETAILING
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.scheduling.retailing_listener import RetailingListener
from app.services.profiles import ProfileService
from app.store import Store, retailing_inbox
from app.store.models import ParkedRecord
from app.sync.engine import SyncEngine
from tests.support.retailing import Dms, Tool, settled, wait_for


@pytest.fixture(scope="module")
def module_sandbox() -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(250, seed=11), seed=11) as servers:
        yield servers


@pytest.fixture
def listening(store: Store, module_sandbox: SandboxServers) -> Iterator[RetailingListener]:
    """The demo set up on ``store`` (its DMS customers read once, as the nightly flow
    does), and the digital-retailing listener running."""
    module_sandbox.set_faults("")
    install_demo(store, module_sandbox.port_file_payload())
    assert SyncEngine(store).run("customers-dms-to-crm").status == "succeeded"
    listener = RetailingListener.start_all(store, settle_s=0.1)
    assert not listener.problems, listener.problems
    yield listener
    listener.stop()


@pytest.fixture
def tool(module_sandbox: SandboxServers) -> Iterator[Tool]:
    t = Tool(module_sandbox)
    yield t
    t.http.close()


@pytest.fixture
def dms(module_sandbox: SandboxServers) -> Dms:
    return Dms(module_sandbox)


def test_each_deal_lands_once_as_a_pending_dms_deal_with_its_trade_in(
    store: Store, listening: RetailingListener, tool: Tool, dms: Dms
) -> None:
    deals_before = len(dms.export("deals"))
    customers_before = dms.export("customers")
    keys = tool.send(10, redeliver=0.6, existing=0.4)
    sent = tool.deals()
    financed = [k for k in keys if sent[k]["payment_method"] != "CASH"]
    wait_for(lambda: all(dms.deal(k) for k in keys), what="the deals in the DMS")
    wait_for(lambda: all(dms.credit(f"{k}-CA") for k in financed), what="the applications")
    intake = listening.running["Demo digital retailing"].intake.stats
    assert intake["duplicate"] >= 1  # the tool did redeliver …
    assert len(dms.export("deals")) == deals_before + len(keys)  # … and each deal is there once
    appraisals = {a["deal_number"]: a for a in dms.export("appraisals")}
    customers = {c["customer_id"]: c for c in dms.export("customers")}
    for key in keys:
        deal = dms.deal(key)
        assert deal is not None
        assert deal["status"] == "PENDING_APPROVAL"
        assert deal["vin"] == sent[key]["vin"]
        assert deal["payment_method"] == sent[key]["payment_method"]
        if sent[key]["trade_vin"]:
            appraisal = appraisals[deal["vehicle_invoice_id"]]
            assert appraisal["trade_vin"] == deal["trade_vin"] == sent[key]["trade_vin"]
            assert appraisal["trade_value"] and not appraisal["in_inventory"]
        buyer = customers[deal["customer_id"]]
        assert buyer["email"].lower() == sent[key]["email"].lower()
        if key in financed:
            credit = dms.credit(f"{key}-CA")
            assert credit is not None and credit["status"] == "PENDING_EXTERNAL"
    # shoppers who were DMS customers already are not made twice
    known = {c["email"].lower() for c in customers_before if c["email"]}
    returning = [sent[k]["email"].lower() for k in keys if sent[k]["email"].lower() in known]
    assert returning, "the tool sent no returning customer"
    emails = [c["email"].lower() for c in customers.values()]
    assert all(emails.count(e) == 1 for e in returning)
    new = len(customers) - len(customers_before)
    assert new == len({sent[k]["email"].lower() for k in keys} - known)


def test_a_newer_version_updates_an_older_one_never_wins(
    store: Store, listening: RetailingListener, tool: Tool, dms: Dms
) -> None:
    (key,) = tool.send(1, redeliver=0)
    wait_for(lambda: dms.deal(key), what="the deal")
    moved = tool.post("/_sandbox/update-deal", params={"deal": key, "out_of_order": 1})
    assert [d["version"] for d in moved["deliveries"]] == ["3", "2"]  # the newer one first
    newest = tool.deals()[key]
    wait_for(lambda: (dms.deal(key) or {}).get("version") == "3", what="version 3")
    stats = listening.running["Demo digital retailing"].intake.stats
    assert stats["stale"] >= 1  # version 2 came late and was dropped at the door
    tool.post("/_sandbox/resend", params={"deal": key, "version": 1})  # a very late retry
    time.sleep(1.0)
    deal = dms.deal(key)
    assert deal is not None and deal["version"] == "3"
    jackets = [j for j in tool.jackets() if j["vehicle_invoice"]["vehicle_invoice_key"] == key]
    v3 = star.flatten("vehicle_invoices", jackets[-1]["vehicle_invoice"])
    assert v3["version"] == "3" and deal["down_payment"] == v3["down_payment"]
    assert newest["version"] == 3


def test_after_booking_the_dms_wins_and_its_status_goes_back(
    store: Store, listening: RetailingListener, tool: Tool, dms: Dms
) -> None:
    keys = tool.send(6, redeliver=0)
    wait_for(lambda: all(dms.deal(k) for k in keys), what="the deals")
    sent = tool.deals()
    key = next(k for k in keys if sent[k]["trade_vin"])
    dms.book(key)
    tool.post("/_sandbox/update-deal", params={"deal": key})  # the shopper changes it anyway
    wait_for(settled(listening, 6), what="the runs after the update")

    def parked() -> list[ParkedRecord]:
        with store.session() as s:
            return list(
                s.query(ParkedRecord).filter(
                    ParkedRecord.record_key == key, ParkedRecord.status == "open"
                )
            )

    (record,) = wait_for(parked, what="the late update parked")
    assert "is booked in the DMS" in record.reason
    assert "(down_payment)" in record.reason  # what changed; the customer is the same one
    deal = dms.deal(key)
    assert deal is not None and deal["status"] == "ISSUED" and deal["version"] == "1"
    # the DMS's word goes back to the tool, for the tool's deals only
    others = len(tool.deals())
    back = SyncEngine(store).run("deal-status-dms-to-retailing")
    assert back.status == "succeeded", back.error
    assert back.counts["skipped"] > 0  # DMS deals that never came from the tool
    now = tool.deals()
    assert len(now) == others
    assert now[key]["status"] == "ISSUED"
    assert {now[k]["status"] for k in keys if k != key} == {"PENDING_APPROVAL"}
    # the booked deal's trade-in comes into stock
    stocked = SyncEngine(store).run("trade-ins-dms-to-inventory")
    assert stocked.status == "succeeded", stocked.error
    unit = next(u for u in dms.export("inventory") if u["vin"] == sent[key]["trade_vin"])
    assert (unit["status"], unit["condition"]) == ("INCOMING", "USED")
    again = SyncEngine(store).run("trade-ins-dms-to-inventory")
    assert again.counts["created"] == 0
    # the CRM's deal (its opportunity) gets the deal and the trade-in appraisal
    for slug in ("customers-dms-to-crm", "deal-status-dms-to-crm"):
        run = SyncEngine(store).run(slug)
        assert run.status == "succeeded", (slug, run.error)
    crm_deals = {d["external_id"]: d for d in dms.export_from("crm", "deals")}
    booked = dms.deal(key)
    assert booked is not None
    opportunity = crm_deals[booked["deal_number"]]
    assert opportunity["status"] == "Booked"
    assert opportunity["payment_method"] == sent[key]["payment_method"]
    assert opportunity["trade_vin"] == sent[key]["trade_vin"]
    assert float(opportunity["trade_value"]) == float(booked["trade_value"]) > 0
    assert booked["trade_make"] and booked["trade_make"] in opportunity["trade_description"]
    pending = [k for k in keys if k != key and sent[k]["trade_vin"]]
    for other in pending:
        deal = dms.deal(other)
        assert deal is not None
        assert crm_deals[deal["deal_number"]]["status"] == "Pending"
        assert crm_deals[deal["deal_number"]]["trade_vin"] == sent[other]["trade_vin"]


def test_the_lenders_decision_reaches_the_dms(
    store: Store, listening: RetailingListener, tool: Tool, dms: Dms
) -> None:
    keys = tool.send(6, redeliver=0)
    sent = tool.deals()
    key = next(k for k in keys if sent[k]["payment_method"] != "CASH")
    wait_for(lambda: dms.credit(f"{key}-CA"), what="the credit application")
    tool.post("/_sandbox/credit-decision", params={"deal": key, "status": "AUTHORIZED"})
    credit = wait_for(
        lambda: (c := dms.credit(f"{key}-CA")) and c["status"] == "AUTHORIZED" and c,
        what="the decision",
    )
    assert credit["auth_number"].startswith("DEC-")


def test_a_badly_signed_jacket_is_refused_and_the_feed_still_brings_it(store: Store) -> None:
    """A tool node that missed a secret rotation signs with the old secret: the receiver
    refuses those jackets and keeps nothing of them; polling the tool's feed (the safety
    net) brings them in through the same door, once. (Its own sandbox: the feed holds
    only this test's jackets.)"""
    with SandboxServers(build_dataset(150, seed=13), seed=13) as sandbox:
        tool, dms = Tool(sandbox), Dms(sandbox)
        try:
            _refused_then_polled(store, sandbox, tool, dms)
        finally:
            tool.http.close()


def _refused_then_polled(store: Store, sandbox: SandboxServers, tool: Tool, dms: Dms) -> None:
    install_demo(store, sandbox.port_file_payload())
    assert SyncEngine(store).run("customers-dms-to-crm").status == "succeeded"
    profiles = ProfileService(store)
    info = profiles.get_by_name(RETAILING)
    deals_before = len(dms.export("deals"))
    listener = RetailingListener.start_all(store, settle_s=0.1)
    try:
        sent = tool.post(
            "/_sandbox/send-deals", params={"count": 8, "redeliver": 0.5, "bad_signature": 0.5}
        )
        forged = {d["deal"] for d in sent["deliveries"] if d["bad_signature"]}
        assert forged and forged != set(sent["deals"]), sent["deliveries"]
        assert {d["status"] for d in sent["deliveries"] if d["bad_signature"]} == {401}
        with store.session() as s:  # the deliveries were answered: nothing of them was kept
            kept = {k.deal_key for k in retailing_inbox.by_keys(s, info.uid, sent["deals"])}
        assert kept == set(sent["deals"]) - forged
        intake = listener.running[RETAILING].intake.stats
        assert intake["refused"] == len(forged)
        good = sorted(kept)
        wait_for(lambda: all(dms.deal(k) for k in good), what="the well-signed deals")
        assert not any(dms.deal(k) for k in forged)
    finally:
        listener.stop()
    profiles.update(info.id, settings={**info.settings, "poll_interval_s": 1})
    listener = RetailingListener.start_all(store, settle_s=0.1)
    try:
        wait_for(lambda: all(dms.deal(k) for k in sent["deals"]), what="the refused deals")
        polled = listener.running[RETAILING].intake.stats
        assert polled["stored"] == len(forged)  # the rest were in already: duplicates
        assert polled["duplicate"] >= len(kept)
    finally:
        listener.stop()
    assert len(dms.export("deals")) == deals_before + len(sent["deals"])  # once each
