"""A lookup step's code-translation table, editable in place."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from app.ui.mapping_editor.table_model import ROOT, Index, TableModel


class LookupModel(TableModel):
    """An editable code-translation table: source value -> new value."""

    COLUMNS = ("Source value", "Becomes")

    def __init__(self, table: dict[str, str]) -> None:
        super().__init__()
        self.rows: list[list[str]] = [[k, v] for k, v in table.items()]

    def _count(self) -> int:
        return len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self.rows[index.row()][index.column()]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return super().flags(index) | Qt.ItemFlag.ItemIsEditable

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        self.rows[index.row()][index.column()] = str(value)
        self.dataChanged.emit(index, index)
        return True

    def add(self, code: str = "", value: str = "") -> int:
        self.beginInsertRows(ROOT, len(self.rows), len(self.rows))
        self.rows.append([code, value])
        self.endInsertRows()
        return len(self.rows) - 1

    def remove(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            self.beginRemoveRows(ROOT, row, row)
            del self.rows[row]
            self.endRemoveRows()

    def table(self) -> dict[str, str]:
        return {k.strip(): v for k, v in self.rows if k.strip()}

    def problems(self) -> list[str]:
        seen: dict[str, int] = {}
        out = []
        for i, (k, _v) in enumerate(self.rows, 1):
            key = k.strip().upper()
            if not key:
                continue
            if key in seen:
                out.append(f"Row {i}: '{k}' is already in row {seen[key]}.")
            seen.setdefault(key, i)
        return out
