"""The Flows table: schedule in plain words, last result (colour + icon + text), next run."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.scheduling.overview import FlowOverview
from app.ui.formatting import full_time, relative_time
from app.ui.icons import icon
from app.ui.theme import STATUS_ICONS, Status, status_colour

Index = QModelIndex | QPersistentModelIndex
FLOW_ROLE = Qt.ItemDataRole.UserRole + 1


def run_status(status: str | None, errors: int = 0) -> tuple[Status, str]:
    if status == "succeeded":
        return Status.OK, "Succeeded"
    if status == "completed_with_errors":
        return Status.WARNING, f"Completed with {errors:,} error{'s' if errors != 1 else ''}"
    if status == "failed":
        return Status.ERROR, "Failed"
    if status == "cancelled":
        return Status.UNKNOWN, "Cancelled"
    if status == "dry_run":
        return Status.UNKNOWN, "Preview only"
    if status == "running":
        return Status.RUNNING, "Running…"
    return Status.UNKNOWN, "Never run"


def flow_result(status: str | None, errors: int, waiting: int) -> tuple[Status, str]:
    """The last job's result, never green while records wait for replay."""
    st, text = run_status(status, errors)
    if waiting and st in (Status.OK, Status.UNKNOWN):
        return Status.WARNING, f"{text} · {waiting:,} waiting"
    return st, text


def waiting_text(waiting: int) -> str:
    return f"{waiting:,}" if waiting else "none"


def next_run_text(row: FlowOverview) -> str:
    if row.next_run is None:
        return "Paused" if row.schedule.kind != "manual" else "—"
    return row.next_run.astimezone().strftime("%a %d %b %H:%M")


class FlowsTableModel(QAbstractTableModel):
    # "Waiting" (for replay) is shown beside "Result" (the screen moves the section)
    COLUMNS = ("Flow", "Carried by", "Schedule", "Last run", "Result", "Next run", "Waiting")
    WAITING = 6

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[FlowOverview] = []

    def set_rows(self, rows: list[FlowOverview]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def flow_at(self, row: int) -> FlowOverview:
        return self._rows[row]

    def row_of(self, flow_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.flow_id == flow_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.ToolTipRole
            and section == self.WAITING
        ):
            return "Records waiting for replay: counted until delivered or dismissed"
        return None

    def _status(self, r: FlowOverview) -> tuple[Status, str]:
        if r.running is not None:
            return Status.RUNNING, "Running now"
        return flow_result(r.last_status, r.last_errors, r.waiting)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        col = index.column()
        status, text = self._status(r)
        if role == FLOW_ROLE:
            return r
        if role == Qt.ItemDataRole.DisplayRole:
            return (r.name, r.protocol, r.schedule.describe(), relative_time(r.last_at), text,
                    next_run_text(r), waiting_text(r.waiting))[col]  # fmt: skip
        if role == Qt.ItemDataRole.UserRole:  # sort keys
            if col == 3:
                return r.last_at.timestamp() if r.last_at else 0.0
            if col == 5:
                return r.next_run.timestamp() if r.next_run else float("inf")
            if col == self.WAITING:
                return r.waiting
            return self.data(index, Qt.ItemDataRole.DisplayRole)
        if col == self.WAITING and r.waiting:
            if role == Qt.ItemDataRole.DecorationRole:
                return icon(STATUS_ICONS[Status.WARNING], status_colour(Status.WARNING))
            if role == Qt.ItemDataRole.ForegroundRole:
                return status_colour(Status.WARNING)
            if role == Qt.ItemDataRole.ToolTipRole:
                return (
                    f"{r.waiting:,} records could not be delivered and wait in the retry "
                    "queue until they are replayed or dismissed (Sync Log)."
                )
        if col == 4 and role == Qt.ItemDataRole.DecorationRole:
            return icon(STATUS_ICONS[status], status_colour(status))
        if col == 4 and role == Qt.ItemDataRole.ForegroundRole:
            return status_colour(status)
        if col == 0 and role == Qt.ItemDataRole.DecorationRole:
            return icon("mdi6.swap-horizontal-bold")
        if role == Qt.ItemDataRole.ToolTipRole:
            if col in (0, 1):
                about = f"{r.description}\n" if r.description else ""
                return f"{about}{r.route}\nCarried by {r.protocol}\nMode: {r.mode}"
            if col == 3:
                return full_time(r.last_at)
            if col == 4:
                if r.running is not None:
                    return f"Running — {r.running.describe()}"
                c = r.last_counts
                counts = (
                    f"read {c['read']:,} · new {c['created']:,} · updated {c['updated']:,} · "
                    f"unchanged {c['unchanged']:,} · failed {c['failed'] + c['parked']:,}"
                    if c else "No run yet"
                )  # fmt: skip
                if r.last_runs > 1:
                    counts = f"Last job, {r.last_runs} runs: {counts}"
                waiting = f"\n{r.waiting:,} waiting for replay" if r.waiting else ""
                return counts + waiting + (f"\n{r.last_error}" if r.last_error else "")
            if col == 5 and r.schedule.blackout:
                return f"No scheduled runs {r.schedule.blackout.text()}"
        return None
