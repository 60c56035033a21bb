"""Reconciliation at scale: N customers in the DMS (Generic REST DMS, pages of 1,000) and
the CRM (Generic REST CRM, which can list: cursor pages of 500), with 1 % missing from
the CRM, 1 % different (a changed city) and 0.5 % extra contacts, seeded; the CRM's
contacts are linked to the DMS customers as a sync would have left them.

The reconciliation runs in a fresh child process, so its time and peak RSS are its own
(not the bench's copy of the data set or the simulated servers', which run here). The
exact counts found must equal what was seeded.

    bash scripts/bench.sh bench/bench_reconcile.py [--customers 100000]

Target: under 10 s and under 500 MB on 2 cores. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.mapping.apply import apply_mapping  # noqa: E402
from app.paths import AppPaths  # noqa: E402
from app.sandbox.demo import CRM, DMS, install_demo  # noqa: E402
from app.sandbox.demo_flows import GENERIC_CUSTOMERS as CUSTOMERS  # noqa: E402
from app.sandbox.generator import build_dataset  # noqa: E402
from app.sandbox.servers import SandboxServers  # noqa: E402
from app.sandbox.servers.crm_store import CONTACT_WRITABLE  # noqa: E402
from app.services.flows import FlowDefinition, FlowService  # noqa: E402
from app.services.profiles import ProfileService  # noqa: E402
from app.store import open_store  # noqa: E402
from app.store.ids import new_golden_id  # noqa: E402
from app.sync import identity  # noqa: E402

FLOW = "bench-customers-dms-to-crm"
STAMP = "2026-11-01T12:00:00Z"


def seed(servers: SandboxServers, data_dir: Path) -> dict[str, Any]:
    """The flow, the CRM's contacts (with the seeded differences) and the links."""
    store = open_store(AppPaths(data_dir).ensure())
    try:
        install_demo(store, servers.port_file_payload())
        profiles = ProfileService(store)
        dms, crm = profiles.get_by_name(DMS), profiles.get_by_name(CRM)
        profiles.update(dms.id, settings={**dms.settings, "page_size": 1000, "rate_limit_per_s": 0})
        profiles.update(crm.id, settings={**crm.settings, "page_size": 500, "rate_limit_per_s": 0})
        FlowService(store).upsert(
            FlowDefinition(FLOW, "Bench: customers DMS → CRM", dms.id, "customers", crm.id,
                           "contacts", CUSTOMERS)
        )  # fmt: skip
        rows = servers.app("dms").store.all("customers")
        frame = pd.DataFrame(rows).astype(object).fillna("").astype(str)
        mapped = apply_mapping(frame, CUSTOMERS, "customer_id").frame
        records = mapped.to_dict("records")
        n = len(records)
        missing = set(range(0, n, 100))  # 1 %
        changed = set(range(50, n, 100))  # 1 %
        contacts: list[dict[str, str]] = []
        links_dms: list[tuple[str, str]] = []
        links_crm: list[tuple[str, str]] = []
        for i, rec in enumerate(records):
            gold = new_golden_id()
            links_dms.append((rec["external_id"], gold))
            if i in missing:
                continue
            contact = {c: str(rec.get(c, "") or "") for c in CONTACT_WRITABLE}
            if i in changed:
                contact["city"] = "Reconcileville"
            contact["contact_id"] = f"K{len(contacts) + 1:07d}"
            contact["created_at"] = contact["updated_at"] = STAMP
            contacts.append(contact)
            links_crm.append((contact["contact_id"], gold))
        extras = n // 200  # 0.5 %
        for j in range(extras):
            contacts.append(
                {**dict.fromkeys(CONTACT_WRITABLE, ""), "external_id": f"WEB{j:06d}",
                 "first_name": "Walk", "last_name": f"In {j}", "email_opt_out": "false",
                 "sms_opt_out": "false", "contact_id": f"K{len(contacts) + 1:07d}",
                 "created_at": STAMP, "updated_at": STAMP}
            )  # fmt: skip
        servers.app("crm").store.contacts.load(contacts)
        with store.session() as s:
            src = profiles.identity_system(profiles.get(dms.id))
            dst = profiles.identity_system(profiles.get(crm.id))
            identity.link(s, "customer", src, links_dms)
            identity.link(s, "customer", dst, links_crm)
        return {
            "customers": n,
            "contacts": len(contacts),
            "only_in_source": len(missing),
            "different": len(changed - missing),
            "only_in_destination": extras,
            "same": n - len(missing) - len(changed - missing),
        }
    finally:
        store.dispose()


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM: reset by exec, unlike ru_maxrss, which
    keeps the parent's figure from before the fork)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(data_dir: Path) -> dict[str, Any]:
    """(child) One reconciliation; its time and this process's peak RSS."""
    from app.sync.reconciliation import reconcile

    store = open_store(AppPaths(data_dir).ensure())
    started = time.perf_counter()
    result = reconcile(store, FLOW, triggered_by="bench")
    elapsed = time.perf_counter() - started
    r = result.report
    store.dispose()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "status": r.status,
        "error": r.error,
        "seconds": elapsed,
        "peak_rss_mb": peak_rss_mb(),
        "found": {
            "only_in_source": r.only_in_source,
            "only_in_destination": r.only_in_destination,
            "different": r.different,
            "same": r.same,
        },
        "fields": r.field_counts,
        "source_count": r.source_count,
        "dest_count": r.dest_count,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    t0 = time.perf_counter()
    dataset = build_dataset(args.customers, seed=42)
    print(f"data set of {args.customers:,} customers in {time.perf_counter() - t0:.1f} s")
    with tempfile.TemporaryDirectory() as tmp, SandboxServers(dataset, seed=42) as servers:
        servers.set_faults("crm:rps=0")  # the bench measures the comparison, not a quota
        data_dir = Path(tmp) / "app-data"
        t1 = time.perf_counter()
        seeded = seed(servers, data_dir)
        print(f"seeded in {time.perf_counter() - t1:.1f} s: {seeded}")
        before = resource.getrusage(resource.RUSAGE_SELF)
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(data_dir)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        got = json.loads(out.strip().splitlines()[-1])
        after = resource.getrusage(resource.RUSAGE_SELF)  # the servers' work meanwhile
        server_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    load = os.getloadavg()
    groups = ("only_in_source", "only_in_destination", "different", "same")
    expected = {k: seeded[k] for k in groups}
    exact = got["found"] == expected
    print(
        f"reconcile: {got['status']} in {got['seconds']:.1f} s (CPU {got['cpu_s']:.1f} s here, "
        f"{server_cpu:.1f} s in the simulated servers), peak RSS "
        f"{got['peak_rss_mb']:.0f} MB; found {got['found']} (seeded {expected}); "
        f"fields {got['fields']}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(
        json.dumps(
            {
                "customers": seeded["customers"],
                "contacts": seeded["contacts"],
                "seconds": round(got["seconds"], 2),
                "cpu_s": round(got["cpu_s"], 2),
                "server_cpu_s": round(server_cpu, 2),
                "peak_rss_mb": round(got["peak_rss_mb"]),
                "found": got["found"],
                "seeded": expected,
                "exact": exact,
                "status": got["status"],
                "error": got["error"],
                "load_avg_1m": round(load[0], 2),
            }
        )
    )
    if not exact:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
