"""Manager mode holds on the command line: commands that touch connections, secrets,
mappings or schedules refuse; Sync now and the log stay open to the manager."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import cli, secrets
from app.services.access import LOCKOUT_FIELD, PIN_FIELD, PIN_OWNER, AccessService
from app.store import Store
from tests.support.memory_connector import World
from tests.support.memory_flow import customer

REFUSED = [
    ["profiles", "export", "{tmp}/p.json"],
    ["profiles", "import", "{tmp}/in.json"],
    ["profiles", "test", "Memory DMS"],
    ["profiles", "preview", "Memory DMS", "customers"],
    ["flow", "export", "customers-test", "--out", "{tmp}/f.json"],
    ["flow", "import", "{tmp}/in.json"],
    ["flow", "delete", "customers-test"],
    ["flow", "pause", "customers-test"],
    ["setup", "export", "--out", "{tmp}/s.json"],
    ["setup", "import", "{tmp}/in.json"],
    ["feed", "import-config", "{tmp}/in.json"],
    ["privacy", "erase", "--customer", "C00001"],
    ["privacy", "export", "--customer", "C00001", "--out", "{tmp}/p.json"],
    ["privacy", "requests"],
]


@pytest.fixture
def manager_mode(store: Store, memory_flow: str, world: type[World]) -> Iterator[Store]:
    for field in (PIN_FIELD, LOCKOUT_FIELD):
        secrets.delete_secret(PIN_OWNER, field)
    access = AccessService(store)
    access.set_pin("802417")
    access.enter_manager_mode()
    world.source = [customer(1)]
    yield store
    for field in (PIN_FIELD, LOCKOUT_FIELD):
        secrets.delete_secret(PIN_OWNER, field)


@pytest.mark.parametrize("args", REFUSED, ids=lambda a: " ".join(a[:2]))
def test_admin_commands_refuse_in_manager_mode(
    manager_mode: Store, tmp_path: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "in.json").write_text(json.dumps({"format": "rooftop-sync/profiles"}))
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code = cli.main(["--data-dir", str(manager_mode.paths.data_dir), *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert "this computer is in manager mode" in err.lower()
    assert not (tmp_path / "p.json").exists() and not (tmp_path / "s.json").exists()


def test_a_manager_still_syncs_and_reads_the_list(
    manager_mode: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(manager_mode.paths.data_dir)
    assert cli.main(["--data-dir", data, "flow", "run", "customers-test"]) == 0
    assert cli.main(["--data-dir", data, "flow", "list"]) == 0
    assert cli.main(["--data-dir", data, "profiles", "list"]) == 0
    assert "manager mode" not in capsys.readouterr().err
