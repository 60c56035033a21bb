"""``flow list | run | replay | dismiss | export | import | delete | pause | resume`` (and
``reconcile | shadow | go-live``, in ``reconcile_cmd``).

Exit codes of ``run`` and ``replay``: 0 everything delivered, 1 finished with records not
delivered (parked, failed or not sent) or with records still waiting for replay from
earlier runs, 2 the run failed (or could not start)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from app.cli import reconcile_cmd
from app.cli.context import CliContext
from app.scheduling.runner import run_flow_locked
from app.services import pii
from app.services.audit import current_os_user
from app.services.flows import FlowService
from app.services.retry_queue import dismiss
from app.store.job_totals import last_jobs, waiting_for_replay
from app.sync import run_log
from app.sync.engine import RunSummary, SyncEngine
from app.sync.log_replay import ReplayReport
from app.sync.progress import Progress
from app.transfer.flow_files import export_flow, import_flow

STATUS_TEXT = {
    "succeeded": "Succeeded",
    "completed_with_errors": "Completed with errors",
    "failed": "Failed",
    "cancelled": "Cancelled",
    "dry_run": "Dry run (nothing was sent)",
    "shadow": "Shadow run (nothing was sent)",
}


def register(p: argparse.ArgumentParser) -> None:
    """Add this command's arguments to its parser."""
    fsub = p.add_subparsers(dest="flow_command", metavar="ACTION", required=True)
    ls = fsub.add_parser("list", help="list flows with their last run")
    ls.add_argument("--json", action="store_true", help="print a JSON list")
    ls.set_defaults(handler=_list)
    run = fsub.add_parser("run", help="run a flow now")
    run.add_argument("name", help="flow id such as customers-dms-to-crm, or its name")
    run.add_argument("--dry-run", action="store_true", help="show what would change; send nothing")
    run.add_argument("--full", action="store_true", help="read everything, not just changes")
    run.add_argument("--key", action="append", help="re-sync only this record (repeatable)")
    run.add_argument(
        "--resend",
        action="store_true",
        help="send every record read whatever was sent before (with --full: a destination "
        "restored from a backup gets everything again)",
    )
    run.set_defaults(handler=_run)
    rp = fsub.add_parser("replay", help="send the flow's parked (failed) records again")
    rp.add_argument("name")
    rp.set_defaults(handler=_replay)
    dm = fsub.add_parser(
        "dismiss", help="take records out of the retry queue undelivered (with a reason)"
    )
    dm.add_argument("name")
    dm.add_argument("--reason", required=True, help="why: kept with the records and audited")
    dm.add_argument("--key", action="append", help="only this record (repeatable); default all")
    dm.set_defaults(handler=_dismiss)
    ex = fsub.add_parser("export", help="write a flow (mapping, schedule, options) to a file")
    ex.add_argument("name")
    ex.add_argument("--out", type=Path, metavar="FILE", help="default: <flow id>.flow.json")
    ex.set_defaults(handler=_export, admin_only=True)
    im = fsub.add_parser(
        "import",
        help="create a flow from a file (checked first; nothing changes if it has problems)",
    )
    im.add_argument("file", type=Path)
    im.add_argument("--replace", action="store_true", help="replace a flow with the same id")
    im.set_defaults(handler=_import, admin_only=True)
    de = fsub.add_parser("delete", help="delete a flow (its links and run history stay)")
    de.add_argument("name")
    de.add_argument("--force", action="store_true", help="even with records in its retry queue")
    de.set_defaults(handler=_delete, admin_only=True)
    for verb, enabled, text in (
        ("pause", False, "stop a flow's scheduled runs until resumed"),
        ("resume", True, "run a paused flow on its schedule again"),
    ):
        ps = fsub.add_parser(verb, help=text)
        ps.add_argument("name")
        ps.set_defaults(handler=_pause_or_resume, enabled=enabled, admin_only=True)
    reconcile_cmd.register_flow_actions(fsub)


