"""Sync log queries: runs and record events, newest first, paged by id (keyset paging).

Every page is answered from an index. Record events are walked newest-first by ``id``;
SQLite appends the rowid to every index, so an equality on an index prefix (status, or
flow + status, or run) already yields rows in page order and a page stops after ``limit``
rows. Filters that are not the driving index are written ``+column`` so the planner never
picks an index that would force a sort of millions of rows. Status and flow filters are
answered as one small query per (status, flow) and merged, which keeps each on its index.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from app.store.log_common import flow_names, from_db, to_db
from app.store.log_search import find_records

STATUSES = ("delivered", "unchanged", "parked", "failed", "planned")
PAGE = 200
MAX_SEARCH_KEYS = 200

_EVENT_COLUMNS = (
    "o.id, o.run_id, o.flow_id, o.entity, o.record_key, o.golden_id, o.action, o.status, "
    "o.error, o.attempt, o.destination_id, o.started_at, o.duration_ms, o.replay_of"
)


@dataclass(frozen=True)
class EventFilter:
    """What the record events list shows. Empty fields mean "any"."""

    run_id: int | None = None
    statuses: tuple[str, ...] = ()
    flow_ids: tuple[int, ...] = ()
    entity: str | None = None
    system: str | None = None  # a connection profile uid: flows from or to it
    since: datetime | None = None
    until: datetime | None = None
    search: str = ""  # a business key or a name
    records: tuple[tuple[str, str], ...] = ()  # (entity, key) list from the dashboard
    label: str = ""  # what ``records`` are, in words


@dataclass(frozen=True)
class EventRow:
    id: int
    run_id: int
    flow_id: int | None
    flow_name: str
    entity: str
    record_key: str
    golden_id: str | None
    action: str
    status: str
    error: str | None
    attempt: int
    destination_id: str | None
    started_at: datetime
    duration_ms: int | None
    replay_of: int | None
    name: str = ""  # from the search index; personal data, masked by the UI
    replayed_by: int | None = None
    replay_status: str | None = None
    in_queue: bool = False  # parked and still waiting in the retry queue


@dataclass(frozen=True)
class FilterOptions:
    flows: list[tuple[int, str]] = field(default_factory=list)
    systems: list[tuple[str, str]] = field(default_factory=list)  # (uid, name)
    entities: list[str] = field(default_factory=list)


def filter_options(session: Session) -> FilterOptions:
    """Flows, systems (connection profiles used by flows) and entities for the filter bar."""
    flows = [
        (int(i), str(n))
        for i, n in session.execute(text("SELECT id, name FROM flows ORDER BY name"))
    ]
    systems = [
        (str(u), str(n))
        for u, n in session.execute(
            text(
                "SELECT uid, name FROM connection_profiles WHERE id IN "
                "(SELECT source_profile_id FROM flows UNION SELECT dest_profile_id FROM flows) "
                "ORDER BY name"
            )
        )
    ]
    # Distinct entities by hopping along the (entity, record_key) index: one seek each.
    entities = [
        str(e)
        for (e,) in session.execute(
            text(
                "WITH RECURSIVE e(x) AS (SELECT min(entity) FROM record_outcomes UNION ALL "
                "SELECT (SELECT min(entity) FROM record_outcomes WHERE entity > e.x) FROM e "
                "WHERE e.x IS NOT NULL) SELECT x FROM e WHERE x IS NOT NULL"
            )
        )
    ]
    return FilterOptions(flows, systems, entities)


def flows_of_system(session: Session, uid: str) -> list[int]:
    return [
        int(i)
        for (i,) in session.execute(
            text(
                "SELECT f.id FROM flows f JOIN connection_profiles p "
                "ON p.id IN (f.source_profile_id, f.dest_profile_id) WHERE p.uid = :u"
            ),
            {"u": uid},
        )
    ]


# (database, minute) -> bound. A bound stays valid as the log grows: new events get
# higher ids, and retention only removes events. So it can be kept for the process.
_LOWEST: dict[tuple[str, datetime], int | None] = {}


def lowest_id_since(session: Session, since: datetime) -> int | None:
    """A safe lower bound for the ids of events at or after ``since``: the first event of
    the earliest run still going at that time. Bounds the walk of a time window. Worked
    out for ``since`` rounded down to the minute (a lower, still safe bound) and cached."""
    minute = since.replace(second=0, microsecond=0)
    key = (str(session.get_bind().engine.url), minute)
    if key in _LOWEST:
        return _LOWEST[key]
    value = _lowest_id_since(session, minute)
    if len(_LOWEST) > 64:
        _LOWEST.clear()
    if value is not None:  # "no events yet" must not stick
        _LOWEST[key] = value
    return value


def _lowest_id_since(session: Session, since: datetime) -> int | None:
    value = session.execute(
        text(
            "SELECT min((SELECT min(o.id) FROM record_outcomes o WHERE o.run_id = r.id)) "
            "FROM runs r WHERE r.finished_at IS NULL OR r.finished_at >= :since"
        ),
        {"since": to_db(since)},
    ).scalar()
    return None if value is None else int(value)


# --- record events ----------------------------------------------------------------------
@dataclass
class _Plan:
    where: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    flows: list[int] | None = None  # None: any flow
    key_ids: list[int] | None = None  # None: not a key search
    empty: bool = False


def _plan(session: Session, f: EventFilter, before_id: int | None) -> _Plan:
    p = _Plan()
    if f.system:
        flows = set(flows_of_system(session, f.system))
        if f.flow_ids:
            flows &= set(f.flow_ids)
        p.flows = sorted(flows)
    elif f.flow_ids:
        p.flows = sorted(set(f.flow_ids))
    if p.flows is not None and not p.flows:
        p.empty = True
        return p
    if f.search or f.records:
        p.key_ids = _ids_for_keys(session, f)
        if not p.key_ids:
            p.empty = True
            return p
    if before_id is not None:
        p.where.append("o.id < :before")
        p.params["before"] = before_id
    if f.since is not None:
        p.where.append("+o.started_at >= :since")
        p.params["since"] = to_db(f.since)
        if p.key_ids is None and f.run_id is None:
            lo = lowest_id_since(session, f.since)
            if lo is None:
                p.empty = True
                return p
            p.where.append("o.id >= :lo")
            p.params["lo"] = lo
    if f.until is not None:
        p.where.append("+o.started_at < :until")
        p.params["until"] = to_db(f.until)
    if f.entity:
        p.where.append("+o.entity = :entity")
        p.params["entity"] = f.entity
    return p


def _ids_for_keys(session: Session, f: EventFilter) -> list[int]:
    """Ids of every event of the records the search (or the handed-over key list) names."""
    golden: set[str] = set()
    keys: dict[str, set[str]] = {}
    if f.search:
        for hit in find_records(session, f.search, limit=MAX_SEARCH_KEYS):
            keys.setdefault(hit.entity, set()).add(hit.record_key)
            if hit.golden_id:
                golden.add(hit.golden_id)
    for entity, key in f.records[:5000]:
        keys.setdefault(entity, set()).add(key)
    ids: set[int] = set()
    if golden:
        stmt = text("SELECT id FROM record_outcomes WHERE golden_id IN :g").bindparams(
            bindparam("g", expanding=True)
        )
        ids.update(int(i) for (i,) in session.execute(stmt, {"g": sorted(golden)}))
    for entity, wanted in keys.items():
        stmt = text(
            "SELECT id FROM record_outcomes WHERE entity = :e AND record_key IN :k"
        ).bindparams(bindparam("k", expanding=True))
        values = sorted(wanted)
        for i in range(0, len(values), 500):
            ids.update(
                int(r) for (r,) in session.execute(stmt, {"e": entity, "k": values[i : i + 500]})
            )
    return sorted(ids, reverse=True)


def _query(session: Session, where: list[str], params: dict[str, Any], limit: int) -> list[Any]:
    sql = f"SELECT {_EVENT_COLUMNS} FROM record_outcomes o"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY o.id DESC LIMIT :limit"
    stmt = text(sql)
    for name, value in params.items():
        if isinstance(value, list | tuple):
            stmt = stmt.bindparams(bindparam(name, expanding=True))
    return list(session.execute(stmt, {**params, "limit": limit}).all())


def _merged(session: Session, p: _Plan, statuses: list[str], limit: int) -> list[Any]:
    """One arm per (status, flow), each walking its own index newest-first and stopping
    after ``limit`` rows; SQLite merges the arms and the page's rows are read by id."""
    arms: list[str] = []
    params: dict[str, Any] = {**p.params, "limit": limit}
    for n, status in enumerate(statuses):
        for m, flow in enumerate(p.flows if p.flows is not None else [None]):
            where = [*p.where, f"o.status = :s{n}"]
            params[f"s{n}"] = status
            if flow is not None:
                where.append(f"o.flow_id = :f{m}")
                params[f"f{m}"] = flow
            arms.append(
                "SELECT id FROM (SELECT o.id FROM record_outcomes o WHERE "
                + " AND ".join(where)
                + " ORDER BY o.id DESC LIMIT :limit)"
            )
    ids_sql = " UNION ALL ".join(arms) + " ORDER BY 1 DESC LIMIT :limit"
    ids = [int(i) for (i,) in session.execute(text(ids_sql), params)]
    if not ids:
        return []
    stmt = text(
        f"SELECT {_EVENT_COLUMNS} FROM record_outcomes o WHERE o.id IN :ids ORDER BY o.id DESC"
    ).bindparams(bindparam("ids", expanding=True))
    return list(session.execute(stmt, {"ids": ids}).all())


