"""Reconciliation against the demo dealership's servers on 127.0.0.1: a CRM that drops
upserts silently is caught, Re-sync fixes it, and the systems then agree."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.cli import main as cli_main
from app.sandbox.demo import install_demo
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.store import Store
from app.sync import reconcile_log
from app.sync.engine import SyncEngine
from app.sync.reconciliation import reconcile, resync
from tests.support.mapping import GENERIC_FLOW, add_generic_customers_flow
from tests.support.sandbox import export

FLOW = GENERIC_FLOW  # STAR -> the CRM's generic contacts (an upsert on external_id)


@pytest.fixture
def sandbox() -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(300, seed=11), seed=11) as servers:
        yield servers


@pytest.fixture
def demo(store: Store, sandbox: SandboxServers) -> SandboxServers:
    install_demo(store, sandbox.port_file_payload())
    add_generic_customers_flow(store)
    return sandbox


def _crm_only_contacts(demo: SandboxServers) -> set[str]:
    """Contacts the CRM had before any sync (not from the DMS): only in the destination."""
    return {c["contact_id"] for c in export(demo, "crm", "contacts")}


def test_silent_drops_are_found_and_resync_makes_the_systems_agree(
    store: Store, demo: SandboxServers
) -> None:
    before = _crm_only_contacts(demo)
    demo.set_faults("crm:silent_drop_rate=0.05")
    run = SyncEngine(store).run(FLOW)
    demo.set_faults("")
    assert run.status == "succeeded", run.error  # the CRM said yes to every record
    lost = export(demo, "crm", "dropped")
    dropped = {d["external_id"] for d in lost}
    assert 5 <= len(dropped) <= 30, dropped
    # a contact the CRM already had (same external id) was "updated" and kept its old data
    claimed_new = {d["external_id"] for d in lost if d["claimed"] == "created"}

    found = reconcile(store, FLOW, triggered_by="test")
    assert found.exit_code == 1
    listed = found.as_json()
    assert set(listed["only_in_source"]) == claimed_new
    assert set(listed["different"]) == dropped - claimed_new
    # what the CRM held before the first sync is only in the CRM, and nothing else is
    assert set(listed["only_in_destination"]) <= before
    assert found.report.same == 300 - len(dropped)

    summary = resync(store, found.report.id, triggered_by="test")
    assert summary is not None and summary.status == "succeeded", summary
    assert summary.counts["read"] == len(dropped)

    again = reconcile(store, FLOW, triggered_by="test")
    assert again.as_json()["only_in_source"] == []
    assert again.report.different == 0 and again.report.same == 300
    assert again.report.only_in_source == 0


def test_cli_reconcile_json_csv_and_exit_codes(
    store: Store, demo: SandboxServers, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(store.paths.data_dir)]
    assert SyncEngine(store).run(FLOW).status == "succeeded"
    crm = demo.app("crm").store
    contacts = {c["external_id"]: c for c in export(demo, "crm", "contacts") if c["external_id"]}
    dms_keys = sorted(k for k in contacts if k.startswith("C"))
    gone, changed = dms_keys[0], dms_keys[1]
    crm.delete_contact(contacts[gone]["contact_id"])
    crm.update_contact(contacts[changed]["contact_id"], {"city": "Nowhere Town"})
    capsys.readouterr()

    out_csv = tmp_path / "diff.csv"
    code = cli_main([*data, "flow", "reconcile", FLOW, "--json", "--out", str(out_csv)])
    printed = capsys.readouterr().out
    assert code == 1, printed
    last = json.loads(printed.strip().splitlines()[-1])
    assert last["only_in_source"] == [gone]
    assert last["different"] == [changed]
    assert last["same"] == 298
    assert "city" in printed and "Nowhere Town" in printed
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    by_group = {(r["group"], r["source_key"]) for r in rows}
    assert ("only_in_source", gone) in by_group and ("different", changed) in by_group
    diff_row = next(r for r in rows if r["source_key"] == changed)
    assert diff_row["destination_id"] == contacts[changed]["contact_id"]
    assert diff_row["fields"].startswith("city:")

    code = cli_main([*data, "flow", "reconcile", FLOW, "--resync", "--json"])
    printed = capsys.readouterr().out
    last = json.loads(printed.strip().splitlines()[-1])
    assert last["only_in_source"] == [] and last["different"] == [], printed
    # the CRM's own contacts (never from the DMS) are still only there: exit 1, honestly
    assert code == (1 if last["only_in_destination"] else 0)

    report = reconcile_log.latest(store, demo_flow_id(store))
    assert report is not None and report.different == 0 and report.only_in_source == 0
    rows_found = reconcile_log.findings(store, report.run_id or 0)
    assert all(r.group == "only_in_destination" for r in rows_found)


def demo_flow_id(store: Store) -> int:
    from app.services.flows import FlowService

    return FlowService(store).get(FLOW).id


def test_reconcile_of_a_flow_that_cannot_reach_its_destination_exits_2(
    store: Store, demo: SandboxServers, capsys: pytest.CaptureFixture[str]
) -> None:
    demo.app("crm").credentials["api_key"] = "changed-by-the-vendor"
    code = cli_main(["--data-dir", str(store.paths.data_dir), "flow", "reconcile", FLOW])
    printed = capsys.readouterr().out
    assert code == 2, printed
    assert "could not run" in printed


def test_sandbox_crm_archives_and_deletes(demo: SandboxServers) -> None:
    info = demo.servers["crm"]
    headers = {"X-API-Key": info.credentials["api_key"]}
    first = export(demo, "crm", "contacts")[0]["contact_id"]
    second = export(demo, "crm", "contacts")[1]["contact_id"]
    with httpx.Client(base_url=info.url, headers=headers, timeout=10) as c:
        assert c.post(f"/contacts/{first}/archive").status_code == 200
        gone = c.get(f"/contacts/{first}")
        assert gone.status_code == 404 and gone.json()["archived_at"]
        listed = c.get("/contacts", params={"archived": "true"}).json()["data"]
        assert [r["contact_id"] for r in listed] == [first]
        assert c.delete(f"/contacts/{second}").status_code == 200  # main's erasure answer
        assert c.get(f"/contacts/{second}").status_code == 404
    ids = {r["contact_id"] for r in export(demo, "crm", "contacts")}
    assert first not in ids and second not in ids


def test_flow_run_full_resend_restores_a_destination_restored_from_a_backup(
    store: Store, demo: SandboxServers, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(store.paths.data_dir), "flow", "run", FLOW]
    assert cli_main(data) == 0
    crm = demo.app("crm").store
    ours = [c for c in export(demo, "crm", "contacts") if c["external_id"].startswith("C")]
    lost = {c["external_id"] for c in ours[:7]}
    for c in ours[:7]:  # the CRM went back to a backup from before these were sent
        crm.delete_contact(c["contact_id"])
    capsys.readouterr()
    assert cli_main([*data, "--full"]) == 0
    assert "created 0" in capsys.readouterr().out  # what the app remembers: nothing to send
    assert not lost & {c["external_id"] for c in export(demo, "crm", "contacts")}
    assert cli_main([*data, "--full", "--resend"]) == 0
    printed = capsys.readouterr().out
    assert "read 300" in printed and "created 7" in printed, printed
    assert lost <= {c["external_id"] for c in export(demo, "crm", "contacts")}
    assert reconcile(store, FLOW).report.only_in_source == 0


def test_the_demos_elead_business_customers_agree_right_after_a_sync(
    store: Store, demo: SandboxServers
) -> None:
    """A business customer (no last name) is sent to Elead with its businessName only;
    Elead answers its lastName as sent, so reconciling finds no name different."""
    flow = "customers-dms-to-crm"  # the demo's own: STAR -> Elead customers
    assert SyncEngine(store).run(flow).status == "succeeded"
    businesses = {c["customer_id"] for c in export(demo, "dms", "customers") if not c["last_name"]}
    assert businesses  # the dataset has some, or this proves nothing
    found = reconcile(store, flow, triggered_by="test")
    assert found.as_json()["only_in_source"] == []
    assert not businesses & set(found.as_json()["different"])
    assert not [f.key for f in found.findings if any(d.field == "last_name" for d in f.diffs)]


def test_an_erased_customer_is_left_out_of_the_comparison_and_its_report(
    store: Store, demo: SandboxServers
) -> None:
    """The DMS still holds a customer erased here (the DMS is theirs to erase); the CRM's
    copy was deleted by the erasure. A reconciliation must not report them "only in the
    source" — its report would keep their row again, and "Re-sync these" would offer them."""
    from sqlalchemy import select

    from app.services.privacy import erase
    from app.store.models import RecordOutcome

    assert SyncEngine(store).run(FLOW).status == "succeeded"
    person = demo.app("dms").store.all("customers")[5]
    key = person["customer_id"]
    assert erase(store, key, requested_by="itadmin").status == "erased"

    found = reconcile(store, FLOW)
    groups = {f.group for f in found.findings}
    assert groups <= {"only_in_destination"}, groups  # the CRM's own web leads, nothing else
    assert key not in [f.key for f in found.findings]
    assert any("1 record(s) of people erased here were left out" in n for n in found.report.notes)
    with store.session() as s:
        kept = s.scalars(select(RecordOutcome.record_key).where(RecordOutcome.record_key == key))
        assert list(kept) == []
