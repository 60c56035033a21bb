"""Table models of the sync log: runs and record events, paged lazily from SQLite.

Pages load in a background worker (never on the GUI thread): ``fetchMore`` starts the
next page and rows arrive through a signal. A generation counter drops pages of a query
that was replaced meanwhile (the person changed a filter while a page was loading)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, Signal

from app.services import pii
from app.store import Store
from app.store.log_queries import PAGE, EventFilter, EventRow, list_events
from app.store.log_runs import RunFilter, RunRow, list_runs
from app.ui.formatting import full_time, short_time
from app.ui.models.rows_model import Column, Index, RowsTableModel
from app.ui.theme import Status, status_colour
from app.ui.workers import run_in_background

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


class PagedModel(RowsTableModel[Any]):
    """Rows of one query, a page at a time, loaded off the GUI thread."""

    loading_changed = Signal(bool)
    page_loaded = Signal(int)  # rows in the page that just arrived
    failed = Signal(str)

    def __init__(
        self, store: Store, page_size: int = PAGE, columns: Sequence[Column[Any]] | None = None
    ) -> None:
        super().__init__(columns)
        self.store = store
        self.page_size = page_size
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


_COUNT_KEYS = ("read", "created", "updated", "unchanged", "failed", "parked")


def _count(key: str) -> Column[RunRow]:
    """A run's count of ``key`` records, right-aligned; failed and parked ones in red."""
    problem = key in ("failed", "parked")
    return Column(
        key.capitalize(),
        lambda r: f"{r.counts.get(key, 0):,}",
        sort=lambda r: r.counts.get(key, 0),
        right=True,
        foreground=lambda r: (
            status_colour(Status.ERROR) if problem and r.counts.get(key, 0) else None
        ),
    )


class RunsTableModel(PagedModel):
    STATUS_COLUMN = 4

    def __init__(self, store: Store, page_size: int = PAGE) -> None:
        super().__init__(store, page_size, [
            Column("Flow", lambda r: r.flow_name),
            Column("Trigger", lambda r: trigger_text(r.trigger, r.triggered_by)),
            Column("Started", lambda r: short_time(r.started_at),
                   tip=lambda r: f"Run {r.id} · started {full_time(r.started_at)}"),
            Column("Duration",
                   lambda r: duration_text(r.duration_s) if r.finished_at else "running…"),
            Column("Status", lambda r: run_status(r)[1], status=lambda r: run_status(r)[0],
                   tip=lambda r: r.error or None),
            *(_count(key) for key in _COUNT_KEYS),
        ])  # fmt: skip
        self.filter = RunFilter()

    def set_filter(self, f: RunFilter) -> None:
        self.filter = f
        self.reload()

    def _fetch(self, before_id: int | None) -> list[RunRow]:
        with self.store.session() as s:
            return list_runs(s, self.filter, before_id=before_id, limit=self.page_size)


def _replayed_tip(r: EventRow) -> str | None:
    if not r.replayed_by:
        return None
    return (
        f"Replayed as event {r.replayed_by} ({r.replay_status}); "
        "the error shown is the original attempt's."
    )


class RecordEventsTableModel(PagedModel):
    STATUS_COLUMN = 4

    def __init__(self, store: Store, page_size: int = PAGE) -> None:
        super().__init__(store, page_size, [
            Column("When", lambda r: short_time(r.started_at),
                   tip=lambda r: full_time(r.started_at)),
            Column("Flow", lambda r: r.flow_name),
            Column("Record", lambda r: f"{entity_label(r.entity)} {r.record_key}"),
            Column("Name", lambda r: r.name if self.reveal else pii.mask_name(r.name)),
            Column("Status", lambda r: event_status(r)[1], status=lambda r: event_status(r)[0],
                   tip=_replayed_tip),
            # an error when the record failed, otherwise a note (why nothing was sent)
            Column("Details", lambda r: self._error(r).replace("\n", " "),
                   tip=lambda r: self._error(r) if r.error else None),
            Column("Run", lambda r: str(r.run_id)),
        ])  # fmt: skip
        self.filter = EventFilter()
        self.reveal = False  # admin mode and the person chose to show personal data

    def set_filter(self, f: EventFilter) -> None:
        self.filter = f
        self.reload()

    def set_reveal(self, reveal: bool) -> None:
        self.reveal = reveal
        self.changed_rows()

    def _fetch(self, before_id: int | None) -> list[EventRow]:
        with self.store.session() as s:
            return list_events(s, self.filter, before_id=before_id, limit=self.page_size)

    def _error(self, r: EventRow) -> str:
        text = r.error or ""
        return text if self.reveal else pii.mask_text(text) or ""
