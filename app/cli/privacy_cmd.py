"""``privacy erase --customer KEY [--dry-run] | export --customer KEY [--out FILE] |
requests``: a person's erasure and access requests (admin only).

Exit codes of ``erase``: 0 erased (or a dry run that found them), 1 partly (a system
refused to delete them, or a file could not be cleaned: the output says what is left),
2 not found. ``export``: 0 written, 2 not found."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.context import CliContext
from app.services.audit import current_os_user
from app.services.privacy import ErasureReport, erase, export_person, requests
from app.sync.run_guard import refuse_while_running

KEY_HELP = "the DMS customer number (any system's customer id works) or the golden id"


def register(p: argparse.ArgumentParser) -> None:
    """Add this command's arguments to its parser."""
    sub = p.add_subparsers(dest="privacy_command", metavar="ACTION", required=True)
    er = sub.add_parser(
        "erase",
        help="erase a person everywhere Rooftop Sync keeps them (GDPR/CCPA)",
        description="Finds the person, asks the systems that can to delete them (CRM, "
        "Klaviyo), anonymises them in the database, logs, archives and exports, and keeps "
        "a keyed-hash tombstone so the next sync does not bring them back. Exit 0 erased, "
        "1 partly (see what is left), 2 not found.",
    )
    er.add_argument("--customer", required=True, metavar="KEY", help=KEY_HELP)
    er.add_argument("--dry-run", action="store_true", help="say what would happen; change nothing")
    er.set_defaults(handler=_erase, admin_only=True)
    ex = sub.add_parser("export", help="write everything kept about a person to a JSON file")
    ex.add_argument("--customer", required=True, metavar="KEY", help=KEY_HELP)
    ex.add_argument("--out", type=Path, metavar="FILE", help="default: exports/ in the data folder")
    ex.set_defaults(handler=_export, admin_only=True)
    rq = sub.add_parser("requests", help="the register of erasure and access requests")
    rq.set_defaults(handler=_requests, admin_only=True)


def _erase(ctx: CliContext) -> int:
    args = ctx.args
    if not args.dry_run:
        refuse_while_running(ctx.store)
    report = erase(
        ctx.store,
        args.customer,
        dry_run=args.dry_run,
        requested_by=f"{current_os_user()} (command line)",
    )
    _print(report)
    return report.exit_code


def _print(report: ErasureReport) -> None:
    if report.status == "not_found":
        print(f"Nobody here is known by that key. Recorded as {report.ref} (not found).")
        return
    verb = "Would erase" if report.status == "dry_run" else "Erased"
    state = " — PARTLY, see below" if report.status == "partly" else ""
    print(f"{verb} {report.ref}{state}.")
    print(f"  Held in {len(report.held)} record(s):")
    for record in report.held[:40]:
        print(f"    {record.system}: {record.entity} {record.key}")
    if len(report.held) > 40:
        print(f"    … and {len(report.held) - 40} more")
    done = ", ".join(f"{n:,} {place}" for place, n in sorted(report.counts.items()))
    anonymised = "Would anonymise" if report.status == "dry_run" else "Anonymised"
    print(f"  {anonymised}: {done or 'nothing'}")
    for d in report.deletions:
        print(f"  {d.connection}: {d.status} — {d.message}")
        for ident in d.manual:
            print(f"    delete by hand in {d.connection}: {ident}")
    print(f"  Tombstones: {report.tombstones} keyed hash(es), so no later sync brings them back.")
    for kind, paths in (("cleaned", report.files.changed), ("deleted", report.files.deleted)):
        for path in paths:
            print(f"  File {kind}: {path}")
    for path in report.files.left:
        print(f"  STILL HOLDS THEM (delete it by hand): {path}")
    for backup in report.backups:
        print(f"  Database backup kept until it ages out: {backup}")
    for problem in report.problems:
        print(f"  Note: {problem}")
    if report.status != "dry_run":
        print(
            f"Keep {report.ref} with the request: it is the only link between this erasure "
            "and the person (nothing here says whom it was about)."
        )


def _export(ctx: CliContext) -> int:
    report = export_person(
        ctx.store,
        ctx.args.customer,
        ctx.args.out,
        requested_by=f"{current_os_user()} (command line)",
    )
    if not report.found:
        print(f"Nobody here is known by that key. Recorded as {report.ref} (not found).")
        return report.exit_code
    parts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in (report.sections or {}).items())
    print(f"Wrote {report.path} ({report.ref}): {parts}.")
    return 0


def _requests(ctx: CliContext) -> int:
    rows = requests(ctx.store)
    if not rows:
        print("No privacy requests yet.")
        return 0
    for ref, action, status, who, at in rows:
        print(f"{ref}  {action:<6} {status:<10} {at.astimezone():%Y-%m-%d %H:%M}  {who}")
    return 0
