"""What the dashboard shows, from small tables only (runs, flows, profiles, flow state):
connection health, flows with their schedule and last run, and per-day chart series."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.store.job_totals import last_jobs, waiting_for_replay
from app.store.log_common import from_db, to_db
from app.store.scheduling_models import AlertState


@dataclass(frozen=True)
class ConnectionHealth:
    profile_id: int
    name: str
    kind: str
    last_test_at: datetime | None
    last_test_ok: bool | None
    last_test_message: str | None
    last_success_at: datetime | None  # the last run of a flow using it that completed


@dataclass(frozen=True)
class FlowSchedule:
    flow_id: int
    name: str
    enabled: bool
    schedule: dict[str, Any]
    last_run_at: datetime | None
    last_status: str | None  # of the last job (all its runs)
    waiting: int = 0  # records waiting for replay
    last_errors: int = 0  # records the last job could not deliver


@dataclass
class ChartData:
    days: list[date] = field(default_factory=list)
    records_by_flow: dict[str, list[int]] = field(default_factory=dict)  # delivered per day
    failures: list[int] = field(default_factory=list)  # parked + failed per day
    durations: list[tuple[datetime, float, str]] = field(default_factory=list)  # run, s, flow


def connection_health(session: Session) -> list[ConnectionHealth]:
    rows = session.execute(
        text(
            "SELECT p.id, p.name, p.kind, p.last_test_at, p.last_test_ok, p.last_test_message, "
            "(SELECT max(r.finished_at) FROM runs r JOIN flows f ON f.id = r.flow_id "
            " WHERE p.id IN (f.source_profile_id, f.dest_profile_id) AND r.dry_run = 0 "
            " AND r.status IN ('succeeded', 'completed_with_errors')) "
            "FROM connection_profiles p ORDER BY p.name"
        )
    )
    return [
        ConnectionHealth(
            int(r[0]),
            str(r[1]),
            str(r[2]),
            from_db(r[3]),
            None if r[4] is None else bool(r[4]),
            r[5],
            from_db(r[6]),
        )
        for r in rows
    ]


def flow_schedules(session: Session) -> list[FlowSchedule]:
    import json

    rows = session.execute(
        text("SELECT f.id, f.name, f.enabled, f.schedule FROM flows f ORDER BY f.name")
    )
    jobs = last_jobs(session)
    waiting = waiting_for_replay(session)
    out = []
    for fid, name, enabled, schedule in rows:
        data = json.loads(schedule) if isinstance(schedule, str) else dict(schedule or {})
        job = jobs.get(int(fid))
        out.append(
            FlowSchedule(
                int(fid),
                str(name),
                bool(enabled),
                data,
                job.last_at if job else None,
                job.status if job else None,
                waiting.get(int(fid), 0),
                job.errors if job else 0,
            )
        )
    return out


def chart_data(session: Session, days: int, *, today: date | None = None) -> ChartData:
    """Per-day series over the last ``days`` days (local dates are the caller's concern:
    days are UTC here), from the runs table's counters."""
    end = today or datetime.now().date()
    start = end - timedelta(days=days - 1)
    data = ChartData(days=[start + timedelta(days=i) for i in range(days)])
    index = {d: i for i, d in enumerate(data.days)}
    data.failures = [0] * days
    since = datetime.combine(start, datetime.min.time()).astimezone()
    rows = session.execute(
        text(
            "SELECT f.name, r.started_at, r.finished_at, r.created_count + r.updated_count, "
            "r.failed_count + r.parked_count FROM runs r LEFT JOIN flows f ON f.id = r.flow_id "
            "WHERE r.started_at >= :since AND r.dry_run = 0 ORDER BY r.started_at"
        ),
        {"since": to_db(since)},
    )
    for name, started, finished, synced, failed in rows:
        begun = from_db(started)
        if begun is None:
            continue
        day = begun.astimezone().date()
        if day not in index:
            continue
        flow = str(name or "(deleted flow)")
        series = data.records_by_flow.setdefault(flow, [0] * days)
        series[index[day]] += int(synced or 0)
        data.failures[index[day]] += int(failed or 0)
        done = from_db(finished)
        if done is not None:
            data.durations.append((begun, (done - begun).total_seconds(), flow))
    return data


def running_runs(session: Session) -> list[tuple[int, str, datetime | None]]:
    """Runs the log says are still going (another process, or a crash left them open)."""
    return [
        (int(i), str(n or ""), from_db(s))
        for i, n, s in session.execute(
            text(
                "SELECT r.id, f.name, r.started_at FROM runs r LEFT JOIN flows f "
                "ON f.id = r.flow_id WHERE r.status = 'running' ORDER BY r.id DESC LIMIT 20"
            )
        )
    ]


def open_queue_count(session: Session) -> int:
    """Records waiting in the retry queue (parked, not yet replayed or resolved)."""
    return int(
        session.execute(text("SELECT count(*) FROM parked_records WHERE status = 'open'")).scalar()
        or 0
    )


_ERROR_ALERTS = ("run_failed", "credential_expiry")


def open_alerts(session: Session) -> list[dict[str, Any]]:
    """The alert monitor's open problems, oldest first: ``title``, ``message``,
    ``severity`` and ``at`` (when it started), as ``DashboardScreen.set_alerts`` takes."""
    rows = session.scalars(
        select(AlertState).where(AlertState.active.is_(True)).order_by(AlertState.started_at)
    ).all()
    return [
        {
            "title": r.title,
            "message": r.detail,
            "severity": "error" if r.condition in _ERROR_ALERTS else "warning",
            "at": r.started_at,
        }
        for r in rows
    ]
