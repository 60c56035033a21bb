"""Retention settings: one policy for every place that keeps personal data (sync log
payloads and events, search index, duplicate finder, merge undo data, drift samples,
archives, database backups), what each place holds now (rows and bytes), archive what is
removed to a compressed file first; "Clean up now" runs in the background with a
progress bar and Cancel."""

from __future__ import annotations

import dataclasses
import threading

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.errors import RooftopError
from app.services import retention
from app.services.retention import RetentionPolicy
from app.store import Store
from app.ui.formatting import relative_time
from app.ui.icons import icon
from app.ui.models.privacy_models import human_bytes, usage_model
from app.ui.widgets import sortable_table
from app.ui.workers import run_in_background

# The places besides the sync log, in the order shown: (policy field, label).
OTHER_PLACES = (
    ("index_days", "Search index of records no source shows"),
    ("matching_days", "Duplicate-finder snapshots and decided groups"),
    ("merge_days", "Merges can be undone for"),
    ("drift_sample_days", "Sample values of schema drift"),
    ("archive_days", "Archived sync-log files"),
    ("backup_days", "Database backups"),
)


def _days() -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(1, 3650)
    spin.setSuffix(" days")
    spin.setMaximumWidth(140)
    return spin


class RetentionSettingsWidget(QWidget):
    """``RetentionSettingsWidget(store)`` — put it on the Settings screen."""

    saved = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._cancel: threading.Event | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Rooftop Sync keeps personal data in several places: the sync log (what each "
            "record looked like when it was read and sent, and a line per record per "
            "attempt), the search index, the duplicate finder, what merges keep for undo, "
            "drift samples, archives and backups. Each is cleaned up daily after the days "
            "set here. Records still waiting in the retry queue are always kept."
        )
        intro.setWordWrap(True)
        intro.setObjectName("Muted")
        layout.addWidget(intro)
        self._loaded = RetentionPolicy()  # fields this screen does not show survive a save
        form = QFormLayout()
        self.payload_days = _days()
        self.event_days = _days()
        self.archive = QCheckBox("Archive what is removed to a compressed file first")
        self.archive_dir = QLineEdit()
        self.archive_dir.setPlaceholderText(str(retention.archive_folder(store, RetentionPolicy())))
        browse = QPushButton(icon("mdi6.folder-outline"), "Choose…")
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.archive_dir, 1)
        folder_row.addWidget(browse)
        self.enabled = QCheckBox("Clean up automatically once a day")
        form.addRow("Keep record payloads for", self.payload_days)
        form.addRow("Keep record events for", self.event_days)
        form.addRow("", self.archive)
        form.addRow("Archive folder", folder_row)
        form.addRow("", self.enabled)
        others = QFormLayout()
        self.days: dict[str, QSpinBox] = {}
        for name, label in OTHER_PLACES:
            self.days[name] = _days()
            others.addRow(label, self.days[name])
        columns = QHBoxLayout()
        columns.addLayout(form, 1)
        columns.addSpacing(24)
        columns.addLayout(others, 1)
        layout.addLayout(columns)
        self.error = QLabel()
        self.error.setObjectName("FieldError")
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        self.save_button = QPushButton(icon("mdi6.content-save-outline"), "Save")
        self.run_button = QPushButton(icon("mdi6.broom"), "Clean up now")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.progress = QProgressBar()
        self.progress.hide()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(0)
        layout.addLayout(buttons)
        self.status = QLabel()
        self.status.setObjectName("retention_status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.usage_label = QLabel("What each place holds now")
        self.usage_label.setObjectName("Muted")
        layout.addWidget(self.usage_label)
        self.usage = usage_model()
        _proxy, self.usage_table = sortable_table(self.usage, self, "retention_usage")
        header = self.usage_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.usage_table.verticalHeader().setDefaultSectionSize(26)
        layout.addWidget(self.usage_table, 1)
        for spin in (self.payload_days, self.event_days, *self.days.values()):
            spin.valueChanged.connect(lambda _v: self._validate())
        self.archive.toggled.connect(self.archive_dir.setEnabled)
        self.save_button.clicked.connect(self.save)
        self.run_button.clicked.connect(lambda: self.clean_up())
        self.cancel_button.clicked.connect(lambda: self._cancel.set() if self._cancel else None)
        run_in_background(self._read, on_success=self._show)
        self.reload_usage()

    def reload_usage(self) -> None:
        run_in_background(retention.usage, self.store, on_success=self._show_usage, owner=self)

    def _show_usage(self, areas: list) -> None:
        self.usage.set_rows(areas)
        total = sum(a.bytes for a in areas)
        self.usage_label.setText(f"What each place holds now ({human_bytes(total)} in all)")

    def _read(self):  # worker thread
        return retention.load_policy(self.store), retention.last_run(self.store)

    def _show(self, loaded) -> None:
        policy, (when, message) = loaded
        self._loaded = policy
        for name, spin in self.days.items():
            spin.setValue(getattr(policy, name))
        self.payload_days.setValue(policy.payload_days)
        self.event_days.setValue(policy.event_days)
        self.archive.setChecked(policy.archive)
        self.archive_dir.setText(policy.archive_dir)
        self.archive_dir.setEnabled(policy.archive)
        self.enabled.setChecked(policy.enabled)
        self.status.setText(
            f"Last clean-up: {relative_time(when)}. {message}" if when else "Not cleaned up yet."
        )

    def policy(self) -> RetentionPolicy:
        return dataclasses.replace(
            self._loaded,
            **{name: spin.value() for name, spin in self.days.items()},
            payload_days=self.payload_days.value(),
            event_days=self.event_days.value(),
            archive=self.archive.isChecked(),
            archive_dir=self.archive_dir.text().strip(),
            enabled=self.enabled.isChecked(),
        )

    def _validate(self) -> bool:
        try:
            self.policy().validate()
        except RooftopError as exc:
            self.error.setText(str(exc))
            self.save_button.setEnabled(False)
            return False
        self.error.setText("")
        self.save_button.setEnabled(True)
        return True

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Archive folder", self.archive_dir.text())
        if folder:
            self.archive_dir.setText(folder)

    def save(self) -> None:
        if not self._validate():
            return
        policy = self.policy()
        run_in_background(
            retention.save_policy,
            self.store,
            policy,
            on_success=lambda _r: self._saved(),
            on_failure=self.error.setText,
        )

    def _saved(self) -> None:
        self.status.setText("Retention settings saved.")
        self.reload_usage()
        self.saved.emit()

    def clean_up(self, *, confirm: bool = True) -> None:
        if not self._validate():
            return
        policy = self.policy()
        if confirm:
            archived = (
                f"They are archived first to {retention.archive_folder(self.store, policy)}."
                if policy.archive
                else "They are NOT archived: they are gone for good."
            )
            answer = QMessageBox.question(
                self,
                "Clean up the sync log",
                f"Clear record payloads older than {policy.payload_days} days and delete record "
                f"events older than {policy.event_days} days now, and clean the other places "
                f"after the days set for each?\n\n{archived} Records waiting in the retry "
                "queue are kept.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        cancel = threading.Event()
        self._cancel = cancel
        self.run_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        self.status.setText("Cleaning up…")
        run_in_background(
            lambda progress: retention.prune(
                self.store, policy, progress=progress, cancelled=cancel.is_set
            ),
            on_success=lambda report: self._done(report.message()),
            on_failure=self._done,
            on_progress=self._progress,
        )

    def _progress(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.status.setText(message)

    def _done(self, message: str) -> None:
        self._cancel = None
        self.run_button.setEnabled(True)
        self.progress.hide()
        self.cancel_button.hide()
        self.status.setText(message)
        self.reload_usage()
