"""The preview grid: a few records of one stream, a column per declared field."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


class PreviewTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.columns: list[str] = []
        self.rows: list[dict[str, str]] = []

    def set_records(self, columns: list[str], rows: list[dict[str, str]]) -> None:
        self.beginResetModel()
        self.columns, self.rows = list(columns), list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self.rows[index.row()].get(self.columns[index.column()], "")
        if role == Qt.ItemDataRole.DisplayRole:
            return " ".join(value.split())
        if role == Qt.ItemDataRole.ToolTipRole and len(value) > 40:
            return value
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section] if section < len(self.columns) else None
        return str(section + 1)
