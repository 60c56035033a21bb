"""Evaluate every built-in marketing segment over 200,000 generated DMS customers with
their vehicles, deals, repair orders and warranties; print seconds per segment, the
total, and peak RSS. The last line is one JSON object.

The data set is generated once into a folder (in a child process, so the generator's
own memory is not counted) and read back as the app reads an extract folder: the
figures are reading + parsing + evaluating, in this process. Target: all segments in
under 2 s on 2 cores, under 1 GB.

    python bench/bench_segments.py [CUSTOMERS] [--folder DIR]
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
from datetime import date
from pathlib import Path

SEED = 42
TODAY = date(2026, 11, 1)  # the generator's "now"


def _generate(customers: int, folder: Path) -> None:
    code = (
        "import sys; from pathlib import Path; "
        "from app.sandbox.generator import build_dataset; "
        "from app.sandbox.generator.generate import write_dataset; "
        f"write_dataset(build_dataset({customers}, seed={SEED}), Path(sys.argv[1]))"
    )
    subprocess.run([sys.executable, "-c", code, str(folder)], check=True)
    (folder / "DONE").write_text(str(customers))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("customers", nargs="?", type=int, default=200_000)
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.gettempdir()) / f"bench-segments-{args.customers}-{SEED}"
    if not (folder / "DONE").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        _generate(args.customers, folder)
        print(
            f"generated {args.customers:,} customers into {folder} in "
            f"{time.perf_counter() - t:.1f} s (not timed below)"
        )

    from app.segments.builtin import Context
    from app.segments.data import from_folder
    from app.segments.evaluate import evaluate
    from app.segments.model import builtin_segments
    from app.segments.valuation import load_valuation

    t0 = time.perf_counter()
    data = from_folder(folder, today=TODAY)
    valuation = load_valuation(folder / "valuation_guide.csv")
    read_s = time.perf_counter() - t0
    t = time.perf_counter()
    ctx = Context(data, valuation)  # parses dates and money once, for every segment
    parse_s = time.perf_counter() - t
    sizes = {
        k: len(getattr(data, k))
        for k in ("customers", "vehicles", "deals", "repair_orders", "warranties")
    }
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
    print(f"read CSVs {read_s:.2f} s, parse {parse_s:.2f} s")
    seconds: dict[str, float] = {}
    counts: dict[str, int] = {}
    for seg in builtin_segments():
        t = time.perf_counter()
        ev = evaluate(seg, data, valuation, ctx)
        seconds[seg.name] = time.perf_counter() - t
        counts[seg.name] = ev.count
        print(f"  {seg.name:<28} {ev.count:>8,} members  {seconds[seg.name]:.3f} s")
    segments_s = sum(seconds.values())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"all {len(seconds)} segments: {segments_s:.2f} s (+ parse {parse_s:.2f} s = "
        f"{segments_s + parse_s:.2f} s; reading the CSVs {read_s:.2f} s); "
        f"peak RSS {peak_mb:,.0f} MB; load {os.getloadavg()[0]:.2f} on "
        f"{os.cpu_count()} cores"
    )
    print(
        json.dumps(
            {
                "bench": "segments",
                "customers": args.customers,
                "rows": sizes,
                "segments": len(seconds),
                "seconds_per_segment": {k: round(v, 3) for k, v in seconds.items()},
                "members": counts,
                "segments_s": round(segments_s, 3),
                "parse_s": round(parse_s, 3),
                "evaluate_total_s": round(segments_s + parse_s, 3),
                "read_csv_s": round(read_s, 3),
                "peak_rss_mb": round(peak_mb, 1),
                "target": {"total_s": 2.0, "peak_rss_mb": 1024},
                "load_avg_1m": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
