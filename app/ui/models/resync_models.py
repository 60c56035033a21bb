"""Tables of the re-sync dialog: search hits to pick from, and the field-by-field preview."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.scheduling.resync import FieldChange
from app.sync.search import SearchHit

Index = QModelIndex | QPersistentModelIndex
ENTITY_WORDS = {
    "customer": "Customer",
    "deal": "Deal",
    "vehicle": "Vehicle",
    "repair_order": "Repair order",
    "lead": "Lead",
    "appointment": "Appointment",
}


def _blank(value: Any) -> str:
    return "" if value is None else str(value)


class HitsModel(QAbstractTableModel):
    COLUMNS = (
        "", "Name", "Type", "In system", "Number", "E-mail", "Phone", "VIN / stock / deal",
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[SearchHit] = []
        self._checked: set[int] = set()
        self.system_names: dict[str, str] = {}

    def set_hits(self, hits: list[SearchHit], system_names: dict[str, str]) -> None:
        self.beginResetModel()
        self._rows, self.system_names = list(hits), dict(system_names)
        self._checked = {0} if len(hits) == 1 else set()
        self.endResetModel()

    def checked(self) -> list[SearchHit]:
        return [self._rows[i] for i in sorted(self._checked)]

    def set_checked(self, row: int, on: bool) -> None:
        (self._checked.add if on else self._checked.discard)(row)
        self.dataChanged.emit(self.index(row, 0), self.index(row, 0))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsUserCheckable if index.column() == 0 else base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        h, col = self._rows[index.row()], index.column()
        if col == 0 and role == Qt.ItemDataRole.CheckStateRole:
            on = index.row() in self._checked
            return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.UserRole):
            keys = " · ".join(v for v in (h.vin, h.stock_number, h.deal_number, h.ro_number) if v)
            return ("", h.name or "(no name)", ENTITY_WORDS.get(h.entity, h.entity.title()),
                    self.system_names.get(h.system, "?"), h.customer_number or h.record_key,
                    _blank(h.email), _blank(h.phone), keys)[col]  # fmt: skip
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if index.column() == 0 and role == Qt.ItemDataRole.CheckStateRole:
            self.set_checked(index.row(), Qt.CheckState(value) == Qt.CheckState.Checked)
            return True
        return False


class ChangesModel(QAbstractTableModel):
    COLUMNS = ("Record", "Flow", "In system", "Action", "Field", "Last sent", "Will become")
    ACTIONS = {"create": "Create", "update": "Update", "skip": "No change"}

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[FieldChange] = []

    def set_changes(self, rows: list[FieldChange]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        c, col = self._rows[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.UserRole):
            record = f"{c.record_name} ({c.record_key})" if c.record_name else c.record_key
            before = "(not there yet)" if c.action == "create" else _blank(c.before)
            return (record, c.flow_name, c.system, self.ACTIONS.get(c.action, c.action),
                    c.field, before, _blank(c.after))[col]  # fmt: skip
        if role == Qt.ItemDataRole.ToolTipRole and col in (5, 6):
            return _blank(c.before if col == 5 else c.after)
        return None
