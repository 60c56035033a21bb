"""Settings → Alerts: which problems to report, where (tray, e-mail, Teams, Slack) and the
quiet hours. Passwords and webhook addresses go to the keyring; the fields only show
whether one is saved."""

from __future__ import annotations

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.alerts import config
from app.alerts.config import AlertSettings
from app.alerts.monitor import AlertMonitor
from app.store import Store
from app.ui.icons import icon
from app.ui.theme import Status, status_colour
from app.ui.workers import run_in_background

CONDITIONS = (
    ("run_failed", "A sync fails", None, ""),
    ("record_errors", "A sync leaves", "record_errors_threshold", "or more records undelivered"),
    ("not_succeeded", "A scheduled flow has not succeeded for", "not_succeeded_hours", "hours"),
    ("webhook_silent", "No webhook has arrived for", "webhook_silent_hours", "hours"),
    (
        "parked_backlog",
        "Records wait in the retry queue longer than",
        "parked_backlog_hours",
        "hours",
    ),
    ("credential_expiry", "A password or token expires within", "credential_expiry_days", "days"),
    (
        "record_count_low",
        "A sync reads fewer than this % of its usual record count:",
        "record_count_low_percent",
        "% (of the median of its last 10 runs)",
    ),
    (
        "reconcile_differences",
        "Reconciling a flow finds",
        "reconcile_differences_threshold",
        "or more records missing or different",
    ),
)


