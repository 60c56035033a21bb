"""``profiles preview NAME STREAM``: real records of one stream, and exit codes that say
who failed — 0 read, 1 the server answered with an error, 2 our side or no answer."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from app.sandbox.demo import DMS, install_demo
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.services.profiles import ProfileService
from app.store import Store
from tests.support.cli import run_cli


@pytest.fixture(scope="module")
def servers() -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(60, seed=21), seed=21) as running:
        yield running


@pytest.fixture
def data(store: Store, servers: SandboxServers) -> str:
    install_demo(store, servers.port_file_payload())
    return str(store.paths.data_dir)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_preview_prints_records_as_json_lines_and_as_a_table(data: str) -> None:
    out = run_cli("--data-dir", data, "profiles", "preview", DMS, "customers", "--limit", "5",
                  "--json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == 5 and all(r["customer_id"] and "last_name" in r for r in rows)
    table = run_cli("--data-dir", data, "profiles", "preview", DMS, "inventory", "--limit", "3")
    assert table.returncode == 0 and "3 record(s) of inventory" in table.stdout
    since = run_cli("--data-dir", data, "profiles", "preview", DMS, "customers", "--since",
                    "2999-01-01T00:00:00Z", "--json")  # fmt: skip
    assert since.returncode == 0 and since.stdout == ""


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["Nobody", "customers"], "no connection profile named 'Nobody'"),
        ([DMS, "nonsense"], "has no stream 'nonsense'"),
        ([DMS, "leads"], "can only be written"),
        ([DMS, "customers", "--since", "yesterday-ish"], "is not a date-time"),
        ([DMS, "customers", "--limit", "0"], "between 1 and 1000"),
    ],
)
def test_our_side_problems_exit_2(data: str, args: list[str], says: str) -> None:
    out = run_cli("--data-dir", data, "profiles", "preview", *args)
    assert out.returncode == 2 and says in out.stderr, out.stdout + out.stderr


def test_a_refused_sign_in_exits_1_and_no_answer_exits_2(store: Store, data: str) -> None:
    profiles = ProfileService(store)
    dms = profiles.get_by_name(DMS)
    profiles.update(dms.id, secret_values={"client_secret": "not-the-secret"})
    refused = run_cli("--data-dir", data, "profiles", "preview", DMS, "customers")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "refused the client id / secret (HTTP 401)" in refused.stderr
    gone = f"http://127.0.0.1:{_free_port()}"
    profiles.create(
        "Switched-off DMS", "dms_rest",
        {"base_url": gone, "client_id": "x", "subscription_id": "s", "max_attempts": 1,
         "timeout_s": 2},
        {"client_secret": "y"},
    )  # fmt: skip
    silent = run_cli("--data-dir", data, "profiles", "preview", "Switched-off DMS", "customers")
    assert silent.returncode == 2 and "Could not reach" in silent.stderr, silent.stderr
