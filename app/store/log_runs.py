"""Sync runs, newest first, paged by id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from app.store.log_common import flow_names, from_db, to_db

PAGE = 200
RUN_STATUSES = ("succeeded", "completed_with_errors", "failed", "cancelled", "running", "dry_run")


@dataclass(frozen=True)
class RunFilter:
    flow_ids: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class RunRow:
    id: int
    flow_id: int | None
    flow_name: str
    trigger: str
    triggered_by: str
    dry_run: bool
    status: str
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, int]
    error: str | None

    @property
    def duration_s(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


def list_runs(
    session: Session, f: RunFilter, *, before_id: int | None = None, limit: int = PAGE
) -> list[RunRow]:
    """One page of runs, newest first."""
    where: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    stmt_binds: list[str] = []
    if before_id is not None:
        where.append("id < :before")
        params["before"] = before_id
    for name, values, column in (
        ("flows", f.flow_ids, "flow_id"),
        ("statuses", f.statuses, "status"),
        ("triggers", f.triggers, '"trigger"'),
    ):
        if values:
            where.append(f"{column} IN :{name}")
            params[name] = list(values)
            stmt_binds.append(name)
    if f.since is not None:
        where.append("started_at >= :since")
        params["since"] = to_db(f.since)
    if f.until is not None:
        where.append("started_at < :until")
        params["until"] = to_db(f.until)
    sql = (
        'SELECT id, flow_id, "trigger", triggered_by, dry_run, status, started_at, finished_at, '
        "read_count, created_count, updated_count, unchanged_count, failed_count, "
        "parked_count, conflict_count, error FROM runs"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC LIMIT :limit"
    stmt = text(sql)
    for name in stmt_binds:
        stmt = stmt.bindparams(bindparam(name, expanding=True))
    flows = flow_names(session)
    out = []
    for r in session.execute(stmt, params):
        counts = dict(
            zip(
                ("read", "created", "updated", "unchanged", "failed", "parked", "conflicts"),
                (int(v or 0) for v in r[8:15]),
                strict=True,
            )
        )
        out.append(
            RunRow(
                id=int(r[0]),
                flow_id=r[1],
                flow_name=flows.get(r[1], "(deleted flow)") if r[1] is not None else "",
                trigger=str(r[2]),
                triggered_by=str(r[3] or ""),
                dry_run=bool(r[4]),
                status=str(r[5]),
                started_at=from_db(r[6]) or datetime.min,
                finished_at=from_db(r[7]),
                counts=counts,
                error=r[15],
            )
        )
    return out
