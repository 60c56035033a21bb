"""Settings: where things are stored, the keyring in use, and the audit log."""

from __future__ import annotations

import json

from PySide6.QtCore import QSortFilterProxyModel, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import secrets
from app.errors import RooftopError
from app.services import audit
from app.store import Store
from app.ui.icons import icon
from app.ui.models.audit_model import AuditTableModel, describe_changes, field_words
from app.ui.widgets import ScreenHeader, SearchBox
from app.ui.workers import run_in_background


class SettingsScreen(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(
            ScreenHeader(
                "Settings",
                "Where Rooftop Sync keeps its data, who changed what, how long it keeps "
                "it, privacy requests, duplicate matching, manager mode and alerts.",
            )
        )
        self.tabs = QTabWidget()
        self.tabs.addTab(self._general_tab(), icon("mdi6.cog-outline"), "General")
        self.tabs.addTab(self._audit_tab(), icon("mdi6.history"), "Audit log")
        layout.addWidget(self.tabs, 1)
        self.tabs.currentChanged.connect(self._tab_changed)

    def add_tab(self, widget: QWidget, icon_name: str, title: str) -> None:
        self.tabs.addTab(widget, icon(icon_name), title)

    def _tab_changed(self, index: int) -> None:
        if index == 1:
            self.reload_audit()

    # --- general -----------------------------------------------------------------------
    def _general_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(16, 16, 16, 16)
        paths = self.store.paths
        for label, path in (
            ("Data folder", paths.data_dir),
            ("Database", paths.database),
            ("Log file", paths.log_file),
            ("Backups", paths.backups_dir),
        ):
            value = QLabel(str(path))
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label, value)
        self.keyring_label = QLabel("Checking…")
        self.keyring_label.setWordWrap(True)
        form.addRow("Secrets are kept in", self.keyring_label)
        buttons = QHBoxLayout()
        open_data = QPushButton(icon("mdi6.folder-open-outline"), "Open data folder")
        open_data.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths.data_dir)))
        )
        open_logs = QPushButton(icon("mdi6.file-document-outline"), "Open log folder")
        open_logs.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths.logs_dir)))
        )
        buttons.addWidget(open_data)
        buttons.addWidget(open_logs)
        buttons.addStretch(1)
        form.addRow("", buttons)
        run_in_background(
            self._keyring_status,
            on_success=self.keyring_label.setText,
            on_failure=self.keyring_label.setText,
        )
        return page

    @staticmethod
    def _keyring_status() -> str:
        try:
            return f"{secrets.friendly_backend_name(secrets.ensure_backend())} — working"
        except RooftopError as exc:
            return f"Not available — {exc}"

    # --- audit -------------------------------------------------------------------------
    def _audit_tab(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        bar = QHBoxLayout()
        self.audit_search = SearchBox("Filter by user, action or object")
        refresh = QPushButton(icon("mdi6.refresh"), "Refresh")
        refresh.clicked.connect(self.reload_audit)
        bar.addWidget(self.audit_search)
        bar.addStretch(1)
        bar.addWidget(refresh)
        v.addLayout(bar)
        self.audit_model = AuditTableModel()
        self.audit_proxy = QSortFilterProxyModel(self)
        self.audit_proxy.setSourceModel(self.audit_model)
        self.audit_proxy.setFilterKeyColumn(-1)
        self.audit_proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.audit_search.textChanged.connect(self.audit_proxy.setFilterFixedString)
        self.audit_table = QTableView()
        self.audit_table.setObjectName("audit_table")
        self.audit_table.setModel(self.audit_proxy)
        self.audit_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.audit_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.audit_table.verticalHeader().hide()
        self.audit_table.setAlternatingRowColors(True)
        self.audit_table.setShowGrid(False)
        self.audit_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.audit_table.horizontalHeader().setStretchLastSection(True)
        self.audit_detail = QPlainTextEdit()
        self.audit_detail.setReadOnly(True)
        self.audit_detail.setPlaceholderText("Select an entry to see exactly what changed.")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.audit_table)
        split.addWidget(self.audit_detail)
        split.setSizes([400, 160])
        v.addWidget(split, 1)
        self.audit_table.selectionModel().selectionChanged.connect(self._show_entry)
        return page

    def reload_audit(self) -> None:
        run_in_background(audit.recent, self.store, on_success=self.audit_model.set_rows)

    def _show_entry(self) -> None:
        rows = self.audit_table.selectionModel().selectedRows()
        if not rows:
            self.audit_detail.clear()
            return
        entry = self.audit_model.row_at(self.audit_proxy.mapToSource(rows[0]).row())
        lines = describe_changes(entry.diff.get("changes", {})) or ["(no field changes)"]
        extra = {k: v for k, v in entry.diff.items() if k != "changes"}
        for key, value in extra.items():  # the action's details, a line each
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            lines.append(f"{field_words(key)}: {shown}")
        self.audit_detail.setPlainText("\n".join(lines))
