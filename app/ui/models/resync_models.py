"""Tables of the re-sync dialog: search hits to pick from, and the field-by-field preview."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from app.scheduling.resync import FieldChange
from app.sync.search import SearchHit
from app.ui.models.rows_model import Column, Index, RowsTableModel

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


def _keys(h: SearchHit) -> str:
    return " · ".join(v for v in (h.vin, h.stock_number, h.deal_number, h.ro_number) if v)


class HitsModel(RowsTableModel[SearchHit]):
    """Search hits, each with a check box in the first column."""

    def __init__(self) -> None:
        self._checked: set[int] = set()
        self.system_names: dict[str, str] = {}
        super().__init__([
            Column("", lambda h: ""),
            Column("Name", lambda h: h.name or "(no name)"),
            Column("Type", lambda h: ENTITY_WORDS.get(h.entity, h.entity.title())),
            Column("In system", lambda h: self.system_names.get(h.system, "?")),
            Column("Number", lambda h: h.customer_number or h.record_key),
            Column("E-mail", lambda h: _blank(h.email)),
            Column("Phone", lambda h: _blank(h.phone)),
            Column("VIN / stock / deal", _keys),
        ])  # fmt: skip

    def set_hits(self, hits: list[SearchHit], system_names: dict[str, str]) -> None:
        self.system_names = dict(system_names)
        self._checked = {0} if len(hits) == 1 else set()
        self.set_rows(hits)

    def checked(self) -> list[SearchHit]:
        return [self._rows[i] for i in sorted(self._checked)]

    def set_checked(self, row: int, on: bool) -> None:
        (self._checked.add if on else self._checked.discard)(row)
        self.dataChanged.emit(self.index(row, 0), self.index(row, 0))

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsUserCheckable if index.column() == 0 else base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and index.column() == 0 and role == Qt.ItemDataRole.CheckStateRole:
            on = index.row() in self._checked
            return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        return super().data(index, role)

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if index.column() == 0 and role == Qt.ItemDataRole.CheckStateRole:
            self.set_checked(index.row(), Qt.CheckState(value) == Qt.CheckState.Checked)
            return True
        return False


def _record(c: FieldChange) -> str:
    return f"{c.record_name} ({c.record_key})" if c.record_name else c.record_key


ACTIONS = {"create": "Create", "update": "Update", "skip": "No change"}


class ChangesModel(RowsTableModel[FieldChange]):
    COLUMNS = (
        Column("Record", _record),
        Column("Flow", lambda c: c.flow_name),
        Column("In system", lambda c: c.system),
        Column("Action", lambda c: ACTIONS.get(c.action, c.action)),
        Column("Field", lambda c: c.field),
        Column("Last sent", lambda c: "(not there yet)" if c.action == "create"
               else _blank(c.before), tip=lambda c: _blank(c.before)),
        Column("Will become", lambda c: _blank(c.after), tip=lambda c: _blank(c.after)),
    )  # fmt: skip
