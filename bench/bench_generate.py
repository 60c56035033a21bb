"""Benchmark the demo-dealership generator: build + write all CSVs + the DMS extract.

Usage: python bench/bench_generate.py [--customers 200000] [--seed 42] [--keep DIR]
Prints per-step times, rows per table and peak RSS; the last line is one JSON object.
Target: 200,000 customers in under 60 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.sandbox.generator import generate


def _peak_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB (macOS in bytes; this bench targets the Linux CI box).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", type=Path, default=None, help="write here and keep the files")
    args = parser.parse_args(argv)

    def progress(step: str, done: int, total: int) -> None:
        print(f"[{done}/{total}] {step}", flush=True)

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rooftop-bench-") as tmp:
        out = args.keep or Path(tmp)
        summary = generate(args.customers, args.seed, out, progress=progress)
        size_mb = sum(p.stat().st_size for p in out.rglob("*.csv")) / 2**20
    wall = time.perf_counter() - started

    print("\nstep times (s):")
    for step, seconds in summary.step_seconds.items():
        print(f"  {step:<34} {seconds:7.2f}")
    print("\nrows:")
    for table, rows in summary.rows.items():
        print(f"  {table:<34} {rows:>10,}")
    print(f"  {'total':<34} {summary.rows_total:>10,}")
    print(f"\nCSV size: {size_mb:.0f} MiB, peak RSS: {_peak_rss_mb():.0f} MiB")
    print(
        json.dumps(
            {
                "customers": args.customers,
                "seed": args.seed,
                "seconds": round(wall, 2),
                "rows_total": summary.rows_total,
                "peak_rss_mb": round(_peak_rss_mb()),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
