"""The Connections table: one row per connection profile."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.services.profiles import ProfileInfo
from app.ui.formatting import full_time, relative_time
from app.ui.icons import icon
from app.ui.theme import STATUS_ICONS, Status, status_colour

Index = QModelIndex | QPersistentModelIndex
PROFILE_ROLE = Qt.ItemDataRole.UserRole + 1


def test_status(profile: ProfileInfo, testing: bool = False) -> tuple[Status, str]:
    if testing:
        return Status.RUNNING, "Testing…"
    if profile.last_test_ok is None:
        return Status.UNKNOWN, "Not tested"
    if profile.last_test_ok:
        return Status.OK, "Connected"
    return Status.ERROR, "Failed"


class ProfilesTableModel(QAbstractTableModel):
    COLUMNS = ("Name", "Kind", "Status", "Last tested", "Last used")

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[ProfileInfo] = []
        self._testing: set[int] = set()

    def set_profiles(self, profiles: list[ProfileInfo]) -> None:
        self.beginResetModel()
        self._rows = list(profiles)
        self.endResetModel()

    def set_testing(self, profile_id: int, testing: bool) -> None:
        if testing:
            self._testing.add(profile_id)
        else:
            self._testing.discard(profile_id)
        for row, p in enumerate(self._rows):
            if p.id == profile_id:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))

    def replace(self, profile: ProfileInfo) -> None:
        for row, p in enumerate(self._rows):
            if p.id == profile.id:
                self._rows[row] = profile
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))
                return

    def profile_at(self, row: int) -> ProfileInfo:
        return self._rows[row]

    def row_of(self, profile_id: int) -> int:
        for row, p in enumerate(self._rows):
            if p.id == profile_id:
                return row
        return -1

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
        p = self._rows[index.row()]
        col = index.column()
        status, status_text = test_status(p, p.id in self._testing)
        if role == PROFILE_ROLE:
            return p
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return p.name + ("  [demo]" if p.is_demo else "")
            if col == 1:
                return p.kind_label
            if col == 2:
                return status_text
            if col == 3:
                return relative_time(p.last_test_at)
            if col == 4:
                return relative_time(p.last_used_at)
        if role == Qt.ItemDataRole.UserRole:  # sort key
            if col == 3:
                return p.last_test_at.timestamp() if p.last_test_at else 0.0
            if col == 4:
                return p.last_used_at.timestamp() if p.last_used_at else 0.0
            return self.data(index, Qt.ItemDataRole.DisplayRole)
        if col == 2 and role == Qt.ItemDataRole.DecorationRole:
            return icon(STATUS_ICONS[status], status_colour(status))
        if col == 2 and role == Qt.ItemDataRole.ForegroundRole:
            return status_colour(status)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 2:
                return p.last_test_message or "Select the profile and press Test connection."
            if col == 3:
                return full_time(p.last_test_at)
            if col == 4:
                return full_time(p.last_used_at)
        return None