def list_events(
    session: Session, f: EventFilter, *, before_id: int | None = None, limit: int = PAGE
) -> list[EventRow]:
    """One page of record events matching ``f``, newest first, older than ``before_id``."""
    return _decorate(session, _page(session, f, before_id, limit))


def _page(session: Session, f: EventFilter, before_id: int | None, limit: int) -> list[Any]:
    """The raw rows of one page (column order of ``_EVENT_COLUMNS``; id first)."""
    p = _plan(session, f, before_id)
    if p.empty:
        return []
    statuses = list(f.statuses)
    if p.key_ids is not None:
        where = [*p.where, "o.id IN :ids"]
        params = {**p.params, "ids": p.key_ids[:20000]}
        if statuses:
            where.append("+o.status IN :statuses")
            params["statuses"] = statuses
        if p.flows is not None:
            where.append("+o.flow_id IN :flows")
            params["flows"] = p.flows
        if f.run_id is not None:
            where.append("+o.run_id = :run")
            params["run"] = f.run_id
        rows = _query(session, where, params, limit)
    elif f.run_id is not None:
        where = [*p.where, "o.run_id = :run"]
        params = {**p.params, "run": f.run_id}
        if statuses:
            where.append("+o.status IN :statuses")
            params["statuses"] = statuses
        if p.flows is not None:
            where.append("+o.flow_id IN :flows")
            params["flows"] = p.flows
        rows = _query(session, where, params, limit)
    elif not statuses and p.flows is None:
        rows = _query(session, p.where, p.params, limit)
    else:
        rows = _merged(session, p, statuses or list(STATUSES), limit)
    return rows