def _list(ctx: CliContext) -> int:
    """The last run is the last job (all runs of a chunked re-sync, totalled); "waiting"
    counts the records in the retry queue until they are delivered or dismissed."""
    flows = FlowService(ctx.store).list()
    with ctx.store.session() as s:
        jobs, waiting = last_jobs(s), waiting_for_replay(s)
    if ctx.args.json:
        print(json.dumps([
            {
                "id": f.slug,
                "name": f.name,
                "last_run_status": jobs[f.id].status if f.id in jobs else None,
                "last_run_at": jobs[f.id].last_at.isoformat() if f.id in jobs else None,
                "last_run_errors": jobs[f.id].errors if f.id in jobs else 0,
                "waiting_for_replay": waiting.get(f.id, 0),
            }
            for f in flows
        ], indent=2))  # fmt: skip
        return 0
    if not flows:
        print(
            "No flows yet. Import one (flow import FILE), a whole setup (setup import FILE), "
            "or start the demo (sandbox serve)."
        )
        return 0
    rows = [("Id", "Name", "Mode", "Last run", "Waiting", "Mapping")]
    for f in flows:
        job = jobs.get(f.id)
        last = "never"
        if job is not None:
            errors = f" ({job.errors:,} errors)" if job.errors else ""
            last = (
                f"{STATUS_TEXT.get(job.status, job.status)}{errors} "
                f"{job.last_at.astimezone():%Y-%m-%d %H:%M}"
            )
        mode = f.mode if f.enabled else f"{f.mode} (paused)"
        wait = f"{waiting[f.id]:,}" if f.id in waiting else "0"
        rows.append((f.slug, f.name, mode, last, wait, f"v{f.mapping_version}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return 0


class _Ticker:
    """One progress line, rewritten in place on a terminal, at most every 0.2 s."""

    def __init__(self) -> None:
        self.last = 0.0
        self.tty = sys.stdout.isatty()

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        if p.phase != "done" and now - self.last < 0.2:
            return
        self.last = now
        if self.tty:
            print("\r" + p.line()[:150].ljust(150), end="", flush=True)
        elif p.phase == "done":
            print(p.line())

    def close(self) -> None:
        if self.tty:
            print()


def _print_problems(ctx: CliContext, summary: RunSummary) -> None:
    """The first records the run could not deliver, with the destination's reason."""
    undelivered = summary.counts["parked"] + summary.counts["failed"]
    if not undelivered:
        return
    with ctx.store.session() as s:
        problems = run_log.problems_of_run(s, summary.run_id)
    for key, reason in problems:
        print(f"  not delivered {key}: {reason}")
    if undelivered > len(problems):
        print(f"  … and {undelivered - len(problems):,} more (see the Sync Log)")


def _print_summary(summary: RunSummary) -> int:
    c = summary.counts
    print(
        f"{STATUS_TEXT.get(summary.status, summary.status)} — run #{summary.run_id} of "
        f"{summary.flow} in {summary.elapsed_s:.1f} s: read {c['read']:,}, created "
        f"{c['created']:,}, updated {c['updated']:,}, unchanged {c['unchanged']:,}, "
        f"parked {c['parked']:,}, failed {c['failed']:,}, conflicts {c['conflicts']:,}."
    )
    if c.get("withheld"):
        print(f"Withheld {c['withheld']:,} record(s) of people erased here (privacy requests).")
    if summary.error:
        print(f"Reason: {summary.error}")
    if c.get("removed") or c.get("not_removed"):
        print(
            f"Deleted or inactive in the source: {c.get('removed', 0):,} removed in the "
            f"destination, {c.get('not_removed', 0):,} it cannot remove (see the Sync Log)."
        )
    if summary.status == "completed_with_errors" and (
        c["parked"] or c["failed"] > len(summary.not_found)
    ):
        print("Parked records wait in the retry queue; fix the cause, then: flow replay NAME")
    for item in summary.plan[:50]:
        if item.action == "skip":
            continue
        # a terminal's scroll-back and a pasted ticket are no place for customers' details
        changes = ", ".join(
            f"{k}: {_masked(k, old)!r} -> {_masked(k, new)!r}"
            for k, (old, new) in item.diff.items()
        )
        print(f"  {item.action:<6} {item.key}: {changes}")
    if len(summary.plan) > 50:
        print(f"  … and {len(summary.plan) - 50:,} more")
    return summary.exit_code


def _masked(field: str, value: object) -> object:
    """A value as a dry run prints it: personal fields masked ('W•••', '•••76'), e-mail
    addresses and phone numbers inside other text too."""
    if pii.is_personal(field):
        return pii.mask_value(field, value)
    return pii.mask_text(value) if isinstance(value, str) else value


def _run(ctx: CliContext) -> int:
    ticker = _Ticker()
    try:
        # the flow's lock: never two runs of one flow (window, service, another shell)
        summary = run_flow_locked(
            ctx.store,
            ctx.args.name,
            dry_run=ctx.args.dry_run,
            full=ctx.args.full,
            keys=ctx.args.key,
            trigger="manual",
            triggered_by=f"{current_os_user()} (command line)",
            progress=ticker,
            resend=ctx.args.resend,
        )
    finally:
        ticker.close()
    code = _print_summary(summary)
    _print_problems(ctx, summary)
    if summary.status == "shadow":
        reconcile_cmd.print_shadow(ctx.store, summary.flow)
    return _waiting(summary, code)


def _waiting(summary: RunSummary, code: int) -> int:
    """Records still in the retry queue make the exit code 1, whatever this run did."""
    if summary.status == "dry_run" or not summary.waiting:
        return code
    print(
        f"{summary.waiting:,} record(s) of {summary.flow} wait for replay (parked by this or "
        f"an earlier run). Fix the cause, then: flow replay {summary.flow} — or take them out "
        f"with: flow dismiss {summary.flow} --reason TEXT"
    )
    return max(code, 1)


def _replay(ctx: CliContext) -> int:
    """Exit 0 only when every record that was waiting reached the destination."""
    summary = SyncEngine(ctx.store).replay(
        ctx.args.name, triggered_by=f"{current_os_user()} (command line)"
    )
    if summary.status == "succeeded" and not summary.counts["read"]:
        print(f"Nothing to replay: the retry queue of {summary.flow} is empty.")
        return 0
    _print_summary(summary)
    _print_problems(ctx, summary)
    report = ReplayReport(runs=[summary], replayed=summary.counts["read"])
    print(report.message())
    return 0 if report.all_delivered else max(1, summary.exit_code)


def _dismiss(ctx: CliContext) -> int:
    """Exit 0 when records were dismissed, 1 when none of them was waiting."""
    done = dismiss(ctx.store, ctx.args.name, reason=ctx.args.reason, keys=ctx.args.key,
                   by=f"{current_os_user()} (command line)")  # fmt: skip
    print(done.message())
    return 0 if done.count else 1


def _export(ctx: CliContext) -> int:
    flow = FlowService(ctx.store).get(ctx.args.name)
    path = ctx.args.out or Path(f"{flow.slug}.flow.json")
    export_flow(ctx.store, flow.slug, path)
    print(f"Wrote {flow.name} to {path} (connections by name; no secrets).")
    return 0


def _import(ctx: CliContext) -> int:
    """Exit 0 done, 1 done with warnings, 2 refused (nothing changed)."""
    plan, info = import_flow(ctx.store, ctx.args.file, replace=ctx.args.replace)
    verb = "Replaced" if plan.existing is not None else "Created"
    print(f"{verb} {info.slug} ({info.name}), mapping v{info.mapping_version}.")
    for warning in plan.warnings:
        print(f"Warning: {warning}")
    return 1 if plan.warnings else 0


def _delete(ctx: CliContext) -> int:
    flows = FlowService(ctx.store)
    flow = flows.get(ctx.args.name)
    dropped = flows.delete(flow.slug, force=ctx.args.force)
    print(
        f"Deleted {flow.slug} ({flow.name}); its run history and the identity links stay."
        + (f" {dropped:,} parked record(s) were dropped." if dropped else "")
    )
    return 0


def _pause_or_resume(ctx: CliContext) -> int:
    info = FlowService(ctx.store).set_enabled(ctx.args.name, ctx.args.enabled)
    state = "runs on its schedule again" if info.enabled else "is paused (Sync now still runs it)"
    print(f"{info.name} {state}.")
    return 0
