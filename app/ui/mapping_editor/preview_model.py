"""The before/after preview: the first sample rows as the mapping would send them."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from app.mapping.preview import Preview
from app.ui.mapping_editor.table_model import ROOT, Index, TableModel
from app.ui.theme import Status, status_colour


class PreviewModel(TableModel):
    """First sample rows: key, then each target's mapped value; invalid cells in red with
    the reason as tooltip."""

    def __init__(self) -> None:
        super().__init__()
        self.preview: Preview | None = None
        self.key_column = ""
        self.columns: list[str] = []

    def set_preview(self, preview: Preview, key_column: str) -> None:
        self.beginResetModel()
        self.preview = preview
        self.key_column = key_column
        self.columns = [str(c) for c in preview.after.columns]
        self.endResetModel()

    def _count(self) -> int:
        return 0 if self.preview is None else len(self.preview.after)

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() or self.preview is None else len(self.columns) + 1

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return f"{self.key_column} (source)" if section == 0 else self.columns[section - 1]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.preview is None:
            return None
        row, col = index.row(), index.column()
        if col == 0:
            if role == Qt.ItemDataRole.DisplayRole:
                before = self.preview.before
                return str(before[self.key_column].iloc[row]) if self.key_column in before else ""
            return None
        target = self.columns[col - 1]
        problem = self.preview.problems.get((row, target))
        if role == Qt.ItemDataRole.DisplayRole:
            value = str(self.preview.after[target].iloc[row])
            return f"⚠ {problem.split(':')[0]}" if problem and not value else value
        if role == Qt.ItemDataRole.BackgroundRole and problem:
            c = status_colour(Status.ERROR)
            c.setAlpha(40)
            return c
        if role == Qt.ItemDataRole.ForegroundRole and problem:
            return status_colour(Status.ERROR)
        if role == Qt.ItemDataRole.ToolTipRole:
            if problem:
                return problem
            src = self.preview.before
            return None if src.empty else f"Source row {row + 1}"
        return None
