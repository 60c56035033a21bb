"""Alerts that fire from the app itself (issue 25, item 4): a client secret's end from the
OAuth server's answer and a date in a profile's settings (credential_expiry), a sync that
read far fewer records than usual (record_count_low), and a reconciliation that found
differences (reconcile_differences). The webhook's last event time (webhook_silent) is
proved in tests/feeds/test_realtime.py with the demo's real webhook."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from app.alerts.conditions import evaluate
from app.alerts.config import AlertSettings
from app.alerts.monitor import AlertMonitor
from app.sandbox.demo import CRM, install_demo
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.scheduling.runner import run_flow_locked
from app.services.errors import ValidationError
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import utcnow
from app.sync.engine import SyncEngine
from app.sync.reconciliation import reconcile, resync
from tests.support.mapping import add_generic_customers_flow
from tests.support.memory_connector import World
from tests.support.memory_flow import customer
from tests.support.sandbox import export

FLOW = "customers-dms-to-crm"
ONLY = dict.fromkeys(
    ("run_failed", "record_errors", "not_succeeded", "parked_backlog", "credential_expiry",
     "record_count_low", "reconcile_differences"),
    False,
)  # fmt: skip


def _only(**on: object) -> AlertSettings:
    return AlertSettings(**{**ONLY, **on})  # type: ignore[arg-type]


@pytest.fixture
def demo(store: Store) -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(60, seed=8), seed=8) as servers:
        install_demo(store, servers.port_file_payload())
        yield servers


def test_client_secret_end_from_the_oauth_answer_raises_credential_expiry(
    store: Store, demo: SandboxServers
) -> None:
    cfg = _only(credential_expiry=True)
    assert SyncEngine(store).run(FLOW).status == "succeeded"
    assert evaluate(store, cfg, utcnow()) == []  # the token answer named no end
    ends = int(time.time()) + 3 * 86400
    demo.app("dms").issuer.secret_expires_at = ends  # the vendor rotates the secret soon
    assert SyncEngine(store).run(FLOW).status == "succeeded"
    problems = evaluate(store, cfg, utcnow())
    assert [p.condition for p in problems] == ["credential_expiry"]
    title = problems[0].title
    assert title.startswith("Demo DMS") and ": the client secret expires" in title, title
    assert problems[0].key.endswith(":client secret")


def test_a_date_in_the_profile_settings_raises_credential_expiry(
    store: Store, demo: SandboxServers
) -> None:
    profiles = ProfileService(store)
    crm = profiles.get_by_name(CRM)
    cfg = _only(credential_expiry=True)
    with pytest.raises(ValidationError):
        profiles.update(crm.id, settings={**crm.settings, "credential_expires_on": "next week"})
    soon = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d")
    profiles.update(crm.id, settings={**crm.settings, "credential_expires_on": soon})
    problems = evaluate(store, cfg, utcnow())
    assert [p.title.split(" expires")[0] for p in problems] == [f"{CRM}: the credentials"]
    far = (datetime.now(UTC) + timedelta(days=90)).strftime("%Y-%m-%d")
    profiles.update(crm.id, settings={**crm.settings, "credential_expires_on": far})
    assert evaluate(store, cfg, utcnow()) == []
    assert evaluate(store, cfg, utcnow() + timedelta(days=85))  # a week before: it warns
    profiles.update(crm.id, settings={**crm.settings, "credential_expires_on": ""})
    assert evaluate(store, cfg, utcnow() + timedelta(days=85)) == []


def test_a_sync_that_reads_far_fewer_than_usual_raises_record_count_low(
    store: Store, world: type[World], memory_flow: str
) -> None:
    cfg = _only(record_count_low=True)
    world.page_size = 50
    world.source = [customer(i) for i in range(1, 101)]
    for _ in range(4):  # the usual: 100 records a full read
        assert run_flow_locked(store, memory_flow, full=True).counts["read"] == 100
    assert evaluate(store, cfg, utcnow()) == []
    world.source = world.source[:25]  # a quarter: not yet "far below"
    run_flow_locked(store, memory_flow, full=True)
    assert evaluate(store, cfg, utcnow()) == []
    world.source = world.source[:5]  # the source answered almost nothing
    summary = run_flow_locked(store, memory_flow, full=True)
    assert summary.status == "succeeded" and summary.counts["read"] == 5
    problems = evaluate(store, cfg, utcnow())
    assert [p.condition for p in problems] == ["record_count_low"]
    assert "read 5 records, far below the usual 100" in problems[0].title
    world.source = [customer(i) for i in range(1, 101)]
    run_flow_locked(store, memory_flow, full=True)
    assert evaluate(store, cfg, utcnow()) == []  # back to normal: resolved


def test_reconcile_differences_alert_until_resync_fixes_them(
    store: Store, demo: SandboxServers
) -> None:
    cfg = _only(reconcile_differences=True)
    flow = add_generic_customers_flow(store)  # contacts upserted on external_id
    assert SyncEngine(store).run(flow).status == "succeeded"
    assert reconcile(store, flow).exit_code in (0, 1)
    assert evaluate(store, cfg, utcnow()) == []  # only the CRM's own contacts differ
    crm = demo.app("crm").store
    mine = sorted(
        (c for c in export(demo, "crm", "contacts") if c["external_id"].startswith("C")),
        key=lambda c: c["external_id"],
    )
    crm.delete_contact(mine[0]["contact_id"])
    crm.update_contact(mine[1]["contact_id"], {"city": "Elsewhere"})
    found = reconcile(store, flow)
    monitor = AlertMonitor(store)
    problems = evaluate(store, cfg, utcnow())
    assert len(problems) == 1
    assert problems[0].title.endswith(": 2 records missing or different in the destination")
    assert "1 only in the source, 1 different" in problems[0].detail
    assert any("missing or different" in t for t in monitor.check().started)
    resync(store, found.report.id)
    reconcile(store, flow)
    assert evaluate(store, cfg, utcnow()) == []
    assert any("missing or different" in t for t in monitor.check().resolved)
