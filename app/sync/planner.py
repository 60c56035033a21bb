"""Decide, per mapped record, what delivery it needs: create, update (with the field
diff), or skip because nothing changed since the last delivery — never skip when an
attempt after that delivery failed, since the destination may not hold it. Field
ownership: a field the destination owns is sent only on create; a later source change to
it is a conflict that the owner wins. Pure logic, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.sync.hashing import payload_hash
from app.sync.state import Delivered


@dataclass
class PlanItem:
    key: str
    golden_id: str
    action: str  # create | update | skip
    payload: dict[str, Any]  # what will be sent
    full_payload: dict[str, Any]  # the whole mapped record (stored as last delivered)
    digest: str
    dest_id: str | None
    diff: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    conflicts: list[tuple[str, Any, Any]] = field(default_factory=list)  # field, source, kept


def plan_record(
    key: str,
    golden_id: str,
    payload: dict[str, Any],
    dest_id: str | None,
    last: Delivered | None,
    dest_owned: set[str],
    *,
    force: bool = False,
    with_diff: bool = True,
) -> PlanItem:
    """The delivery ``payload`` needs. ``with_diff=False`` leaves ``diff`` empty: only a
    dry run shows it, and building it for every record of a real run cost about a tenth
    of the run's thread."""
    sendable = {k: v for k, v in payload.items() if k not in dest_owned}
    digest = payload_hash(sendable)
    if last is None:
        return PlanItem(
            key,
            golden_id,
            "create" if not dest_id else "update",
            dict(payload),
            dict(payload),
            digest,
            dest_id,
            diff={k: (None, v) for k, v in payload.items()} if with_diff else {},
        )
    conflicts = [
        (f, payload.get(f), last.payload.get(f))
        for f in sorted(dest_owned)
        if f in payload and payload.get(f) != last.payload.get(f)
    ]
    # Keep the last delivered value of owned fields so the stored state stays the owner's.
    stored = {**payload, **{f: last.payload.get(f) for f in dest_owned if f in last.payload}}
    if last.payload_hash == digest and not force and not last.failed_since:
        return PlanItem(
            key, golden_id, "skip", {}, stored, digest, dest_id or last.dest_id, conflicts=conflicts
        )
    diff = (
        {k: (last.payload.get(k), v) for k, v in sendable.items() if last.payload.get(k) != v}
        if with_diff
        else {}
    )
    return PlanItem(
        key,
        golden_id,
        "update",
        sendable,
        stored,
        digest,
        dest_id or last.dest_id,
        diff=diff,
        conflicts=conflicts,
    )
