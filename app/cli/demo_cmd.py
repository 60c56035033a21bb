"""``demo``: open the app on the demo dealership (simulated systems start in-process), or
with ``--headless`` run every demo flow once, print a summary and save screenshots."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.context import CliContext
from app.cli.flow_cmd import STATUS_TEXT
from app.errors import RooftopError
from app.sandbox.demo import DEMO_CUSTOMERS, DEMO_SEED
from app.sync.engine import RunSummary


def register(p: argparse.ArgumentParser) -> None:
    """Add this command's arguments to its parser."""
    p.add_argument("--headless", action="store_true", help="no window: run, report, exit")
    p.add_argument("--screenshots", type=Path, metavar="DIR", help="with --headless")
    p.add_argument("--customers", type=int, default=DEMO_CUSTOMERS)
    p.add_argument("--seed", type=int, default=DEMO_SEED)
    p.add_argument(
        "--faults", default="", metavar="SPEC", help="fault injection, see sandbox serve"
    )
    p.set_defaults(handler=run)


def _line(summary: RunSummary) -> str:
    c = summary.counts
    text = (
        f"  {summary.flow:<28} {STATUS_TEXT.get(summary.status, summary.status):<22} "
        f"read {c['read']:>6,}  new {c['created']:>6,}  updated {c['updated']:>5,}  "
        f"unchanged {c['unchanged']:>5,}  parked {c['parked']:>4,}"
    )
    return text + (f"\n      {summary.error}" if summary.error else "")


def _find_duplicates(ctx: CliContext) -> int:
    """What "Find duplicates" does on the Duplicates screen: read the customers of every
    demo connection and fill the review queue (so its screenshot shows real clusters)."""
    from app.services.matching_queue import MatchingQueue
    from app.services.matching_sources import load_from_profiles
    from app.services.profiles import ProfileService

    queue = MatchingQueue(ctx.store)
    load_from_profiles(queue, ProfileService(ctx.store))
    return queue.scan()


def run(ctx: CliContext) -> int:
    from app.sandbox.demo_session import DemoSession

    args = ctx.args
    session = DemoSession(
        ctx.store, ctx.paths, customers=args.customers, seed=args.seed, faults=args.faults
    )
    print(f"Starting the demo dealership ({args.customers:,} customers)…", flush=True)
    session.start()
    if session.memory_reset is not None:
        print(session.memory_reset.describe(), flush=True)
    ctx.demo = session
    try:
        if not args.headless:
            if ctx.gui is None:
                raise RooftopError("this build has no window; use demo --headless")
            return ctx.gui(ctx)
        print("Running every demo flow once:", flush=True)
        summaries = session.run_all(on_done=lambda s: print(_line(s), flush=True))
        print(f"Find duplicates: {_find_duplicates(ctx):,} possible duplicates to review")
        if args.screenshots:
            if ctx.screenshotter is None:
                raise RooftopError("this build cannot take screenshots")
            saved = ctx.screenshotter(ctx.paths, args.screenshots)
            print(f"Saved {len(saved)} screenshots of the main screens to {args.screenshots}")
        worst = max((s.exit_code for s in summaries), default=0)
        print("The demo ran end to end." if worst < 2 else "A demo flow failed (see above).")
        return 0 if worst < 2 else 2
    finally:
        session.stop()
