"""One chunk of source records through map -> identity -> plan, then queued for delivery
(``batch_delivery``: send, then record what came back); shaped by the flow's options
(``flow_options``)."""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from app.domain.columns.distinct import text_frame
from app.mapping.apply import apply_mapping
from app.services.flow_options import delete_settings
from app.store import payload_codec
from app.store.ids import new_golden_id
from app.sync import batch_delivery, identity, removals, run_log, search, state, withheld
from app.sync.chunk_item import ChunkItem, Delivery, Parked
from app.sync.flow_options import (
    NOT_IN_DESTINATION,
    NOTHING_TO_SEND,
    apply_references,
    drop_blanks,
    pre_entry_match,
    resolve_references,
)
from app.sync.planner import PlanItem, plan_record
from app.sync.run_context import RunContext
from app.sync.run_log import Outcome, OutcomeStatus

_PLANNED_COUNT = {"create": "created", "update": "updated", "skip": "unchanged"}


def _use_packer(
    ctx: RunContext, s: Session, sources: list[dict[str, Any]], records: list[dict[str, Any]]
) -> None:
    """Give the run its payload compressor: the flow's dictionary, or a new one made of
    this chunk's first records (kept by the store writer before any outcome using it)."""
    if ctx.packer is not None or not ctx.record or not sources:
        return
    data = payload_codec.latest_dictionary(s, ctx.flow.id)
    if data is None:
        # shaped like what it will compress: [source, sent] pairs
        data = payload_codec.make_dictionary(
            [[s, r] for s, r in zip(sources[:200], records[:200], strict=True)]
        )
        ctx.submit_store(partial(_save_dictionary, ctx.flow.id, data))
    ctx.packer = payload_codec.Packer(data)


