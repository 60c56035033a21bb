"""Flows as files on the demo dealership: export, delete, import and run delivers what an
untouched run delivers; malformed files are refused with where and why, changing nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.sandbox.demo import install_demo
from app.sandbox.demo_session import RUN_ORDER
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.services.errors import FlowHasParkedError
from app.services.flows import FlowService
from app.store import Store
from app.store.models import Link, Mapping
from app.sync.engine import SyncEngine
from app.transfer.flow_files import FlowFileError, export_flow, flow_document, import_flow
from tests.support.cli import run_cli
from tests.support.sandbox import export


@pytest.fixture(scope="module")
def servers() -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(120, seed=17), seed=17) as running:
        yield running


@pytest.fixture
def demo(store: Store, servers: SandboxServers) -> SandboxServers:
    install_demo(store, servers.port_file_payload())
    return servers


def _crm_state(servers: SandboxServers) -> dict[str, int]:
    return {
        entity: len(export(servers, "crm", entity))
        for entity in ("contacts", "activities", "deals", "leads")
    }


def test_each_demo_flow_survives_export_delete_import(
    store: Store, demo: SandboxServers, tmp_path: Path
) -> None:
    engine = SyncEngine(store)
    for _round in range(2):  # the second round settles what the first created (leads' customers)
        for slug in RUN_ORDER:
            engine.run(slug)
    before_crm, before_dms = _crm_state(demo), len(export(demo, "dms", "customers"))
    with store.session() as s:
        links_before = s.scalar(select(func.count()).select_from(Link))
    flows = FlowService(store)
    for slug in RUN_ORDER:
        original = flow_document(store, slug)["flow"]
        path = export_flow(store, slug, tmp_path / f"{slug}.json")
        flows.delete(slug, force=True)
        plan, info = import_flow(store, path)
        assert plan.action == "create" and info.slug == slug
        again = flow_document(store, slug)["flow"]
        for key in ("name", "mode", "source", "destination", "ownership", "options", "schedule"):
            assert again[key] == original[key], (slug, key)
        assert again["mapping"]["mapping"] == original["mapping"]["mapping"]
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Link)) == links_before  # links stay
    for slug in RUN_ORDER:
        summary = engine.run(slug)
        assert summary.status in ("succeeded", "completed_with_errors"), summary.error
        assert summary.counts["created"] == 0, (slug, summary.counts)  # nothing twice
    assert _crm_state(demo) == before_crm
    assert len(export(demo, "dms", "customers")) == before_dms


def _stable(document: dict[str, Any]) -> dict[str, Any]:
    """The flow without export timestamps."""
    flow = json.loads(json.dumps(document["flow"]))
    flow["mapping"].pop("exported_at", None)
    return dict(flow)


def _broken(document: dict[str, Any], change: str) -> str:
    flow = document["flow"]
    if change == "truncated":
        return json.dumps(document)[:400]
    if change == "wrong type":
        flow["enabled"] = "yes please"
    elif change == "unknown stream":
        flow["source"]["stream"] = "customerz"
    elif change == "unknown field":
        flow["mapping"]["mapping"]["rules"][1]["sources"] = ["FAVOURITE_COLOUR"]
    elif change == "unknown connection":
        flow["destination"]["connection"] = "The CRM we do not have"
    return json.dumps(document, indent=2)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ("truncated", "line 1, column"),
        ("wrong type", "$.flow.enabled: 'yes please' is not of type 'boolean'"),
        (
            "unknown stream",
            "$.flow.source.stream: 'Demo DMS (STAR REST)' has no stream 'customerz'",
        ),
        ("unknown field", "the source stream 'customers' has no field 'FAVOURITE_COLOUR'"),
        ("unknown connection", "no connection named 'The CRM we do not have'"),
    ],
)
def test_a_malformed_file_is_refused_with_where_and_changes_nothing(
    store: Store, demo: SandboxServers, tmp_path: Path, change: str, says: str
) -> None:
    slug = "customers-dms-to-crm"
    document = flow_document(store, slug)
    pristine = json.loads(json.dumps(document))
    path = tmp_path / "broken.json"
    path.write_text(_broken(document, change), encoding="utf-8")
    with store.session() as s:
        versions = s.scalar(select(func.count()).select_from(Mapping))
    with pytest.raises(FlowFileError) as err:
        import_flow(store, path, replace=True)
    assert says in str(err.value), str(err.value)
    out = run_cli("--data-dir", str(store.paths.data_dir), "flow", "import", str(path), "--replace")
    assert out.returncode == 2 and says in out.stderr, out.stderr
    assert _stable(flow_document(store, slug)) == _stable(pristine)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Mapping)) == versions


def test_delete_refuses_with_parked_records_unless_forced_and_pause_resume(
    store: Store, demo: SandboxServers
) -> None:
    flows = FlowService(store)
    slug = "service-history-dms-to-crm"
    summary = SyncEngine(store).run(slug)  # the customers are not in the CRM yet: parked
    assert summary.counts["parked"] > 0
    with pytest.raises(FlowHasParkedError, match="waiting in its retry queue"):
        flows.delete(slug)
    data = str(store.paths.data_dir)
    paused = run_cli("--data-dir", data, "flow", "pause", slug)
    assert paused.returncode == 0 and "is paused" in paused.stdout
    assert not flows.get(slug).enabled and flows.get(slug).schedule["enabled"] is False
    assert run_cli("--data-dir", data, "flow", "resume", slug).returncode == 0
    assert flows.get(slug).enabled
    refused = run_cli("--data-dir", data, "flow", "delete", slug)
    assert refused.returncode == 2 and "--force" in refused.stderr
    forced = run_cli("--data-dir", data, "flow", "delete", slug, "--force")
    assert forced.returncode == 0 and "parked record(s) were dropped" in forced.stdout
    assert slug not in {f.slug for f in flows.list()}


def test_feed_settings_as_a_file(store: Store, demo: SandboxServers, tmp_path: Path) -> None:
    from app.sandbox.demo_feeds import install_demo_feeds
    from app.transfer.flow_files import export_feed_config, import_feed_config

    slug = install_demo_feeds(store, demo.port_file_payload())[0]
    original = flow_document(store, slug)["flow"]
    path = export_feed_config(store, slug, tmp_path / "feed.json")
    FlowService(store).delete(slug, force=True)
    plan, info = import_feed_config(store, path)
    assert plan.action == "create" and info.slug == slug
    assert flow_document(store, slug)["flow"]["options"] == original["options"]
    data = str(store.paths.data_dir)
    out = run_cli("--data-dir", data, "feed", "import-config", str(path))
    assert out.returncode == 2 and "already exists" in out.stderr
    flow_file = export_flow(store, "customers-dms-to-crm", tmp_path / "flow.json")
    refused = run_cli("--data-dir", data, "feed", "import-config", str(flow_file))
    assert refused.returncode == 2 and "holds a sync flow, not a feed" in refused.stderr
    with pytest.raises(FlowFileError, match="is a sync flow, not a feed"):
        export_feed_config(store, "customers-dms-to-crm", tmp_path / "x.json")
