"""The repair order the CRM refused ("no contact …"), against the demo dealership's real
servers on 127.0.0.1: replay keeps it parked and says so (window message and exit code)
until the CRM accepts it, then delivers it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from app.sandbox.demo import install_demo
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.store import Store
from app.store.models import ParkedRecord
from app.sync.engine import SyncEngine
from app.sync.log_replay import ReplayReport
from tests.support.cli import run_cli

RO_FLOW = "service-history-dms-to-crm"


@pytest.fixture
def demo(store: Store) -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(120, seed=11), seed=11) as servers:
        install_demo(store, servers.port_file_payload())
        yield servers


def _queue(store: Store) -> list[tuple[str, str]]:
    with store.session() as s:
        return [(p.record_key, p.status) for p in s.scalars(select(ParkedRecord))]


def test_replay_of_a_refused_repair_order_keeps_it_parked_until_the_crm_accepts_it(
    store: Store, demo: SandboxServers
) -> None:
    engine = SyncEngine(store)
    assert engine.run("customers-dms-to-crm").status == "succeeded"
    assert engine.run(RO_FLOW).status == "succeeded"

    # the CRM loses a contact and its service history (an admin deleted them)
    crm = demo.app("crm").store
    activity = crm.activities.all()[0]
    ro = activity["external_id"].removeprefix("RO-")
    contact = activity["contact_id"]
    for act in [a for a in crm.activities.all() if a["contact_id"] == contact]:
        crm.activities.delete(act["activity_id"])
    crm.contacts.delete(contact)

    resync = engine.run(RO_FLOW, keys=[ro])
    assert resync.counts["parked"] == 1 and resync.exit_code == 1
    assert _queue(store) == [(ro, "open")]

    # replay from the command line: sent again, refused again, still parked, exit 1
    cli = run_cli("--data-dir", str(store.paths.data_dir), "flow", "replay", RO_FLOW)
    assert cli.returncode == 1, cli.stdout + cli.stderr
    assert "Not delivered" in cli.stdout
    assert f"not delivered {ro}: The CRM refused the record: contact_id: no contact" in cli.stdout
    assert _queue(store) == [(ro, "open")]
    assert not [a for a in crm.activities.all() if a["external_id"] == f"RO-{ro}"]

    # the customer is sent again (a new CRM contact), then the replay delivers the RO
    customer_id = demo.app("dms").store.get("repair_orders", ro)["customer_id"]
    assert engine.run("customers-dms-to-crm", keys=[customer_id]).status == "succeeded"
    replay = engine.replay(RO_FLOW)
    report = ReplayReport(runs=[replay], replayed=1)
    assert report.all_delivered, report.message()
    assert _queue(store) == [(ro, "resolved")]
    landed = [a for a in crm.activities.all() if a["external_id"] == f"RO-{ro}"]
    assert len(landed) == 1 and landed[0]["contact_id"] != contact
    assert landed[0]["contact_id"] in crm.contacts.rows


def test_a_resync_of_a_key_the_dms_does_not_have_fails_and_says_which(
    store: Store, demo: SandboxServers
) -> None:
    """`flow run --key` with a mistyped customer number sent nothing: never "Succeeded"."""
    engine = SyncEngine(store)
    assert engine.run("customers-dms-to-crm").status == "succeeded"
    real = demo.app("dms").store.all("customers")[0]["customer_id"]
    summary = engine.run("customers-dms-to-crm", keys=[real, "NO-SUCH-1"])
    assert summary.status == "completed_with_errors" and summary.exit_code == 1
    assert summary.not_found == ["NO-SUCH-1"] and summary.counts["failed"] == 1
    assert summary.counts["read"] == 1  # the real one was read and sent as usual
    assert "NO-SUCH-1" in (summary.error or "")

    base = ["--data-dir", str(store.paths.data_dir), "flow", "run", "customers-dms-to-crm"]
    cli = run_cli(*base, "--key", "NO-SUCH-2")
    assert cli.returncode == 1, cli.stdout + cli.stderr
    assert "Succeeded" not in cli.stdout
    assert "1 record(s) not found in" in cli.stdout and "NO-SUCH-2" in cli.stdout
    assert "retry queue" not in cli.stdout  # nothing was parked: replay would not help
