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
    "pause": "Paused",
    "resume": "Resumed",
    "dismiss": "Dismissed",
    "edit_payload": "Edited and replayed",
    "merge": "Merged",
    "merge_retry": "Retried a merge",
    "unmerge": "Undid a merge",
    "not_duplicate": "Marked not a duplicate",
    "set_pin": "Set the admin PIN",
    "set_mode": "Switched mode",
    "pin_refused": "Wrong admin PIN",
    "privacy_erase": "Erased personal data",
    "privacy_export": "Exported personal data",
    "reveal_personal_data": "Showed personal data",
    "save_mapping": "Saved a mapping",
    "restore_mapping": "Restored a mapping version",
    "import_mapping": "Imported a mapping",
    "save_schedule": "Changed the schedule",
    "set_owner": "Changed who wins a field",
    "shadow": "Started a shadow run",
    "go_live": "Went live",
    "segment.save": "Saved a segment",
    "segment.delete": "Deleted a segment",
    "segment.settings": "Changed segment settings",
    "contact.do_not_contact": "Put on the do-not-contact list",
    "contact.erasure": "Recorded a privacy erasure",
}
OBJECT_LABELS = {
    "connection_profile": "Connection",
    "retry_queue": "Waiting records",
    "parked_record": "Parked record",
    "matching_thresholds": "Duplicate matching",
    "duplicate": "Possible duplicate",
    "privacy_request": "Privacy request",
    "settings": "Settings",
    "setting": "Settings",
}


def _words(code: str) -> str:
    """A code nobody labelled yet, as words rather than 'set_mode' ('Set mode')."""
    text = code.replace("_", " ").replace(".", " ").replace(":", ": ").strip()
    return text[:1].upper() + text[1:]


def action_label(action: str) -> str:
    """How the audit log names an action: 'set_mode' -> 'Switched mode'."""
    if action.startswith("option:"):
        return f"Changed the option {_words(action.removeprefix('option:')).lower()}"
    return ACTION_LABELS.get(action) or _words(action)


def object_label(object_type: str) -> str:
    return OBJECT_LABELS.get(object_type) or _words(object_type)


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
            action_label(e.action),
            f"{object_label(e.object_type)}: {e.object_name}",
            f"{len(changes)} field(s)" if changes else "—",
        )
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(changes) or None
        return values[col]
