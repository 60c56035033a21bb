"""Sync engine speed: full first sync of N customers DMS -> CRM through the sandbox servers
(run in a separate process, on loopback), compared with a bare httpx loop that posts the
same batches to the same endpoint in the same run; then an incremental sync with 1 % of
the customers changed; the engine's peak memory and the store's bytes per record.

Two sections in one run: **limited** (the CRM limited to 20 requests/s, the issue's
scenario, and the connection's own default 20/s) and **unlimited** (the CRM's limit off,
``rps=0``, and the connection's client-side limit off too). The sandbox CRM's own default
is now 100 requests/s, so the limited section sets 20/s itself: left at 100/s, the bare
loop ran at the CRM's limit while the engine kept its connection's 20/s, and the ratio
compared two different limits. Each section starts the CRM's contacts afresh and
syncs into a fresh store, so both engine runs are first loads, as the bare loop's are.

The flow is a customers flow into the Generic REST CRM's contacts (its batch upsert of up
to 100, issue 27), read from the DMS's generic REST connection: the same customer API the
bare loop's input is read from, 1,000 a page. The demo's own customers flow (STAR REST into
Elead, one customer a request) is timed by ``bench_sync_elead.py``; ``--star`` times it
here too, with the CRM limit off.

Each engine run happens in a fresh child process, so its time and peak RSS are the
engine's alone (not the bench's copy of 100,000 rows for the bare loop).

    bash scripts/bench.sh bench/bench_sync.py [--customers 100000]

Last line: one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from contextlib import closing
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

from app.mapping.apply import apply_mapping  # noqa: E402
from app.paths import AppPaths  # noqa: E402
from app.sandbox.demo import install_demo  # noqa: E402
from app.sandbox.demo_flows import GENERIC_CUSTOMERS  # noqa: E402
from app.sandbox.demo_names import CRM, DMS  # noqa: E402
from app.services.flows import FlowDefinition, FlowService  # noqa: E402
from app.services.profiles import ProfileService  # noqa: E402
from app.store import open_store  # noqa: E402

DEMO_FLOW = "customers-dms-to-crm"
CRM_CONTACTS = GENERIC_CUSTOMERS  # a DMS customer -> a CRM contact (batch upsert)

FLOW = "customers-bench"
LIMITED = "rps=20,bucket=20"  # the CRM's limit in the limited section (the 20/s)


def bare_loop(crm: dict[str, Any], batches: list[list[dict[str, Any]]]) -> float:
    """Post the same batches to the same endpoint, as fast as one client can."""
    headers = {"X-API-Key": crm["credentials"]["api_key"]}
    started = time.perf_counter()
    with httpx.Client(base_url=crm["url"], timeout=60, headers=headers) as c:
        for batch in batches:
            body = {"idField": "external_id", "records": batch}
            while True:
                r = c.post("/contacts/batch-upsert", json=body)
                if r.status_code == 429:
                    time.sleep(float(r.headers.get("Retry-After", "1")))
                    continue
                r.raise_for_status()
                break
    return time.perf_counter() - started


def store_bytes(data_dir: Path) -> tuple[int, dict[str, int]]:
    """The store file's size (no WAL left once the engine closed it) and the bytes of the
    run log (record outcomes and their indexes) within it."""
    db = AppPaths(data_dir).database
    wal = db.with_name(db.name + "-wal")
    size = db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    with closing(sqlite3.connect(db)) as con:
        parts = dict(con.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall())
        tables = dict(con.execute("SELECT name, tbl_name FROM sqlite_master").fetchall())
    by_table: dict[str, int] = {}
    for name, size_ in parts.items():
        owner = tables.get(name, name)
        if owner.startswith("record_index_fts"):
            owner = "record_index"
        by_table[owner] = by_table.get(owner, 0) + int(size_)
    return size, by_table


def fresh_store(work: Path, name: str, ports: dict[str, Any], limited: bool = True) -> Path:
    """The demo connections and flows, plus the bench flow; ``limited=False`` turns the
    CRM connection's client-side rate limit off (the API has none to respect)."""
    data_dir = work / name
    store = open_store(AppPaths(data_dir).ensure())
    install_demo(store, ports)
    profiles = ProfileService(store)
    crm = profiles.get_by_name(CRM)
    if not limited:
        profiles.update(crm.id, settings={**crm.settings, "rate_limit_per_s": 0})
    FlowService(store).upsert(
        FlowDefinition(
            FLOW,
            "Customers: DMS (generic REST) -> CRM",
            profiles.get_by_name(DMS).id,
            "customers",
            crm.id,
            "contacts",
            CRM_CONTACTS,
        )
    )
    store.dispose()
    return data_dir


def set_crm_faults(crm: dict[str, Any], spec: str) -> None:
    """New fault settings for the sandbox CRM, and its contacts back as generated (so each
    section's engine run creates, as a first load does)."""
    with httpx.Client(base_url=crm["url"], timeout=120) as c:
        c.put("/_sandbox/faults", content=spec).raise_for_status()
        c.post("/_sandbox/reset").raise_for_status()


