"""Schema drift against the sandbox: a DMS field renamed between runs shows as drift and
stops the run with a readable message instead of sending blanks."""

from __future__ import annotations

import httpx
import pytest

from app.services import schema_drift
from app.services.flows import FlowService
from app.store import Store
from app.sync.engine import SyncEngine
from tests.support.fake_dataset import build_fake_dataset
from tests.support.mapping import demo_dealership

FLOW = "customers-dms-to-crm"


def _crm_contacts(servers) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    r = httpx.get(f"{servers.servers['crm'].url}/_sandbox/export/contacts", trust_env=False)
    r.raise_for_status()
    return list(r.json())


def test_renamed_source_field_is_drift_and_blocks_the_run(store: Store) -> None:
    data = build_fake_dataset(30)
    with demo_dealership(store, data):
        first = SyncEngine(store).run(FLOW)
    assert first.status == "succeeded", first.error
    flow = FlowService(store).get(FLOW)
    assert not schema_drift.flow_drift(store, flow.id, flow.mapping).blocking

    # The DMS renames ZIP: the data set now has 'postal_zip' and no 'zip'.
    renamed = build_fake_dataset(30)
    customers = renamed.tables["dms_customers"]
    customers["postal_zip"] = customers.pop("zip")
    customers["updated_at"] = "2024-04-01T00:00:00Z"  # every record changed since run 1
    with demo_dealership(store, renamed) as servers:
        before = {c["external_id"]: c for c in _crm_contacts(servers) if c["external_id"]}
        second = SyncEngine(store).run(FLOW)
        after = {c["external_id"]: c for c in _crm_contacts(servers) if c["external_id"]}

    assert second.status == "failed"
    assert second.error is not None
    assert "'zip'" in second.error and "no record is sent with blanks" in second.error
    assert second.counts["created"] == second.counts["updated"] == 0
    assert after == before  # nothing reached the CRM
    d = schema_drift.flow_drift(store, flow.id, flow.mapping)
    assert [(c.field, c.change) for c in d.blocking] == [("zip", "emptied")]
    assert d.source.changes[0].detail.startswith("empty in all 30 records")


@pytest.mark.parametrize("rows", [5])
def test_small_incremental_chunks_do_not_raise_false_alarms(store: Store, rows: int) -> None:
    data = build_fake_dataset(30)
    with demo_dealership(store, data):
        assert SyncEngine(store).run(FLOW).status == "succeeded"
    few = build_fake_dataset(rows)
    few.tables["dms_customers"]["zip"] = ""
    with demo_dealership(store, few):
        summary = SyncEngine(store).run(FLOW, full=True)
    assert summary.status == "succeeded", summary.error
