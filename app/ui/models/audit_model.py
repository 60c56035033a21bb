"""The audit log table (newest first)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.services.audit import AuditView
from app.ui.formatting import full_time

Index = QModelIndex | QPersistentModelIndex

ACTION_LABELS = {
    "create": "Created",
    "update": "Edited",
    "delete": "Deleted",
    "duplicate": "Duplicated",
    "import": "Imported",
    "export": "Exported",
    "learn_setting": "Learned on use",  # e.g. an SFTP host key pinned on first use
}


def describe_changes(changes: dict[str, Any], prefix: str = "") -> list[str]:
    """One readable line per changed field: 'settings.base_url: a → b'."""
    lines: list[str] = []
    for key, change in changes.items():
        path = f"{prefix}{key}"
        if isinstance(change, dict) and set(change) <= {"before", "after"} and change:
            lines.append(f"{path}: {change.get('before')!r} → {change.get('after')!r}")
        elif isinstance(change, dict):
            lines.extend(describe_changes(change, prefix=f"{path}."))
    return lines


class AuditTableModel(QAbstractTableModel):
    COLUMNS = ("When", "User", "Action", "Object", "Changes")

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[AuditView] = []

    def set_entries(self, entries: list[AuditView]) -> None:
        self.beginResetModel()
        self._rows = list(entries)
        self.endResetModel()

    def entry_at(self, row: int) -> AuditView:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.UserRole,
        ):
            return None
        e = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.UserRole and col == 0:
            return e.id
        changes = describe_changes(e.diff.get("changes", {}))
        values = (
            full_time(e.at),
            e.os_user,
            ACTION_LABELS.get(e.action, e.action),
            f"{e.object_type.replace('_', ' ')}: {e.object_name}",
            f"{len(changes)} field(s)" if changes else "—",
        )
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(changes) or None
        return values[col]
