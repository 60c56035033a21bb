"""Sync Log: every run and every record event, filtered and searched from indexes, with a
record's whole story one double-click away, replay of what failed, and export."""

from __future__ import annotations

import threading
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services import pii
from app.store import Store
from app.store.log_queries import EventFilter, EventRow, count_events, filter_options
from app.store.log_runs import RunRow
from app.ui.icons import icon
from app.ui.models.sync_log_models import (
    RecordEventsTableModel,
    RunsTableModel,
    short_time,
)
from app.ui.screens.sync_log_actions import SyncLogActions
from app.ui.screens.sync_log_filters import RUN_STATUSES, TRIGGERS, SyncLogFilterBar, _combo
from app.ui.theme import Status
from app.ui.widgets import EmptyState, ScreenHeader
from app.ui.workers import run_in_background


def _table(name: str) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(26)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    return table


class SyncLogScreen(SyncLogActions, QWidget):
    """``SyncLogScreen(store, admin=False)``. ``admin`` enables revealing personal data
    (audited) and replay with an edited payload."""

    status_message = Signal(str)

    def __init__(self, store: Store, *, admin: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.admin = admin
        self.scope = EventFilter()  # run or dashboard hand-over the events are limited to
        self._cancel_export: threading.Event | None = None
        self._count_generation = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(
            ScreenHeader(
                "Sync Log",
                "Every sync run and what happened to each record. Search for a customer, "
                "vehicle or deal to see its whole story, and replay what failed.",
            )
        )
        self.filters = SyncLogFilterBar()
        layout.addWidget(self.filters)

        # --- runs ------------------------------------------------------------------------
        self.runs_model = RunsTableModel(store)
        self.runs_table = _table("runs_table")
        self.runs_table.setModel(self.runs_model)
        self.runs_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.runs_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col, width in enumerate((200, 80, 118, 64, 200, 52, 58, 60, 82, 52, 52)):
            self.runs_table.setColumnWidth(col, width)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.run_status = _combo(RUN_STATUSES, "run_status_filter")
        self.run_trigger = _combo(TRIGGERS, "run_trigger_filter")
        runs_box = QWidget()
        rl = QVBoxLayout(runs_box)
        rl.setContentsMargins(0, 6, 0, 0)
        runs_head = QHBoxLayout()
        runs_title = QLabel("Runs")
        runs_title.setObjectName("EmptyTitle")
        runs_head.addWidget(runs_title)
        self.runs_hint = QLabel("Select a run to see only its records.")
        self.runs_hint.setObjectName("Muted")
        runs_head.addWidget(self.runs_hint)
        runs_head.addStretch(1)
        runs_head.addWidget(self.run_status)
        runs_head.addWidget(self.run_trigger)
        rl.addLayout(runs_head)
        self.runs_empty = EmptyState(
            "mdi6.history",
            "No sync runs yet",
            "Runs appear here as soon as a flow runs — on its schedule, when someone presses "
            "Sync now, or from a webhook. Set up a flow on the Flows screen, or run the demo.",
        )
        self.runs_stack = QStackedWidget()
        self.runs_stack.addWidget(self.runs_table)
        self.runs_stack.addWidget(self.runs_empty)
        rl.addWidget(self.runs_stack, 1)

        # --- record events ----------------------------------------------------------------
        self.events_model = RecordEventsTableModel(store)
        self.events_table = _table("events_table")
        self.events_table.setModel(self.events_model)
        self.events_table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        eh = self.events_table.horizontalHeader()
        eh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col, width in enumerate((118, 190, 140, 110, 195, 300, 44)):
            self.events_table.setColumnWidth(col, width)
        eh.setStretchLastSection(False)
        eh.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        events_box = QWidget()
        el = QVBoxLayout(events_box)
        el.setContentsMargins(0, 6, 0, 0)
        ev_head = QHBoxLayout()
        ev_title = QLabel("Record events")
        ev_title.setObjectName("EmptyTitle")
        ev_head.addWidget(ev_title)
        self.scope_label = QLabel()
        self.scope_label.setObjectName("scope_label")
        self.clear_scope = QPushButton(icon("mdi6.close"), "Show all")
        self.clear_scope.setToolTip("Stop limiting the record events to this run or list")
        self.clear_scope.setFlat(True)
        self.count_label = QLabel()
        self.count_label.setObjectName("Muted")
        ev_head.addWidget(self.count_label)
        ev_head.addStretch(1)
        self.story_button = QPushButton(icon("mdi6.timeline-text-outline"), "Record story")
        self.replay_button = QPushButton(icon("mdi6.replay"), "Replay")
        self.replay_button.setToolTip(
            "Send the selected parked or failed records again, through the current mapping"
        )
        self.edit_replay_button = QPushButton(icon("mdi6.file-edit-outline"), "Edit && replay…")
        self.dismiss_button = QPushButton(icon("mdi6.playlist-remove"), "Dismiss…")
        self.dismiss_button.setToolTip(
            "Take the selected parked records out of the retry queue without delivering "
            "them; your name and reason are kept with them"
        )
        self.reveal_button = QPushButton(icon("mdi6.eye-outline"), "Show personal data")
        self.reveal_button.setCheckable(True)
        self.export_button = QPushButton(icon("mdi6.file-export-outline"), "Export")
        menu = QMenu(self.export_button)
        menu.addAction(
            icon("mdi6.file-delimited-outline"), "CSV file…", lambda: self.export(".csv")
        )
        menu.addAction(
            icon("mdi6.file-excel-outline"), "Excel workbook…", lambda: self.export(".xlsx")
        )
        self.export_button.setMenu(menu)
        for b in (
            self.story_button,
            self.replay_button,
            self.edit_replay_button,
            self.dismiss_button,
            self.reveal_button,
            self.export_button,
        ):
            ev_head.addWidget(b)
        el.addLayout(ev_head)
        scope_row = QHBoxLayout()
        scope_row.addWidget(self.scope_label)
        scope_row.addWidget(self.clear_scope)
        scope_row.addStretch(1)
        el.addLayout(scope_row)
        self.events_empty = EmptyState(
            "mdi6.text-box-search-outline",
            "No record events match",
            "Nothing matches these filters. Clear the filters, widen the time window, or "
            "search by another key (a phone number, e-mail, VIN or deal number).",
            "Clear filters",
        )
        self.events_empty.action_clicked.connect(self._clear_all)
        self.events_stack = QStackedWidget()
        self.events_stack.addWidget(self.events_table)
        self.events_stack.addWidget(self.events_empty)
        el.addWidget(self.events_stack, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(runs_box)
        splitter.addWidget(events_box)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        layout.addWidget(splitter, 1)

        # --- long work: progress, result ---------------------------------------------------
        work = QHBoxLayout()
        self.result_icon = QLabel()
        self.result_label = QLabel()
        self.result_label.setObjectName("sync_log_result")
        self.result_label.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(260)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self._cancel)
        work.addWidget(self.result_icon)
        work.addWidget(self.result_label, 1)
        work.addWidget(self.progress)
        work.addWidget(self.cancel_button)
        layout.addLayout(work)

        self.filters.changed.connect(self.apply_filters)
        self.run_status.currentIndexChanged.connect(lambda _i: self._reload_runs())
        self.run_trigger.currentIndexChanged.connect(lambda _i: self._reload_runs())
        self.runs_table.selectionModel().selectionChanged.connect(self._run_selected)
        self.events_table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.events_table.doubleClicked.connect(lambda _i: self.open_story())
        self.story_button.clicked.connect(lambda: self.open_story())
        self.replay_button.clicked.connect(lambda: self.replay_selected())
        self.edit_replay_button.clicked.connect(lambda: self.edit_and_replay())
        self.dismiss_button.clicked.connect(lambda: self.dismiss_selected())
        self.reveal_button.toggled.connect(self._reveal_toggled)
        self.clear_scope.clicked.connect(self._clear_scope)
        self.runs_model.page_loaded.connect(lambda _n: self._show_pages())
        self.events_model.page_loaded.connect(lambda _n: self._show_pages())
        self.events_model.failed.connect(lambda m: self._show_result(Status.ERROR, m))
        self.runs_model.failed.connect(lambda m: self._show_result(Status.ERROR, m))
        self.set_admin(admin)
        self.reload()

    # --- loading ----------------------------------------------------------------------------
    def reload(self) -> None:
        """Refresh the filter lists, the runs and the record events."""
        run_in_background(self._options, on_success=self.filters.set_options)
        self._reload_runs()
        self._reload_events()

    def _options(self):  # worker thread
        with self.store.session() as s:
            return filter_options(s)

    def apply_filters(self) -> None:
        self._reload_runs()
        self._reload_events()

    def _reload_runs(self) -> None:
        self.runs_model.set_filter(
            self.filters.run_filter(
                tuple(self.run_status.currentData() or ()),
                tuple(self.run_trigger.currentData() or ()),
            )
        )

    def current_filter(self) -> EventFilter:
        return self.filters.event_filter(
            replace(
                EventFilter(),
                run_id=self.scope.run_id,
                records=self.scope.records,
                label=self.scope.label,
            )
        )

    def _reload_events(self) -> None:
        f = self.current_filter()
        self.events_model.set_filter(f)
        self._update_scope_label()
        self._update_buttons()
        self.count_label.setText("counting…")
        self._count_generation += 1
        generation = self._count_generation
        run_in_background(
            self._count, f, on_success=lambda result: self._counted(generation, result)
        )

    def _count(self, f: EventFilter) -> tuple[int, bool]:  # worker thread
        with self.store.session() as s:
            return count_events(s, f)

    def _counted(self, generation: int, result: tuple[int, bool]) -> None:
        if generation != self._count_generation:
            return
        n, more = result
        self.count_label.setText(
            f"· {n:,}{'+' if more else ''} event{'s' if n != 1 or more else ''}"
        )

    def _show_pages(self) -> None:
        empty_runs = self.runs_model.rowCount() == 0 and not self.runs_model.loading
        self.runs_stack.setCurrentWidget(self.runs_empty if empty_runs else self.runs_table)
        empty_events = self.events_model.rowCount() == 0 and not self.events_model.loading
        self.events_stack.setCurrentWidget(self.events_empty if empty_events else self.events_table)

    # --- scope: one run, or a list handed over by the dashboard -------------------------------
    def _run_selected(self) -> None:
        rows = self.runs_table.selectionModel().selectedRows()
        if not rows:
            return
        run: RunRow = self.runs_model.row_at(rows[0].row())
        self.scope = EventFilter(run_id=run.id)
        self._scope_run = run
        self._reload_events()

    def show_filter(self, f: EventFilter) -> None:
        """Show the events of ``f`` (e.g. a dashboard link: ``records`` with a ``label``)."""
        self.scope = EventFilter(run_id=f.run_id, records=f.records, label=f.label)
        self.runs_table.clearSelection()
        self.filters.apply(f)

    def _clear_scope(self) -> None:
        self.scope = EventFilter()
        self.runs_table.clearSelection()
        self._reload_events()

    def _clear_all(self) -> None:
        self.scope = EventFilter()
        self.runs_table.clearSelection()
        self.filters.reset()

    def _update_scope_label(self) -> None:
        text = ""
        if self.scope.run_id is not None:
            run = getattr(self, "_scope_run", None)
            detail = (
                f" — {run.flow_name}, {short_time(run.started_at)}"
                if run and run.id == self.scope.run_id
                else ""
            )
            text = f"Showing only run {self.scope.run_id}{detail}"
        elif self.scope.records:
            what = self.scope.label or "the chosen records"
            text = f"Showing only {what} ({len(self.scope.records):,} records)"
        self.scope_label.setText(text)
        self.scope_label.setVisible(bool(text))
        self.clear_scope.setVisible(bool(text))

    # --- selection, admin -------------------------------------------------------------------
    def selected_events(self) -> list[EventRow]:
        rows = sorted({i.row() for i in self.events_table.selectionModel().selectedRows()})
        return [self.events_model.row_at(r) for r in rows]

    def _update_buttons(self) -> None:
        events = self.selected_events()
        replayable = [e for e in events if e.in_queue or e.status == "failed"]
        self.story_button.setEnabled(len(events) == 1)
        self.replay_button.setEnabled(bool(replayable))
        self.replay_button.setText(f"Replay {len(replayable)}" if len(replayable) > 1 else "Replay")
        self.edit_replay_button.setEnabled(self.admin and len(events) == 1 and events[0].in_queue)
        self.dismiss_button.setEnabled(self.admin and any(e.in_queue for e in events))

    def set_admin(self, admin: bool) -> None:
        """Admin mode: personal data can be revealed (audited); edited-payload replay;
        parked records dismissed with a reason."""
        self.admin = admin
        self.reveal_button.setVisible(admin)
        self.edit_replay_button.setVisible(admin)
        self.dismiss_button.setVisible(admin)
        if not admin and self.reveal_button.isChecked():
            self.reveal_button.setChecked(False)
        self._update_buttons()

    def _reveal_toggled(self, on: bool) -> None:
        if on and not self.admin:
            self.reveal_button.setChecked(False)
            return
        if on:
            run_in_background(
                pii.record_reveal,
                self.store,
                on_failure=lambda m: self._show_result(Status.ERROR, m),
            )
            self._show_result(
                Status.WARNING, "Personal data is shown. This was recorded in the audit log."
            )
        self.reveal_button.setText("Hide personal data" if on else "Show personal data")
        self.events_model.set_reveal(on)
