"""What a run reads, chunk by chunk: the source from the flow's cursor (pages joined
into chunks, read ahead on a thread), the records asked for by key, or the parked
records a replay opens again — each chunk with the cursor it moves to."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial

import pandas as pd
from sqlalchemy import func, select

from app.store import Store
from app.store.models import ParkedRecord, RecordOutcome
from app.sync import parked_rows
from app.sync.prefetch import prefetch
from app.sync.run_context import RunContext

CHUNK_ROWS = 2000


def coalesced(pages: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """Source pages joined into chunks of at least ``CHUNK_ROWS`` rows: mapping, planning
    and the store all cost less per record on bigger chunks than on 100-row pages."""
    waiting: list[pd.DataFrame] = []
    rows = 0
    for page in pages:
        waiting.append(page)
        rows += len(page)
        if rows >= CHUNK_ROWS:
            yield waiting[0] if len(waiting) == 1 else pd.concat(waiting, ignore_index=True)
            waiting, rows = [], 0
    if waiting:
        yield waiting[0] if len(waiting) == 1 else pd.concat(waiting, ignore_index=True)


def chunks(
    store: Store,
    ctx: RunContext,
    cursor: str | None,
    keys: Sequence[str] | None,
    parked_ids: Sequence[int] | None,
) -> Iterator[tuple[pd.DataFrame, str | None]]:
    """The run's chunks, each with the cursor it reaches (None: it moves no cursor)."""
    if parked_ids is not None:
        df, ctx.replay_of = _parked_frame(store, ctx, parked_ids)
        yield df, None
        return
    if keys is not None:
        df = ctx.source.fetch(list(keys))
        ctx.not_found = not_found(keys, df, ctx.source.spec.primary_key)
        yield df, None
        return
    cursor_field = ctx.source.spec.cursor_field
    key = ctx.source.spec.primary_key
    seen: set[str] = set()
    ctx.emit("reading")
    for df in prefetch(coalesced(ctx.source.read(cursor)), depth=2):
        top = None
        if cursor_field and cursor_field in df.columns and len(df):
            top = str(df[cursor_field].max())
        if ctx.reread and key in df.columns:
            seen.update(str(k) for k in df[key])
        yield df, top
    again = [k for k in ctx.reread if k not in seen]
    if again:  # read again after an owner change; the cursor stays where it is
        yield ctx.source.fetch(again), None


def _parked_frame(
    store: Store, ctx: RunContext, parked_ids: Sequence[int]
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Open parked records as a source chunk, and for each key the outcome it replays
    (rejects the source could not read are read again, or parked again with why)."""
    flow_id = ctx.flow.id
    with store.session() as s:
        query = select(ParkedRecord).where(
            ParkedRecord.flow_id == flow_id, ParkedRecord.status == "open"
        )
        if parked_ids:
            query = query.where(ParkedRecord.id.in_(list(parked_ids)))
        rows = s.scalars(query).all()
        keys = [r.record_key for r in rows]
        originals = dict(
            s.execute(
                select(RecordOutcome.record_key, func.max(RecordOutcome.id))
                .where(
                    RecordOutcome.flow_id == flow_id,
                    RecordOutcome.status == "parked",
                    RecordOutcome.record_key.in_(keys),
                )
                .group_by(RecordOutcome.record_key)
            ).all()
        )
        replay_of = {k: int(v) for k, v in originals.items()}
        split = parked_rows.split(ctx.source, ctx.source.spec.primary_key, rows)
    ctx.add("read", len(split.unreadable))
    ctx.submit_store(partial(parked_rows.record, ctx, split, replay_of))
    columns = ctx.source.spec.field_names()
    frame = pd.DataFrame(split.rows, columns=columns if not split.rows else None)
    return frame.fillna(""), replay_of


def not_found(keys: Sequence[str], df: pd.DataFrame, primary_key: str) -> list[str]:
    """The asked-for keys absent from what the source returned, in the order asked."""
    have = {str(k) for k in df[primary_key]} if primary_key in df.columns else set()
    return [k for k in dict.fromkeys(str(k) for k in keys) if k not in have]