class AlertSettingsWidget(QScrollArea):
    def __init__(
        self, store: Store, monitor: AlertMonitor | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.monitor = monitor or AlertMonitor(store)
        self.setWidgetResizable(True)
        body = QWidget()
        self.setWidget(body)
        v = QVBoxLayout(body)

        when = QGroupBox("Tell someone when")
        grid = QGridLayout(when)
        self.checks: dict[str, QCheckBox] = {}
        self.spins: dict[str, QSpinBox] = {}
        for row, (name, text, spin_name, unit) in enumerate(CONDITIONS):
            check = QCheckBox(text)
            self.checks[name] = check
            grid.addWidget(check, row, 0)
            if spin_name:
                spin = QSpinBox()
                spin.setRange(1, 9999)
                self.spins[spin_name] = spin
                grid.addWidget(spin, row, 1)
                grid.addWidget(QLabel(unit), row, 2)
        grid.setColumnStretch(3, 1)
        v.addWidget(when)

        where = QGroupBox("Send alerts to")
        form = QFormLayout(where)
        self.tray = QCheckBox("A notification on this computer (while Rooftop Sync is open)")
        form.addRow(self.tray)
        self.email = QCheckBox("E-mail")
        form.addRow(self.email)
        self.smtp_host = QLineEdit()
        self.smtp_host.setPlaceholderText("smtp.office365.com")
        self.smtp_port = QSpinBox()
        self.smtp_port.setRange(1, 65535)
        self.smtp_security = QComboBox()
        self.smtp_security.addItems(["starttls", "ssl", "none"])
        server = QHBoxLayout()
        server.addWidget(self.smtp_host, 1)
        server.addWidget(QLabel("port"))
        server.addWidget(self.smtp_port)
        server.addWidget(self.smtp_security)
        form.addRow("Mail server", server)
        self.smtp_user = QLineEdit()
        self.smtp_password = QLineEdit()
        self.smtp_password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("User name", self.smtp_user)
        form.addRow("Password", self.smtp_password)
        self.email_from = QLineEdit()
        self.email_from.setPlaceholderText("rooftop-sync@yourdealership.com")
        self.email_to = QLineEdit()
        self.email_to.setPlaceholderText("it@yourdealership.com, manager@yourdealership.com")
        form.addRow("From", self.email_from)
        form.addRow("To", self.email_to)
        self.teams = QCheckBox("Microsoft Teams channel (incoming webhook / Workflows URL)")
        self.teams_url = QLineEdit()
        self.teams_url.setEchoMode(QLineEdit.EchoMode.Password)
        self.slack = QCheckBox("Slack channel (incoming webhook URL)")
        self.slack_url = QLineEdit()
        self.slack_url.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.teams)
        form.addRow("Teams URL", self.teams_url)
        form.addRow(self.slack)
        form.addRow("Slack URL", self.slack_url)
        v.addWidget(where)

        quiet = QGroupBox("Quiet hours (alerts wait and go out afterwards)")
        quiet.setCheckable(True)
        self.quiet = quiet
        quiet_row = QHBoxLayout(quiet)
        self.quiet_start = QTimeEdit(QTime(22, 0))
        self.quiet_end = QTimeEdit(QTime(6, 0))
        for t in (self.quiet_start, self.quiet_end):
            t.setDisplayFormat("HH:mm")
        quiet_row.addWidget(QLabel("From"))
        quiet_row.addWidget(self.quiet_start)
        quiet_row.addWidget(QLabel("to"))
        quiet_row.addWidget(self.quiet_end)
        quiet_row.addStretch(1)
        v.addWidget(quiet)

        buttons = QHBoxLayout()
        self.save_button = QPushButton(icon("mdi6.content-save-outline"), "Save alert settings")
        self.test_button = QPushButton(icon("mdi6.bell-ring-outline"), "Send a test alert")
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        v.addLayout(buttons)
        self.message = QLabel()
        self.message.setObjectName("alert_message")
        self.message.setWordWrap(True)
        v.addWidget(self.message)
        v.addStretch(1)
        self.save_button.clicked.connect(self.save)
        self.test_button.clicked.connect(self.send_test)
        for box, fields in (
            (self.email, (self.smtp_host, self.smtp_port, self.smtp_security, self.smtp_user,
                          self.smtp_password, self.email_from, self.email_to)),
            (self.teams, (self.teams_url,)),
            (self.slack, (self.slack_url,)),
        ):  # fmt: skip
            box.toggled.connect(lambda on, fs=fields: [f.setEnabled(on) for f in fs])
        run_in_background(self._read, on_success=self._show, on_failure=self._error)

    def _read(self) -> tuple[AlertSettings, set[str]]:
        return config.load(self.store), config.secrets_set()

    def _show(self, loaded: tuple[AlertSettings, set[str]]) -> None:
        cfg, saved = loaded
        for name, check in self.checks.items():
            check.setChecked(bool(getattr(cfg, name)))
        for name, spin in self.spins.items():
            spin.setValue(int(getattr(cfg, name)))
        self.tray.setChecked(cfg.tray)
        self.email.setChecked(cfg.email)
        self.smtp_host.setText(cfg.smtp_host)
        self.smtp_port.setValue(cfg.smtp_port)
        self.smtp_security.setCurrentText(cfg.smtp_security)
        self.smtp_user.setText(cfg.smtp_user)
        self.email_from.setText(cfg.email_from)
        self.email_to.setText(", ".join(cfg.email_to))
        self.teams.setChecked(cfg.teams)
        self.slack.setChecked(cfg.slack)
        for field, name in ((self.smtp_password, "smtp_password"), (self.teams_url, "teams_url"),
                            (self.slack_url, "slack_url")):  # fmt: skip
            field.setPlaceholderText(
                "saved in the keyring — type to replace" if name in saved else ""
            )
        for box in (self.email, self.teams, self.slack):
            box.toggled.emit(box.isChecked())
        self.quiet.setChecked(bool(cfg.quiet_start))
        if cfg.quiet_start:
            self.quiet_start.setTime(QTime.fromString(cfg.quiet_start, "HH:mm"))
            self.quiet_end.setTime(QTime.fromString(cfg.quiet_end, "HH:mm"))

    def settings(self) -> AlertSettings:
        cfg = AlertSettings()
        for name, check in self.checks.items():
            setattr(cfg, name, check.isChecked())
        for name, spin in self.spins.items():
            setattr(cfg, name, spin.value())
        cfg.tray, cfg.email = self.tray.isChecked(), self.email.isChecked()
        cfg.smtp_host, cfg.smtp_port = self.smtp_host.text().strip(), self.smtp_port.value()
        cfg.smtp_security, cfg.smtp_user = self.smtp_security.currentText(), self.smtp_user.text()
        cfg.email_from = self.email_from.text().strip()
        cfg.email_to = [a.strip() for a in self.email_to.text().split(",") if a.strip()]
        cfg.teams, cfg.slack = self.teams.isChecked(), self.slack.isChecked()
        if self.quiet.isChecked():
            cfg.quiet_start = self.quiet_start.time().toString("HH:mm")
            cfg.quiet_end = self.quiet_end.time().toString("HH:mm")
        return cfg

    def _typed_secrets(self) -> dict[str, str]:
        typed = {"smtp_password": self.smtp_password.text(), "teams_url": self.teams_url.text(),
                 "slack_url": self.slack_url.text()}  # fmt: skip
        return {k: v for k, v in typed.items() if v}  # empty = keep what is saved

    def save(self) -> None:
        cfg, typed = self.settings(), self._typed_secrets()
        run_in_background(
            config.save, self.store, cfg, typed,
            on_success=self._saved, on_failure=self._error,
        )  # fmt: skip

    def _saved(self, _result: object = None) -> None:
        for f in (self.smtp_password, self.teams_url, self.slack_url):
            if f.text():
                f.clear()
                f.setPlaceholderText("saved in the keyring — type to replace")
        self._say("Alert settings saved.", Status.OK)

    def send_test(self) -> None:
        cfg = self.settings()
        self._say("Sending a test alert…", Status.RUNNING)
        run_in_background(
            self._test, cfg, self._typed_secrets(),
            on_success=self._tested, on_failure=self._error,
        )  # fmt: skip

    def _test(self, cfg: AlertSettings, typed: dict[str, str]) -> list[str]:
        config.save(self.store, cfg, typed)  # test what will be used
        return self.monitor.send_test(cfg)

    def _tested(self, failures: list[str]) -> None:
        if failures:
            self._say(" ".join(failures), Status.ERROR)
        else:
            self._say("Test alert sent on every channel that is switched on.", Status.OK)

    def _error(self, message: str) -> None:
        self._say(message, Status.ERROR)

    def _say(self, text: str, status: Status) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {status_colour(status).name()};")
