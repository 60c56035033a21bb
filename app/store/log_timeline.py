"""One record's story: every attempt across runs, flows and systems, with its payloads,
what the record is called in each system, and whether it waits in the retry queue."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from app.store import payload_codec
from app.store.log_common import flow_names, from_db

MAX_ATTEMPTS = 2000


@dataclass(frozen=True)
class Identity:
    """The record as one system knows it (from the search index)."""

    entity: str
    system: str
    system_name: str
    record_key: str
    name: str
    email: str | None
    phone: str | None
    vin: str | None


@dataclass(frozen=True)
class Attempt:
    id: int
    run_id: int
    flow_id: int | None
    flow_name: str
    trigger: str
    triggered_by: str
    entity: str
    record_key: str
    action: str
    status: str
    error: str | None
    attempt: int
    destination_id: str | None
    started_at: datetime
    duration_ms: int | None
    replay_of: int | None


@dataclass(frozen=True)
class Payloads:
    source: dict[str, Any] | None
    sent: dict[str, Any] | None
    response: dict[str, Any] | None


@dataclass(frozen=True)
class ParkedView:
    id: int
    flow_id: int
    flow_name: str
    record_key: str
    reason: str
    attempts: int
    first_failed_at: datetime | None
    last_failed_at: datetime | None
    source_payload: dict[str, Any]


@dataclass(frozen=True)
class RecordStory:
    entity: str
    record_key: str
    golden_id: str | None
    identities: list[Identity] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)  # oldest first
    parked: list[ParkedView] = field(default_factory=list)  # open in the retry queue
    # the last dismissal from a retry queue: (flow name, by, when, reason)
    dismissed: tuple[str, str, datetime | None, str] | None = None

    @property
    def name(self) -> str:
        return next((i.name for i in self.identities if i.name), "")


def _load(value: str | None) -> dict[str, Any] | None:
    if value is None:
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return {"(unreadable)": value}
    return data if isinstance(data, dict) else {"value": data}


def record_story(session: Session, outcome_id: int) -> RecordStory | None:
    """The story of the record behind one event: same golden id, or same entity and key."""
    anchor = session.execute(
        text("SELECT entity, record_key, golden_id FROM record_outcomes WHERE id = :i"),
        {"i": outcome_id},
    ).first()
    if anchor is None:
        return None
    entity, key, golden = str(anchor[0]), str(anchor[1]), anchor[2]
    return story_for(session, entity, key, golden)


def story_for(session: Session, entity: str, key: str, golden: str | None) -> RecordStory:
    flows = flow_names(session)
    systems = {
        str(u): str(n)
        for u, n in session.execute(text("SELECT uid, name FROM connection_profiles"))
    }
    idx_sql = (
        "SELECT entity, system, record_key, name, email, phone, vin FROM record_index WHERE "
        + ("golden_id = :g" if golden else "entity = :e AND record_key = :k")
    )
    identities = [
        Identity(str(e), str(s), systems.get(str(s), str(s)), str(k), str(n or ""), em, ph, v)
        for e, s, k, n, em, ph, v in session.execute(
            text(idx_sql), {"g": golden, "e": entity, "k": key}
        )
    ]
    ids = {
        int(i)
        for (i,) in session.execute(
            text("SELECT id FROM record_outcomes WHERE entity = :e AND record_key = :k"),
            {"e": entity, "k": key},
        )
    }
    if golden:
        ids |= {
            int(i)
            for (i,) in session.execute(
                text("SELECT id FROM record_outcomes WHERE golden_id = :g"), {"g": golden}
            )
        }
    attempts: list[Attempt] = []
    if ids:
        stmt = text(
            'SELECT o.id, o.run_id, o.flow_id, r."trigger", r.triggered_by, o.entity, '
            "o.record_key, o.action, o.status, o.error, o.attempt, o.destination_id, "
            "o.started_at, o.duration_ms, o.replay_of FROM record_outcomes o "
            "LEFT JOIN runs r ON r.id = o.run_id WHERE o.id IN :ids ORDER BY o.id"
        ).bindparams(bindparam("ids", expanding=True))
        for r in session.execute(stmt, {"ids": sorted(ids)[-MAX_ATTEMPTS:]}):
            attempts.append(
                Attempt(
                    int(r[0]),
                    int(r[1]),
                    r[2],
                    flows.get(r[2], "(deleted flow)"),
                    str(r[3] or ""),
                    str(r[4] or ""),
                    r[5],
                    r[6],
                    r[7],
                    r[8],
                    r[9],
                    int(r[10] or 1),
                    r[11],
                    from_db(r[12]) or datetime.min,
                    r[13],
                    r[14],
                )
            )
    keys = sorted({a.record_key for a in attempts} | {key})
    stmt = text(
        "SELECT id, flow_id, record_key, reason, attempts, first_failed_at, last_failed_at, "
        "source_payload FROM parked_records WHERE status = 'open' AND record_key IN :k"
    ).bindparams(bindparam("k", expanding=True))
    flow_ids = {a.flow_id for a in attempts}
    parked = [
        ParkedView(
            int(i),
            int(f),
            flows.get(int(f), ""),
            str(k),
            str(reason),
            int(n),
            from_db(first),
            from_db(last),
            _load(payload) or {},
        )
        for i, f, k, reason, n, first, last, payload in session.execute(stmt, {"k": keys})
        if int(f) in flow_ids or not flow_ids
    ]
    gone = session.execute(
        text(
            "SELECT flow_id, dismissed_by, resolved_at, dismiss_reason FROM parked_records "
            "WHERE status = 'dismissed' AND record_key IN :k ORDER BY id DESC LIMIT 1"
        ).bindparams(bindparam("k", expanding=True)),
        {"k": keys},
    ).first()
    dismissed = (
        (flows.get(int(gone[0]), ""), str(gone[1] or ""), from_db(gone[2]), str(gone[3] or ""))
        if gone is not None and not parked
        else None
    )
    return RecordStory(entity, key, golden, identities, attempts, parked, dismissed)


def payloads(session: Session, outcome_id: int) -> Payloads:
    row = session.execute(
        text(
            "SELECT source_payload, sent_payload, response_payload FROM record_outcomes "
            "WHERE id = :i"
        ),
        {"i": outcome_id},
    ).first()
    if row is None:
        return Payloads(None, None, None)
    source, sent, response = row
    return Payloads(
        _load(payload_codec.as_text(session, source)),
        _load(payload_codec.sent_as_text(session, source, sent)),
        _load(payload_codec.as_text(session, response)),
    )


def open_parked_for_events(session: Session, outcome_ids: list[int]) -> dict[int, list[int]]:
    """flow id -> ids of the open retry-queue entries behind the given events (events that
    are not parked, or whose record was delivered since, have none)."""
    if not outcome_ids:
        return {}
    stmt = text(
        "SELECT DISTINCT p.flow_id, p.id FROM record_outcomes o JOIN parked_records p "
        "ON p.flow_id = o.flow_id AND p.record_key = o.record_key AND p.status = 'open' "
        "WHERE o.id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    out: dict[int, list[int]] = {}
    for flow, pid in session.execute(stmt, {"ids": outcome_ids}):
        out.setdefault(int(flow), []).append(int(pid))
    return out


def keys_of_events(session: Session, outcome_ids: list[int]) -> dict[int, list[str]]:
    """flow id -> record keys of the given events (to re-sync records that failed in
    transit: those are not parked, the next run reads them again)."""
    if not outcome_ids:
        return {}
    stmt = text(
        "SELECT DISTINCT flow_id, record_key FROM record_outcomes WHERE id IN :ids "
        "AND flow_id IS NOT NULL"
    ).bindparams(bindparam("ids", expanding=True))
    out: dict[int, list[str]] = {}
    for flow, key in session.execute(stmt, {"ids": outcome_ids}):
        out.setdefault(int(flow), []).append(str(key))
    return out


def parked_entry(session: Session, parked_id: int) -> ParkedView | None:
    flows = flow_names(session)
    r = session.execute(
        text(
            "SELECT id, flow_id, record_key, reason, attempts, first_failed_at, last_failed_at, "
            "source_payload FROM parked_records WHERE id = :i AND status = 'open'"
        ),
        {"i": parked_id},
    ).first()
    if r is None:
        return None
    return ParkedView(
        int(r[0]),
        int(r[1]),
        flows.get(int(r[1]), ""),
        str(r[2]),
        str(r[3]),
        int(r[4]),
        from_db(r[5]),
        from_db(r[6]),
        _load(r[7]) or {},
    )
