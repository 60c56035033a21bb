"""Reconciliation where the destination cannot list every record (as Elead or CDK
customers): each linked record is looked up by id, and the report says so; and a merge
done in the CRM is followed in the links (both when the CRM is listed and looked up)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from app.connectors.crm_rest_streams import ContactStream
from app.sandbox.demo import install_demo
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.services.flows import FlowService
from app.services.profiles import ProfileService
from app.store import Store
from app.sync import identity
from app.sync.engine import SyncEngine
from app.sync.reconciliation import reconcile
from tests.support.mapping import GENERIC_FLOW, add_generic_customers_flow
from tests.support.sandbox import export

FLOW = GENERIC_FLOW  # STAR -> the CRM's generic contacts (an upsert on external_id)


@pytest.fixture
def demo(store: Store) -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(100, seed=14), seed=14) as servers:
        install_demo(store, servers.port_file_payload())
        add_generic_customers_flow(store)
        assert SyncEngine(store).run(FLOW).status == "succeeded"
        yield servers


def _ours(demo: SandboxServers) -> list[dict[str, str]]:
    return sorted(
        (c for c in export(demo, "crm", "contacts") if c["external_id"].startswith("C")),
        key=lambda c: c["external_id"],
    )


def _contact_gets(demo: SandboxServers) -> int:
    url = f"{demo.servers['crm'].url}/_sandbox/stats"
    routes = httpx.get(url, timeout=30, trust_env=False).json()["requests"]["by_route"]
    return sum(routes.get("GET /contacts/{contact_id}", {}).values())


def _linked_dest(store: Store, key: str) -> str | None:
    flow = FlowService(store).get(FLOW)
    profiles = ProfileService(store)
    src = profiles.identity_system(profiles.get(flow.source_profile_id or 0))
    dst = profiles.identity_system(profiles.get(flow.dest_profile_id or 0))
    with store.session() as s:
        gold = identity.golden_ids(s, "customer", src, [key], create=False)[key]
        return identity.dest_ids(s, "customer", dst, [gold]).get(gold)


def test_a_destination_that_cannot_list_is_looked_up_by_id_and_says_so(
    store: Store, demo: SandboxServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ContactStream, "lists_all", False)
    crm = demo.app("crm").store
    ours = _ours(demo)
    gone, changed = ours[3], ours[4]
    crm.delete_contact(gone["contact_id"])
    crm.update_contact(changed["contact_id"], {"city": "Lookupville"})
    gets_before = _contact_gets(demo)

    found = reconcile(store, FLOW)
    r = found.report
    assert r.method == "lookup"
    assert found.as_json()["only_in_source"] == [gone["external_id"]]
    assert found.as_json()["different"] == [changed["external_id"]]
    assert r.only_in_destination == 0  # records never linked cannot be seen this way
    assert r.same == 98
    # one GET per linked contact (100 customers), no listing of the CRM
    assert _contact_gets(demo) - gets_before == 100


@pytest.mark.parametrize("lists_all", [True, False])
def test_a_merge_in_the_crm_is_followed_in_the_links(
    store: Store, demo: SandboxServers, monkeypatch: pytest.MonkeyPatch, lists_all: bool
) -> None:
    monkeypatch.setattr(ContactStream, "lists_all", lists_all)
    crm = demo.app("crm").store
    loser = _ours(demo)[10]
    # a contact the CRM had of its own (a web lead, say) is the same person
    winner = next(c for c in export(demo, "crm", "contacts") if c["external_id"][:1] != "C")
    assert _linked_dest(store, loser["external_id"]) == loser["contact_id"]
    crm.merge(winner["contact_id"], [loser["contact_id"]])  # a CRM user merged them

    found = reconcile(store, FLOW)
    assert any("merged" in n and loser["contact_id"] in n for n in found.report.notes)
    # the link of the merged-away customer now leads to the surviving contact
    assert _linked_dest(store, loser["external_id"]) == winner["contact_id"]
    merged = [f for f in found.findings if f.key == loser["external_id"]]
    assert merged and merged[0].dest_id == winner["contact_id"]
    assert merged[0].group == "different"  # the survivor kept the web lead's data
    assert winner["contact_id"] not in found.as_json()["only_in_destination"]
