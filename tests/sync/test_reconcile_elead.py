"""Reconciliation of the demo's own customers flow (STAR REST → Elead), against the
sandbox on 127.0.0.1: Elead cannot list its customers, so each linked one is looked up
by id; consent Elead keeps per e-mail address or phone number is compared only where
the customer has one (a DMS customer with no e-mail who said "no e-mail" is not a
difference: Elead has nowhere to keep it), while a real opt-out difference is found."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.sandbox.demo import install_demo
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.store import Store
from app.sync.engine import SyncEngine
from app.sync.reconciliation import reconcile

FLOW = "customers-dms-to-crm"  # the demo's own: STAR REST -> Elead customers
N = 150


@pytest.fixture
def demo(store: Store) -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(N, seed=14), seed=14) as servers:
        install_demo(store, servers.port_file_payload())
        assert SyncEngine(store).run(FLOW).status == "succeeded"
        yield servers


def test_the_elead_flow_agrees_after_a_run_even_for_opt_outs_without_an_address(
    store: Store, demo: SandboxServers
) -> None:
    dms = demo.app("dms").store.all("customers")
    no_address = [c for c in dms if not c.get("email") and c.get("opt_in_email") == "N"]
    assert no_address, "the data set must hold the case this test is about"
    found = reconcile(store, FLOW)
    r = found.report
    assert r.method == "lookup"
    assert (r.status, r.same, r.different, r.only_in_source) == ("agree", N, 0, 0), [
        (f.key, f.diffs) for f in found.findings
    ]


def test_a_real_opt_out_difference_is_still_found(store: Store, demo: SandboxServers) -> None:
    crm = demo.app("crm").store
    dms = demo.app("dms").store.all("customers")
    target = next(c for c in dms if c.get("email") and c.get("opt_in_email") == "N")
    contact = next(
        c for c in crm.contacts.all() if (c.get("email") or "").lower() == target["email"].lower()
    )
    crm.update_contact(contact["contact_id"], {"email_opt_out": "false"})  # a CRM user's edit
    found = reconcile(store, FLOW)
    assert found.as_json()["different"] == [target["customer_id"]]
    [finding] = found.findings
    assert [(d.field, d.source, d.destination) for d in finding.diffs] == [
        ("email_opt_out", "true", "false")
    ]
