"""The records of a reconciliation or shadow report: group, source key, destination id
and what differs. Pages of 500 come from SQLite as the table scrolls (``fetchMore``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.sync.reconcile_log import FindingRow
from app.ui.theme import Status, status_colour

Index = QModelIndex | QPersistentModelIndex
FINDING_ROLE = Qt.ItemDataRole.UserRole + 1
PAGE = 500
GROUP_TEXT = {
    "only_in_source": "Only in the source",
    "only_in_destination": "Only in the destination",
    "different": "Different",
    "create": "Would create",
    "update": "Would update",
}
GROUP_STATUS = {
    "only_in_source": Status.ERROR,
    "different": Status.WARNING,
    "only_in_destination": Status.UNKNOWN,
    "create": Status.WARNING,
    "update": Status.WARNING,
}
MISSING = ("only_in_source", "create")
RANK = {"only_in_source": 0, "create": 0, "different": 1, "update": 1, "only_in_destination": 2}
Loader = Callable[[int, int], Sequence[FindingRow]]  # (offset, limit) -> rows


class FindingsModel(QAbstractTableModel):
    COLUMNS = ("Group", "Source key", "Destination id", "What differs")

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[FindingRow] = []
        self._loader: Loader | None = None
        self._total = 0

    def set_rows(self, first: Sequence[FindingRow], total: int, loader: Loader | None) -> None:
        """The first page (read off the GUI thread), how many there are, and how to read
        the next pages."""
        self.beginResetModel()
        self._rows, self._total, self._loader = list(first), total, loader
        self.endResetModel()

    @property
    def total(self) -> int:
        return self._total

    def finding_at(self, row: int) -> FindingRow:
        return self._rows[row]

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._loader is not None and len(self._rows) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent) or self._loader is None:
            return
        more = list(self._loader(len(self._rows), PAGE))
        if not more:
            self._total = len(self._rows)
            return
        start = len(self._rows)
        self.beginInsertRows(QModelIndex(), start, start + len(more) - 1)
        self._rows += more
        self.endInsertRows()

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
        f, col = self._rows[index.row()], index.column()
        if role == FINDING_ROLE:
            return f
        if role == Qt.ItemDataRole.UserRole and col == 0:  # what needs doing first
            return f"{RANK.get(f.group, 9)} {f.key}"
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.UserRole):
            dest = f.dest_id or "—"
            if f.dest_id and f.group in MISSING:  # linked once, gone from the destination now
                dest = f"{f.dest_id} (not there)"
            return (GROUP_TEXT.get(f.group, f.group), f.key or "—", dest, f.text)[col]
        if role == Qt.ItemDataRole.ForegroundRole and col == 0:
            return status_colour(GROUP_STATUS.get(f.group, Status.UNKNOWN))
        if role == Qt.ItemDataRole.ToolTipRole and col == 3:
            return f.text
        return None
