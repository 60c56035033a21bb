"""The preview grid: a few records of one stream, a column per declared field."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from app.ui.models.rows_model import Column, RowsTableModel


def _field(name: str) -> Column[dict[str, str]]:
    return Column(
        name,
        lambda r: " ".join(r.get(name, "").split()),
        tip=lambda r: v if len(v := r.get(name, "")) > 40 else None,
    )


class PreviewTableModel(RowsTableModel[dict[str, str]]):
    """Rows are numbered (the vertical header): "record 3" is how people point at one."""

    def set_records(self, columns: list[str], rows: list[dict[str, str]]) -> None:
        self.beginResetModel()
        self.columns, self._rows = [_field(c) for c in columns], list(rows)
        self.endResetModel()

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return super().headerData(section, orientation, role)
