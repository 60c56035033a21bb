"""What is wrong right now: each enabled alert condition turned into a list of problems.
A problem has a stable key, so the monitor can tell "new" from "still there"."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.alerts import truth_conditions
from app.alerts.config import AlertSettings
from app.alerts.problem import Problem
from app.scheduling.schedule import Schedule
from app.store import Store
from app.store.job_totals import last_jobs, waiting_for_replay
from app.store.models import Flow, FlowState, ParkedRecord, Run
from app.store.scheduling_models import AlertSignal, AlertState

CONDITIONS = (
    "run_failed",
    "record_errors",
    "not_succeeded",
    "webhook_silent",
    "parked_backlog",
    "credential_expiry",
    "record_count_low",
    "reconcile_differences",
)
__all__ = ["CONDITIONS", "Problem", "evaluate"]


def _when(at: datetime) -> str:
    return f"{at.astimezone():%a %d %b %H:%M}"


def _last_runs(s: Session) -> dict[int, Run]:
    latest = (
        select(Run.flow_id, func.max(Run.id).label("id"))
        .where(Run.dry_run.is_(False), Run.status != "running", Run.flow_id.is_not(None))
        .group_by(Run.flow_id)
        .subquery()
    )
    rows = s.scalars(select(Run).join(latest, Run.id == latest.c.id)).all()
    return {int(r.flow_id): r for r in rows if r.flow_id is not None}


def evaluate(store: Store, cfg: AlertSettings, now: datetime) -> list[Problem]:
    out: list[Problem] = []
    with store.session() as s:
        flows = {f.id: f for f in s.scalars(select(Flow)).all()}
        last = _last_runs(s)
        for fid, run in last.items():
            name = flows[fid].name if fid in flows else f"Flow {fid}"
            if cfg.run_failed and run.status == "failed":
                out.append(Problem(
                    f"run_failed:{fid}", "run_failed", f"{name}: the last sync failed",
                    f"Run #{run.id} ({run.trigger}) at {_when(run.started_at)} stopped: "
                    f"{run.error or 'no reason recorded'}", fid,
                ))  # fmt: skip
        if cfg.record_errors:
            out += _record_errors(s, cfg, flows)
        if cfg.record_count_low:
            out += truth_conditions.record_count_low(s, cfg, flows)
        if cfg.reconcile_differences:
            out += truth_conditions.reconcile_differences(s, cfg, flows)
        if cfg.not_succeeded:
            limit = timedelta(hours=cfg.not_succeeded_hours)
            for fid, flow in flows.items():
                if not flow.enabled or not Schedule.from_json(flow.schedule).is_scheduled:
                    continue
                state = s.get(FlowState, fid)
                ok_at = state.last_success_at if state and state.last_success_at else None
                since = ok_at or flow.created_at
                if now - since > limit:
                    said = f"last succeeded {_when(ok_at)}" if ok_at else "has never succeeded"
                    out.append(Problem(
                        f"not_succeeded:{fid}", "not_succeeded",
                        f"{flow.name}: no successful sync for {cfg.not_succeeded_hours} hours",
                        f"The flow is scheduled but {said}.", fid,
                    ))  # fmt: skip
        if cfg.parked_backlog:
            cutoff = now - timedelta(hours=cfg.parked_backlog_hours)
            rows = s.execute(
                select(ParkedRecord.flow_id, func.count(), func.min(ParkedRecord.first_failed_at))
                .where(ParkedRecord.status == "open", ParkedRecord.first_failed_at < cutoff)
                .group_by(ParkedRecord.flow_id)
            ).all()
            for fid, count, oldest in rows:
                name = flows[fid].name if fid in flows else f"Flow {fid}"
                out.append(Problem(
                    f"parked_backlog:{fid}", "parked_backlog",
                    f"{name}: {count:,} records waiting more than "
                    f"{cfg.parked_backlog_hours} hours",
                    f"The oldest has waited since {_when(oldest)}. Open the Sync Log's retry "
                    "queue to see why and replay them.", fid,
                ))  # fmt: skip
        signals = s.scalars(select(AlertSignal)).all()
        for sig in signals:
            silent = now - sig.at > timedelta(hours=cfg.webhook_silent_hours)
            if cfg.webhook_silent and sig.kind == "webhook" and silent:
                out.append(Problem(
                    f"webhook_silent:{sig.key}", "webhook_silent",
                    f"{sig.label or sig.key}: no webhook for {cfg.webhook_silent_hours} hours",
                    f"The last one arrived {_when(sig.at)}. Check the sending system's "
                    "webhook subscription and this computer's network.",
                ))  # fmt: skip
            if cfg.credential_expiry and sig.kind == "credential":
                left = sig.at - now
                if left < timedelta(days=cfg.credential_expiry_days):
                    verb = "expired" if left.total_seconds() <= 0 else "expires"
                    out.append(Problem(
                        f"credential_expiry:{sig.key}", "credential_expiry",
                        f"{sig.label or sig.key} {verb} {_when(sig.at)}",
                        "Renew it with the system's provider, then enter the new value in "
                        "Connections.",
                    ))  # fmt: skip
    return out


def _record_errors(s: Session, cfg: AlertSettings, flows: dict[int, Flow]) -> list[Problem]:
    """Records waiting for replay, per flow: the alert starts when at least the threshold
    wait, and stays open until nothing waits (delivered or dismissed) -- a later run with
    fewer errors does not resolve it."""
    waiting = waiting_for_replay(s)
    jobs = last_jobs(s, waiting)
    open_now = set(
        s.scalars(
            select(AlertState.key).where(
                AlertState.condition == "record_errors", AlertState.active.is_(True)
            )
        )
    )
    out = []
    for fid, count in sorted(waiting.items()):
        key = f"record_errors:{fid}"
        if count < cfg.record_errors_threshold and key not in open_now:
            continue
        name = flows[fid].name if fid in flows else f"Flow {fid}"
        job = jobs.get(fid)
        last = ""
        if job is not None and job.errors:
            runs = f" ({job.runs} runs)" if job.runs > 1 else ""
            last = (
                f" The last sync{runs}, {_when(job.started_at)}, could not deliver {job.errors:,}."
            )
        elif job is not None:
            last = f" They are from earlier syncs: the last, {_when(job.started_at)}, had none."
        out.append(Problem(
            key, "record_errors", f"{name}: {count:,} records could not be delivered",
            f"They wait in the retry queue (Sync Log) until they are delivered or dismissed."
            f"{last}", fid,
        ))  # fmt: skip
    return out
