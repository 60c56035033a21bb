"""``segment list [--json] | show NAME | export NAME --out FILE.csv | sync NAME [--to
KLAVIYO] [--full] | settings [...] | block``.

Exit codes: 0 done; 1 a sync finished with members not sent; 2 the command failed."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from app.cli.context import CliContext
from app.scheduling.runner import run_flow_locked
from app.segments.consent import REASONS
from app.segments.errors import SegmentError
from app.segments.evaluate import MEMBER_COLUMNS
from app.segments.fields import describe
from app.segments.model import CUSTOM, KINDS, SegmentDef
from app.segments.service import SegmentService
from app.segments.sync import save_segment_flow, segment_flows, slug_of
from app.services.audit import current_os_user
from app.services.profiles import ProfileService

SAMPLE = 10


def register(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="segment_command", metavar="ACTION", required=True)
    ls = sub.add_parser("list", help="every segment with its member count")
    ls.add_argument("--json", action="store_true", help='print [{"name": …, "count": …}, …]')
    ls.set_defaults(handler=_list)
    sh = sub.add_parser("show", help="a segment's rule, count and a sample of its members")
    sh.add_argument("name")
    sh.set_defaults(handler=_show)
    ex = sub.add_parser("export", help="write the members who may be contacted to a CSV file")
    ex.add_argument("name")
    ex.add_argument("--out", type=Path, required=True, metavar="FILE.csv")
    ex.set_defaults(handler=_export)
    sy = sub.add_parser("sync", help="sync the segment to its marketing platform list now")
    sy.add_argument("name")
    sy.add_argument("--to", metavar="PROFILE", help="the Klaviyo connection (first sync only)")
    sy.add_argument("--every", type=int, metavar="SECONDS", help="schedule (default daily)")
    sy.add_argument("--full", action="store_true", help="send every member's fields again")
    sy.set_defaults(handler=_sync)
    st = sub.add_parser("settings", help="where segments read their data (see --help)")
    for name in (
        "dms_profile",
        "data_folder",
        "crm_profile",
        "valuation_file",
        "warranty_file",
        "as_of",
    ):
        st.add_argument(f"--{name.replace('_', '-')}", dest=name, metavar="VALUE")
    st.set_defaults(handler=_settings)
    bl = sub.add_parser("block", help="do-not-contact (or erase) a person: never listed again")
    bl.add_argument("--customer", default="", help="DMS customer number")
    bl.add_argument("--email", default="")
    bl.add_argument("--phone", default="")
    bl.add_argument("--erasure", action="store_true", help="a privacy erasure: never exported")
    bl.add_argument("--reason", required=True)
    bl.set_defaults(handler=_block)


def _list(ctx: CliContext) -> int:
    svc = SegmentService(ctx.store)
    counts = svc.counts(svc.load())
    if ctx.args.json:
        print(
            json.dumps(
                [
                    {"name": s.name, "count": n, **({"problem": p} if p else {})}
                    for s, n, p in counts
                ],
                indent=2,
            )
        )
        return 0
    width = max(len(s.name) for s, _, _ in counts)
    for seg, n, problem in counts:
        shown = f"{n:>8,}" if n is not None else "       —"
        print(f"{seg.name.ljust(width)}  {shown}  {problem or seg.label}")
    return 0


def _rule(seg: SegmentDef) -> str:
    if seg.kind == CUSTOM:
        return " and ".join(describe(c) for c in seg.conditions)
    kind = KINDS[seg.kind]
    params = ", ".join(f"{p.label} {seg.param(p.name):g}" for p in kind.params)
    extra = ", ".join(f"{k} {seg.param(k)}" for k in kind.text_params)
    return f"{kind.label}: {', '.join(x for x in (params, extra) if x)}"


def _show(ctx: CliContext) -> int:
    svc = SegmentService(ctx.store)
    seg = svc.get(ctx.args.name)
    loaded = svc.load()
    ev = svc.evaluate(seg, loaded)
    print(f"{seg.name} ({seg.channel})\n  {_rule(seg)}\n  {ev.count:,} members")
    extra = loaded.problems if seg.kind == "equity_mining" else []
    for note in [*ev.notes, *extra]:
        print(f"  note: {note}")
    cols = [
        c
        for c in MEMBER_COLUMNS
        if c in ("customer_id", "first_name", "last_name", "email")
        or ev.members[c].astype(str).ne("").any()
    ]
    sample = ev.members.head(SAMPLE)[cols]
    if not sample.empty:
        print(sample.to_string(index=False))
    syncs = svc.recent_syncs(seg.name, 1)
    if syncs:
        last = syncs[0]
        print(
            f"  last list sync {last.at.astimezone():%Y-%m-%d %H:%M}: {last.members:,} on list "
            f"{last.list_id}, {last.left_out:,} left out for consent"
        )
    return 0


def _export(ctx: CliContext) -> int:
    svc = SegmentService(ctx.store)
    seg = svc.get(ctx.args.name)
    rows, left = svc.export(seg, svc.load(), ctx.args.out)
    why = ", ".join(f"{n:,} {REASONS.get(k, k)}" for k, n in left.items())
    print(f"{rows:,} members written to {ctx.args.out}" + (f"; left out: {why}" if why else ""))
    return 0


def _sync(ctx: CliContext) -> int:
    svc = SegmentService(ctx.store)
    seg = svc.get(ctx.args.name)
    flows = {f.slug: f for f in segment_flows(ctx.store)}
    flow = flows.get(slug_of(seg.name))
    if flow is None or ctx.args.to or ctx.args.every:
        if not ctx.args.to and flow is None:
            raise SegmentError(
                f"'{seg.name}' has no list sync yet.",
                hint="Name the Klaviyo connection: segment sync NAME --to PROFILE.",
            )
        to = ctx.args.to or ""
        if not to and flow is not None:
            to = ProfileService(ctx.store).get(flow.dest_profile_id or 0).name
        flow = save_segment_flow(
            ctx.store, seg.name, to, **({"interval_s": ctx.args.every} if ctx.args.every else {})
        )
    summary = run_flow_locked(
        ctx.store, flow.id, full=ctx.args.full, trigger="manual", triggered_by=current_os_user()
    )
    last = svc.recent_syncs(seg.name, 1)
    if summary.status == "failed":
        print(f"{seg.name}: failed — {summary.error}")
        return 2
    c = summary.counts
    left = last[0].left_out_reasons if last else {}
    why = ", ".join(f"{n:,} {REASONS.get(k, k)}" for k, n in left.items())
    listed = last[0].members if last else 0
    removed = last[0].removed if last else 0
    print(
        f"{seg.name}: {listed:,} on the list ({c['created']:,} added, {c['updated']:,} updated, "
        f"{removed:,} removed, {c['failed']:,} not sent); "
        f"{sum(left.values()):,} left out for consent" + (f" ({why})" if why else "")
    )
    return summary.exit_code


def _settings(ctx: CliContext) -> int:
    svc = SegmentService(ctx.store)
    current = svc.settings()
    changes = {k: v for k, v in vars(ctx.args).items() if k in current.to_json() and v is not None}
    if changes:
        current = dataclasses.replace(current, **changes)
        current.today()  # a bad date says so now
        svc.save_settings(current)
    for k, v in current.to_json().items():
        print(f"{k}: {v}")
    return 0


def _block(ctx: CliContext) -> int:
    a = ctx.args
    kind = "erasure" if a.erasure else "do_not_contact"
    SegmentService(ctx.store).block(
        kind, customer_id=a.customer, email=a.email, phone=a.phone, reason=a.reason
    )
    print("Recorded: " + ("never exported again." if a.erasure else "never added to a list."))
    return 0
