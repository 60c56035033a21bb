"""Pre-entry duplicate check speed: a new lead looked up against 200,000 DMS customers.

Builds the index once (like the lead flow does), then times ``match`` for 300 CRM copies
of existing customers (each should find its customer) and 100 strangers.

    bash scripts/bench.sh bench/bench_preentry.py [--customers 200000]

Last line: one JSON object (median / p95 / max milliseconds; target under 50 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.matching.preentry import PreEntryIndex
from app.sandbox.generator import build_dataset


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=200_000)
    args = ap.parse_args()
    ds = build_dataset(args.customers, seed=7)
    customers = ds.tables["dms_customers"]
    started = time.perf_counter()
    index = PreEntryIndex(customers, id_column="customer_id")
    build_s = time.perf_counter() - started
    print(f"index of {len(index):,} customers built in {build_s:.1f} s")
    crm = ds.tables["crm_contacts"]
    copies = crm[crm["external_id"] != ""].head(300).to_dict("records")
    truth = ds["truth"].set_index("record_id")["person_id"]
    strangers = [
        {"first_name": f"Zebulon{n}", "last_name": "Quixotic", "email": f"zq{n}@nowhere.example"}
        for n in range(100)
    ]
    times, right = [], 0
    for row in copies + strangers:
        lead = {k: v for k, v in row.items() if k not in ("contact_id", "external_id")}
        t = time.perf_counter()
        found = index.match(lead)
        times.append((time.perf_counter() - t) * 1000)
        if "contact_id" in row and found and truth[found[0][0]] == truth[row["contact_id"]]:
            right += 1
    times.sort()
    result = {
        "bench": "preentry",
        "customers": len(index),
        "lookups": len(times),
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(len(times) * 0.95)], 1),
        "max_ms": round(times[-1], 1),
        "copies_found": right,
        "copies": len(copies),
        "index_build_s": round(build_s, 1),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }
    print(
        f"{len(times)} look-ups: median {result['median_ms']} ms, p95 {result['p95_ms']} ms, "
        f"max {result['max_ms']} ms; {right}/{len(copies)} CRM copies found their customer"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