def _save_dictionary(flow_id: int, data: bytes, s: Session) -> None:
    payload_codec.save_dictionary(s, flow_id, data)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts (much faster than ``DataFrame.to_dict('records')`` or itertuples
    over string-typed columns)."""
    names = [str(c) for c in df.columns]
    return [dict(zip(names, row, strict=True)) for row in df.to_numpy(dtype=object).tolist()]


def _same_customer(
    session: Session, ctx: RunContext, key: str, gold: str, found: str, fresh: set[str]
) -> str | None:
    """When the pre-entry check matched a customer to a customer the app knows under
    another golden id, and this source record got its golden id just now: that golden id
    (the record's link moves to it, so flows that refer to this customer find the
    destination's record). None when nothing moves."""
    if ctx.source.spec.entity != ctx.dest.spec.entity or key not in fresh:
        return None
    known = identity.golden_ids(
        session, ctx.dest.spec.entity, ctx.dest_system, [found], create=False
    ).get(found)
    if not known or known == gold:
        return None
    ctx.submit_store(
        partial(identity.repoint, entity=ctx.source.spec.entity, system=ctx.source_system,
                external_id=key, old=gold, new=known)
    )  # fmt: skip
    ctx.assigned[key] = known
    return known


def _park_rejects(ctx: RunContext) -> tuple[list[Parked], list[Outcome]]:
    """What the source could not read is parked with its reason: rows of a file extract
    (by file and line), or inputs a source names itself (``key``, ``reason`` and the
    ``payload`` to keep for replay: an ADF inbox's hostile mail)."""
    parked: list[Parked] = []
    outcomes: list[Outcome] = []
    for reject in getattr(ctx.source, "take_rejects", lambda: [])():
        if "key" in reject:
            where, reason = str(reject["key"]), str(reject.get("reason") or "")
            payload = dict(reject.get("payload") or {})
        else:
            where = f"{reject.get('file', '')}:{reject.get('line', '')}"
            reason = (
                f"{reject.get('file', '')} line {reject.get('line', '?')}: {reject.get('reason')}"
            )
            payload = dict(reject)
        parked.append((where, None, payload, reason))
        outcomes.append(
            Outcome(
                where,
                ctx.source.spec.entity,
                "reject",
                OutcomeStatus.PARKED,
                error=reason,
                source_payload=payload,
            )
        )
    return parked, outcomes


def _only_wanted(df: pd.DataFrame, wanted: dict[str, Any]) -> pd.DataFrame:
    """The rows a flow's ``source_filter`` takes: ``{field: [values]}`` keeps rows whose
    field is one of the values (case-insensitive), ``{field: "*"}`` rows where it is not
    empty. The others are none of this flow's business: not read, not counted."""
    keep = pd.Series(True, index=df.index)
    for column, allowed in wanted.items():
        values = df[column].astype(str).str.strip() if column in df.columns else None
        if values is None:
            return df.iloc[0:0]
        if allowed == "*":
            keep &= values.ne("")
        else:
            keep &= values.str.upper().isin([str(a).upper() for a in allowed])
    return df[keep]


def process_chunk(ctx: RunContext, df: pd.DataFrame) -> None:
    """Map, plan and queue the delivery of one chunk of source records."""
    flow = ctx.flow
    src_spec, dst_spec = ctx.source.spec, ctx.dest.spec
    key_col = src_spec.primary_key
    if flow.options.get("source_filter") and len(df):
        df = _only_wanted(df, flow.options["source_filter"])
    to_park, outcomes = _park_rejects(ctx)
    ctx.add("read", len(df) + len(to_park))
    if not len(df) and not to_park:
        return
    df = text_frame(df)
    df, held = withheld.withhold(ctx, df)  # erased people's records go no further
    if held:
        ctx.add(withheld.WITHHELD, len(held))
        outcomes += held
        if not len(df):
            _record_only_unsent(ctx, to_park, outcomes)
            return
    mapped = apply_mapping(df, flow.mapping, key_col)
    required = set(flow.mapping.required_targets()) | set(dst_spec.required_fields())
    errors_by_key: dict[str, list[str]] = {}
    for e in mapped.errors:
        if e.field in required:
            errors_by_key.setdefault(e.row_key, []).append(f"{e.field}: {e.reason} ({e.value!r})")
    keys = [str(k) for k in df[key_col]]
    sources = _records(df)
    records = _records(mapped.frame)
    dest_owned = {f for f, owner in flow.ownership.items() if owner == "destination"}
    pre_entry = flow.options.get("pre_entry_check")
    omit_blank = [str(f) for f in flow.options.get("omit_blank") or ()]
    update_only = bool(flow.options.get("update_only"))
    deletes = delete_settings(flow.options)
    inactive = removals.inactive_rows(df, deletes)
    gone: list[tuple[str, str, str | None, dict[str, Any]]] = []  # deleted / inactive
    items: list[ChunkItem] = []
    quiet: list[Delivery] = []  # nothing to send: remembered as delivered all the same

    # This thread only reads the store; every write goes through the delivery worker, in
    # order, so SQLite never has two writers waiting on each other.
    with ctx.store_session() as s:
        _use_packer(ctx, s, sources, records)
        golden = identity.golden_ids(s, src_spec.entity, ctx.source_system, keys, create=False)
        new_links: list[tuple[str, str]] = []
        if not ctx.dry_run:
            for key in dict.fromkeys(k for k in keys if k and k not in golden):
                golden[key] = ctx.assigned.setdefault(key, new_golden_id())
                new_links.append((key, golden[key]))
            if new_links:  # stored before any pre-entry move below repoints one
                link = partial(identity.link, entity=src_spec.entity, system=ctx.source_system)
                ctx.submit_store(partial(link, pairs=new_links))
        fresh = {k for k, _g in new_links}
        dests = identity.dest_ids(s, dst_spec.entity, ctx.dest_system, list(golden.values()))
        last = state.delivered(s, flow.id, list(golden.values()))
        resolved = resolve_references(s, ctx, df)
        for n, (key, source, payload) in enumerate(zip(keys, sources, records, strict=True)):
            gold = golden.get(key, "")
            if inactive[n]:
                prior = last.get(gold)
                gone.append((key, gold, dests.get(gold) or (prior.dest_id if prior else None),
                             source))  # fmt: skip
                continue
            payload, problems = apply_references(ctx, resolved, source, payload)
            problems += errors_by_key.get(key, []) + [
                f"{f}: required but empty" for f in required if f in payload and not payload[f]
            ]
            if problems:
                reason = "; ".join(problems)
                to_park.append((key, gold or None, source, reason))
                outcomes.append(
                    Outcome(
                        key,
                        src_spec.entity,
                        "reject",
                        OutcomeStatus.PARKED,
                        gold or None,
                        error=reason,
                        source_payload=source,
                        replay_of=ctx.replay_of.get(key),
                    )
                )
                continue
            payload = drop_blanks(payload, omit_blank)
            dest_id, note = dests.get(gold), None
            known = dest_id or (last[gold].dest_id if gold in last else None)
            if update_only and not known:
                # a record the destination never had is none of this flow's business (a
                # marketing-only profile, a DMS deal that did not come from the tool)
                plan = PlanItem(key, gold, "skip", {}, payload, "", None)
                items.append(ChunkItem(plan, source, NOT_IN_DESTINATION))
                continue
            if pre_entry and not dest_id and gold not in last:
                found = pre_entry_match(s, ctx, pre_entry, payload)
                if found:
                    payload = {**payload, pre_entry.get("set_field", "customer_id"): found}
                    note = f"linked to existing customer {found}"
                    same = _same_customer(s, ctx, key, gold, found, fresh)
                    if same:
                        gold = golden[key] = same
            plan = plan_record(
                key, gold, payload, dest_id, last.get(gold), dest_owned, force=ctx.force,
                with_diff=ctx.dry_run,  # only a dry run shows (and records) the field diff
            )  # fmt: skip
            if omit_blank and plan.action != "skip" and not plan.payload:
                # every field was left out (omit_blank): nothing to send, but remember
                # it, so a value that comes later is sent even if it was sent before
                plan.action, note = "skip", NOTHING_TO_SEND
                if plan.dest_id:
                    quiet.append((gold, key, plan.dest_id, plan.digest, plan.full_payload))
            items.append(ChunkItem(plan, source, note))
        removal_outcomes, to_remove = removals.plan_removals(ctx, deletes, gone)
        outcomes += removal_outcomes
        if not ctx.dry_run:
            # made here, on the run's thread (the store writer is the busier one), with
            # the golden ids the pre-entry check settled on; the pre-entry check reads it
            rows = search.index_columns(src_spec.entity, ctx.source_system, df, key_col, golden)
            ctx.submit_store(partial(search.write_index, columns=rows))

        if ctx.dry_run:
            for item in items:
                ctx.plan.append(item.plan)
                ctx.add(_PLANNED_COUNT[item.plan.action], 1)
                diff = {k: list(v) for k, v in item.plan.diff.items()}
                outcomes.append(
                    item.outcome(ctx, OutcomeStatus.PLANNED, response_payload={"diff": diff})
                )
            ctx.add("parked", len(to_park))
            if ctx.record:
                run_log.write_outcomes(s, ctx.run_id, flow.id, outcomes)
            else:
                ctx.rejects += [(k, reason) for k, _g, _p, reason in to_park]
            return

    conflicts = [
        (i.plan.golden_id, i.plan.key, f, _text(sv), _text(kv), "destination")
        for i in items
        for f, sv, kv in i.plan.conflicts
    ]
    skipped = [i for i in items if i.plan.action == "skip"]
    ctx.add("unchanged", len(skipped))
    ctx.add("skipped", len(skipped))
    ctx.submit_store(partial(_record_unsent, ctx, to_park, conflicts, outcomes, quiet, skipped))
    ctx.emit("delivering")
    pending = [i for i in items if i.plan.action != "skip"]
    for start in range(0, len(pending), dst_spec.max_batch):
        batch = pending[start : start + dst_spec.max_batch]
        ctx.submit(partial(batch_delivery.deliver, ctx, batch), batch_delivery.touches(batch))
    for start in range(0, len(to_remove), dst_spec.max_batch):
        gone_batch = to_remove[start : start + dst_spec.max_batch]
        touches = frozenset(g for _k, g, _d, _s in gone_batch) | frozenset(
            f"dest:{d}" for _k, _g, d, _s in gone_batch if d
        )
        ctx.submit(partial(removals.deliver, ctx, deletes.handling, gone_batch), touches)


def _record_only_unsent(ctx: RunContext, to_park: list[Parked], outcomes: list[Outcome]) -> None:
    """A chunk with nothing left to map: what was parked or withheld is still written."""
    if ctx.dry_run:
        ctx.add("parked", len(to_park))
        with ctx.store_session() as s:
            run_log.write_outcomes(s, ctx.run_id, ctx.flow.id, outcomes)
        return
    ctx.submit_store(partial(_record_unsent, ctx, to_park, [], outcomes, [], []))


def _record_unsent(
    ctx: RunContext,
    to_park: list[Parked],
    conflicts: list[tuple[str, str, str, str | None, str | None, str]],
    outcomes: list[Outcome],
    quiet: list[Delivery],
    skipped: list[ChunkItem],
    s: Session,
) -> None:
    """Store writer side of a chunk: what was parked, unchanged or in conflict (nothing
    sent), and the records with nothing to send (``quiet``), remembered as delivered. A
    skipped record never closes a retry-queue entry: only a delivery does. (Unchanged
    records' outcomes are made here: packing their payloads is the writer's work.)"""
    state.save_delivered(s, ctx.flow.id, quiet)
    outcomes = outcomes + [
        i.outcome(ctx, OutcomeStatus.UNCHANGED, sent_payload=None, error=i.note) for i in skipped
    ]
    ctx.add("parked", run_log.park(s, ctx.flow.id, ctx.run_id, to_park))
    state.mark_failed(s, ctx.flow.id, [gold for _k, gold, _p, _r in to_park])
    ctx.add("conflicts", run_log.record_conflicts(s, ctx.flow.id, ctx.run_id, conflicts))
    run_log.write_outcomes(s, ctx.run_id, ctx.flow.id, outcomes)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
