"""The simulated systems start fresh on every start: the data folder's memory of them
(links, delivered hashes, cursors, retry queue) is reset with them and the start says so,
so the next run leaves no record missing."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from app.paths import AppPaths
from app.sandbox.demo_session import DemoSession
from app.store import Store, open_store
from app.store.models import Link
from app.sync.engine import SyncEngine
from tests.support.cli import ROOT, run_cli
from tests.support.sandbox import linked

FLOW = "customers-dms-to-crm"


def _crm_holds_every_dms_customer(store: Store, servers: dict[str, Any]) -> tuple[int, int]:
    """DMS customers, and how many of them have no CRM contact (by the links the flow
    made: Elead keeps no external id)."""

    def export(name: str, entity: str) -> list[dict[str, Any]]:
        r = httpx.get(f"{servers[name]['url']}/_sandbox/export/{entity}", timeout=30)
        r.raise_for_status()
        return list(r.json())

    dms = {c["customer_id"] for c in export("dms", "customers")}
    crm = {c["contact_id"] for c in export("crm", "contacts")}
    return len(dms), sum(1 for cid in dms if linked(store, cid) not in crm)


def test_demo_restarted_on_the_same_data_folder_loses_no_customer(
    store: Store, paths: AppPaths
) -> None:
    first = DemoSession(store, paths, customers=120, seed=5)
    first.start()
    try:
        assert first.memory_reset is not None and first.memory_reset.flows == []
        assert SyncEngine(store).run(FLOW).status == "succeeded"
    finally:
        first.stop()

    again = DemoSession(store, paths, customers=120, seed=5)
    again.start()
    try:
        reset = again.memory_reset
        assert reset is not None and FLOW in reset.flows and reset.links > 0
        assert "memory of them was reset" in reset.describe()
        summary = SyncEngine(store).run(FLOW)  # incremental, as the schedule would run it
        assert summary.status == "succeeded", summary.error
        assert again.servers is not None
        servers = again.servers.port_file_payload()["servers"]
        total, missing = _crm_holds_every_dms_customer(store, servers)
        assert total == 120 and missing == 0
    finally:
        again.stop()
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Link)) > 0


@contextmanager
def _serve(data: Path) -> Iterator[tuple[list[str], dict[str, Any]]]:
    """``sandbox serve`` in another process, until it says it is ready."""
    port_file = data.parent / f"ports-{os.getpid()}.json"
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--data-dir", str(data), "sandbox", "serve",
         "--customers", "100", "--seed", "9", "--port-file", str(port_file)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout or []], daemon=True).start()
    said: list[str] = []
    try:
        while not any("Stop with Ctrl+C" in line for line in said):
            said.append(lines.get(timeout=120))
        yield said, json.loads(port_file.read_text())["servers"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def test_sandbox_serve_on_an_existing_data_folder_says_it_reset_and_the_next_run_is_whole(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    with _serve(data) as (said, _servers):
        assert any("start fresh with generated data." in line for line in said)
        ran = run_cli("--data-dir", str(data), "flow", "run", FLOW)
        assert ran.returncode == 0, ran.stdout + ran.stderr
    with _serve(data) as (said, servers):
        assert any("memory of them was reset" in line for line in said), said
        ran = run_cli("--data-dir", str(data), "flow", "run", FLOW)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        store = open_store(AppPaths(data))
        try:
            total, missing = _crm_holds_every_dms_customer(store, servers)
        finally:
            store.dispose()
        assert total == 100 and missing == 0
