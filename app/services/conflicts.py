"""Conflicts as the engine records them (both sides changed a field; the field's owner
won), and changing who owns a field from there.

A field the destination owns is sent only when a record is created; a later change to it
in the source is a conflict that the destination wins (``app.sync.planner``). Handing the
field to the source applies from the next run, and that run also reads again the records
whose conflict the destination won, so their source values are sent then — an
incremental run would otherwise not see them until they change again. The queue of those
records lives in the settings table (``flow.reread.<flow id>``) until a run has
committed them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.services import audit
from app.services.errors import ValidationError
from app.services.flows import REREAD_SETTING, FlowService
from app.store import Store
from app.store.models import Conflict, ConnectionProfile, Flow, Setting, utcnow

OWNERS = ("source", "destination")
_REREAD = REREAD_SETTING


@dataclass(frozen=True)
class ConflictView:
    id: int
    flow_id: int
    record_key: str
    field: str
    source_value: str | None  # what the source wanted to send
    kept_value: str | None  # what the destination kept (the value last sent)
    winner: str  # source | destination
    at: datetime
    owner_now: str  # who owns the field today


@dataclass(frozen=True)
class FlowConflicts:
    """A sync flow with how many conflicts it recorded, and the names of its two ends."""

    flow_id: int
    slug: str
    name: str
    source_name: str
    dest_name: str
    ownership: dict[str, str]
    count: int
    last_at: datetime | None

    def system(self, owner: str) -> str:
        return self.source_name if owner == "source" else self.dest_name


def flows(store: Store) -> list[FlowConflicts]:
    """Every sync flow (not the inventory feeds) with its conflict count, most first."""
    with store.session() as s:
        counts = {
            fid: (n, last)
            for fid, n, last in s.execute(
                select(Conflict.flow_id, func.count(), func.max(Conflict.at)).group_by(
                    Conflict.flow_id
                )
            ).all()
        }
        names = dict(s.execute(select(ConnectionProfile.id, ConnectionProfile.name)).all())
        out = []
        for row in s.scalars(select(Flow).order_by(Flow.name)).all():
            if (row.options or {}).get("kind") == "feed":
                continue
            n, last = counts.get(row.id, (0, None))
            out.append(
                FlowConflicts(
                    row.id,
                    row.slug,
                    row.name,
                    names.get(row.source_profile_id or 0, "the source"),
                    names.get(row.dest_profile_id or 0, "the destination"),
                    dict(row.ownership or {}),
                    int(n),
                    last,
                )
            )
    return sorted(out, key=lambda f: (-f.count, f.name.casefold()))


def conflicts(store: Store, flow_ref: str | int, limit: int = 2000) -> list[ConflictView]:
    """The flow's recorded conflicts, newest first."""
    flow = FlowService(store).get(flow_ref)
    owned = {f for f, o in flow.ownership.items() if o == "destination"}
    with store.session() as s:
        rows = s.scalars(
            select(Conflict)
            .where(Conflict.flow_id == flow.id)
            .order_by(Conflict.at.desc(), Conflict.id.desc())
            .limit(limit)
        ).all()
        return [
            ConflictView(
                r.id,
                flow.id,
                r.record_key,
                r.field,
                r.source_value,
                r.kept_value,
                r.winner,
                r.at,
                "destination" if r.field in owned else "source",
            )
            for r in rows
        ]


def set_owner(store: Store, flow_ref: str | int, field: str, owner: str) -> int:
    """Make ``owner`` (source or destination) win ``field`` from the next run on; returns
    how many records that run reads again to send the source's value (handing a field to
    the source), else 0. Audited."""
    if owner not in OWNERS:
        raise ValidationError(f"'{owner}' is not an owner; use source or destination.")
    flow = FlowService(store).get(flow_ref)
    with store.session() as s:
        row = s.get(Flow, flow.id)
        assert row is not None
        names = dict(s.execute(select(ConnectionProfile.id, ConnectionProfile.name)).all())
        who = {
            "source": names.get(row.source_profile_id or 0, "the source"),
            "destination": names.get(row.dest_profile_id or 0, "the destination"),
        }
        ownership = dict(row.ownership or {})
        before = ownership.get(field, "source")
        if before == owner:
            return 0
        if owner == "destination":
            ownership[field] = "destination"
        else:
            ownership.pop(field, None)
        row.ownership = ownership
        row.updated_at = utcnow()
        keys: list[str] = []
        if owner == "source":
            keys = list(
                s.scalars(
                    select(Conflict.record_key)
                    .where(
                        Conflict.flow_id == row.id,
                        Conflict.field == field,
                        Conflict.winner == "destination",
                    )
                    .distinct()
                ).all()
            )
            queue_reread(s, row.id, keys)
        audit.record(
            s,
            "set_owner",
            "flow",
            object_id=row.slug,
            object_name=row.name,
            before={f"owner of {field}": who[before]},
            after={f"owner of {field}": who[owner]},
            extra={"records read again on the next run": len(keys)} if keys else None,
        )
    return len(keys)


# --- records the next run reads again ------------------------------------------------------
def reread_keys(session: Session, flow_id: int) -> list[str]:
    row = session.get(Setting, _REREAD.format(flow_id))
    return [str(k) for k in (row.value or [])] if row is not None else []


def queue_reread(session: Session, flow_id: int, keys: Iterable[str]) -> None:
    wanted = list(dict.fromkeys([*reread_keys(session, flow_id), *keys]))
    row = session.get(Setting, _REREAD.format(flow_id))
    if row is None:
        session.add(Setting(key=_REREAD.format(flow_id), value=wanted))
    else:
        row.value = wanted


def done_reread(session: Session, flow_id: int, keys: Iterable[str]) -> None:
    """A committed run read these again: take them off the queue (keys queued meanwhile
    stay for the next one)."""
    done = set(keys)
    if not done:
        return
    left = [k for k in reread_keys(session, flow_id) if k not in done]
    row = session.get(Setting, _REREAD.format(flow_id))
    if row is None:
        return
    if left:
        row.value = left
    else:
        session.delete(row)