def _decorate(session: Session, rows: Sequence[Any]) -> list[EventRow]:
    """Add what the list shows beside the event: flow name, the record's name, whether it
    was replayed (and how that went) and whether it still waits in the retry queue."""
    if not rows:
        return []
    flows = flow_names(session)
    ids = [int(r[0]) for r in rows]
    golden = sorted({r[5] for r in rows if r[5]})
    names: dict[str, str] = {}
    if golden:
        stmt = text(
            "SELECT golden_id, name FROM record_index WHERE golden_id IN :g AND name != ''"
        ).bindparams(bindparam("g", expanding=True))
        names = {str(g): str(n) for g, n in session.execute(stmt, {"g": golden})}
    stmt = text(
        "SELECT replay_of, id, status FROM record_outcomes WHERE replay_of IN :ids ORDER BY id"
    ).bindparams(bindparam("ids", expanding=True))
    replays = {int(o): (int(i), str(s)) for o, i, s in session.execute(stmt, {"ids": ids})}
    parked = [r for r in rows if r[7] == "parked" and r[2] is not None]
    queued: set[tuple[int, str]] = set()
    if parked:
        stmt = text(
            "SELECT flow_id, record_key FROM parked_records WHERE status = 'open' "
            "AND flow_id IN :f AND record_key IN :k"
        ).bindparams(bindparam("f", expanding=True), bindparam("k", expanding=True))
        queued = {
            (int(fl), str(k))
            for fl, k in session.execute(
                stmt,
                {"f": sorted({r[2] for r in parked}), "k": sorted({r[4] for r in parked})},
            )
        }
    out = []
    for r in rows:
        replay = replays.get(int(r[0]))
        out.append(
            EventRow(
                id=int(r[0]),
                run_id=int(r[1]),
                flow_id=r[2],
                flow_name=flows.get(r[2], "(deleted flow)") if r[2] is not None else "",
                entity=r[3],
                record_key=r[4],
                golden_id=r[5],
                action=r[6],
                status=r[7],
                error=r[8],
                attempt=int(r[9] or 1),
                destination_id=r[10],
                started_at=from_db(r[11]) or datetime.min,
                duration_ms=r[12],
                replay_of=r[13],
                name=names.get(r[5] or "", ""),
                replayed_by=replay[0] if replay else None,
                replay_status=replay[1] if replay else None,
                in_queue=r[7] == "parked" and replay is None and (r[2], r[4]) in queued,
            )
        )
    return out


def count_events(session: Session, f: EventFilter, *, cap: int = 10_000) -> tuple[int, bool]:
    """How many events match, counting at most ``cap`` (returns (count, more_than_cap))."""
    seen = 0
    before: int | None = None
    while seen <= cap:
        page = _page(session, f, before, min(5000, cap + 1 - seen))
        seen += len(page)
        if not page or seen > cap:
            break
        before = int(page[-1][0])
    return min(seen, cap), seen > cap


def event_pages(session: Session, f: EventFilter, *, batch: int = 2000) -> Iterable[list[EventRow]]:
    """Every event matching ``f`` in pages (for export)."""
    before: int | None = None
    while True:
        page = list_events(session, f, before_id=before, limit=batch)
        if not page:
            return
        yield page
        before = page[-1].id
