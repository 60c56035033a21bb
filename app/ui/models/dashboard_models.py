"""Small tables of the dashboard: connection health and the next scheduled runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.store.dashboard_queries import ConnectionHealth
from app.ui.formatting import full_time, relative_time
from app.ui.icons import icon
from app.ui.theme import STATUS_ICONS, Status, status_colour

Index = QModelIndex | QPersistentModelIndex


def health_status(h: ConnectionHealth) -> tuple[Status, str]:
    if h.last_test_ok is None:
        return Status.UNKNOWN, "Not tested"
    return (Status.OK, "Connected") if h.last_test_ok else (Status.ERROR, "Failed")


@dataclass(frozen=True)
class ScheduleRow:
    flow: str
    describe: str
    next_at: datetime | None
    due: bool
    last_status: str | None
    last_run_at: datetime | None
    enabled: bool
    waiting: int = 0  # records waiting for replay: the tick is never green while any wait
    last_errors: int = 0


def last_run_status(r: ScheduleRow) -> Status:
    """The per-flow tick: the last job's result, amber while records wait for replay."""
    status = {
        "succeeded": Status.OK,
        "completed_with_errors": Status.WARNING,
        "failed": Status.ERROR,
        "running": Status.RUNNING,
    }.get(r.last_status or "", Status.UNKNOWN)
    if r.waiting and status in (Status.OK, Status.UNKNOWN):
        return Status.WARNING
    return status


def when_text(value: datetime | None, now: datetime | None = None) -> str:
    """'in 12 min', 'in 3 h', 'tomorrow 02:00', or a date."""
    if value is None:
        return "—"
    now = now or datetime.now(value.tzinfo)
    seconds = (value - now).total_seconds()
    local = value.astimezone()
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"in {int(seconds // 60)} min"
    if local.date() == now.astimezone().date():
        return local.strftime("today %H:%M")
    if (local.date() - now.astimezone().date()).days == 1:
        return local.strftime("tomorrow %H:%M")
    return local.strftime("%a %d %b %H:%M")


class _Table(QAbstractTableModel):
    COLUMNS: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[Any] = []

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None


class HealthTableModel(_Table):
    COLUMNS = ("Connection", "Status", "Last test", "Last successful sync")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        h: ConnectionHealth = self._rows[index.row()]
        col = index.column()
        status, text = health_status(h)
        if role == Qt.ItemDataRole.DisplayRole:
            return (h.name, text, relative_time(h.last_test_at), relative_time(h.last_success_at))[
                col
            ]
        if col == 1 and role == Qt.ItemDataRole.DecorationRole:
            return icon(STATUS_ICONS[status], status_colour(status))
        if col == 1 and role == Qt.ItemDataRole.ForegroundRole:
            return status_colour(status)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 1:
                return h.last_test_message or "Test it on the Connections screen."
            if col == 2:
                return full_time(h.last_test_at)
            if col == 3:
                return full_time(h.last_success_at)
        return None


class ScheduleTableModel(_Table):
    COLUMNS = ("Flow", "Schedule", "Next run", "Last run")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r: ScheduleRow = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return r.flow
            if col == 1:
                return r.describe if r.enabled else "off (flow disabled)"
            if col == 2:
                if not r.enabled or r.next_at is None:
                    return "not scheduled"
                return "due now" if r.due else when_text(r.next_at)
            if col == 3:  # what waits matters more than when: the time is in the tooltip
                if r.waiting:
                    return f"{r.waiting:,} waiting"
                return relative_time(r.last_run_at) if r.last_run_at else "never run"
        if col == 3 and role == Qt.ItemDataRole.DecorationRole and (r.last_status or r.waiting):
            status = last_run_status(r)
            return icon(STATUS_ICONS[status], status_colour(status))
        if col == 3 and role == Qt.ItemDataRole.ToolTipRole:
            said = {
                "succeeded": "The last sync succeeded",
                "completed_with_errors": f"The last sync could not deliver {r.last_errors:,} "
                "records",
                "failed": "The last sync failed",
            }.get(r.last_status or "", "")
            waits = (
                f"{r.waiting:,} records wait for replay (Sync Log) until they are delivered "
                "or dismissed."
                if r.waiting
                else "Nothing waits for replay."
            )
            when = f" {full_time(r.last_run_at)}" if r.last_run_at else ""
            return f"{said}{when}. {waits}" if said else waits
        if role == Qt.ItemDataRole.ToolTipRole and col == 2:
            return "Worked out from the flow's schedule; the scheduler decides the actual run. " + (
                full_time(r.next_at) if r.next_at else ""
            )
        return None
