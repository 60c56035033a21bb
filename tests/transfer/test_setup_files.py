"""A whole rooftop's setup in one file: exported from the demo dealership, imported into an
empty data folder on the same computer — the six demo flows are there and run — and
adapted per store with --set, refused whole when anything is wrong."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.paths import AppPaths
from app.sandbox.demo import CRM, DMS, install_demo
from app.sandbox.demo_session import RUN_ORDER
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.services.flows import FlowService
from app.services.profiles import ProfileService
from app.store import Store, open_store
from app.sync.engine import SyncEngine
from app.transfer.setup_files import SetupFileError, export_setup, import_setup
from tests.support.cli import run_cli


@pytest.fixture(scope="module")
def servers() -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(90, seed=23), seed=23) as running:
        yield running


@pytest.fixture
def next_store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(AppPaths(tmp_path / "next-store").ensure())
    yield store
    store.dispose()


def test_setup_export_then_import_into_an_empty_folder_runs_every_demo_flow(
    store: Store, servers: SandboxServers, next_store: Store, tmp_path: Path
) -> None:
    install_demo(store, servers.port_file_payload())
    path = tmp_path / "rooftop.json"
    document = export_setup(store, path)
    assert {f["id"] for f in document["flows"]} >= set(RUN_ORDER)
    assert "sk-" not in path.read_text() and "keyring:RooftopSync/profile/" in path.read_text()

    dry = run_cli("--data-dir", str(next_store.paths.data_dir), "setup", "import", str(path),
                  "--dry-run")  # fmt: skip
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert f"create connection {DMS} (dms_rest)" in dry.stdout
    assert "create flow customers-dms-to-crm" in dry.stdout
    assert FlowService(next_store).list() == []  # a dry run changes nothing

    report = import_setup(next_store, path)
    assert report.applied and report.warnings == [], report.warnings
    listed = {f.slug for f in FlowService(next_store).list()}
    assert listed >= set(RUN_ORDER)
    # the same profiles (same uids), so their own secrets on this computer are theirs
    here = ProfileService(next_store)
    assert here.get_by_name(CRM).uid == ProfileService(store).get_by_name(CRM).uid
    assert here.secrets_for(here.get_by_name(CRM).id)
    engine = SyncEngine(next_store)
    for slug in RUN_ORDER:
        summary = engine.run(slug)
        assert summary.status in ("succeeded", "completed_with_errors"), (slug, summary.error)


def test_set_adapts_per_store_and_a_new_address_leaves_the_secret_behind(
    store: Store, servers: SandboxServers, next_store: Store, tmp_path: Path
) -> None:
    install_demo(store, servers.port_file_payload())
    path = tmp_path / "rooftop.json"
    export_setup(store, path)
    report = import_setup(
        next_store,
        path,
        sets=[
            f"connection.{CRM}.base_url=https://crm.next-store.example",
            f"connection.{DMS}.api_base_urls.customers=https://dms.next-store.example/star",
            "flow.customers-dms-to-crm.name=Customers (next store)",
            "alerts.record_errors_threshold=25",
        ],
    )
    here = ProfileService(next_store)
    crm = here.get_by_name(CRM)
    assert crm.settings["base_url"] == "https://crm.next-store.example"
    assert here.get_by_name(DMS).settings["api_base_urls"] == {
        "customers": "https://dms.next-store.example/star"
    }
    assert here.secrets_for(crm.id) == {}  # another address: the old key stays behind
    assert any(CRM in w and "keyring" in w for w in report.warnings)
    assert FlowService(next_store).get("customers-dms-to-crm").name == "Customers (next store)"


@pytest.mark.parametrize(
    ("mutate", "says"),
    [
        (lambda d: d["flows"][0]["source"].update(connection="Nowhere"), "no connection named"),
        (lambda d: d["connections"][0].update(kind="no_such_kind"), "no connector of kind"),
        (lambda d: d["flows"][0].update(mode=7), "$.flows[0].mode: 7 is not one of"),
        (lambda d: d.update(connections="all of them"), "$.connections: 'all of them' is not"),
    ],
)
def test_anything_wrong_refuses_the_whole_setup(
    store: Store,
    servers: SandboxServers,
    next_store: Store,
    tmp_path: Path,
    mutate,
    says,  # type: ignore[no-untyped-def]
) -> None:
    install_demo(store, servers.port_file_payload())
    path = tmp_path / "rooftop.json"
    document = export_setup(store, path)
    mutate(document)
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(SetupFileError) as err:
        import_setup(next_store, path)
    assert says in str(err.value), str(err.value)
    assert ProfileService(next_store).list() == [] and FlowService(next_store).list() == []
    out = run_cli("--data-dir", str(next_store.paths.data_dir), "setup", "import", str(path))
    assert out.returncode == 2 and says in out.stderr
