"""A batch of planned records to the destination and back: sent on a sender thread
(with a few retries of records the destination says failed for now), then what its answers
mean written on the store writer — delivery state, links, the retry queue, outcomes."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from app.connectors.streams import WriteAction, WriteRecord, WriteResult
from app.store.models import utcnow
from app.sync import identity, run_log, state
from app.sync.chunk_item import ChunkItem, Delivery, Parked
from app.sync.hashing import idempotency_key
from app.sync.pipeline import SendFailed, StoreJob
from app.sync.run_context import RunContext
from app.sync.run_log import Outcome, OutcomeStatus

_MAX_RECORD_RETRIES = 3
COUNT_OF = {
    WriteAction.CREATED: "created",
    WriteAction.UPDATED: "updated",
    WriteAction.UNCHANGED: "unchanged",
}


def _response(result: WriteResult, dest_id: str | None) -> dict[str, Any] | None:
    """The destination's answer for the run log, unless it only repeats the outcome's own
    columns (a batch upsert's ``{"index", "status", "id", "error": null}``)."""
    answer = result.response
    if not answer or set(answer) - {"index", "status", "id", "error"} or answer.get("error"):
        return answer
    if answer.get("status", result.action.value) != result.action.value:
        return answer
    if answer.get("id") not in (None, dest_id):
        return answer
    return None


def touches(batch: Sequence[ChunkItem]) -> frozenset[str]:
    """What a batch writes to (its golden ids and known destination ids): two batches that
    share one are never in flight together."""
    return frozenset(i.plan.golden_id for i in batch) | frozenset(
        f"dest:{i.plan.dest_id}" for i in batch if i.plan.dest_id
    )


def _write_with_retries(ctx: RunContext, batch: Sequence[ChunkItem]) -> list[WriteResult]:
    """Write a batch; records the destination reports as transiently failed are sent
    again on their own (a partial batch failure) a few times before giving up on them."""
    records = [
        WriteRecord(
            i.plan.key,
            i.plan.golden_id,
            i.plan.payload,
            i.plan.dest_id,
            idempotency_key(i.plan.golden_id, i.plan.digest),
            look_first=ctx.look_first and i.plan.action == "create",
        )
        for i in batch
    ]
    results = list(ctx.dest.write(records))
    for attempt in range(_MAX_RECORD_RETRIES):
        again = [n for n, r in enumerate(results) if r.action is WriteAction.FAILED]
        if not again:
            break
        time.sleep(0.2 * (attempt + 1))
        for n, r in zip(again, ctx.dest.write([records[n] for n in again]), strict=True):
            results[n] = r
    return results


def deliver(ctx: RunContext, batch: Sequence[ChunkItem]) -> StoreJob:
    """Send a batch (on the sender thread); return the store work for its results."""
    started = utcnow()
    t0 = time.perf_counter()
    try:
        results = _write_with_retries(ctx, batch)
    except Exception as exc:
        # Not parked: the cursor has not moved past these, so the next run reads them again.
        ctx.add("failed", len(batch))
        raise SendFailed(exc, partial(_record_failed, ctx, batch, started)) from exc
    ms = int((time.perf_counter() - t0) * 1000 / max(1, len(batch)))
    # the answers' store rows (payloads packed too) made here, while this thread would
    # only wait: not on the run's thread, nor on the store writer
    return partial(_record_results, ctx, _answered(ctx, batch, results, started, ms))


def _record_failed(
    ctx: RunContext, batch: Sequence[ChunkItem], started: datetime, s: Session
) -> None:
    reason = "the destination could not be reached; it will be sent again on the next run"
    outcomes = [
        i.outcome(ctx, OutcomeStatus.FAILED, error=reason, started_at=started) for i in batch
    ]
    run_log.write_outcomes(s, ctx.run_id, ctx.flow.id, outcomes)
    state.mark_failed(s, ctx.flow.id, [i.plan.golden_id for i in batch])


@dataclass
class _Answered:
    """What a batch's answers mean for the store, worked out on its sender thread (the
    store writer, the busiest of a run's threads, only writes it)."""

    counts: list[str]
    delivered: list[dict[str, Any]]  # delivery-state rows
    delivered_keys: list[str]
    outcomes: list[dict[str, Any]]  # run-log rows
    parked: list[Parked]
    stale: list[tuple[str, str]]  # (old destination id, golden id)
    links: list[tuple[str, str]]  # (destination id, golden id)


def _answered(
    ctx: RunContext,
    batch: Sequence[ChunkItem],
    results: Sequence[WriteResult],
    started: datetime,
    ms: int,
) -> _Answered:
    outcomes: list[Outcome] = []
    delivered: list[Delivery] = []
    parked: list[Parked] = []
    counts: list[str] = []
    for item, result in zip(batch, results, strict=True):
        p = item.plan
        if result.action in COUNT_OF:
            counts.append(COUNT_OF[result.action])
            dest_id = result.dest_id or p.dest_id
            common = {
                "started_at": started,
                "duration_ms": ms,
                "response_payload": _response(result, dest_id),
            }
            delivered.append((p.golden_id, p.key, dest_id, p.digest, p.full_payload))
            outcomes.append(
                item.outcome(
                    ctx, OutcomeStatus.DELIVERED, dest_id=dest_id, error=item.note, **common
                )
            )
        else:
            common = {"started_at": started, "duration_ms": ms, "response_payload": result.response}
            reason = result.error or "rejected by the destination"
            if result.action is WriteAction.FAILED:
                reason = f"kept failing after retries: {reason}"
            parked.append((p.key, p.golden_id, item.source, reason))
            outcomes.append(item.outcome(ctx, OutcomeStatus.PARKED, error=reason, **common))
    stale = [
        (item.plan.dest_id, item.plan.golden_id)
        for item, result in zip(batch, results, strict=True)
        if item.plan.dest_id and result.dest_id and result.dest_id != item.plan.dest_id
    ]
    links = [(d, g) for g, _k, d, _h, _p in delivered if d]
    # a refused record the destination says it holds (Klaviyo saved the profile and
    # refused only its re-subscribe) is linked all the same: flows reading the
    # destination then know whose record it is; it stays parked until delivered
    links += [
        (result.dest_id, item.plan.golden_id)
        for item, result in zip(batch, results, strict=True)
        if result.action is WriteAction.REJECTED and result.dest_id
    ]
    return _Answered(
        counts,
        state.delivered_rows(ctx.flow.id, delivered),
        [k for _g, k, _d, _h, _p in delivered],
        run_log.outcome_rows(ctx.run_id, ctx.flow.id, outcomes),
        parked,
        stale,
        links,
    )


def _record_results(ctx: RunContext, answered: _Answered, s: Session) -> None:
    """Store writer side of a batch: delivery state, links, retry queue, outcomes."""
    flow_id = ctx.flow.id
    for name in answered.counts:
        ctx.add(name, 1)
    state.write_delivered(s, answered.delivered)
    if answered.stale:
        identity.drop_stale(s, ctx.dest.spec.entity, ctx.dest_system, answered.stale)
    identity.link(s, ctx.dest.spec.entity, ctx.dest_system, answered.links)
    ctx.add("parked", run_log.park(s, flow_id, ctx.run_id, answered.parked))
    state.mark_failed(s, flow_id, [gold for _k, gold, _p, _r in answered.parked])
    if ctx.may_have_parked(s):
        run_log.resolve_parked(s, flow_id, answered.delivered_keys)
    run_log.write_outcome_rows(s, answered.outcomes)
    ctx.emit("delivering")
