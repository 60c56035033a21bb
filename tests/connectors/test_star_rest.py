"""The STAR REST connector against the simulated DMS's STAR routes on 127.0.0.1: every
stream reads, incremental by date, creates never duplicated (an answer lost after the
server made the record, 5xx, 429 storms, timeouts, dropped connections), and a flow over
it killed with SIGKILL loses and doubles nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pandas as pd
import pytest
from sqlalchemy import func, select

from app.connectors.errors import AmbiguousRequestError
from app.connectors.registry import get_kind
from app.connectors.star_rest import StarRestConnector
from app.connectors.star_streams import STREAMS
from app.connectors.streams import WriteAction, WriteRecord
from app.sandbox.demo import CRM, install_demo
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.services.flows import FlowDefinition, FlowService
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import RecordOutcome
from app.sync.engine import SyncEngine
from tests.support.cli import ROOT
from tests.support.mapping import GENERIC_CUSTOMERS
from tests.support.sandbox import export

FLOW = "star-customers-to-crm"


@pytest.fixture
def sandbox() -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(150, seed=29), seed=29) as servers:
        yield servers


def settings_for(sandbox: SandboxServers, **over: Any) -> tuple[dict[str, Any], dict[str, str]]:
    dms = sandbox.servers["dms"]
    settings = {
        "base_url": dms.url,
        "auth_mode": "api_key",
        "api_key_header": "X-API-KEY",
        "rate_limit_per_s": 0,
        "timeout_s": 3,
        "max_attempts": 10,
        **over,
    }
    return settings, {"api_key": dms.credentials["star_api_key"]}


def make(sandbox: SandboxServers, **over: Any) -> StarRestConnector:
    settings, secrets = settings_for(sandbox, **over)
    return StarRestConnector(settings, secrets)


def read_all(connector: StarRestConnector, stream: str, cursor: str | None = None) -> pd.DataFrame:
    frames = list(connector.streams()[stream].read(cursor))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _quick(connector: StarRestConnector) -> None:
    connector.client.sleep = lambda s: time.sleep(min(s, 0.05))


def test_registered_test_connection_and_every_stream_reads(sandbox: SandboxServers) -> None:
    assert get_kind("star_rest") is StarRestConnector
    star = make(sandbox)
    result = star.check()
    assert result.ok and "150 customers" in result.message, result.message
    customers = read_all(star, "customers")
    assert len(customers) == 150 and customers["customer_key"].is_unique
    dms = {c["customer_id"] for c in export(sandbox, "dms", "customers")}
    assert set(customers["customer_id"]) == dms
    for stream in STREAMS:
        frame = read_all(star, stream)
        assert list(frame.columns) == star.streams()[stream].spec.field_names() or frame.empty
    star.close()


def test_a_wrong_key_is_said_plainly(sandbox: SandboxServers) -> None:
    settings, _secrets = settings_for(sandbox)
    result = StarRestConnector(settings, {"api_key": "star_not-the-key"}).check()
    assert not result.ok and "rejected the API key (HTTP 401)" in result.message


def test_incremental_read_by_date_sees_a_change(sandbox: SandboxServers) -> None:
    star = make(sandbox)
    stream = star.streams()["customers"]
    everything = read_all(star, "customers")
    cursor = stream.last_cursor
    assert cursor
    key = str(everything.iloc[7]["customer_key"])
    result = stream.write([WriteRecord("k", "g", {"city": "Royal Oak"}, dest_id=key)])[0]
    assert result.action is WriteAction.UPDATED, result.error
    again = read_all(star, "customers", cursor)
    assert key in set(again["customer_key"])
    assert len(again) < len(everything)  # the date filter kept the rest out
    row = again[again["customer_key"] == key].iloc[0]
    assert row["city"] == "Royal Oak"


def test_an_answer_lost_after_the_server_created_the_record_makes_no_copy(
    sandbox: SandboxServers,
) -> None:
    star = make(sandbox)
    stream = star.streams()["customers"]
    real = stream.api.client.request
    lost: list[str] = []

    def lose_first_create(method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = real(method, url, **kwargs)
        if method == "POST" and not lost:
            lost.append(url)  # the server made it; the answer never arrives
            raise AmbiguousRequestError("the connection dropped before the answer")
        return response

    stream.api.client.request = lose_first_create  # type: ignore[method-assign]
    payload = {"first_name": "Zoë", "last_name": "Quill", "email": "zoe.quill@example.net"}
    result = stream.write([WriteRecord("crm-77", "gold-zoe", payload)])[0]
    assert lost and result.action is WriteAction.CREATED and result.dest_id == "gold-zoe"
    copies = [c for c in export(sandbox, "dms", "customers") if c["email"] == payload["email"]]
    assert len(copies) == 1


def test_writes_under_faults_are_each_made_once(sandbox: SandboxServers) -> None:
    sandbox.set_faults(
        "dms:error_rate=0.15,rate_limit_rate=0.05,timeout_rate=0.04,drop_rate=0.04,"
        "timeout_s=1,retry_after_s=0,latency_ms=1"
    )
    star = make(sandbox, timeout_s=2)
    _quick(star)
    stream = star.streams()["customers"]
    records = [
        WriteRecord(f"k{n}", f"gold-{n:03d}", {"last_name": f"Faulted{n}", "email": f"f{n}@x.test"})
        for n in range(40)
    ]
    results = [r for start in range(0, 40, 10) for r in stream.write(records[start : start + 10])]
    sandbox.set_faults("")
    assert all(r.action in (WriteAction.CREATED, WriteAction.UPDATED) for r in results), [
        r.error for r in results if r.action not in (WriteAction.CREATED, WriteAction.UPDATED)
    ]
    time.sleep(1.5)  # a held (timed-out) create finishes on the server
    made = Counter(c["last_name"] for c in export(sandbox, "dms", "customers"))
    assert all(made[f"Faulted{n}"] == 1 for n in range(40)), made.most_common(3)
    stats = httpx.get(f"{sandbox.servers['dms'].url}/_sandbox/stats", timeout=10).json()
    fired = {k for k, n in stats["faults"]["counts"].items() if n and k != "none"}
    assert {"error", "rate_limit"} <= fired


def test_reads_under_faults_lose_and_double_nothing(sandbox: SandboxServers) -> None:
    sandbox.set_faults(
        "dms:error_rate=0.2,rate_limit_rate=0.1,drop_rate=0.05,retry_after_s=0,latency_ms=1"
    )
    star = make(sandbox, page_size=20)
    _quick(star)
    frame = read_all(star, "customers")
    sandbox.set_faults("")
    assert len(frame) == 150 and frame["customer_key"].is_unique


def _flow(store: Store, sandbox: SandboxServers) -> None:
    install_demo(store, sandbox.port_file_payload())
    settings, secrets = settings_for(sandbox, timeout_s=5)
    profiles = ProfileService(store)
    star = profiles.create("Store DMS (STAR)", "star_rest", settings, secrets)
    FlowService(store).upsert(
        FlowDefinition(
            slug=FLOW,
            name="Customers: STAR DMS → CRM",
            source_profile_id=star.id,
            source_stream="customers",
            dest_profile_id=profiles.get_by_name(CRM).id,
            dest_stream="contacts",
            mapping=GENERIC_CUSTOMERS,  # an upsert on external_id
        )
    )


@pytest.mark.parametrize("kill_after", [40, 110])
def test_a_flow_over_star_killed_at_any_point_then_rerun_ends_equal(
    store: Store, sandbox: SandboxServers, kill_after: int
) -> None:
    _flow(store, sandbox)
    sandbox.set_faults("crm:latency_ms=60")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--data-dir", str(store.paths.data_dir),
         "flow", "run", FLOW],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
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
    sandbox.set_faults("")
    summary = SyncEngine(store).run(FLOW)
    assert summary.status == "succeeded", summary.error
    dms = {c["customer_id"] for c in export(sandbox, "dms", "customers")}
    contacts = Counter(
        c["external_id"] for c in export(sandbox, "crm", "contacts") if c["external_id"] in dms
    )
    assert set(contacts) == dms and max(contacts.values()) == 1
