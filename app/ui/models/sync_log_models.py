"""Table models of the sync log: runs and record events, paged lazily from SQLite.

Pages load in a background worker (never on the GUI thread): ``fetchMore`` starts the
next page and rows arrive through a signal. A generation counter drops pages of a query
that was replaced meanwhile (the person changed a filter while a page was loading)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from app.services import pii
from app.store import Store
from app.store.log_queries import PAGE, EventFilter, EventRow, list_events
from app.store.log_runs import RunFilter, RunRow, list_runs
from app.ui.formatting import full_time, short_time
from app.ui.icons import icon
from app.ui.theme import STATUS_ICONS, Status, status_colour
from app.ui.workers import run_in_background

Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1

ENTITY_LABELS = {
    "customer": "Customer",
    "repair_order": "Repair order",
    "deal": "Deal",
    "lead": "Lead",
    "vehicle": "Vehicle",
    "appointment": "Appointment",
}


def entity_label(entity: str) -> str:
    return ENTITY_LABELS.get(entity, entity.replace("_", " ").capitalize())


def run_status(row: RunRow) -> tuple[Status, str]:
    problems = row.counts.get("failed", 0) + row.counts.get("parked", 0)
    if row.status == "succeeded":
        return Status.OK, "Succeeded"
    if row.status == "completed_with_errors":
        noun = "error" if problems == 1 else "errors"
        return Status.WARNING, f"Completed with {problems:,} {noun}"
    if row.status == "failed":
        return Status.ERROR, "Failed"
    if row.status == "running":
        return Status.RUNNING, "Running"
    if row.status == "cancelled":
        return Status.UNKNOWN, "Cancelled"
    if row.status == "dry_run":
        return Status.UNKNOWN, "Dry run (nothing sent)"
    return Status.UNKNOWN, row.status


TRIGGER_LABELS = {
    "schedule": "Schedule",
    "manual": "Manual",
    "webhook": "Webhook",
    "realtime": "Real-time",
    "replay": "Replay",
    "resync": "Record re-sync",
    "resync_range": "Date-range re-sync",
    "reconcile": "Reconcile",
    "demo": "Demo",
}


def trigger_text(trigger: str, by: str) -> str:
    """'Date-range re-sync by alice', never a code such as 'Resync_range'."""
    label = TRIGGER_LABELS.get(trigger) or trigger.replace("_", " ").capitalize()
    by_person = trigger in ("manual", "replay", "resync", "resync_range")
    return f"{label} by {by}" if by and by_person else label


def event_status(row: EventRow) -> tuple[Status, str]:
    if row.status == "delivered":
        return Status.OK, "Delivered" + (" (replay)" if row.replay_of else "")
    if row.status == "unchanged":
        return Status.OK, "Unchanged (not sent)"
    if row.status == "parked":
        if row.replay_status == "delivered":
            return Status.WARNING, "Parked · replayed, delivered"
        if row.replay_status:
            return Status.ERROR, f"Parked · replayed, {row.replay_status}"
        if row.in_queue:
            return Status.ERROR, "Parked · in retry queue"
        return Status.WARNING, "Parked · since resolved"
    if row.status == "failed":
        return Status.ERROR, "Failed · retried next run"
    if row.status == "planned":
        return Status.UNKNOWN, "Planned (dry run)"
    return Status.UNKNOWN, row.status


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"


class PagedModel(QAbstractTableModel):
    """Rows of one query, a page at a time, loaded off the GUI thread."""

    loading_changed = Signal(bool)
    page_loaded = Signal(int)  # rows in the page that just arrived
    failed = Signal(str)
    COLUMNS: tuple[str, ...] = ()

    def __init__(self, store: Store, page_size: int = PAGE) -> None:
        super().__init__()
        self.store = store
        self.page_size = page_size
        self._rows: list[Any] = []
        self._more = False
        self._loading = False
        self._generation = 0

    # subclasses: the page query (runs in a worker thread)
    def _fetch(self, before_id: int | None) -> list[Any]:
        raise NotImplementedError

    @property
    def loading(self) -> bool:
        return self._loading

    def reload(self) -> None:
        """Forget the rows and load the first page of the current query."""
        self._generation += 1
        self.beginResetModel()
        self._rows = []
        self._more = False
        self.endResetModel()
        self._load(None)

    def _load(self, before_id: int | None) -> None:
        generation = self._generation
        self._set_loading(True)
        run_in_background(
            self._fetch,
            before_id,
            on_success=lambda rows: self._arrived(generation, rows),
            on_failure=lambda msg: self._failed(generation, msg),
        )

    def _arrived(self, generation: int, rows: list[Any]) -> None:
        if generation != self._generation:
            return
        self._set_loading(False)
        if rows:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        self._more = len(rows) >= self.page_size
        self.page_loaded.emit(len(rows))

    def _failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self._set_loading(False)
            self._more = False
            self.failed.emit(message)

    def _set_loading(self, value: bool) -> None:
        self._loading = value
        self.loading_changed.emit(value)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent) and self._rows:
            self._load(self._rows[-1].id)

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def rows(self) -> list[Any]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None


class RunsTableModel(PagedModel):
    COLUMNS = (
        "Flow",
        "Trigger",
        "Started",
        "Duration",
        "Status",
        "Read",
        "Created",
        "Updated",
        "Unchanged",
        "Failed",
        "Parked",
    )
    STATUS_COLUMN = 4
    _COUNT_KEYS = ("read", "created", "updated", "unchanged", "failed", "parked")

    def __init__(self, store: Store, page_size: int = PAGE) -> None:
        super().__init__(store, page_size)
        self.filter = RunFilter()

    def set_filter(self, f: RunFilter) -> None:
        self.filter = f
        self.reload()

    def _fetch(self, before_id: int | None) -> list[RunRow]:
        with self.store.session() as s:
            return list_runs(s, self.filter, before_id=before_id, limit=self.page_size)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r: RunRow = self._rows[index.row()]
        col = index.column()
        if role == ROW_ROLE:
            return r
        status, status_text = run_status(r)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return r.flow_name
            if col == 1:
                return trigger_text(r.trigger, r.triggered_by)
            if col == 2:
                return short_time(r.started_at)
            if col == 3:
                return duration_text(r.duration_s) if r.finished_at else "running…"
            if col == 4:
                return status_text
            if col >= 5:
                return f"{r.counts.get(self._COUNT_KEYS[col - 5], 0):,}"
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= 5:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if col == 4 and role == Qt.ItemDataRole.DecorationRole:
            return icon(STATUS_ICONS[status], status_colour(status))
        if col == 4 and role == Qt.ItemDataRole.ForegroundRole:
            return status_colour(status)
        problem_count = col in (9, 10) and r.counts.get(self._COUNT_KEYS[col - 5], 0)
        if problem_count and role == Qt.ItemDataRole.ForegroundRole:
            return status_colour(Status.ERROR)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 4 and r.error:
                return r.error
            if col == 2:
                return f"Run {r.id} · started {full_time(r.started_at)}"
        return None


class RecordEventsTableModel(PagedModel):
    # "Details": an error when the record failed, otherwise a note (why nothing was sent)
    COLUMNS = ("When", "Flow", "Record", "Name", "Status", "Details", "Run")
    STATUS_COLUMN = 4

    def __init__(self, store: Store, page_size: int = PAGE) -> None:
        super().__init__(store, page_size)
        self.filter = EventFilter()
        self.reveal = False  # admin mode and the person chose to show personal data

    def set_filter(self, f: EventFilter) -> None:
        self.filter = f
        self.reload()

    def set_reveal(self, reveal: bool) -> None:
        self.reveal = reveal
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, len(self.COLUMNS) - 1)
            )

    def _fetch(self, before_id: int | None) -> list[EventRow]:
        with self.store.session() as s:
            return list_events(s, self.filter, before_id=before_id, limit=self.page_size)

    def _error(self, r: EventRow) -> str:
        text = r.error or ""
        return text if self.reveal else pii.mask_text(text) or ""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r: EventRow = self._rows[index.row()]
        col = index.column()
        if role == ROW_ROLE:
            return r
        status, status_text = event_status(r)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return short_time(r.started_at)
            if col == 1:
                return r.flow_name
            if col == 2:
                return f"{entity_label(r.entity)} {r.record_key}"
            if col == 3:
                return r.name if self.reveal else pii.mask_name(r.name)
            if col == 4:
                return status_text
            if col == 5:
                return self._error(r).replace("\n", " ")
            if col == 6:
                return str(r.run_id)
        if col == 4 and role == Qt.ItemDataRole.DecorationRole:
            return icon(STATUS_ICONS[status], status_colour(status))
        if col == 4 and role == Qt.ItemDataRole.ForegroundRole:
            return status_colour(status)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 5 and r.error:
                return self._error(r)
            if col == 4 and r.replayed_by:
                return (
                    f"Replayed as event {r.replayed_by} ({r.replay_status}); "
                    "the error shown is the original attempt's."
                )
            if col == 0:
                return full_time(r.started_at)
        return None
