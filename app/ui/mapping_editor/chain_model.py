"""The selected rule's chain: each step with the value it gives for one sample row."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from app.mapping.preview import TraceStep
from app.ui.icons import icon
from app.ui.mapping_editor.table_model import Index, TableModel
from app.ui.theme import STATUS_ICONS, Status, status_colour


class ChainModel(TableModel):
    """The selected rule's steps with the value after each one for the chosen sample row."""

    COLUMNS = ("Step", "Value for the selected sample row")

    def __init__(self) -> None:
        super().__init__()
        self.trace: list[TraceStep] = []

    def set_trace(self, trace: list[TraceStep]) -> None:
        self.beginResetModel()
        self.trace = trace
        self.endResetModel()

    def _count(self) -> int:
        return len(self.trace)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        t = self.trace[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 0:
                return ("Input: " if index.row() == 0 else f"{index.row()}. ") + t.label
            return t.problem if t.problem and not t.value else (t.value if t.value else "(empty)")
        if role == Qt.ItemDataRole.ForegroundRole:
            if t.problem:
                return status_colour(Status.ERROR)
            if index.column() == 1 and not t.value:
                return QColor("#8a94a3")
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 1 and t.problem:
            return icon(STATUS_ICONS[Status.ERROR], status_colour(Status.ERROR))
        if role == Qt.ItemDataRole.ToolTipRole and t.problem:
            return t.problem
        return None
