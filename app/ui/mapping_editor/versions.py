"""Version history of a flow's mapping: list, view, diff against the current version,
restore (as a new version), export to a file and import from one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.mapping.diff import describe, rule_text
from app.services.mappings import MappingService, MappingVersion
from app.ui.formatting import full_time
from app.ui.icons import icon
from app.ui.models.rows_model import Column, Index, RowsTableModel
from app.ui.workers import run_in_background


class VersionsModel(RowsTableModel[MappingVersion]):
    """Newest first: the first row is the current version."""

    COLUMNS = (
        Column("Version", lambda v: f"v{v.version}"),
        Column("Saved", lambda v: full_time(v.created_at)),
        Column("By", lambda v: v.created_by),
        Column("Rules", lambda v: str(v.rule_count)),
        Column("Comment", lambda v: v.comment),
    )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        shown = super().data(index, role)
        if role == Qt.ItemDataRole.DisplayRole and index.column() == 0 and index.row() == 0:
            return f"{shown} (current)"
        return shown


class VersionsDialog(QDialog):
    def __init__(
        self, service: MappingService, flow_id: int, flow_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service, self.flow_id = service, flow_id
        self.setWindowTitle(f"Mapping versions — {flow_name}")
        self.resize(980, 600)
        layout = QVBoxLayout(self)
        self.model = VersionsModel()
        self.table = QTableView()
        self.table.setObjectName("versions")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.detail = QPlainTextEdit()
        self.detail.setObjectName("version_detail")
        self.detail.setReadOnly(True)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        layout.addWidget(split, 1)
        row = QHBoxLayout()
        self.message = QLabel()
        self.message.setWordWrap(True)
        row.addWidget(self.message, 1)
        self.restore_button = QPushButton(icon("mdi6.restore"), "Restore this version")
        self.export_button = QPushButton(icon("mdi6.export"), "Export…")
        self.import_button = QPushButton(icon("mdi6.import"), "Import…")
        close = QPushButton("Close")
        for b in (self.restore_button, self.export_button, self.import_button, close):
            row.addWidget(b)
        layout.addLayout(row)
        self.restore_button.clicked.connect(lambda: self.restore_selected())
        self.export_button.clicked.connect(self._export)
        self.import_button.clicked.connect(self._import)
        close.clicked.connect(self.accept)
        self.table.selectionModel().selectionChanged.connect(self._show_detail)
        self.reload()

    def reload(self) -> None:
        self.model.set_rows(self.service.versions(self.flow_id))
        if self.model.rows:
            self.table.selectRow(0)

    def selected(self) -> MappingVersion | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def _show_detail(self) -> None:
        v = self.selected()
        self.restore_button.setEnabled(v is not None and v is not self.model.rows[0])
        if v is None:
            self.detail.setPlainText("")
            return
        current = self.model.rows[0]
        lines = [f"Version {v.version} — {len(v.mapping.rules)} rules", ""]
        lines += [rule_text(r) for r in v.mapping.rules]
        if v is not current:
            changes = describe(v.mapping, current.mapping)
            lines += ["", f"Changes from v{v.version} to the current v{current.version}:"]
            lines += changes or ["(none)"]
        else:
            older = self.model.rows[1] if len(self.model.rows) > 1 else None
            lines += ["", "Changes in this version:"]
            lines += describe(older.mapping if older else None, v.mapping) or ["(none)"]
        self.detail.setPlainText("\n".join(lines))

    def restore_selected(self, *, confirm: bool = True) -> None:
        v = self.selected()
        if v is None:
            return
        if confirm:
            answer = QMessageBox.question(
                self,
                "Restore mapping",
                f"Make version {v.version} the current mapping?\n\nIt is saved as a new "
                "version; nothing is deleted and the next run uses it. This is recorded in "
                "the audit log.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        run_in_background(
            self.service.restore,
            self.flow_id,
            v.version,
            on_success=lambda r: self._restored(v.version, r.version),
            on_failure=self.message.setText,
        )

    def _restored(self, old: int, new: int) -> None:
        self.reload()
        self.message.setText(f"Version {old} restored as version {new}.")

    def _export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export mapping", "mapping.json", "JSON (*.json)"
        )
        if name:
            v = self.selected()
            version = self.service.export(self.flow_id, Path(name), v.version if v else None)
            self.message.setText(f"Version {version} exported to {name}.")

    def _import(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import mapping", "", "JSON (*.json)")
        if name:
            self.import_file(Path(name))

    def import_file(self, path: Path) -> None:
        parsed = self.service.read_file(path)
        if parsed.problems:
            self.message.setText("Not imported: " + " ".join(parsed.problems[:5]))
            return
        try:
            result, warnings = self.service.import_file(self.flow_id, path)
        except Exception as exc:  # noqa: BLE001 — shown to the person
            self.message.setText(f"Not imported: {exc}")
            return
        self.reload()
        self.message.setText(f"Imported as version {result.version}. " + " ".join(warnings))
