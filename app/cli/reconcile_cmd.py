"""``flow reconcile | shadow | go-live``: prove a flow's two systems agree.

``flow reconcile NAME [--json] [--out FILE.csv] [--resync]``: exit 0 the systems agree,
1 they differ, 2 the comparison could not run. With ``--json`` the last line is one
object: ``{"only_in_source": [...], "only_in_destination": [...], "different": [...],
"same": N}``. ``--out`` writes one CSV row per record that differs. ``--resync`` sends the
missing and different records through the engine, then reconciles again (the exit code
is the second comparison's). An inventory feed is compared with the DMS's stock."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from app.cli.context import CliContext
from app.errors import RooftopError
from app.feeds.config import is_feed
from app.scheduling.schedule import Schedule, local_tz
from app.services.audit import current_os_user
from app.services.flows import FlowService
from app.store import Store
from app.sync import reconcile_log
from app.sync.reconcile_findings import GROUP_WORDS, ReconcileProgress
from app.sync.reconciliation import ReconcileResult, reconcile, resync
from app.sync.shadow import set_shadow

SHOWN_PER_GROUP = 20


def register_flow_actions(fsub: argparse._SubParsersAction) -> None:
    """Add ``reconcile``, ``shadow`` and ``go-live`` to the ``flow`` command."""
    rc = fsub.add_parser(
        "reconcile",
        help="compare the flow's two systems record by record (exit 0 agree, 1 differ)",
    )
    rc.add_argument("name", help="flow id such as customers-dms-to-crm, or its name")
    rc.add_argument("--json", action="store_true", help="end with one JSON line of the keys")
    rc.add_argument("--out", type=Path, metavar="FILE.csv", help="one CSV row per difference")
    rc.add_argument(
        "--resync",
        action="store_true",
        help="send the missing and different records again, then compare again",
    )
    rc.add_argument(
        "--schedule",
        metavar="CRON",
        help='reconcile by itself on this schedule, e.g. "0 3 * * 0" (Sundays 03:00; the '
        "reconcile_differences alert says when it finds differences); 'off' stops it",
    )
    rc.set_defaults(handler=_reconcile)
    sh = fsub.add_parser(
        "shadow", help="put a flow in shadow mode: it plans and reports, and sends nothing"
    )
    sh.add_argument("name")
    sh.set_defaults(handler=_shadow, shadow=True)
    live = fsub.add_parser("go-live", help="take a flow out of shadow mode: it sends again")
    live.add_argument("name")
    live.set_defaults(handler=_shadow, shadow=False)


class _Ticker:
    def __init__(self) -> None:
        self.last = 0.0
        self.tty = sys.stdout.isatty()

    def __call__(self, p: ReconcileProgress) -> None:
        now = time.monotonic()
        if not self.tty or (p.phase != "done" and now - self.last < 0.2):
            return
        self.last = now
        print("\r" + p.line()[:150].ljust(150), end="", flush=True)

    def close(self) -> None:
        if self.tty:
            print()


def print_report(result: ReconcileResult) -> None:
    r = result.report
    verdict = {
        "agree": "the systems agree",
        "differ": "the systems differ",
        "failed": "the comparison could not run",
        "cancelled": "cancelled",
    }.get(r.status, r.status)
    took = (r.finished_at - r.started_at).total_seconds() if r.finished_at else 0.0
    print(f"{r.flow_name}: {verdict} (report #{r.id}, {took:.1f} s)")
    if r.error:
        print(f"Reason: {r.error}")
        return
    how = "listed whole" if r.method == "list" else "linked records looked up by id"
    print(f"  read {r.source_count:,} in the source, {r.dest_count:,} in the destination ({how})")
    print(
        f"  only in the source {r.only_in_source:,} · only in the destination "
        f"{r.only_in_destination:,} · different {r.different:,} · the same {r.same:,}"
    )
    if r.field_counts:
        top = ", ".join(f"{k} ({v:,})" for k, v in list(r.field_counts.items())[:8])
        print(f"  fields that differ: {top}")
    for note in r.notes:
        print(f"  note: {note}")
    for group in ("only_in_source", "only_in_destination", "different"):
        rows = [f for f in result.findings if f.group == group]
        if not rows:
            continue
        print(f"{GROUP_WORDS[group]}:")
        for f in rows[:SHOWN_PER_GROUP]:
            who = f.key or "—"
            where = f" → {f.dest_id}" if f.dest_id else ""
            what = ", ".join(
                f"{d.field} {d.source!r}≠{d.destination!r}"
                + (" (destination owns it)" if d.owner == "destination" else "")
                for d in f.diffs
            )
            print(f"  {who}{where}: {what or f.note}")
        if len(rows) > SHOWN_PER_GROUP:
            print(f"  … and {len(rows) - SHOWN_PER_GROUP:,} more (--out FILE.csv lists all)")


def _set_schedule(ctx: CliContext) -> int:
    """``--schedule CRON|off``: the flow's scheduled reconciliation (the running scheduler
    picks it up within a minute)."""
    text = str(ctx.args.schedule).strip()
    flows = FlowService(ctx.store)
    if text.lower() in ("off", "none", ""):
        flow = flows.set_option(ctx.args.name, "reconcile", None)
        print(f"{flow.name}: no scheduled reconciliation.")
        return 0
    plan = Schedule("cron", cron=text)
    try:
        plan.trigger(local_tz())
    except RooftopError as exc:
        print(f"That schedule cannot be used: {exc}")
        return 2
    flow = flows.set_option(ctx.args.name, "reconcile", {"schedule": plan.to_json()})
    print(f"{flow.name}: reconciled {plan.describe()}.")
    return 0


def _reconcile(ctx: CliContext) -> int:
    if ctx.args.schedule is not None:
        return _set_schedule(ctx)
    who = f"{current_os_user()} (command line)"
    flow = FlowService(ctx.store).get(ctx.args.name)
    if is_feed(flow.options):
        from app.feeds.reconcile import print_feed_check, reconcile_feed

        check = reconcile_feed(ctx.store, flow.id, triggered_by=who)
        print_feed_check(check)
        if ctx.args.json:
            print(json.dumps(check.as_json()))
        return check.exit_code
    result = _one(ctx, flow.id, who)
    if ctx.args.resync and result.report.status == "differ":
        summary = resync(ctx.store, result.report.id, triggered_by=who)
        if summary is not None:
            c = summary.counts
            print(
                f"Re-synced {c['read']:,} records (run #{summary.run_id}: {summary.status}; "
                f"created {c['created']:,}, updated {c['updated']:,}, parked {c['parked']:,})."
            )
        print("Comparing again…")
        result = _one(ctx, flow.id, who)
    if ctx.args.out:
        n = result.write_csv(ctx.args.out)
        print(f"Wrote {n:,} differing records to {ctx.args.out}.")
    if result.report.status == "differ" and not ctx.args.resync:
        print(
            "Send the missing and different ones again: flow reconcile NAME --resync "
            "(or Re-sync these on the flow's Reconcile tab)."
        )
    if ctx.args.json:
        print(json.dumps(result.as_json()))
    return result.exit_code


def _one(ctx: CliContext, flow_id: int, who: str) -> ReconcileResult:
    ticker = _Ticker()
    try:
        result = reconcile(ctx.store, flow_id, trigger="manual", triggered_by=who, progress=ticker)
    finally:
        ticker.close()
    print_report(result)
    return result


def print_shadow(store: Store, flow_ref: str) -> None:
    """After a shadow run: what it would have sent, by count and per record."""
    flow = FlowService(store).get(flow_ref)
    report = reconcile_log.latest(store, flow.id, "shadow")
    if report is None or report.run_id is None:
        return
    print(
        f"Shadow report #{report.id}: would create {report.only_in_source:,}, would update "
        f"{report.different:,}, {report.same:,} need nothing, {report.only_in_destination:,} "
        "only in the destination (not touched)."
    )
    if report.field_counts:
        fields = ", ".join(f"{k} ({v:,})" for k, v in report.field_counts.items())
        print(f"  fields it would change: {fields}")
    rows = reconcile_log.findings(
        store, report.run_id, groups=["create", "update"], limit=SHOWN_PER_GROUP
    )
    for row in rows:
        where = f" → {row.dest_id}" if row.dest_id else ""
        print(f"  {row.group:<6} {row.key}{where}: {row.text}")
    if report.only_in_source + report.different > len(rows):
        print(f"  … and {report.only_in_source + report.different - len(rows):,} more")
    print("When it shows only what you expect: flow go-live NAME")


def _shadow(ctx: CliContext) -> int:
    info = set_shadow(ctx.store, ctx.args.name, ctx.args.shadow)
    if ctx.args.shadow:
        print(
            f"{info.name} is in shadow mode: its runs read, map and plan, send nothing, and "
            "report what they would change (flow run NAME, or the Shadow tab)."
        )
    else:
        print(f"{info.name} is live: its runs send to the destination again.")
    return 0
