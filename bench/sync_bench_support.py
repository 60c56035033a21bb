"""What the sync benches share: the sandbox servers in a child process, the DMS's
customers read the way a bare loop sees them, 1 % of them changed through the DMS API,
and one engine run in a fresh child process (its time, CPU and peak RSS alone).

    python bench/sync_bench_support.py --engine-run DATA_DIR --flow NAME [--full]

runs one engine run and prints its figures as one JSON line (what ``run_child`` reads).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.paths import AppPaths  # noqa: E402
from app.services.flows import FlowService  # noqa: E402
from app.services.profiles import ProfileService  # noqa: E402
from app.store import open_store  # noqa: E402
from app.sync.engine import SyncEngine  # noqa: E402


def start_servers(
    customers: int, work: Path, faults: Sequence[str] = ()
) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    """``main.py sandbox serve`` with ``customers`` generated; its port file's contents."""
    port_file = work / "ports.json"
    command = [
        sys.executable, str(ROOT / "main.py"), "--data-dir", str(work / "server-data"),
        "sandbox", "serve", "--customers", str(customers), "--no-profiles",
        "--port-file", str(port_file),
    ]  # fmt: skip
    for spec in faults:
        command += ["--faults", spec]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 900
    while not port_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise SystemExit(f"sandbox did not start: {err}")
        time.sleep(0.2)
    return proc, json.loads(port_file.read_text())


def carried_by(store: Any, flow_name: str) -> tuple[str, str]:
    """The connector kinds at the flow's two ends."""
    flow = FlowService(store).get(flow_name)
    kinds = {p.id: p.kind for p in ProfileService(store).list()}
    return kinds[flow.source_profile_id or -1], kinds[flow.dest_profile_id or -1]


def dms_client(dms: dict[str, Any]) -> httpx.Client:
    """A client of the sandbox DMS's generic customer API, signed in."""
    creds = dms["credentials"]
    client = httpx.Client(base_url=dms["url"], timeout=60)
    token = client.post(
        creds["token_path"],
        data={"grant_type": "client_credentials"},
        auth=(creds["client_id"], creds["client_secret"]),
    ).json()["access_token"]
    client.headers.update(
        {"Authorization": f"Bearer {token}", "Subscription-Id": creds["subscription_id"]}
    )
    return client


def read_all_customers(dms: dict[str, Any]) -> list[dict[str, Any]]:
    """The bare loop's input: the same DMS rows the engine reads (read outside the timing)."""
    rows: list[dict[str, Any]] = []
    url: str | None = "/customers?pageSize=1000"
    with closing(dms_client(dms)) as c:
        while url:
            body = c.get(url, headers={"Request-Id": str(len(rows))}).json()
            rows.extend(body["items"])
            url = (body.get("links", {}).get("nextPage") or {}).get("href")
    return rows


def snake(name: str) -> str:
    """``customerId`` -> ``customer_id``."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def change_one_percent(dms: dict[str, Any], customers: list[dict[str, Any]]) -> int:
    """Edit every 100th customer through the DMS API (a new suite number: always a change)."""
    changed = 0
    with closing(dms_client(dms)) as c:
        for n, row in enumerate(customers[::100]):
            cid = row["customerId"]
            got = c.get(f"/customers/{cid}", headers={"Request-Id": f"g{cid}"})
            r = c.patch(
                f"/customers/{cid}",
                json={"addressLine2": f"Suite {900 + n}"},
                headers={"Request-Id": f"p{cid}", "If-Match": got.headers["ETag"]},
            )
            r.raise_for_status()
            changed += 1
    return changed


def engine_run(data_dir: Path, full: bool, flow: str) -> dict[str, Any]:
    """(child) One run of the flow; its time and this process's peak RSS."""
    store = open_store(AppPaths(data_dir).ensure())
    engine = SyncEngine(store)
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    summary = engine.run(flow, full=full)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    store.dispose()
    return {
        "status": summary.status,
        "counts": summary.counts,
        "seconds": elapsed,
        # CPU of the run (all its threads): steadier than seconds on a shared machine
        "cpu_s": after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_child(data_dir: Path, full: bool, flow: str) -> dict[str, Any]:
    """:func:`engine_run` in a fresh process: the figures are the engine's alone (not the
    bench's copy of the rows it gave the bare loop)."""
    command = [sys.executable, __file__, "--engine-run", str(data_dir), "--flow", flow]
    if full:
        command.append("--full")
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser(description="One engine run (a sync bench's child).")
    ap.add_argument("--engine-run", type=Path, required=True)
    ap.add_argument("--flow", required=True)
    ap.add_argument("--full", action="store_true")
    args = ap.parse_args()
    print(json.dumps(engine_run(args.engine_run, args.full, args.flow)))


if __name__ == "__main__":
    main()
