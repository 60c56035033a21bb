"""Shadow runs against the demo CRM that an "old integration" already filled: the run
writes nothing (the CRM export is byte-identical, no write reached the server) and its
report names exactly the differences the test seeded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.cli import main as cli_main
from app.paths import AppPaths
from app.sandbox.demo import install_demo
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.services.flows import FlowService
from app.store import Store, open_store
from app.sync import reconcile_log
from app.sync.engine import SyncEngine
from app.sync.shadow import set_shadow
from tests.support.mapping import GENERIC_FLOW, add_generic_customers_flow
from tests.support.sandbox import export

FLOW = GENERIC_FLOW  # STAR -> the CRM's generic contacts (an upsert on external_id)


@pytest.fixture
def sandbox() -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(200, seed=5), seed=5) as servers:
        yield servers


def _old_integration(sandbox: SandboxServers, tmp_path: Path) -> None:
    """Another installation synced the DMS into the CRM before this one existed."""
    old = open_store(AppPaths(tmp_path / "old-integration").ensure())
    try:
        install_demo(old, sandbox.port_file_payload())
        add_generic_customers_flow(old)
        assert SyncEngine(old).run(FLOW).status == "succeeded"
    finally:
        old.dispose()


def _raw_export(sandbox: SandboxServers) -> bytes:
    url = f"{sandbox.servers['crm'].url}/_sandbox/export/contacts"
    return httpx.get(url, timeout=30, trust_env=False).content


def _writes(sandbox: SandboxServers) -> int:
    url = f"{sandbox.servers['crm'].url}/_sandbox/stats"
    routes = httpx.get(url, timeout=30, trust_env=False).json()["requests"]["by_route"]
    return sum(sum(n.values()) for r, n in routes.items() if not r.startswith("GET "))


def test_shadow_run_sends_nothing_and_reports_the_seeded_differences(
    store: Store, sandbox: SandboxServers, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _old_integration(sandbox, tmp_path)
    crm = sandbox.app("crm").store
    ours = sorted(
        (c for c in export(sandbox, "crm", "contacts") if c["external_id"].startswith("C")),
        key=lambda c: c["external_id"],
    )
    changed = {c["external_id"]: c for c in ours[10:13]}
    for c in changed.values():
        crm.update_contact(c["contact_id"], {"city": "Shadowville"})
    missing = [c["external_id"] for c in ours[20:22]]
    for c in ours[20:22]:
        crm.delete_contact(c["contact_id"])

    install_demo(store, sandbox.port_file_payload())

    add_generic_customers_flow(store)
    set_shadow(store, FLOW, True)
    before, writes = _raw_export(sandbox), _writes(sandbox)
    summary = SyncEngine(store).run(FLOW, trigger="manual", triggered_by="test")
    assert summary.status == "shadow" and summary.exit_code == 0, summary.error
    assert _raw_export(sandbox) == before  # byte-identical
    assert _writes(sandbox) == writes  # not one POST, PATCH or DELETE reached the CRM

    flow = FlowService(store).get(FLOW)
    report = reconcile_log.latest(store, flow.id, "shadow")
    assert report is not None and report.status == "differ"
    assert summary.counts["created"] == 2 and summary.counts["updated"] == 3
    assert summary.counts["unchanged"] == 200 - 5
    assert report.field_counts == {"city": 3}
    rows = reconcile_log.findings(store, report.run_id or 0, groups=["create", "update"])
    assert {r.key for r in rows if r.group == "create"} == set(missing)
    updates = {r.key: r for r in rows if r.group == "update"}
    assert set(updates) == set(changed)
    for key, row in updates.items():
        assert "city" in row.text
        assert changed[key]["contact_id"] == row.dest_id

    # the CLI says the same; go-live turns sending back on
    data = ["--data-dir", str(store.paths.data_dir)]
    capsys.readouterr()
    assert cli_main([*data, "flow", "run", FLOW]) == 0
    printed = capsys.readouterr().out
    assert "Shadow run" in printed and "would update 3" in printed, printed
    assert _raw_export(sandbox) == before
    assert cli_main([*data, "flow", "go-live", FLOW]) == 0
    live = SyncEngine(store).run(FLOW)
    assert live.status == "succeeded" and live.counts["created"] == 2
    assert {c["city"] for c in export(sandbox, "crm", "contacts")} - {"Shadowville"}
    assert not [c for c in export(sandbox, "crm", "contacts") if c["city"] == "Shadowville"]
