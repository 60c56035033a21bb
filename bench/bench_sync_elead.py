"""Sync engine speed: full first sync of N customers DMS -> CRM through the sandbox servers
(run in a separate process, on loopback), compared with a bare httpx loop that sends the
same requests to the same endpoint in the same run; then an incremental sync with 1 % of
the customers changed; and the engine's peak memory.

The demo's customers flow reads STAR REST and writes Elead, whose API creates one
customer per request (``POST /elead-sales-customers/``, no batch): the bare loop posts
the same ``CustomerRequest`` bodies there, one by one, with the same headers (bearer
token, Subscription-Id, a fresh Request-Id). The simulated CRM's rate limit is off and so
is the connection's (both would only measure the limit), so this is the engine against
the fastest one client can go.

Each engine run happens in a fresh child process, so its time and peak RSS are the
engine's alone (not the bench's copy of 100,000 rows for the bare loop).

    bash scripts/bench.sh bench/bench_sync_elead.py [--customers 100000]

Last line: one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sync_bench_support import (  # noqa: E402
    carried_by,
    change_one_percent,
    read_all_customers,
    run_child,
    snake,
    start_servers,
)

from app.formats.elead import customers as elead_customers  # noqa: E402
from app.mapping.apply import apply_mapping  # noqa: E402
from app.paths import AppPaths  # noqa: E402
from app.sandbox.demo import install_demo  # noqa: E402
from app.sandbox.demo_flows import CUSTOMERS  # noqa: E402
from app.sandbox.demo_names import CRM_ELEAD  # noqa: E402
from app.services.profiles import ProfileService  # noqa: E402
from app.store import open_store  # noqa: E402

FLOW = "customers-dms-to-crm"


def unlimited(store: Any) -> None:
    """The demo's Elead connection without its client-side rate limit (the bare loop has
    none, and the server's is off)."""
    profiles = ProfileService(store)
    elead = profiles.get_by_name(CRM_ELEAD)
    profiles.update(elead.id, settings={**elead.settings, "rate_limit_per_s": 0})


def bare_loop(crm: dict[str, Any], bodies: list[dict[str, Any]]) -> float:
    """Post the same Elead creates to the same endpoint, as fast as one client can."""
    creds = crm["credentials"]
    started = time.perf_counter()
    with httpx.Client(base_url=crm["url"], timeout=60) as c:
        token = c.post(
            creds["token_path"],
            data={"grant_type": "client_credentials"},
            auth=(creds["client_id"], creds["client_secret"]),
        ).json()["access_token"]
        c.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Subscription-Id": creds["elead_subscription_id"],
            }
        )
        for body in bodies:
            while True:
                r = c.post(
                    "/elead-sales-customers/", json=body, headers={"Request-Id": str(uuid.uuid4())}
                )
                if r.status_code == 429:
                    time.sleep(float(r.headers.get("Retry-After", "1")))
                    continue
                r.raise_for_status()
                break
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        proc, ports = start_servers(args.customers, work, faults=["crm:rps=0"])
        print(f"sandbox with {args.customers:,} customers up in {time.perf_counter() - t0:.1f} s")
        try:
            store = open_store(AppPaths(work / "app-data").ensure())
            install_demo(store, ports)
            unlimited(store)
            source_kind, dest_kind = carried_by(store, FLOW)
            store.dispose()
            print(f"flow {FLOW}: {source_kind} -> {dest_kind}")
            dms, crm = ports["servers"]["dms"], ports["servers"]["crm"]

            # The bare loop creates the same mapped customers (it runs first; Elead has no
            # upsert, so the engine's records are created again, as new ones).
            rows = read_all_customers(dms)
            frame = pd.DataFrame(rows).rename(columns=snake).astype(object).fillna("")
            mapped = apply_mapping(frame.astype(str), CUSTOMERS, "customer_id").frame
            bodies = [elead_customers.create_body(r) for r in mapped.to_dict("records")]
            del frame, mapped
            bare_s = bare_loop(crm, bodies)
            bare_rate = len(bodies) / bare_s
            print(
                f"bare httpx loop: {len(bodies):,} Elead creates in {bare_s:.1f} s "
                f"({bare_rate:,.0f}/s)"
            )
            del bodies

            full = run_child(work / "app-data", full=True, flow=FLOW)
            full_s = full["seconds"]
            rate = full["counts"]["read"] / full_s
            print(
                f"engine full sync: {full['status']} {full['counts']} in {full_s:.1f} s "
                f"({rate:,.0f}/s), peak RSS {full['peak_rss_mb']:.0f} MB"
            )

            changed = change_one_percent(dms, rows)
            inc = run_child(work / "app-data", full=False, flow=FLOW)
            inc_s = inc["seconds"]
            print(
                f"incremental, {changed:,} changed: {inc['status']} {inc['counts']} "
                f"in {inc_s:.2f} s"
            )
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    result = {
        "customers": args.customers,
        "source_kind": source_kind,
        "dest_kind": dest_kind,
        "records_per_s": round(rate),
        "bare_records_per_s": round(bare_rate),
        "ratio_to_bare": round(rate / bare_rate, 3),
        "full_sync_s": round(full_s, 1),
        "full_status": full["status"],
        "incremental_changed": changed,
        "incremental_updated": inc["counts"]["updated"],
        "incremental_s": round(inc_s, 2),
        "peak_rss_mb": round(max(full["peak_rss_mb"], inc["peak_rss_mb"])),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
