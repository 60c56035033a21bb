"""The feeds table of the "Publish now" panel."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.feeds.overview import FeedRow
from app.ui.formatting import full_time, relative_time
from app.ui.icons import icon
from app.ui.theme import STATUS_ICONS, Status, status_colour

Index = QModelIndex | QPersistentModelIndex

STATUS = {
    "succeeded": (Status.OK, "Published"),
    "completed_with_errors": (Status.WARNING, "Published, some left out"),
    "failed": (Status.ERROR, "Failed"),
    "running": (Status.RUNNING, "Publishing…"),
    None: (Status.UNKNOWN, "Never published"),
}


def status_of(row: FeedRow) -> tuple[Status, str]:
    status, text = STATUS.get(row.last_status, STATUS[None])
    if row.last_status == "completed_with_errors":
        text = f"Published, {row.left_out} left out"
    return status, text


class FeedsTableModel(QAbstractTableModel):
    COLUMNS = ("Feed", "Channel", "Destination", "Vehicles", "Last published", "Status")
    busy: set[str]

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[FeedRow] = []
        self.busy = set()

    def set_rows(self, rows: list[FeedRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def set_busy(self, slugs: set[str]) -> None:
        self.busy = set(slugs)
        if self._rows:
            last = self.index(len(self._rows) - 1, len(self.COLUMNS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def row_at(self, row: int) -> FeedRow:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def _status(self, row: FeedRow) -> tuple[Status, str]:
        if row.slug in self.busy:
            return STATUS["running"]
        return status_of(row)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                row.name,
                row.channel_label,
                row.destination,
                f"{row.listed:,}" if row.last_run_id else "—",
                relative_time(row.last_at) if row.last_at else "never",
                self._status(row)[1],
            )[col]
        if role == Qt.ItemDataRole.UserRole:  # sort keys
            return (
                row.name.lower(),
                row.channel_label,
                row.destination.lower(),
                row.listed,
                row.last_at.timestamp() if row.last_at else 0.0,
                self._status(row)[1],
            )[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 5 and row.error:
                return row.error
            if col == 4 and row.last_at:
                return full_time(row.last_at)
            if col == 0:
                mode = "real time + " if row.mode == "realtime" else ""
                return f"{row.slug}: {mode}every {row.interval_min} minutes"
        if col == 5 and role == Qt.ItemDataRole.DecorationRole:
            status = self._status(row)[0]
            return icon(STATUS_ICONS[status], status_colour(status))
        if col == 5 and role == Qt.ItemDataRole.ForegroundRole:
            return status_colour(self._status(row)[0])
        if col == 3 and role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
