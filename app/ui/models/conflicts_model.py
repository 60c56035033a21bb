"""The Conflicts table: each recorded conflict with both values, who won and when, and
who owns the field today."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.services.conflicts import ConflictView, FlowConflicts
from app.ui.formatting import full_time, relative_time

Index = QModelIndex | QPersistentModelIndex
CONFLICT_ROLE = Qt.ItemDataRole.UserRole + 1


def _value(value: str | None) -> str:
    return "(empty)" if value in (None, "") else str(value)


class ConflictsModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._rows: list[ConflictView] = []
        self.flow: FlowConflicts | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        f = self.flow
        source, dest = (f.source_name, f.dest_name) if f else ("the source", "the destination")
        return (
            "When", "Record", "Field", f"Value in {source}", f"Value {dest} kept", "Won by",
            "Owner now",
        )  # fmt: skip

    def set_rows(self, flow: FlowConflicts | None, rows: list[ConflictView]) -> None:
        self.beginResetModel()
        self.flow, self._rows = flow, list(rows)
        self.endResetModel()

    def conflict_at(self, row: int) -> ConflictView:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        c, col = self._rows[index.row()], index.column()
        if role == CONFLICT_ROLE:
            return c
        system = self.flow.system if self.flow else (lambda owner: owner)
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                relative_time(c.at), c.record_key, c.field, _value(c.source_value),
                _value(c.kept_value), system(c.winner), system(c.owner_now),
            )[col]  # fmt: skip
        if role == Qt.ItemDataRole.UserRole:  # sort key
            return (c.at.isoformat(), c.record_key, c.field, c.source_value or "",
                    c.kept_value or "", c.winner, c.owner_now)[col]  # fmt: skip
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 0:
                return full_time(c.at)
            if col in (3, 4):
                return _value(c.source_value if col == 3 else c.kept_value)
        return None
