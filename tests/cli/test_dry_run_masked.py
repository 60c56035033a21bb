"""``flow run --dry-run`` shows what would change without customers' e-mail addresses and
phone numbers (or names) in the terminal."""

from __future__ import annotations

import pytest

from app import cli
from app.store import Store
from tests.support.memory_connector import World
from tests.support.memory_flow import customer


def test_a_dry_run_prints_personal_values_masked(
    store: Store, memory_flow: str, world: type[World], capsys: pytest.CaptureFixture[str]
) -> None:
    world.source = [customer(n, first_name="Wilhelmina") for n in range(1, 4)]
    code = cli.main(
        ["--data-dir", str(store.paths.data_dir), "flow", "run", memory_flow, "--dry-run"]
    )
    out = capsys.readouterr().out
    assert code == 0 and "create" in out
    for n in range(1, 4):
        assert f"person{n}@example.com" not in out and f"555-000{n}" not in out
    assert "+1313555" not in out and "Wilhelmina" not in out
    assert "p•••@example.com" in out and "'•••01'" in out
