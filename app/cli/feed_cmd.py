"""``feed list | export --format google|meta|website --out FILE [--connection NAME] |
publish NAME|--all | export-config NAME --out FILE | import-config FILE [--replace]``.

``export`` reads the inventory from the data folder's DMS connection (the first DMS
REST or extract connection, or ``--connection``) and writes one feed file; it uses the
dealer details and website columns of an existing feed of that format, overridable with
the ``--dealer-*`` options. ``publish`` delivers a configured feed and records it in the
sync log. Exit codes: 0 all published, 1 published with units left out, 2 failed.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from app.cli.context import CliContext
from app.feeds.config import CHANNEL_LABELS
from app.feeds.publish import FeedRunSummary, list_feeds, publish_all, publish_feed
from app.feeds.setup import config_for_export, export_feed
from app.formats.feeds.common import Exclusion
from app.services.audit import current_os_user
from app.transfer.flow_files import export_feed_config, import_feed_config

DEALER_OPTIONS = {
    "store_code": "store code (Google store_code)",
    "name": "dealership name",
    "street": "street address",
    "city": "city",
    "region": "state, e.g. IL",
    "postal_code": "ZIP code",
    "vdp_url": "vehicle page address with {vin}, e.g. https://dealer.com/inventory/{vin}",
}


def register(p: argparse.ArgumentParser) -> None:
    """Add this command's arguments to its parser."""
    fsub = p.add_subparsers(dest="feed_command", metavar="ACTION", required=True)
    ls = fsub.add_parser("list", help="list the configured feeds and their last run")
    ls.set_defaults(handler=_list)
    ex = fsub.add_parser("export", help="write one feed file from the DMS inventory")
    ex.add_argument("--format", required=True, choices=tuple(CHANNEL_LABELS), dest="channel")
    ex.add_argument("--out", required=True, type=Path, help="file to write")
    ex.add_argument("--connection", help="DMS connection name (default: the first DMS one)")
    ex.add_argument("--tsv", action="store_true", help="tab-separated instead of the default")
    for name, label in DEALER_OPTIONS.items():
        ex.add_argument(f"--dealer-{name.replace('_', '-')}", dest=f"dealer_{name}", help=label)
    ex.set_defaults(handler=_export)
    xc = fsub.add_parser("export-config", help="write a feed's settings to a file")
    xc.add_argument("name", help="feed id such as feed-google, or its name")
    xc.add_argument("--out", required=True, type=Path, metavar="FILE")
    xc.set_defaults(handler=_export_config, admin_only=True)
    ic = fsub.add_parser("import-config", help="create a feed from a settings file (checked first)")
    ic.add_argument("file", type=Path)
    ic.add_argument("--replace", action="store_true", help="replace a feed with the same id")
    ic.set_defaults(handler=_import_config, admin_only=True)
    pub = fsub.add_parser("publish", help="publish a feed now (or --all)")
    pub.add_argument("name", nargs="?", help="feed id such as feed-google, or its name")
    pub.add_argument("--all", action="store_true", help="publish every enabled feed")
    pub.set_defaults(handler=_publish)


def _list(ctx: CliContext) -> int:
    feeds = list_feeds(ctx.store)
    if not feeds:
        print("No feeds yet. Start the demo, or set one up in the app.")
        return 0
    for f in feeds:
        last = (
            f"{f.last_run_status} {f.last_run_at.astimezone():%Y-%m-%d %H:%M}"
            if f.last_run_at
            else "never"
        )
        every = int(f.schedule.get("interval_s", 0)) // 60
        print(f"{f.slug:<24} {f.name:<44} every {every} min, {f.mode:<8} last: {last}")
    return 0


def _print_excluded(items: list[Exclusion], limit: int = 20) -> None:
    for e in items[:limit]:
        who = e.vin or e.stock_number or "?"
        print(f"  left out {who}: {e.reason}")
    if len(items) > limit:
        print(f"  … and {len(items) - limit:,} more (see the sync log)")


def _export(ctx: CliContext) -> int:
    args = ctx.args
    config, mapping = config_for_export(ctx.store, args.channel)
    overrides = {
        k: getattr(args, f"dealer_{k}") for k in DEALER_OPTIONS if getattr(args, f"dealer_{k}")
    }
    dealer = dataclasses.replace(config.dealer, **overrides)
    file_format = "tsv" if args.tsv else config.file_format
    config = dataclasses.replace(config, dealer=dealer, file_format=file_format)
    feed = export_feed(
        ctx.store, args.channel, args.out, connection=args.connection, config=config,
        mapping=mapping,
    )  # fmt: skip
    print(
        f"Wrote {len(feed.rows):,} vehicles to {args.out} "
        f"({CHANNEL_LABELS[args.channel]}, {feed.file_format.upper()})."
    )
    _print_excluded(feed.excluded)
    return 1 if feed.excluded else 0


def _publish(ctx: CliContext) -> int:
    user = f"{current_os_user()} (command line)"
    if ctx.args.all:
        summaries = publish_all(ctx.store, trigger="manual", triggered_by=user)
    elif ctx.args.name:
        summaries = [publish_feed(ctx.store, ctx.args.name, triggered_by=user)]
    else:
        print("Name a feed (see: feed list) or use --all.")
        return 2
    if not summaries:
        print("No enabled feeds to publish.")
        return 0
    for s in summaries:
        _print_summary(s)
    return max(s.exit_code for s in summaries)


def _print_summary(s: FeedRunSummary) -> None:
    print(f"{s.line()} — run #{s.run_id}, {s.elapsed_s:.1f} s")
    for vin, why in list(s.removed.items())[:20]:
        print(f"  removed {vin}: {why}")
    _print_excluded(s.excluded)


def _export_config(ctx: CliContext) -> int:
    path = export_feed_config(ctx.store, ctx.args.name, ctx.args.out)
    print(f"Wrote the settings of {ctx.args.name} to {path}.")
    return 0


def _import_config(ctx: CliContext) -> int:
    """Exit 0 done, 1 done with warnings, 2 refused (nothing changed)."""
    plan, info = import_feed_config(ctx.store, ctx.args.file, replace=ctx.args.replace)
    verb = "Replaced" if plan.existing is not None else "Created"
    print(f"{verb} feed {info.slug} ({info.name}).")
    for warning in plan.warnings:
        print(f"Warning: {warning}")
    return 1 if plan.warnings else 0
