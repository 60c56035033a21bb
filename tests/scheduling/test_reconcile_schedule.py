"""A schedule can run reconciliation (issue 25, item 1): ``flow reconcile NAME --schedule
CRON`` puts a job in the scheduler next to the flow's own; when it fires against a CRM
that lost records it records the report and the alert check that follows raises
``reconcile_differences``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.alerts.monitor import AlertMonitor
from app.cli import main as cli_main
from app.sandbox.demo import install_demo
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.scheduling.scheduler import FlowScheduler, job_id, reconcile_job_id
from app.services.flow_options import reconcile_settings
from app.services.flows import FlowService
from app.store import Store
from app.sync import reconcile_log
from app.sync.engine import SyncEngine
from tests.support.mapping import GENERIC_FLOW, add_generic_customers_flow
from tests.support.sandbox import export

FLOW = GENERIC_FLOW  # STAR -> the CRM's generic contacts (an upsert on external_id)


@pytest.fixture
def demo(store: Store) -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(80, seed=9), seed=9) as servers:
        install_demo(store, servers.port_file_payload())
        add_generic_customers_flow(store, schedule={"cron": "0 2 * * *"})  # a sync job too
        yield servers


def test_a_weekly_reconcile_is_scheduled_runs_and_raises_the_alert(
    store: Store, demo: SandboxServers, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(store.paths.data_dir)]
    assert cli_main([*data, "flow", "reconcile", FLOW, "--schedule", "not a cron"]) == 2
    assert cli_main([*data, "flow", "reconcile", FLOW, "--schedule", "0 3 * * 0"]) == 0
    assert "reconciled" in capsys.readouterr().out
    flow = FlowService(store).get(FLOW)
    assert reconcile_settings(flow.options).schedule["cron"] == "0 3 * * 0"

    assert SyncEngine(store).run(FLOW).status == "succeeded"
    crm = demo.app("crm").store
    ours = [c for c in export(demo, "crm", "contacts") if c["external_id"].startswith("C")]
    crm.delete_contact(ours[0]["contact_id"])  # lost in the CRM after a "successful" sync

    alerts = AlertMonitor(store)
    sched = FlowScheduler(store, maintenance_s=3600, after_tick=alerts.check)
    try:
        assert sched.start() == "active"
        job = sched._sched.get_job(reconcile_job_id(flow.id))  # type: ignore[union-attr]
        assert job is not None and job.name == f"Reconcile {flow.name}"
        assert job.next_run_time.weekday() == 6 and job.next_run_time.hour == 3
        assert sched._sched.get_job(job_id(flow.id)) is not None  # the sync's own job stays  # type: ignore[union-attr]
        result = sched.reconcile_job(flow.id)  # as the job fires
        assert result is not None and result.report.only_in_source == 1
        assert result.report.trigger == "schedule"
        with store.session() as s:
            from app.store.scheduling_models import AlertState

            open_keys = {a.key for a in s.query(AlertState).filter_by(active=True)}
        assert f"reconcile_differences:{flow.id}" in open_keys

        assert cli_main([*data, "flow", "reconcile", FLOW, "--schedule", "off"]) == 0
        sched.refresh()
        assert sched._sched.get_job(reconcile_job_id(flow.id)) is None  # type: ignore[union-attr]
    finally:
        sched.stop()
    latest = reconcile_log.latest(store, flow.id)
    assert latest is not None and latest.id == result.report.id
