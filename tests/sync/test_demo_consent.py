"""Consent both ways in the demo dealership, on the sandbox servers with the demo's own
flows run by the engine: a contact unsubscribed (or suppressed) at the marketing platform
(Klaviyo) is unsubscribed in the DMS and CRM preference fields after the next run, and
stays unsubscribed after a full re-sync of every flow; e-mail and SMS consent stay apart;
and the flows back only ever lower consent, so an opt-in given at the desk that Klaviyo
has not heard of yet is never overwritten."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.sandbox.demo import install_demo
from app.sandbox.demo_session import RUN_ORDER
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.store import Store
from app.sync.engine import SyncEngine
from tests.support.klaviyo import profiles, suppress_at_klaviyo, unsubscribe_at_klaviyo
from tests.support.sandbox import crm_contact_of, export, patch_customer

BACK = ("consent-marketing-to-dms", "consent-marketing-to-crm")


@pytest.fixture
def demo(store: Store) -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(200, seed=19), seed=19) as servers:
        install_demo(store, servers.port_file_payload())
        yield servers


def run_all(engine: SyncEngine, *, full: bool = False) -> None:
    """Every demo flow once, in the demo's order. Parked records are allowed (Klaviyo
    refuses DMS duplicates and re-subscribes); a failed run is not. The flows back create
    nobody: Klaviyo's profiles of people the DMS or CRM does not have are skipped."""
    for slug in RUN_ORDER:
        summary = engine.run(slug, full=full)
        assert summary.status in ("succeeded", "completed_with_errors"), (slug, summary.error)
        if slug in BACK:
            assert summary.status == "succeeded", (slug, summary.error)
            assert summary.counts["created"] == 0 and summary.counts["parked"] == 0, slug
            assert summary.counts["skipped"] > 0, slug  # marketing-only profiles


def linked_profiles(sandbox: SandboxServers) -> dict[str, dict[str, str]]:
    """Klaviyo profiles by the DMS customer they were made from (their external id)."""
    return {p["external_id"]: p for p in profiles(sandbox).values() if p["external_id"]}


def dms_customer(sandbox: SandboxServers, customer_id: str) -> dict[str, Any]:
    return next(c for c in export(sandbox, "dms", "customers") if c["customer_id"] == customer_id)


def test_an_opt_out_at_the_marketing_platform_reaches_the_dms_and_the_crm_and_stays(
    store: Store, demo: SandboxServers
) -> None:
    engine = SyncEngine(store)
    run_all(engine)
    dms = {c["customer_id"]: c for c in export(demo, "dms", "customers")}
    # two who said yes to e-mail and SMS at the desk, and are subscribed to both
    unsubscribed, suppressed = [
        (cid, p)
        for cid, p in sorted(linked_profiles(demo).items())
        if (p["email_consent"], p["sms_consent"]) == ("subscribed", "subscribed")
        and (dms[cid]["opt_in_email"], dms[cid]["opt_in_sms"]) == ("Y", "Y")
    ][:2]
    for cid, _p in (unsubscribed, suppressed):
        contact = crm_contact_of(store, demo, cid)
        assert (contact["email_opt_out"], contact["sms_opt_out"]) == ("false", "false")

    unsubscribe_at_klaviyo(demo, unsubscribed[1]["email"])  # a click in a marketing e-mail
    suppress_at_klaviyo(demo, suppressed[1]["email"])  # e.g. a hard bounce
    for slug in BACK:
        summary = engine.run(slug)
        assert summary.status == "succeeded", summary.error
        assert summary.counts["updated"] >= 2 and summary.counts["created"] == 0

    def assert_out_of_email_only() -> None:
        for (cid, _p), state in ((unsubscribed, "unsubscribed"), (suppressed, "suppressed")):
            customer = dms_customer(demo, cid)
            assert (customer["opt_in_email"], customer["opt_in_sms"]) == ("N", "Y"), cid
            contact = crm_contact_of(store, demo, cid)
            assert (contact["email_opt_out"], contact["sms_opt_out"]) == ("true", "false"), cid
            at_klaviyo = linked_profiles(demo)[cid]
            assert (at_klaviyo["email_consent"], at_klaviyo["sms_consent"]) == (
                state,
                "subscribed",
            )

    assert_out_of_email_only()
    # a full re-sync of every flow, DMS -> CRM and DMS -> Klaviyo included: the opt-outs
    # stay everywhere (the DMS says N now, and nothing re-subscribes anyone)
    run_all(engine, full=True)
    assert_out_of_email_only()


def test_an_opt_in_given_at_the_desk_is_never_lowered_by_the_flows_back(
    store: Store, demo: SandboxServers
) -> None:
    engine = SyncEngine(store)
    run_all(engine)
    dms = {c["customer_id"]: c for c in export(demo, "dms", "customers")}
    # subscribed to e-mail; never asked about SMS (a mobile number, DMS says N)
    cid, profile = next(
        (cid, p)
        for cid, p in sorted(linked_profiles(demo).items())
        if (p["email_consent"], p["sms_consent"]) == ("subscribed", "never_subscribed")
        and (dms[cid]["opt_in_email"], dms[cid]["opt_in_sms"]) == ("Y", "N")
    )
    # the customer says yes to texts at the desk; before that reaches Klaviyo, they
    # unsubscribe from e-mail, so the flows back read their profile first
    patch_customer(demo, cid, {"opt_in_sms": "Y"})
    unsubscribe_at_klaviyo(demo, profile["email"])
    for slug in BACK:
        assert engine.run(slug).status == "succeeded"
    customer = dms_customer(demo, cid)
    # e-mail lowered; the desk's SMS yes kept (Klaviyo's never_subscribed sends nothing)
    assert (customer["opt_in_email"], customer["opt_in_sms"]) == ("N", "Y")
    assert crm_contact_of(store, demo, cid)["email_opt_out"] == "true"

    # the next run to Klaviyo carries the desk's yes: subscribed to SMS, not to e-mail
    assert engine.run("customers-dms-to-marketing").status in (
        "succeeded",
        "completed_with_errors",
    )
    at_klaviyo = linked_profiles(demo)[cid]
    assert (at_klaviyo["email_consent"], at_klaviyo["sms_consent"]) == (
        "unsubscribed",
        "subscribed",
    )
