"""``sandbox generate`` and ``sandbox serve``: the demo dealership from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli.context import CliContext
from app.sandbox.demo import DEMO_CUSTOMERS, DEMO_SEED, install_demo, reset_demo_memory


def register(p: argparse.ArgumentParser) -> None:
    """Add this command's arguments to its parser."""
    ssub = p.add_subparsers(dest="sandbox_command", metavar="ACTION", required=True)

    gen = ssub.add_parser("generate", help="write the demo data set as CSV files")
    gen.add_argument("--customers", type=int, default=DEMO_CUSTOMERS)
    gen.add_argument("--seed", type=int, default=DEMO_SEED)
    gen.add_argument("--out", type=Path, required=True, metavar="DIR")
    gen.set_defaults(handler=_generate)

    serve = ssub.add_parser(
        "serve",
        help="start the simulated DMS, CRM, website and marketing servers on 127.0.0.1",
    )
    serve.add_argument("--customers", type=int, default=DEMO_CUSTOMERS)
    serve.add_argument("--seed", type=int, default=DEMO_SEED)
    serve.add_argument(
        "--faults",
        default="",
        metavar="SPEC",
        help="e.g. error_rate=0.1,rate_limit_rate=0.05,latency_ms=5 or crm:error_rate=0.2",
    )
    serve.add_argument(
        "--port-file", type=Path, metavar="FILE", help="write the servers' URLs here (JSON)"
    )
    serve.add_argument(
        "--no-profiles",
        action="store_true",
        help="do not create the demo connections and flows in the data folder",
    )
    serve.set_defaults(handler=_serve, admin_only=True)


def _generate(ctx: CliContext) -> int:
    from app.sandbox.generator import generate

    def progress(step: str, done: int, total: int) -> None:
        if sys.stdout.isatty():
            print(f"\r[{done}/{total}] {step}".ljust(60), end="", flush=True)

    summary = generate(ctx.args.customers, ctx.args.seed, ctx.args.out, progress)
    if sys.stdout.isatty():
        print()
    for table, rows in summary.rows.items():
        print(f"  {table:<26} {rows:>10,} rows")
    print(f"Wrote the demo dealership to {summary.out_dir} in {summary.seconds:.1f} s.")
    return 0


def _serve(ctx: CliContext) -> int:
    from app.sandbox.generator import build_dataset
    from app.sandbox.servers import serve_forever

    args = ctx.args
    print(f"Generating {args.customers:,} customers (seed {args.seed})…", flush=True)
    dataset = build_dataset(args.customers, args.seed)
    port_file = args.port_file or (ctx.paths.sandbox_dir / "servers.json")
    ctx.paths.sandbox_dir.mkdir(parents=True, exist_ok=True)

    def ready(payload: dict[str, Any]) -> None:
        for name, info in payload["servers"].items():
            print(f"  {name:<10} {info['url']}")
        if not args.no_profiles:
            print(reset_demo_memory(ctx.store).describe())
            installed = install_demo(ctx.store, payload)
            print(f"Demo connections and flows are set up in {ctx.paths.data_dir}:")
            print("  " + ", ".join(installed.flows))
        print(f"Servers are listed in {port_file}. Stop with Ctrl+C.", flush=True)

    serve_forever(dataset, args.faults, args.seed, port_file, ctx.paths.sandbox_dir, ready)
    print("Stopped.")
    return 0
