"""The engine's guarantees against the demo dealership's real HTTP servers on 127.0.0.1,
with fault injection: nothing lost, nothing duplicated, resumable after SIGKILL — on the
demo's customers flow, STAR REST into Elead, whose API creates one customer per request
with no upsert and no idempotency key (a create whose answer was lost is looked for
before it is sent again, and so is every create after a run that was cut off)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from app.mapping.model import Mapping, rule
from app.paths import AppPaths
from app.sandbox.demo import CRM_ELEAD, DMS_STAR, install_demo
from app.sandbox.demo_flows import CUSTOMERS
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.services.flows import FlowService
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import Link, ParkedRecord, RecordOutcome
from app.sync.engine import SyncEngine
from tests.support.sandbox import (
    assert_crm_equals_dms,
    crm_contact_ids,
    crm_contact_of,
    export,
    patch_customer,
)

ROOT = Path(__file__).resolve().parents[2]
FLOW = "customers-dms-to-crm"


@pytest.fixture
def sandbox() -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(300, seed=7), seed=7) as servers:
        yield servers


@pytest.fixture
def demo(store: Store, sandbox: SandboxServers) -> SandboxServers:
    install_demo(store, sandbox.port_file_payload())
    return sandbox


def test_first_sync_then_incremental_change_reaches_the_crm(
    store: Store, demo: SandboxServers
) -> None:
    before = crm_contact_ids(demo)
    engine = SyncEngine(store)
    first = engine.run(FLOW)
    assert first.status == "succeeded", first.error
    assert first.counts["read"] == 300 and first.counts["created"] == 300
    assert_crm_equals_dms(store, demo, before)

    # each customer's two records (DMS, Elead) resolve to one golden id
    with store.session() as s:
        systems_per_golden = s.execute(
            select(Link.golden_id, func.count(func.distinct(Link.system))).group_by(Link.golden_id)
        ).all()
    assert all(n == 2 for _g, n in systems_per_golden)

    target = export(demo, "dms", "customers")[5]["customer_id"]
    patch_customer(demo, target, {"city": "Royal Oak"})
    second = engine.run(FLOW)
    assert second.status == "succeeded"
    assert second.counts["updated"] == 1 and second.counts["created"] == 0
    assert crm_contact_of(store, demo, target)["city"] == "Royal Oak"


def test_faults_do_not_lose_or_duplicate_anything(store: Store, demo: SandboxServers) -> None:
    profiles = ProfileService(store)
    for name in (DMS_STAR, CRM_ELEAD):
        p = profiles.get_by_name(name)
        profiles.update(p.id, settings={**p.settings, "timeout_s": 2, "max_attempts": 8})
    before = crm_contact_ids(demo)
    demo.set_faults(
        "error_rate=0.1,rate_limit_rate=0.05,timeout_rate=0.01,drop_rate=0.01,latency_ms=2,"
        "timeout_s=3,retry_after_s=0.2"
    )
    summary = SyncEngine(store).run(FLOW)
    demo.set_faults("")
    stats = httpx.get(f"{demo.servers['crm'].url}/_sandbox/stats").json()
    fired = {k: n for k, n in stats["faults"]["counts"].items() if k != "none" and n}
    assert fired.get("error") and fired.get("rate_limit"), f"faults did not fire: {fired}"
    if summary.status == "failed":  # a fault streak outlasted the retries: a rerun resumes
        summary = SyncEngine(store).run(FLOW)
    assert summary.status == "succeeded", summary.error
    assert_crm_equals_dms(store, demo, before)


def test_record_rejected_by_the_crm_is_parked_and_replayed_after_a_fix(
    store: Store, demo: SandboxServers
) -> None:
    before = crm_contact_ids(demo)
    flows = FlowService(store)
    # a mapping that passes e-mail through unchecked lets the CRM's validation reject it
    loose = Mapping(
        tuple(r if r.target != "email" else rule("email", "email") for r in CUSTOMERS.rules)
    )
    flows.save_mapping(FLOW, loose, comment="test: unchecked e-mail")
    victim = export(demo, "dms", "customers")[3]["customer_id"]
    demo.app("dms").store.update("customers", victim, {"email": "bob@@example"}, "*")
    engine = SyncEngine(store)
    summary = engine.run(FLOW)
    assert summary.status == "completed_with_errors" and summary.exit_code == 1
    with store.session() as s:
        parked = s.scalars(select(ParkedRecord)).one()
    assert parked.record_key == victim and "email" in parked.reason
    flows.save_mapping(FLOW, CUSTOMERS, comment="fix: validate e-mail")
    replay = engine.replay(FLOW)
    assert replay.status == "succeeded" and replay.counts["created"] + replay.counts["updated"] == 1
    assert_crm_equals_dms(store, demo, before)


def test_dry_run_sends_nothing(store: Store, demo: SandboxServers) -> None:
    before = len(export(demo, "crm", "contacts"))
    plan = SyncEngine(store).run(FLOW, dry_run=True)
    assert plan.status == "dry_run" and len(plan.plan) == 300
    assert {p.action for p in plan.plan} <= {"create", "update"}
    assert len(export(demo, "crm", "contacts")) == before


def _run_cli(data: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--data-dir", str(data), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )


@pytest.mark.parametrize("kill_after", [50, 180])
def test_sigkill_at_any_point_then_rerun_ends_equal(
    store: Store, paths: AppPaths, demo: SandboxServers, kill_after: int
) -> None:
    before = crm_contact_ids(demo)
    demo.set_faults("crm:latency_ms=60")  # slow enough to be killed mid-run
    proc = _run_cli(paths.data_dir, "flow", "run", FLOW)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        with store.session() as s:
            done = s.scalar(select(func.count()).select_from(RecordOutcome)) or 0
        if done >= kill_after:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    demo.set_faults("")
    summary = SyncEngine(store).run(FLOW)
    assert summary.status == "succeeded", summary.error
    assert_crm_equals_dms(store, demo, before)
