"""Deletes and inactive records in a run (a flow's ``deletes`` setting): a source record
that is deleted or marked inactive is archived / marked inactive / deleted in the
destination where the destination allows — never silently. Each such record is an
outcome of the run (action ``remove``); one the destination cannot remove says so in
its reason and is counted as ``not_removed``.

A removed record's link to the destination and its delivery state are forgotten, so a
record that comes back to life in the source is created again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

import pandas as pd
from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.connectors.streams import WriteAction, WriteRecord, WriteResult
from app.services.flow_options import DELETED_COLUMN, DeleteSettings
from app.store.models import DeliveryState, utcnow
from app.sync import identity, run_log
from app.sync.pipeline import SendFailed, StoreJob
from app.sync.run_context import RunContext
from app.sync.run_log import Outcome, OutcomeStatus

WORD = {"inactive": "archived / marked inactive", "delete": "deleted"}


def inactive_rows(df: pd.DataFrame, deletes: DeleteSettings) -> list[bool]:
    """Per source row: is it deleted or inactive? (Only when the flow handles deletes.)
    A stream's own ``_deleted`` column says so, or the flow's ``inactive_when`` field."""
    if not deletes.active or not len(df):
        return [False] * len(df)
    out = [False] * len(df)
    if DELETED_COLUMN in df.columns:
        out = [str(v).strip().lower() == "true" for v in df[DELETED_COLUMN].tolist()]
    if deletes.field and deletes.field in df.columns:
        wanted = set(deletes.values)
        values = [str(v).strip().upper() for v in df[deletes.field].tolist()]
        out = [o or (v in wanted if wanted else bool(v)) for o, v in zip(out, values, strict=True)]
    return out


def plan_removals(
    ctx: RunContext,
    deletes: DeleteSettings,
    rows: Sequence[tuple[str, str, str | None, dict[str, Any]]],
) -> tuple[list[Outcome], list[tuple[str, str, str, dict[str, Any]]]]:
    """``rows``: (key, golden id, destination id, source row) of records gone or inactive
    in the source. Returns the outcomes recorded now (nothing to remove, or the
    destination cannot) and the (key, golden id, dest id, source) to remove."""
    how = deletes.handling
    can = how in ctx.dest.removals
    outcomes: list[Outcome] = []
    to_remove: list[tuple[str, str, str, dict[str, Any]]] = []
    for key, gold, dest_id, source in rows:
        if not dest_id:
            note = "deleted or inactive in the source and not in the destination: nothing sent"
            outcomes.append(_outcome(ctx, key, gold, None, source, OutcomeStatus.UNCHANGED, note))
            ctx.add("unchanged", 1)
        elif ctx.dry_run:
            note = f"would be {WORD[how]} in the destination" if can else _cannot(ctx, how)
            outcomes.append(_outcome(ctx, key, gold, dest_id, source, OutcomeStatus.PLANNED, note))
            ctx.add("removed" if can else "not_removed", 1)
        elif not can:
            outcomes.append(
                _outcome(
                    ctx, key, gold, dest_id, source, OutcomeStatus.UNCHANGED, _cannot(ctx, how)
                )
            )
            ctx.add("not_removed", 1)
        else:
            to_remove.append((key, gold, dest_id, source))
    return outcomes, to_remove


def _cannot(ctx: RunContext, how: str) -> str:
    can = " or ".join(ctx.dest.removals) or "neither archive nor delete"
    return (
        f"deleted or inactive in the source, NOT {WORD[how]}: the destination "
        f"({ctx.dest.spec.name}) can {can} records — remove it there by hand"
    )


def _outcome(
    ctx: RunContext,
    key: str,
    gold: str,
    dest_id: str | None,
    source: dict[str, Any],
    status: str,
    note: str | None,
    **kw: Any,
) -> Outcome:
    return Outcome(
        key,
        ctx.source.spec.entity,
        "remove",
        status,
        gold or None,
        dest_id=dest_id,
        error=note,
        source_payload=source,
        replay_of=ctx.replay_of.get(key),
        **kw,
    )


def deliver(
    ctx: RunContext, how: str, batch: Sequence[tuple[str, str, str, dict[str, Any]]]
) -> StoreJob:
    """Remove a batch in the destination (on the sender thread); the store work after."""
    started = utcnow()
    records = [WriteRecord(key, gold, {}, dest_id) for key, gold, dest_id, _s in batch]
    try:
        results = list(ctx.dest.remove(records, how))
    except Exception as exc:
        ctx.add("failed", len(batch))
        raise SendFailed(exc, partial(_record_failed, ctx, batch, started)) from exc
    return partial(_record, ctx, how, batch, results, started)


def _record_failed(
    ctx: RunContext,
    batch: Sequence[tuple[str, str, str, dict[str, Any]]],
    started: datetime,
    s: Session,
) -> None:
    reason = "the destination could not be reached; the removal is tried again on the next run"
    outcomes = [
        _outcome(ctx, k, g, d, src, OutcomeStatus.FAILED, reason, started_at=started)
        for k, g, d, src in batch
    ]
    run_log.write_outcomes(s, ctx.run_id, ctx.flow.id, outcomes)


def _record(
    ctx: RunContext,
    how: str,
    batch: Sequence[tuple[str, str, str, dict[str, Any]]],
    results: Sequence[WriteResult],
    started: datetime,
    s: Session,
) -> None:
    outcomes: list[Outcome] = []
    gone: list[tuple[str, str]] = []  # (dest id, golden id)
    parked: list[tuple[str, str | None, dict[str, Any], str]] = []
    for (key, gold, dest_id, source), result in zip(batch, results, strict=True):
        common = {"started_at": started, "response_payload": result.response}
        if result.action in (WriteAction.REMOVED, WriteAction.UNCHANGED):
            done = result.action is WriteAction.REMOVED
            ctx.add("removed" if done else "unchanged", 1)
            note = f"{WORD[how]} in the destination" if done else result.error
            status = OutcomeStatus.DELIVERED if done else OutcomeStatus.UNCHANGED
            outcomes.append(_outcome(ctx, key, gold, dest_id, source, status, note, **common))
            gone.append((dest_id, gold))
        else:
            reason = result.error or "the destination refused the removal"
            parked.append((key, gold or None, source, reason))
            outcomes.append(
                _outcome(ctx, key, gold, dest_id, source, OutcomeStatus.PARKED, reason, **common)
            )
    identity.drop_stale(s, ctx.dest.spec.entity, ctx.dest_system, gone)
    golden = [g for _d, g in gone]
    for i in range(0, len(golden), 500):
        s.execute(
            delete(DeliveryState).where(
                DeliveryState.flow_id == ctx.flow.id,
                DeliveryState.golden_id.in_(golden[i : i + 500]),
            )
        )
    ctx.add("parked", run_log.park(s, ctx.flow.id, ctx.run_id, parked))
    run_log.write_outcomes(s, ctx.run_id, ctx.flow.id, outcomes)
    ctx.emit("delivering")
