"""``setup export --out FILE`` and ``setup import FILE [--dry-run] [--set KEY=VALUE …]
[--secrets FILE]``: one rooftop's connections, flows, feeds and alert rules in one file.

Exit codes of ``import``: 0 done, 1 done with warnings (e.g. a secret still to enter),
2 refused (nothing changed)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from app.cli.context import CliContext
from app.transfer.setup_files import export_setup, import_setup


def register(p: argparse.ArgumentParser) -> None:
    """Add this command's arguments to its parser."""
    ssub = p.add_subparsers(dest="setup_command", metavar="ACTION", required=True)
    ex = ssub.add_parser("export", help="write this rooftop's whole setup to one file")
    ex.add_argument("--out", required=True, type=Path, metavar="FILE")
    ex.set_defaults(handler=_export, admin_only=True)
    im = ssub.add_parser("import", help="set this computer up from a setup file")
    im.add_argument("file", type=Path)
    im.add_argument("--dry-run", action="store_true", help="say what would change; change nothing")
    im.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="adapt the file for this store, e.g. connection.Store DMS.base_url=https://… or "
        "connection.Store DMS.api_base_urls.customers=https://… (repeatable)",
    )
    im.add_argument(
        "--secrets",
        type=Path,
        metavar="FILE",
        help='secret values: {"Connection name": {"api_key": "…"}} (delete it afterwards)',
    )
    im.set_defaults(handler=_import, admin_only=True)


def _export(ctx: CliContext) -> int:
    document = export_setup(ctx.store, ctx.args.out)
    print(
        f"Wrote {len(document['connections'])} connection(s) and {len(document['flows'])} "
        f"flow(s) and feed(s) to {ctx.args.out}. Secrets are only keyring references."
    )
    return 0


def _ask(connection: str, label: str) -> str | None:
    value = getpass.getpass(f"{label} for {connection} (Enter to skip): ")
    return value or None


def _import(ctx: CliContext) -> int:
    args = ctx.args
    prompt = _ask if sys.stdin.isatty() and not args.dry_run else None
    report = import_setup(
        ctx.store,
        args.file,
        dry_run=args.dry_run,
        sets=args.set,
        secrets_file=args.secrets,
        prompt=prompt,
    )
    print("Would:" if args.dry_run else "Done:")
    for line in report.planned:
        print(f"  {line}")
    for warning in report.warnings:
        print(f"Warning: {warning}")
    return 1 if report.warnings else 0
