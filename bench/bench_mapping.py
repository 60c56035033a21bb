"""Apply a typical 25-field DMS customer -> CRM contact mapping to 100,000 generated DMS
customer rows; print rows/s (cold: first run in the process, warm: caches filled), peak
RSS and the machine's load. The last line is one JSON object."""

from __future__ import annotations

import json
import os
import sys
import time

import psutil

from app.mapping.apply import apply_mapping
from app.mapping.model import Mapping, Step, rule
from app.sandbox.generator import build_dataset

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
T, N = Step("trim"), Step("name_case")
MAPPING = Mapping(
    (
        rule("external_id", "customer_id", required=True),
        rule("customer_type", "customer_type",
             steps=[Step("lookup", {"table": {"INDIVIDUAL": "Person", "BUSINESS": "Company"},
                                    "default": "Person"})]),
        rule("first_name", "first_name", steps=[T, N]),
        rule("middle_name", "middle_name", steps=[T, N]),
        rule("last_name", "last_name", "company_name", steps=[Step("coalesce"), T, N],
             required=True),
        rule("company", "company_name", steps=[Step("collapse_spaces")]),
        rule("full_name", "first_name", "middle_name", "last_name",
             steps=[Step("join_name")]),
        rule("street", "address_line1", "address_line2",
             steps=[Step("concat", {"separator": ", "}), Step("collapse_spaces")]),
        rule("street1", "address_line1", steps=[T]),
        rule("street2", "address_line2", steps=[T]),
        rule("city", "city", steps=[T, Step("title")]),
        rule("state", "state", steps=[T, Step("upper")]),
        rule("zip5", "zip", steps=[Step("zip5")]),
        rule("postal_code", "zip", steps=[Step("zip_plus4")]),
        rule("phone", "home_phone", steps=[Step("phone_e164")]),
        rule("work_phone", "work_phone", steps=[Step("phone_e164")]),
        rule("mobile", "mobile_phone", steps=[Step("phone_e164")]),
        rule("email", "email", steps=[Step("email")]),
        rule("birth_date", "birth_date", steps=[Step("date", {"input_format": "%Y-%m-%d"})]),
        rule("email_opt_out", "opt_in_email", steps=[Step("boolean", {"negate": True})]),
        rule("sms_opt_out", "opt_in_sms", steps=[Step("boolean", {"negate": True})]),
        rule("phone_opt_out", "opt_in_phone", steps=[Step("boolean", {"negate": True})]),
        rule("created", "created_at", steps=[Step("date")]),
        rule("updated", "updated_at", steps=[Step("date", {"output": "datetime"})]),
        rule("source", steps=[Step("constant", {"value": "DMS"})]),
    )
)  # fmt: skip


def main() -> None:
    assert len(MAPPING.rules) == 25
    t = time.perf_counter()
    df = build_dataset(ROWS, seed=42).tables["dms_customers"]
    print(f"generated {len(df):,} DMS customers in {time.perf_counter() - t:.1f} s")
    runs, cpu = [], []
    for label in ("cold", "warm"):
        t, c = time.perf_counter(), time.process_time()
        result = apply_mapping(df, MAPPING, "customer_id")
        elapsed = time.perf_counter() - t
        runs.append(elapsed)
        cpu.append(time.process_time() - c)
        print(
            f"{label}: {len(df):,} rows x 25 rules in {elapsed:.2f} s = "
            f"{len(df) / elapsed:,.0f} rows/s, {len(result.errors):,} row errors"
        )
    rss = psutil.Process().memory_info().rss  # Linux has no peak via psutil; sample at end
    try:
        import resource

        rss = max(rss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    except ImportError:  # Windows
        pass
    print(json.dumps({
        "bench": "mapping", "rows": len(df), "rules": 25,
        "cold_s": round(runs[0], 3), "warm_s": round(runs[1], 3),
        "cold_rows_per_s": round(len(df) / runs[0]), "warm_rows_per_s": round(len(df) / runs[1]),
        "target_s": 1.0, "peak_rss_mb": round(rss / 1e6, 1),
        # on a shared machine the wall time means little without the load; CPU seconds
        # (this process only) are steadier there
        "cold_cpu_s": round(cpu[0], 3), "warm_cpu_s": round(cpu[1], 3), "load_1m": _load(),
    }))  # fmt: skip


def _load() -> float | None:
    """The 1-minute load average (None where the OS has none, e.g. Windows)."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


if __name__ == "__main__":
    main()
