"""The attempts of one record (its timeline), oldest first."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.services import pii
from app.store.log_timeline import Attempt
from app.ui.formatting import full_time
from app.ui.icons import icon
from app.ui.models.sync_log_models import entity_label, short_time, trigger_text
from app.ui.theme import STATUS_ICONS, Status, status_colour

Index = QModelIndex | QPersistentModelIndex

_STATUS = {
    "delivered": (Status.OK, "Delivered"),
    "unchanged": (Status.OK, "Unchanged (not sent)"),
    "parked": (Status.ERROR, "Parked"),
    "failed": (Status.ERROR, "Failed in transit"),
    "planned": (Status.UNKNOWN, "Planned (dry run)"),
}


def attempt_status(a: Attempt) -> tuple[Status, str]:
    return _STATUS.get(a.status, (Status.UNKNOWN, a.status))


ACTION_WORDS = {
    "create": "Create",
    "update": "Update",
    "delete": "Delete",
    "reject": "Refused",
    "skip": "No change",
    "unchanged": "No change",
}


class AttemptsTableModel(QAbstractTableModel):
    # "Details": an error when the attempt failed, otherwise a note (why nothing was sent)
    COLUMNS = ("When", "Flow", "Record", "Trigger", "Action", "Status", "Details", "Destination id")

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[Attempt] = []
        self.reveal = False

    def set_attempts(self, attempts: list[Attempt]) -> None:
        self.beginResetModel()
        self._rows = list(attempts)
        self.endResetModel()

    def set_reveal(self, reveal: bool) -> None:
        self.reveal = reveal
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, len(self.COLUMNS) - 1)
            )

    def attempt_at(self, row: int) -> Attempt:
        return self._rows[row]

    def row_of(self, attempt_id: int) -> int:
        return next((i for i, a in enumerate(self._rows) if a.id == attempt_id), -1)

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
        a = self._rows[index.row()]
        col = index.column()
        status, text = attempt_status(a)
        error = a.error if self.reveal else pii.mask_text(a.error)
        if role == Qt.ItemDataRole.DisplayRole:
            values = (
                short_time(a.started_at),
                a.flow_name,
                f"{entity_label(a.entity)} {a.record_key}",
                trigger_text(a.trigger, a.triggered_by)
                + (f" of event {a.replay_of}" if a.replay_of else ""),
                ACTION_WORDS.get(a.action) or a.action.replace("_", " ").capitalize(),
                text,
                (error or "").replace("\n", " "),
                a.destination_id or "",
            )
            return values[col]
        if col == 5 and role == Qt.ItemDataRole.DecorationRole:
            return icon(STATUS_ICONS[status], status_colour(status))
        if col == 5 and role == Qt.ItemDataRole.ForegroundRole:
            return status_colour(status)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 6:
                return error
            if col == 0:
                return f"Event {a.id} · run {a.run_id} · {full_time(a.started_at)}"
        return None
