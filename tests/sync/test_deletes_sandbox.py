"""Deletes and inactive records (issue 25, item 3) against the demo dealership on
127.0.0.1: a DMS customer marked inactive is archived or deleted in the CRM according to
the flow's delete handling, ignored by default, and never removed silently."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from app.sandbox.demo import install_demo
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.services.flows import FlowService
from app.store import Store
from app.store.models import RecordOutcome
from app.sync.engine import SyncEngine
from app.sync.reconciliation import reconcile
from tests.support.mapping import GENERIC_FLOW, add_generic_customers_flow
from tests.support.sandbox import export

FLOW = GENERIC_FLOW  # STAR -> the CRM's generic contacts (an upsert on external_id)
INACTIVE_WHEN = {"field": "company_name", "values": ["INACTIVE"]}  # as a DMS user marks it


@pytest.fixture
def demo(store: Store) -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(120, seed=3), seed=3) as servers:
        install_demo(store, servers.port_file_payload())
        add_generic_customers_flow(store)
        yield servers


def _synced_then_inactive(store: Store, demo: SandboxServers, handling: str) -> tuple[str, str]:
    """Sync everything, set the flow's delete handling, mark one DMS customer inactive;
    (its key, its CRM contact id)."""
    assert SyncEngine(store).run(FLOW).status == "succeeded"
    FlowService(store).set_option(
        FLOW, "deletes", {"handling": handling, "inactive_when": INACTIVE_WHEN}
    )
    key = sorted(c["customer_id"] for c in demo.app("dms").store.all("customers"))[7]
    contact = next(c for c in export(demo, "crm", "contacts") if c["external_id"] == key)
    _set_company(demo, key, "INACTIVE")
    return key, contact["contact_id"]


def _set_company(demo: SandboxServers, key: str, value: str) -> None:
    dms = demo.app("dms").store
    etag = next(c for c in dms.all("customers") if c["customer_id"] == key)["etag"]
    dms.update("customers", key, {"company_name": value}, etag)


def _outcome(store: Store, run_id: int, key: str) -> RecordOutcome:
    with store.session() as s:
        row = s.scalars(
            select(RecordOutcome).where(
                RecordOutcome.run_id == run_id, RecordOutcome.record_key == key
            )
        ).one()
        s.expunge(row)
        return row


@pytest.mark.parametrize(("handling", "word"), [("inactive", "archived"), ("delete", "deleted")])
def test_inactive_customer_is_removed_in_the_crm(
    store: Store, demo: SandboxServers, handling: str, word: str
) -> None:
    key, contact_id = _synced_then_inactive(store, demo, handling)
    crm = demo.app("crm").store

    dry = SyncEngine(store).run(FLOW, dry_run=True)
    assert dry.counts["removed"] == 1
    assert contact_id in {c["contact_id"] for c in export(demo, "crm", "contacts")}

    run = SyncEngine(store).run(FLOW)
    assert run.status == "succeeded", run.error
    assert run.counts["removed"] == 1 and run.counts["not_removed"] == 0
    assert contact_id not in {c["contact_id"] for c in export(demo, "crm", "contacts")}
    assert (contact_id in crm.archived) == (handling == "inactive")
    row = _outcome(store, run.run_id, key)
    assert row.action == "remove" and row.status == "delivered"
    assert word in (row.error or "")

    # agreed: inactive in the DMS, gone from the CRM's list; the next run sends nothing
    assert reconcile(store, FLOW).report.only_in_source == 0
    again = SyncEngine(store).run(FLOW, full=True)
    assert again.counts["removed"] == 0 and again.counts["created"] == 0

    # back to life in the DMS: created again in the CRM
    _set_company(demo, key, "")
    revived = SyncEngine(store).run(FLOW)
    assert revived.counts["created"] == 1
    assert key in {c["external_id"] for c in export(demo, "crm", "contacts")}


def test_delete_handling_ignore_is_the_default_and_leaves_the_crm_record(
    store: Store, demo: SandboxServers
) -> None:
    key, contact_id = _synced_then_inactive(store, demo, "ignore")
    run = SyncEngine(store).run(FLOW)
    assert run.counts["removed"] == 0 and run.counts["not_removed"] == 0
    assert contact_id in {c["contact_id"] for c in export(demo, "crm", "contacts")}
    assert _outcome(store, run.run_id, key).action in ("update", "skip")  # as any record


def test_a_destination_that_cannot_remove_says_so_per_record(
    store: Store, demo: SandboxServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.connectors.crm_rest_streams import ContactStream

    monkeypatch.setattr(ContactStream, "removals", ())  # as Elead or CDK customers
    key, contact_id = _synced_then_inactive(store, demo, "delete")
    run = SyncEngine(store).run(FLOW)
    assert run.counts["not_removed"] == 1 and run.counts["removed"] == 0
    assert contact_id in {c["contact_id"] for c in export(demo, "crm", "contacts")}
    row = _outcome(store, run.run_id, key)
    assert row.action == "remove" and "NOT deleted" in (row.error or "")
    assert "by hand" in (row.error or "")