def section(
    title: str,
    work: Path,
    ports: dict[str, Any],
    batches: list[list[dict[str, Any]]],
    prefix: str,
    limited: bool,
) -> tuple[dict[str, Any], Path]:
    """Bare loop then an engine first sync on a fresh store, against the same CRM."""
    crm = ports["servers"]["crm"]
    total = sum(len(b) for b in batches)
    tagged = [[{**r, "external_id": prefix + r["external_id"]} for r in b] for b in batches]
    bare_s = bare_loop(crm, tagged)
    del tagged
    bare_rate = total / bare_s
    data_dir = fresh_store(work, f"app-data-{title}", ports, limited)
    before, _ = store_bytes(data_dir)
    full = run_child(data_dir, full=True, flow=FLOW)
    after, by_table = store_bytes(data_dir)
    full_s = full["seconds"]
    rate = full["counts"]["read"] / full_s
    delivered = full["counts"]["created"] + full["counts"]["updated"]
    per_record = (after - before) / max(1, delivered)
    print(f"== {title} ==")
    print(f"bare httpx loop: {total:,} records in {bare_s:.1f} s ({bare_rate:,.0f}/s)")
    print(
        f"engine full sync: {full['status']} {full['counts']} in {full_s:.1f} s "
        f"({rate:,.0f}/s), {full['cpu_s']:.1f} s CPU, peak RSS {full['peak_rss_mb']:.0f} MB"
    )
    print(f"ratio to bare: {rate / bare_rate:.3f}")
    top = ", ".join(
        f"{t} {b / max(1, delivered):.0f}"
        for t, b in sorted(by_table.items(), key=lambda kv: -kv[1])[:6]
    )
    print(f"store: {per_record:.0f} bytes per delivered record ({top})")
    figures = {
        "records_per_s": round(rate),
        "bare_records_per_s": round(bare_rate),
        "ratio_to_bare": round(rate / bare_rate, 3),
        "full_sync_s": round(full_s, 2),
        "full_sync_cpu_s": round(full["cpu_s"], 1),
        "full_status": full["status"],
        "peak_rss_mb": round(full["peak_rss_mb"]),
        "store_bytes_per_record": round(per_record),
        "run_log_bytes_per_record": round(by_table.get("record_outcomes", 0) / max(1, delivered)),
    }
    return figures, data_dir


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--star", action="store_true", help="also time the demo flow (STAR)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        proc, ports = start_servers(args.customers, work)
        print(f"sandbox with {args.customers:,} customers up in {time.perf_counter() - t0:.1f} s")
        try:
            probe = fresh_store(work, "probe", ports)
            store = open_store(AppPaths(probe).ensure())
            source_kind, dest_kind = carried_by(store, FLOW)
            store.dispose()
            print(f"flow {FLOW}: {source_kind} -> {dest_kind}")
            dms, crm = ports["servers"]["dms"], ports["servers"]["crm"]

            # The bare loop posts the same mapped batches under other external ids, so it
            # creates too (it runs first; the engine's records are new as well).
            rows = read_all_customers(dms)
            frame = pd.DataFrame(rows).rename(columns=snake).astype(object).fillna("")
            mapped = apply_mapping(frame.astype(str), CRM_CONTACTS, "customer_id").frame
            records = mapped.to_dict("records")
            del frame, mapped
            batches = [records[i : i + 100] for i in range(0, len(records), 100)]
            del records

            set_crm_faults(crm, LIMITED)
            limited, _ = section("limited", work, ports, batches, "bare-l-", True)
            set_crm_faults(crm, "rps=0")
            unlimited, data_dir = section("unlimited", work, ports, batches, "bare-u-", False)
            del batches
            changed = change_one_percent(dms, rows)
            inc = run_child(data_dir, full=False, flow=FLOW)
            inc_s = inc["seconds"]
            print(
                f"incremental (unlimited), {changed:,} changed: {inc['status']} "
                f"{inc['counts']} in {inc_s:.2f} s ({inc['cpu_s']:.2f} s CPU), "
                f"peak RSS {inc['peak_rss_mb']:.0f} MB"
            )
            star: dict[str, Any] = {}
            if args.star:
                set_crm_faults(crm, "rps=0")
                star_dir = fresh_store(work, "app-data-star", ports, limited=False)
                star = run_child(star_dir, full=True, flow=DEMO_FLOW)
                print(
                    f"demo flow over STAR REST (unlimited): {star['status']} in "
                    f"{star['seconds']:.1f} s ({star['counts']['read'] / star['seconds']:,.0f}/s)"
                )

        finally:
            proc.terminate()
            proc.wait(timeout=60)
    result = {
        "customers": args.customers,
        "source_kind": source_kind,
        "dest_kind": dest_kind,
        "limited_ratio_to_bare": limited["ratio_to_bare"],
        "unlimited_ratio_to_bare": unlimited["ratio_to_bare"],
        "unlimited_full_sync_s": unlimited["full_sync_s"],
        "incremental_s": round(inc_s, 2),
        "incremental_cpu_s": round(inc["cpu_s"], 2),
        "unlimited_full_sync_cpu_s": unlimited["full_sync_cpu_s"],
        "peak_rss_mb": max(
            limited["peak_rss_mb"], unlimited["peak_rss_mb"], round(inc["peak_rss_mb"])
        ),
        "store_bytes_per_record": unlimited["store_bytes_per_record"],
        "run_log_bytes_per_record": unlimited["run_log_bytes_per_record"],
        "limited": limited,
        "unlimited": unlimited,
        "star_full_sync_s": round(star["seconds"], 1) if star else None,
        "incremental_changed": changed,
        "incremental_updated": inc["counts"]["updated"],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
