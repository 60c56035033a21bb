"""Alerts: real e-mail into an SMTP sink on 127.0.0.1 and real webhooks into a local HTTP
receiver. One message when a problem starts, one when it resolves, none in between."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from app import secrets
from app.alerts import config
from app.alerts.conditions import evaluate
from app.alerts.config import AlertSettings
from app.alerts.errors import AlertSettingsError
from app.alerts.monitor import AlertMonitor
from app.alerts.signals import record_credential_expiry, record_webhook_received
from app.scheduling.runner import run_flow_locked
from app.scheduling.schedule import Schedule
from app.scheduling.schedules import ScheduleService
from app.store import Store
from app.store.models import utcnow
from tests.support.memory_connector import World
from tests.support.memory_flow import customer
from tests.support.webhooks import WebhookReceiver


class Sink:
    """An SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        with self.lock:
            self.messages.append(email.message_from_bytes(raw, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp_sink() -> Iterator[tuple[Sink, int]]:
    sink = Sink()
    with socket.socket() as probe:  # a free port (aiosmtpd's Controller cannot use port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


@pytest.fixture
def hooks() -> Iterator[tuple[WebhookReceiver, WebhookReceiver]]:
    teams, slack = WebhookReceiver(default=202), WebhookReceiver(default=200)
    yield teams, slack
    teams.close()
    slack.close()
    for name in config.SECRET_FIELDS:
        secrets.delete_secret(config.SECRET_OWNER, name)


def _configure(store: Store, port: int, teams: WebhookReceiver, slack_hook: WebhookReceiver,
               **over: object) -> None:  # fmt: skip
    cfg = AlertSettings(
        email=True, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
        email_from="rooftop@dealer.example", email_to=["it@dealer.example"],
        teams=True, slack=True, record_errors_threshold=2,
    )  # fmt: skip
    for k, v in over.items():
        setattr(cfg, k, v)
    config.save(store, cfg, {"teams_url": teams.url, "slack_url": slack_hook.url})


def test_failure_sends_one_email_and_one_webhook_and_recovery_one_resolved(
    store: Store, world: type[World], memory_flow: str,
    smtp_sink: tuple[Sink, int], hooks: tuple[WebhookReceiver, WebhookReceiver],
) -> None:  # fmt: skip
    (sink, port), (teams, slack) = smtp_sink, hooks
    _configure(store, port, teams, slack)
    tray: list[tuple[str, str, str]] = []
    monitor = AlertMonitor(store, tray=lambda *a: tray.append(a))
    world.source = [customer(n) for n in range(1, 4)]
    world.fail_batches = 99
    assert run_flow_locked(store, memory_flow).status == "failed"

    first = monitor.check()
    assert first.started == ["Customers (test): the last sync failed"] and first.sent == 1
    assert len(sink.messages) == 1
    mail = sink.messages[0]
    assert mail["Subject"] == "[Rooftop Sync] Problem: Customers (test): the last sync failed"
    assert "sink unreachable" in mail.get_content()
    assert len(teams.received) == 1 and len(slack.received) == 1
    card = teams.received[0].json()["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard" and "last sync failed" in card["body"][0]["text"]
    assert "last sync failed" in slack.received[0].json()["text"]
    assert [t[2] for t in tray] == ["problem"]

    # still failing: nothing new, however often it is checked or runs again
    assert run_flow_locked(store, memory_flow).status == "failed"
    assert monitor.check().started == [] and monitor.check().sent == 0
    assert len(sink.messages) == 1 and len(teams.received) == 1 and len(slack.received) == 1

    world.fail_batches = 0
    assert run_flow_locked(store, memory_flow).status == "succeeded"
    recovered = monitor.check()
    assert recovered.resolved == ["Customers (test): the last sync failed"]
    assert len(sink.messages) == 2
    assert sink.messages[1]["Subject"].startswith("[Rooftop Sync] Resolved: Customers (test)")
    assert len(teams.received) == 2 and len(slack.received) == 2
    assert "Resolved" in slack.received[1].json()["text"]
    assert [t[2] for t in tray] == ["problem", "resolved"]
    assert monitor.check().sent == 0 and len(sink.messages) == 2


def test_record_errors_above_the_threshold_and_a_failing_channel_is_retried(
    store: Store, world: type[World], memory_flow: str,
    smtp_sink: tuple[Sink, int], hooks: tuple[WebhookReceiver, WebhookReceiver],
) -> None:  # fmt: skip
    (sink, port), (teams, slack) = smtp_sink, hooks
    _configure(store, port, teams, slack, slack=False)
    world.source = [customer(n, last_name="BAD") if n < 4 else customer(n) for n in range(1, 6)]
    world.reject_if = {"Bad": "last name refused"}
    summary = run_flow_locked(store, memory_flow)
    assert summary.status == "completed_with_errors" and summary.counts["parked"] == 3
    raised = AlertSettings(record_errors_threshold=10)  # the threshold says when one starts
    assert not [p for p in _evaluate(store, raised) if p.condition == "record_errors"]
    teams.statuses = [500]  # Teams is down once
    result = AlertMonitor(store).check()
    assert result.started == ["Customers (test): 3 records could not be delivered"]
    assert result.waiting == 1 and len(sink.messages) == 1 and len(teams.received) == 1
    again = AlertMonitor(store).check()
    assert again.sent == 1 and len(teams.received) == 2 and len(sink.messages) == 1


def _evaluate(store: Store, cfg: AlertSettings, now: datetime | None = None) -> list:
    return evaluate(store, cfg, now or utcnow())


def test_quiet_hours_hold_messages_and_drop_a_problem_that_came_and_went(
    store: Store, world: type[World], memory_flow: str,
    smtp_sink: tuple[Sink, int], hooks: tuple[WebhookReceiver, WebhookReceiver],
) -> None:  # fmt: skip
    (sink, port), (teams, slack) = smtp_sink, hooks
    now = datetime.now().astimezone()
    start, end = (now - timedelta(hours=1)), (now + timedelta(hours=1))
    _configure(store, port, teams, slack, quiet_start=f"{start:%H:%M}", quiet_end=f"{end:%H:%M}")
    monitor = AlertMonitor(store)
    world.source = [customer(1)]
    world.fail_batches = 99
    run_flow_locked(store, memory_flow)
    held = monitor.check()
    assert held.started and held.waiting == 1 and sink.messages == [] and teams.received == []
    assert monitor.check(now=now + timedelta(hours=2)).sent == 1  # quiet hours over
    assert len(sink.messages) == 1
    world.fail_batches = 0
    run_flow_locked(store, memory_flow)
    world.fail_batches = 99
    run_flow_locked(store, memory_flow)  # resolved then failing again, all in quiet hours
    monitor.check()  # resolved (held)
    world.fail_batches = 0
    run_flow_locked(store, memory_flow)
    # failed again and resolved again while quiet: that pair is dropped, the first
    # "resolved" still goes out when quiet hours end
    quiet_again = monitor.check()
    assert quiet_again.sent == 0
    later = monitor.check(now=now + timedelta(hours=2))
    assert later.sent == 1 and len(sink.messages) == 2
    assert sink.messages[1]["Subject"].startswith("[Rooftop Sync] Resolved")


def test_stale_flow_parked_backlog_silent_webhook_and_expiring_credential(
    store: Store, world: type[World], memory_flow: str
) -> None:
    now = utcnow()
    ScheduleService(store).save(memory_flow, Schedule("cron", cron="0 2 * * *"))
    world.source = [customer(1, last_name="BAD"), customer(2)]
    world.reject_if = {"Bad": "refused"}
    run_flow_locked(store, memory_flow)  # succeeded-with-errors counts as a success
    record_webhook_received(store, "dms-events", "DMS event relay", at=now)
    record_credential_expiry(store, "crm-token", "CRM API token", now + timedelta(days=3))
    cfg = AlertSettings(webhook_silent=True)
    soon = {p.condition for p in _evaluate(store, cfg, now + timedelta(hours=1))}
    assert soon == {"credential_expiry"}
    later = {p.key.split(":")[0]: p for p in _evaluate(store, cfg, now + timedelta(hours=30))}
    assert set(later) == {"not_succeeded", "parked_backlog", "webhook_silent", "credential_expiry"}
    assert later["parked_backlog"].title == "Customers (test): 1 records waiting more than 24 hours"
    assert later["webhook_silent"].title == "DMS event relay: no webhook for 4 hours"
    assert "CRM API token expires" in later["credential_expiry"].title
    assert _evaluate(store, AlertSettings(
        not_succeeded=False, parked_backlog=False, credential_expiry=False,
    ), now + timedelta(hours=30)) == []  # fmt: skip


def test_bad_alert_settings_are_refused_and_nothing_is_saved(store: Store) -> None:
    with pytest.raises(AlertSettingsError, match=r"mail server name.*recipient"):
        config.save(store, AlertSettings(email=True, email_from="a@b.c"))
    with pytest.raises(AlertSettingsError, match="both a start and an end"):
        config.save(store, AlertSettings(quiet_start="22:00"))
    assert config.load(store) == AlertSettings()
    data = json.loads(json.dumps(config.AlertSettings(email_to=["x@y.z"]).__dict__))
    assert AlertSettings.from_json(data | {"unknown": 1}).email_to == ["x@y.z"]
