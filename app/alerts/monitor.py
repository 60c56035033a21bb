"""The alert monitor: one message when a problem starts, one when it is resolved.

``check()`` evaluates the conditions, compares them with ``alert_state`` (so a problem
that is still there says nothing new — no floods, even across restarts), queues events
in ``alert_events`` and sends what is due. During quiet hours nothing is sent; queued
messages go out when the quiet hours end, and a problem that started and resolved within
them is dropped as a pair. A channel that fails is tried again on the next check (up to
``MAX_ATTEMPTS``); the other channels are not held up."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.alerts import config
from app.alerts.channels import Message, TrayCallback, enabled_channels, send
from app.alerts.conditions import CONDITIONS, evaluate
from app.alerts.config import AlertSettings
from app.alerts.errors import AlertDeliveryError
from app.scheduling.schedule import local_tz
from app.store import Store
from app.store.models import utcnow
from app.store.scheduling_models import AlertEvent, AlertState

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class CheckResult:
    started: list[str]  # titles of problems that started now
    resolved: list[str]
    sent: int  # messages fully delivered by this check
    waiting: int  # messages held (quiet hours) or to retry


class AlertMonitor:
    def __init__(self, store: Store, *, tray: TrayCallback | None = None) -> None:
        self.store = store
        self.tray = tray
        self._lock = threading.Lock()  # the scheduler's tick and a finished run may overlap

    def check(self, now: datetime | None = None) -> CheckResult:
        with self._lock:
            now = now or utcnow()
            cfg = config.load(self.store)
            started, resolved = self._update_state(cfg, now)
            sent, waiting = self.dispatch(cfg, now)
            return CheckResult(started, resolved, sent, waiting)

    def _update_state(self, cfg: AlertSettings, now: datetime) -> tuple[list[str], list[str]]:
        problems = {p.key: p for p in evaluate(self.store, cfg, now)}
        enabled = {c for c in CONDITIONS if getattr(cfg, c)}
        started, resolved = [], []
        with self.store.session() as s:
            known = {r.key: r for r in s.scalars(select(AlertState)).all()}
            for key, p in problems.items():
                row = known.get(key)
                if row is not None and row.active:  # still there: the count may change
                    row.title, row.detail, row.updated_at = p.title, p.detail, now
                    continue
                if row is None:
                    row = AlertState(key=key, condition=p.condition, flow_id=p.flow_id)
                    s.add(row)
                row.title, row.detail, row.active = p.title, p.detail, True
                row.started_at, row.resolved_at, row.updated_at = now, None, now
                s.add(AlertEvent(key=key, kind="problem", title=p.title, body=p.detail,
                                 created_at=now, channels_done=[]))  # fmt: skip
                started.append(p.title)
            for key, row in known.items():
                if not row.active or key in problems:
                    continue
                row.active, row.resolved_at, row.updated_at = False, now, now
                if row.condition not in enabled:
                    continue  # the admin turned this alert off: nothing to announce
                s.add(AlertEvent(
                    key=key, kind="resolved", title=row.title, created_at=now, channels_done=[],
                    body=f"Resolved at {now.astimezone():%H:%M}. It started "
                    f"{row.started_at.astimezone():%a %d %b %H:%M}: {row.detail}",
                ))  # fmt: skip
                resolved.append(row.title)
        for title in started:
            log.warning("Alert: %s", title)
        for title in resolved:
            log.info("Alert resolved: %s", title)
        return started, resolved

    def is_quiet(self, cfg: AlertSettings, now: datetime) -> bool:
        quiet = cfg.quiet_hours
        return bool(quiet and quiet.contains(now, local_tz()))

    def dispatch(self, cfg: AlertSettings, now: datetime) -> tuple[int, int]:
        """Send what is queued; returns (sent, still waiting)."""
        with self.store.session() as s:
            pending = s.scalars(
                select(AlertEvent)
                .where(AlertEvent.sent_at.is_(None), AlertEvent.suppressed.is_(False))
                .order_by(AlertEvent.id)
            ).all()
            # A problem that came and went before anyone was told is not worth two messages.
            untold = {e.key: e for e in pending if e.kind == "problem" and not e.channels_done}
            for e in pending:
                first = untold.get(e.key)
                if e.kind == "resolved" and first is not None and first.id < e.id:
                    first.suppressed = e.suppressed = True
            queue = [(e.id, e.kind, e.title, e.body, list(e.channels_done or []))
                     for e in pending if not e.suppressed]  # fmt: skip
        if not queue:
            return 0, 0
        if self.is_quiet(cfg, now):
            return 0, len(queue)
        channels = enabled_channels(cfg, self.tray)
        sent = waiting = 0
        for event_id, kind, title, body, done in queue:
            msg = Message(kind, title, body)
            errors = []
            for channel in channels:
                if channel in done:
                    continue
                try:
                    send(channel, cfg, msg, self.tray)
                    done.append(channel)
                except AlertDeliveryError as exc:
                    errors.append(str(exc))
                    log.warning("Alert not delivered: %s", exc)
            with self.store.session() as s:
                event = s.get(AlertEvent, event_id)
                assert event is not None
                event.channels_done = done
                event.attempts += 1
                event.last_error = " ".join(errors) or None
                if not errors or event.attempts >= MAX_ATTEMPTS:
                    event.sent_at = now
                    sent += 0 if errors else 1
                else:
                    waiting += 1
        return sent, waiting

    def send_test(self, cfg: AlertSettings) -> list[str]:
        """Send a test message on every enabled channel now; returns the failures."""
        msg = Message("test", "Test alert", "This is a test of Rooftop Sync's alerts.")
        failures = []
        for channel in enabled_channels(cfg, self.tray):
            try:
                send(channel, cfg, msg, self.tray)
            except AlertDeliveryError as exc:
                failures.append(str(exc))
        return failures

    def active(self) -> list[AlertState]:
        with self.store.session() as s:
            return list(s.scalars(select(AlertState).where(AlertState.active.is_(True))).all())
