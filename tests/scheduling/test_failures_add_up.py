"""Failure counts that add up and stay (issue 23), against the demo dealership's servers
on 127.0.0.1 with the CRM refusing a tenth of the records (``crm:reject_rate=0.1``):

- a date-range re-sync sent in chunks is one job: the Flows overview, the dashboard and
  ``flow list --json`` show its total over every chunk, not the last chunk's;
- the records waiting for replay are counted until delivered or dismissed (who and why);
- the alert stays open while anything waits -- a later run or a replay with fewer errors
  does not resolve it -- and resolves once nothing waits;
- ``flow run`` with nothing new still exits 1 while records wait, and says how many.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.alerts import config
from app.alerts.config import AlertSettings
from app.alerts.monitor import AlertMonitor
from app.sandbox.demo import install_demo
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.scheduling import resync
from app.scheduling.overview import flow_overview
from app.services.flows import FlowService
from app.store import Store
from app.store.dashboard_queries import flow_schedules, open_alerts
from app.store.models import AuditEntry, ParkedRecord
from app.sync.engine import SyncEngine
from tests.support.cli import run_cli
from tests.support.mapping import GENERIC_FLOW, add_generic_customers_flow

FLOW = GENERIC_FLOW  # STAR -> the CRM's generic contacts, where reject_rate refuses a share
CUSTOMERS = 300


@pytest.fixture
def demo(store: Store) -> Iterator[SandboxServers]:
    with SandboxServers(
        build_dataset(CUSTOMERS, seed=7), seed=7, faults="crm:reject_rate=0.1"
    ) as servers:
        install_demo(store, servers.port_file_payload())
        add_generic_customers_flow(store)  # the demo's own customers flow goes to Elead
        config.save(store, AlertSettings(tray=False))  # no channel: the state is what counts
        yield servers


def listed(store: Store) -> dict[str, Any]:
    cli = run_cli("--data-dir", str(store.paths.data_dir), "flow", "list", "--json")
    assert cli.returncode == 0, cli.stdout + cli.stderr
    rows = json.loads(cli.stdout)
    assert all(
        {"id", "name", "last_run_status", "last_run_at", "waiting_for_replay"} <= set(r)
        for r in rows
    )
    return {r["id"]: r for r in rows}


def flow_run(store: Store) -> Any:
    return run_cli("--data-dir", str(store.paths.data_dir), "flow", "run", FLOW)


def waiting_keys(store: Store) -> list[str]:
    with store.session() as s:
        return sorted(
            s.scalars(
                select(ParkedRecord.record_key).where(
                    ParkedRecord.status == "open", ParkedRecord.flow_id.is_not(None)
                )
            )
        )


def test_a_chunked_resyncs_failures_add_up_and_stay_until_delivered(
    store: Store, demo: SandboxServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resync, "RANGE_BATCH", 60)
    engine = SyncEngine(store)
    first = engine.run(FLOW)
    assert first.status == "completed_with_errors"
    refused = first.counts["parked"]
    assert 15 <= refused <= 50, refused
    assert first.waiting == refused
    monitor = AlertMonitor(store)
    name = FlowService(store).get(FLOW).name
    assert f"{name}: {refused} records could not be delivered" in monitor.check().started

    # a date-range re-sync of every customer, sent in five chunks of 60: one job
    found = resync.find_range(
        store, FLOW, datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=2)
    )
    assert len(found.keys) == CUSTOMERS
    chunks = resync.run_range(store, found, triggered_by="admin")
    assert len(chunks) == 5 and len({c.job_id for c in chunks}) == 1
    assert chunks[0].job_id == chunks[0].run_id
    errors = sum(c.counts["parked"] for c in chunks)
    assert errors == refused  # the same records are refused again, in every chunk
    assert chunks[-1].counts["parked"] < errors  # what the Flows list used to show

    row = next(o for o in flow_overview(store, {}) if o.slug == FLOW)
    assert (row.last_status, row.last_errors, row.last_runs) == (
        "completed_with_errors",
        errors,
        5,
    )
    assert row.last_counts["read"] == CUSTOMERS and row.waiting == refused
    flows = listed(store)
    assert flows[FLOW]["last_run_status"] == "completed_with_errors"
    assert flows[FLOW]["last_run_errors"] == errors
    assert flows[FLOW]["waiting_for_replay"] == refused
    assert datetime.fromisoformat(flows[FLOW]["last_run_at"]) == row.last_at
    with store.session() as s:
        dash = next(f for f in flow_schedules(s) if f.name == name)
    assert (dash.last_status, dash.waiting, dash.last_errors) == (
        "completed_with_errors",
        refused,
        errors,
    )
    assert monitor.check().resolved == []

    # a second run with nothing new: succeeded, but the records still wait -> exit 1
    again = flow_run(store)
    assert again.returncode == 1, again.stdout + again.stderr
    assert "Succeeded" in again.stdout
    assert f"{refused:,} record(s) of {FLOW} wait for replay" in again.stdout
    assert monitor.check().resolved == []

    # the CRM takes records again; one replayed record is delivered: that replay succeeded,
    # yet the others still wait, the alert stays open (with the new count) and the tick amber
    demo.set_faults("crm:reject_rate=0")
    with store.session() as s:
        one = s.scalars(select(ParkedRecord).where(ParkedRecord.status == "open")).first()
        assert one is not None
        one_id = one.id
    replay = engine.replay(FLOW, parked_ids=[one_id])
    assert replay.status == "succeeded" and replay.waiting == refused - 1
    row = next(o for o in flow_overview(store, {}) if o.slug == FLOW)
    assert (row.last_status, row.waiting) == ("succeeded", refused - 1)
    assert listed(store)[FLOW]["waiting_for_replay"] == refused - 1
    check = monitor.check()
    assert check.resolved == [] and check.started == []
    with store.session() as s:
        titles = [a["title"] for a in open_alerts(s)]
        dash = next(f for f in flow_schedules(s) if f.name == name)
    assert f"{name}: {refused - 1} records could not be delivered" in titles
    assert (dash.last_status, dash.waiting) == ("succeeded", refused - 1)

    # dismissing one needs a reason; who and why stay with it and in the audit log
    key = waiting_keys(store)[0]
    base = ["--data-dir", str(store.paths.data_dir), "flow", "dismiss", FLOW, "--key", key]
    no_reason = run_cli(*base, "--reason", "  ")
    assert no_reason.returncode == 2 and "why" in (no_reason.stdout + no_reason.stderr)
    dismissed = run_cli(*base, "--reason", "Test customer, deleted in the DMS")
    assert dismissed.returncode == 0, dismissed.stdout + dismissed.stderr
    assert "Dismissed 1 record(s)" in dismissed.stdout
    with store.session() as s:
        gone = s.scalars(select(ParkedRecord).where(ParkedRecord.record_key == key)).one()
        assert gone.status == "dismissed" and gone.resolved_at is not None
        assert gone.dismiss_reason == "Test customer, deleted in the DMS"
        assert (gone.dismissed_by or "").endswith("(command line)")
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "dismiss")).one()
        assert audit.diff["reason"] == gone.dismiss_reason and audit.diff["records"] == [key]
    assert listed(store)[FLOW]["waiting_for_replay"] == refused - 2
    assert monitor.check().resolved == []

    # the rest replayed and delivered: nothing waits, the alert resolves, exit 0
    replay_all = run_cli("--data-dir", str(store.paths.data_dir), "flow", "replay", FLOW)
    assert replay_all.returncode == 0, replay_all.stdout + replay_all.stderr
    assert waiting_keys(store) == []
    assert monitor.check().resolved == [f"{name}: {refused - 2} records could not be delivered"]
    assert listed(store)[FLOW]["waiting_for_replay"] == 0
    quiet = flow_run(store)
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert "wait for replay" not in quiet.stdout


def test_the_demo_customers_flow_to_elead_is_refused_too_and_stays_parked(
    store: Store, demo: SandboxServers
) -> None:
    """``reject_rate`` refuses Elead customers (the demo's own customers flow) as it refuses
    the generic contacts: parked with the CRM's reason, refused again on replay."""
    engine = SyncEngine(store)
    first = engine.run("customers-dms-to-crm")
    refused = first.counts["parked"] + first.counts["failed"]
    assert first.status == "completed_with_errors" and 0.03 * CUSTOMERS < refused < 0.2 * CUSTOMERS
    with store.session() as s:
        reasons = {
            p.reason for p in s.scalars(select(ParkedRecord).where(ParkedRecord.status == "open"))
        }
    assert reasons and all("sandbox fault reject_rate" in (r or "") for r in reasons), reasons
    again = engine.replay("customers-dms-to-crm")
    assert again.counts["read"] == refused and again.waiting == refused
