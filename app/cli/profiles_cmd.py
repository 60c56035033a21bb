"""``profiles list | export FILE | import FILE | test NAME | preview NAME STREAM``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.cli.context import CliContext
from app.connectors.errors import AuthError, DeliveryError, ServerRefusedError
from app.services.preview import parse_since, preview_profile
from app.services.profile_transfer import export_profiles, import_profiles
from app.services.profiles import ProfileService


def register(p: argparse.ArgumentParser) -> None:
    """Add this command's arguments to its parser."""
    psub = p.add_subparsers(dest="profiles_command", metavar="ACTION", required=True)

    ls = psub.add_parser("list", help="list connection profiles")
    ls.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ls.set_defaults(handler=_list)

    ex = psub.add_parser("export", help="write profiles to a JSON file (secrets never included)")
    ex.add_argument("file", type=Path)
    ex.add_argument("--name", action="append", help="export only this profile (repeatable)")
    ex.set_defaults(handler=_export, admin_only=True)

    im = psub.add_parser("import", help="read profiles from a JSON file; secrets go to the keyring")
    im.add_argument("file", type=Path)
    im.add_argument("--replace", action="store_true", help="replace profiles with the same name")
    im.set_defaults(handler=_import, admin_only=True)

    te = psub.add_parser("test", help="test a profile's connection")
    te.add_argument("name")
    te.set_defaults(handler=_test, admin_only=True)

    pv = psub.add_parser(
        "preview",
        help="read a few records of one stream",
        description="Reads up to --limit records of one stream and prints them. Exit 0 read; "
        "1 the server answered with an error; 2 no such profile or stream, bad arguments, "
        "--since on a stream that cannot filter by time, or no answer.",
    )
    pv.add_argument("name", help="the connection profile")
    pv.add_argument("stream", help="e.g. customers")
    pv.add_argument("--limit", type=int, default=10, help="at most this many (default 10)")
    pv.add_argument("--since", metavar="ISO-DATETIME", help="only records changed since then")
    pv.add_argument("--json", action="store_true", help="one JSON object a line")
    pv.set_defaults(handler=_preview, admin_only=True)


def _fmt_time(value: Any) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "never"


def _list(ctx: CliContext) -> int:
    profiles = ProfileService(ctx.store).list()
    if ctx.args.json:
        rows = [
            {
                "name": p.name,
                "kind": p.kind,
                "settings": p.settings,
                "secrets_set": sorted(p.secrets_set),
                "last_test_ok": p.last_test_ok,
                "last_test_at": p.last_test_at.isoformat() if p.last_test_at else None,
            }
            for p in profiles
        ]
        print(json.dumps(rows, indent=2))
        return 0
    if not profiles:
        print("No connection profiles yet. Add one in the app, or: profiles import FILE")
        return 0
    header = ("Name", "Kind", "Last test", "Last used")
    rows_txt = [
        (
            p.name,
            p.kind_label,
            "never"
            if p.last_test_ok is None
            else ("ok " if p.last_test_ok else "FAILED ") + _fmt_time(p.last_test_at),
            _fmt_time(p.last_used_at),
        )
        for p in profiles
    ]
    widths = [max(len(r[i]) for r in [header, *rows_txt]) for i in range(4)]
    for row in [header, *rows_txt]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def _export(ctx: CliContext) -> int:
    service = ProfileService(ctx.store)
    ids = None
    if ctx.args.name:
        ids = [service.get_by_name(n).id for n in ctx.args.name]
    count = export_profiles(service, ctx.args.file, ids)
    print(f"Exported {count} profile(s) to {ctx.args.file} (secrets as keyring references only).")
    return 0


def _import(ctx: CliContext) -> int:
    report = import_profiles(ProfileService(ctx.store), ctx.args.file, replace=ctx.args.replace)
    for label, names in (
        ("Created", report.created),
        ("Replaced", report.replaced),
        ("Skipped (name exists; use --replace)", report.skipped),
    ):
        if names:
            print(f"{label}: {', '.join(names)}")
    for warning in report.warnings:
        print(f"Warning: {warning}")
    if not (report.created or report.replaced or report.skipped or report.warnings):
        print("The file holds no profiles.")
    return 1 if report.warnings else 0


def _test(ctx: CliContext) -> int:
    service = ProfileService(ctx.store)
    profile = service.get_by_name(ctx.args.name)
    result = service.test(profile.id)
    print(("OK: " if result.ok else "FAILED: ") + result.message)
    return 0 if result.ok else 1


def _preview(ctx: CliContext) -> int:
    args = ctx.args
    service = ProfileService(ctx.store)
    profile = service.get_by_name(args.name)
    since = parse_since(args.since) if args.since else None
    try:
        result = preview_profile(service, profile.id, args.stream, args.limit, since)
    except (AuthError, ServerRefusedError) as exc:  # the server answered, with an error
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except DeliveryError as exc:  # 1 when it kept answering with errors, 2 when it never did
        print(f"Error: {exc}", file=sys.stderr)
        return 1 if exc.last_status is not None else 2
    if args.json:
        for row in result.rows:
            print(json.dumps(row, ensure_ascii=False))
        return 0
    if not result.rows:
        print(f"No {args.stream} records" + (f" changed since {since}." if since else "."))
        return 0
    _print_table(result.columns, result.rows)
    print(f"{len(result.rows)} record(s) of {args.stream} from {profile.name}.")
    return 0


def _print_table(columns: list[str], rows: list[dict[str, str]]) -> None:
    """Records one per line; a column no wider than 24 characters, empty columns left out."""
    shown = [c for c in columns if any(r.get(c) for r in rows)] or columns
    cells = [[_cell(r.get(c, "")) for c in shown] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(shown)]
    print("  ".join(c.ljust(w) for c, w in zip(shown, widths, strict=True)).rstrip())
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def _cell(value: str) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= 24 else text[:23] + "…"
