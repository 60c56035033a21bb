"""Alert settings: which conditions, their thresholds, the channels and quiet hours.

Non-secret settings are JSON in the ``settings`` table (key ``alerts``). The SMTP password
and the Teams / Slack webhook addresses (they carry a token) live in the keyring under
the owner ``alerts``; the settings only say whether each one is set."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from app import secrets
from app.alerts.errors import AlertSettingsError
from app.scheduling.errors import ScheduleError
from app.scheduling.schedule import Blackout, parse_hhmm
from app.store import Store
from app.store.models import Setting

SETTING_KEY = "alerts"
SECRET_OWNER = "alerts"
SECRET_FIELDS = ("smtp_password", "teams_url", "slack_url")
SECURITY = ("starttls", "ssl", "none")


@dataclass
class AlertSettings:
    # conditions
    run_failed: bool = True
    record_errors: bool = True
    record_errors_threshold: int = 10
    not_succeeded: bool = True
    not_succeeded_hours: int = 26  # a nightly flow that missed one night, plus slack
    webhook_silent: bool = False
    webhook_silent_hours: int = 4
    parked_backlog: bool = True
    parked_backlog_hours: int = 24
    credential_expiry: bool = True
    credential_expiry_days: int = 7
    record_count_low: bool = True
    record_count_low_percent: int = 20  # of the median of the last 10 runs
    reconcile_differences: bool = True
    reconcile_differences_threshold: int = 1  # records missing or different
    # channels
    tray: bool = True
    email: bool = False
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_user: str = ""
    email_from: str = ""
    email_to: list[str] = field(default_factory=list)
    teams: bool = False
    slack: bool = False
    # no message goes out between these local times; they wait and go out afterwards
    quiet_start: str = ""
    quiet_end: str = ""

    @property
    def quiet_hours(self) -> Blackout | None:
        if not self.quiet_start or not self.quiet_end:
            return None
        return Blackout(parse_hhmm(self.quiet_start), parse_hhmm(self.quiet_end))

    def validate(self) -> None:
        problems = []
        if self.email:
            if not self.smtp_host.strip():
                problems.append("E-mail alerts need the mail server name.")
            if not 0 < self.smtp_port < 65536:
                problems.append("The mail server port must be between 1 and 65535.")
            if self.smtp_security not in SECURITY:
                problems.append(f"Mail security must be one of {', '.join(SECURITY)}.")
            if not self.email_to or not all("@" in a for a in self.email_to):
                problems.append("E-mail alerts need at least one recipient address.")
            if not self.email_from or "@" not in self.email_from:
                problems.append("E-mail alerts need a sender address.")
        for name in ("record_errors_threshold", "not_succeeded_hours", "webhook_silent_hours",
                     "parked_backlog_hours", "credential_expiry_days",
                     "record_count_low_percent", "reconcile_differences_threshold"):  # fmt: skip
            if int(getattr(self, name)) < 1:
                problems.append(f"{name.replace('_', ' ').capitalize()} must be 1 or more.")
        if bool(self.quiet_start) != bool(self.quiet_end):
            problems.append("Quiet hours need both a start and an end time.")
        try:
            quiet = self.quiet_hours
        except ScheduleError as exc:
            problems.append(str(exc))
        else:
            if quiet and quiet.start == quiet.end:
                problems.append("Quiet hours start and end at the same time.")
        if problems:
            raise AlertSettingsError(" ".join(problems))

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> AlertSettings:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})


def load(store: Store) -> AlertSettings:
    with store.session() as s:
        row = s.get(Setting, SETTING_KEY)
        return AlertSettings.from_json(row.value if row else None)


def save(
    store: Store, settings: AlertSettings, secret_values: dict[str, str] | None = None
) -> None:
    """Store the settings; ``secret_values`` go to the keyring (an empty value removes one;
    a field left out keeps its saved value)."""
    settings.validate()
    for name, value in (secret_values or {}).items():
        if name not in SECRET_FIELDS:
            raise AlertSettingsError(f"'{name}' is not an alert secret.")
        secrets.set_secret(SECRET_OWNER, name, value)
    with store.session() as s:
        row = s.get(Setting, SETTING_KEY)
        if row is None:
            s.add(Setting(key=SETTING_KEY, value=asdict(settings)))
        else:
            row.value = asdict(settings)


def secret(name: str) -> str | None:
    return secrets.get_secret(SECRET_OWNER, name)


def secrets_set() -> set[str]:
    """Which alert secrets have a value (never the values)."""
    return {name for name in SECRET_FIELDS if secret(name)}
