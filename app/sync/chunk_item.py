"""One source record on its way through a chunk: its plan, its source row, a note for
the run log, and its payloads packed for the log (off the run's thread)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.sync.planner import PlanItem
from app.sync.run_context import RunContext
from app.sync.run_log import Outcome

Parked = tuple[str, str | None, dict[str, Any], str]  # key, golden id, source row, reason
Delivery = tuple[str, str, str | None, str, dict[str, Any]]  # golden, key, dest, hash, payload


@dataclass
class ChunkItem:
    plan: PlanItem
    source: dict[str, Any]
    note: str | None = None
    # the source and sent payloads as the run log keeps them: packed off the run's
    # thread (a batch's on its sender while it waits, the rest on the store writer)
    stored: tuple[Any, Any] | None = None

    def pack(self, ctx: RunContext) -> None:
        if self.stored is None:
            sent = None if self.plan.action == "skip" else self.plan.payload
            self.stored = ctx.pack_pair(self.source, sent)

    def outcome(self, ctx: RunContext, status: str, **kw: Any) -> Outcome:
        p = self.plan
        self.pack(ctx)
        assert self.stored is not None
        stored_source, stored_sent = self.stored
        fields: dict[str, Any] = {
            "dest_id": p.dest_id,
            "payload_hash": p.digest,
            "source_payload": stored_source,
            "sent_payload": stored_sent,
            "replay_of": ctx.replay_of.get(p.key),
        }
        fields.update(kw)
        return Outcome(
            p.key, ctx.source.spec.entity, p.action, status, p.golden_id or None, **fields
        )
