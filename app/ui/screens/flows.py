"""Flows screen: every flow with its schedule in plain words, last result and next run;
Sync now with progress and Cancel; re-sync records or a date range; edit the schedule;
and, for the admin, New flow… (the wizard), Edit…, Duplicate and Delete…."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QWidget,
    QWizard,
)

from app.scheduling.overview import FlowOverview, flow_overview
from app.scheduling.runner import run_flow_locked
from app.scheduling.scheduler import FlowScheduler
from app.scheduling.schedules import ScheduleService
from app.services.audit import current_os_user
from app.store import Store
from app.sync.engine import RunSummary
from app.sync.progress import CancelToken
from app.transfer import flow_drafts
from app.ui.dialogs.range_dialog import RangeDialog
from app.ui.dialogs.resync_dialog import ResyncDialog
from app.ui.dialogs.schedule_dialog import ScheduleDialog
from app.ui.icons import icon
from app.ui.list_page import ListPage
from app.ui.manager_mode import AccessController
from app.ui.models.flows_model import (
    FlowsTableModel,
    flow_result,
    next_run_text,
    run_status,
)
from app.ui.run_progress import RunProgress, throttled
from app.ui.screens.flows_editing import FlowEditing
from app.ui.theme import Status, status_colour
from app.ui.widgets import EmptyState
from app.ui.wizards.flow_wizard import FlowWizard
from app.ui.workers import run_in_background

REFRESH_MS = 20_000


class FlowsScreen(ListPage):
    status_message = Signal(str)
    run_started = Signal(str)  # flow name — for the status bar / tray
    run_finished = Signal(object)  # RunSummary
    go_to = Signal(str)  # a screen key: the empty state leads to Connections
    flows_changed = Signal()  # one was created, changed or deleted

    def __init__(
        self,
        store: Store,
        *,
        scheduler: FlowScheduler | None = None,
        access: AccessController | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "Flows",
            "What is kept in step, when it runs next and how it went last time. "
            "Sync now runs a flow at once; Re-sync sends one customer, vehicle or deal again.",
            FlowsTableModel(),
            table_name="flows_table",
            search_text="Filter flows by name or schedule",
            empty=EmptyState(
                "mdi6.swap-horizontal-bold",
                "No flows yet",
                "Your connections are ready. New flow… walks you through it: where the "
                "records come from, where they go, which field goes where, and a dry run "
                "before anything is sent.",
                "New flow…",
            ),
            no_match_text="No flow matches your filter.",
            loading_text="Loading flows…",
            parent=parent,
        )
        self.model: FlowsTableModel
        self.store = store
        self.scheduler = scheduler or FlowScheduler(store)  # a stopped one still forecasts
        self.access = access
        self.schedules = ScheduleService(store)
        self.token: CancelToken | None = None
        self.running_flow: int | None = None
        self.last_summary: RunSummary | None = None

        self.scheduler_label = QLabel(self.scheduler.describe_status())
        self.scheduler_label.setObjectName("Muted")
        self.top.insertWidget(0, self.scheduler_label)
        self.new_button = self.bar_button("mdi6.plus", "New flow…", self.new_flow, "new_flow")
        self.edit_button = self.bar_button("mdi6.pencil-outline", "Edit…", self.edit_flow)
        self.duplicate_button = self.bar_button(
            "mdi6.content-copy", "Duplicate", self.duplicate_flow
        )
        self.delete_button = self.bar_button("mdi6.delete-outline", "Delete…", self.delete_flow)
        bar = QHBoxLayout()
        self.sync_button = QPushButton(icon("mdi6.sync"), "Sync now")
        self.resync_button = QPushButton(icon("mdi6.account-search-outline"), "Re-sync a record…")
        self.range_button = QPushButton(icon("mdi6.calendar-range"), "Re-sync a date range…")
        self.schedule_button = QPushButton(icon("mdi6.calendar-clock"), "Edit schedule…")
        self.pause_button = QPushButton(icon("mdi6.pause-circle-outline"), "Pause schedule")
        for b in (self.sync_button, self.resync_button, self.range_button,
                  self.schedule_button, self.pause_button):  # fmt: skip
            bar.addWidget(b)
        bar.addStretch(1)
        self.top.addLayout(bar)

        header = self.table.horizontalHeader()
        for col in range(self.model.columnCount()):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # names elide last
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)  # _fit_carrier
        header.setMinimumSectionSize(90)
        header.moveSection(FlowsTableModel.WAITING, 5)  # beside the result
        self.table.verticalHeader().setDefaultSectionSize(32)
        self.table.doubleClicked.connect(lambda _i: self.edit_schedule())

        self.no_connections = EmptyState(
            "mdi6.lan-connect",
            "Add your connections first",
            "A flow sends one kind of record from one system to another — customers from "
            "the DMS to the CRM, say. Add both systems under Connections first; then "
            "New flow… walks you through the rest. The demo dealership (Demo menu) comes "
            "with six ready-made flows.",
            "Go to Connections",
        )
        self.no_connections.setObjectName("flows_no_connections")
        self.no_connections.action_clicked.connect(lambda: self.go_to.emit("connections"))
        self.add_state(self.no_connections)
        self.empty.setObjectName("flows_empty")
        self.empty.action_clicked.connect(self.new_flow)
        self.connection_count = 0
        self.editing = FlowEditing(self)
        self.select_after_load: int | None = None

        self.detail = QLabel()
        self.detail.setObjectName("flow_detail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.body.addWidget(self.detail)
        self.progress = RunProgress()
        self.progress.hide()
        self.body.addWidget(self.progress)
        self.add_result_line("run_result")

        self.sync_button.clicked.connect(self.sync_now)
        self.resync_button.clicked.connect(self.resync_record)
        self.range_button.clicked.connect(self.resync_range)
        self.schedule_button.clicked.connect(self.edit_schedule)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        if access is not None:
            access.changed.connect(lambda _p: self._update_buttons())
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.reload)
        self.timer.start()
        self._update_buttons()
        self.reload()

    # --- list --------------------------------------------------------------------------
    def _load(self) -> tuple[list[FlowOverview], list[flow_drafts.ConnectionStreams]]:
        rows = flow_overview(self.store, self.scheduler.next_runs())
        return rows, ([] if rows else flow_drafts.connections(self.store))

    def reload(self) -> None:
        run_in_background(self._load, on_success=self._loaded_rows, on_failure=self._say_error)

    def _loaded_rows(
        self, result: tuple[list[FlowOverview], list[flow_drafts.ConnectionStreams]]
    ) -> None:
        rows, found = result
        selected = self.selected()
        if not rows:
            self.editing.empty_text(found)
        self.model.set_rows(rows)
        self.loaded = True
        self.scheduler_label.setText(self.scheduler.describe_status())
        self.show_right_page()
        self._fit_carrier()
        if self.select_after_load is not None:  # a flow just saved in the wizard
            self.select(self.select_after_load)
            self.select_after_load = None
        elif selected is not None:
            self.select(selected.flow_id)
        elif rows and not self.table.selectionModel().selectedRows():
            self.table.selectRow(0)
        self._selection_changed()

    def select(self, flow_id: int) -> None:
        self.select_where(lambda r: r.flow_id == flow_id)

    def _fit_carrier(self) -> None:
        """ "Carried by" takes what it needs up to a sixth of the table: at 1280×720 long
        carriers ("STAR by signed webhook → STAR REST") otherwise squeeze the flow names
        to a few letters (the full route is in the tooltip)."""
        room = self.table.viewport().width() // 6
        self.table.horizontalHeader().resizeSection(
            1, max(90, min(self.table.sizeHintForColumn(1), room))
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_carrier()

    def empty_page(self) -> QWidget:
        return self.no_connections if self.connection_count == 0 else self.empty

    def _selection_changed(self) -> None:
        self._update_buttons()
        f = self.selected()
        if f is None:
            self.detail.setText("")
            return
        status, text = run_status(f.last_status, f.last_errors)
        colour = status_colour(status).name()
        last = f"<span style='color:{colour}'><b>{text}</b></span>"
        if f.last_at:
            last += f" {f.last_at.astimezone():%a %d %b %H:%M}"
        if f.last_runs > 1:
            last += f" (one job of {f.last_runs} runs; the counts are its totals)"
        if f.last_error:
            last += f" — {html.escape(f.last_error)}"
        if f.waiting:
            amber = status_colour(Status.WARNING).name()
            last += (
                f"<br><span style='color:{amber}'><b>{f.waiting:,} records waiting for "
                "replay</b></span> — they stay counted until they are delivered or dismissed "
                "(Sync Log)"
            )
        running = f"<br><b>Running now</b> — {f.running.describe()}" if f.running else ""
        about = f"{html.escape(f.description)}<br>" if f.description else ""
        self.detail.setText(
            f"<b>{f.name}</b> &nbsp;·&nbsp; {f.route} &nbsp;·&nbsp; {f.mode}<br>{about}"
            f"Schedule: {f.schedule.describe()} &nbsp;·&nbsp; next run: {next_run_text(f)}"
            f"<br>Last run: {last}{running}"
        )

    def can_edit_flows(self) -> bool:
        return self.access is None or self.access.policy.can_edit_flows

    # --- new, edit, duplicate, delete (admin; app.ui.screens.flows_editing) --------------
    @property
    def wizard(self) -> QWizard | None:
        """The wizard last opened (New flow…, Edit…, Duplicate)."""
        return self.editing.wizard

    def new_flow(self) -> FlowWizard | None:
        return self.editing.new_flow()

    def edit_flow(self) -> None:
        self.editing.edit_flow()

    def duplicate_flow(self) -> None:
        self.editing.duplicate_flow()

    def delete_flow(self, *, confirm: bool = True) -> None:
        self.editing.delete_flow(confirm=confirm)

    def _update_buttons(self) -> None:
        f = self.selected()
        has = f is not None
        policy = self.access.policy if self.access else None
        can_schedule = policy is None or policy.can_edit_schedules
        can_edit = self.can_edit_flows()
        for b in (self.new_button, self.edit_button, self.duplicate_button, self.delete_button):
            b.setVisible(can_edit)
        self.edit_button.setEnabled(has)
        self.duplicate_button.setEnabled(has)
        self.delete_button.setEnabled(has and self.running_flow != (f.flow_id if f else None))
        self.empty.button.setVisible(can_edit)
        busy = self.token is not None
        self.sync_button.setEnabled(has and not busy)
        self.range_button.setEnabled(has and not busy)
        self.resync_button.setEnabled(not busy)
        self.schedule_button.setVisible(can_schedule)
        self.pause_button.setVisible(can_schedule)
        self.schedule_button.setEnabled(has)
        scheduled = has and f is not None and f.schedule.kind != "manual"
        self.pause_button.setEnabled(scheduled)
        if f is not None and scheduled and not f.schedule.enabled:
            self.pause_button.setText("Resume schedule")
            self.pause_button.setIcon(icon("mdi6.play-circle-outline"))
        else:
            self.pause_button.setText("Pause schedule")
            self.pause_button.setIcon(icon("mdi6.pause-circle-outline"))

    # --- Sync now ----------------------------------------------------------------------
    def sync_now(self) -> None:
        f = self.selected()
        if f is None or self.token is not None:
            return
        token = CancelToken()
        self.token, self.running_flow = token, f.flow_id
        self._update_buttons()
        self.progress.begin(f"Syncing {f.name}…", token)
        self.show_result(Status.RUNNING, f"{f.name} is running…")
        self.run_started.emit(f.name)
        who = f"{current_os_user()} (window)"
        store, flow_id = self.store, f.flow_id

        def work(progress):
            return run_flow_locked(
                store, flow_id, trigger="manual", triggered_by=who, cancel=token,
                progress=throttled(progress), wait_s=2,
            )  # fmt: skip

        run_in_background(
            work,
            on_success=self._synced,
            on_failure=self._sync_failed,
            on_progress=self.progress.update_progress,
        )

    def _synced(self, summary: RunSummary) -> None:
        self._run_over()
        self.last_summary = summary
        c = summary.counts
        errors = c["failed"] + c["parked"]
        status, text = run_status(summary.status, errors)
        if summary.waiting:
            status = flow_result(summary.status, errors, summary.waiting)[0]
        if summary.status == "cancelled":
            message = (
                f"{summary.flow}: cancelled. {c['created'] + c['updated']:,} records were sent "
                "before it stopped; the next run carries on from there."
            )
        else:
            message = (
                f"{text} — read {c['read']:,}: {c['created']:,} new, {c['updated']:,} updated, "
                f"{c['unchanged']:,} unchanged, {errors:,} failed."
                + (f" {summary.error}" if summary.error else "")
                + (
                    f" {summary.waiting:,} records wait for replay (Sync Log)."
                    if summary.waiting
                    else ""
                )
            )
        self.show_result(status, message)
        self.run_finished.emit(summary)
        self.status_message.emit(message)

    def _sync_failed(self, message: str) -> None:
        self._run_over()
        self.show_result(Status.ERROR, message)

    def _run_over(self) -> None:
        self.token = None
        self.running_flow = None
        self.progress.finish()
        self._update_buttons()
        self.reload()

    # --- re-sync and schedules ---------------------------------------------------------
    def resync_record(self) -> ResyncDialog:
        dialog = ResyncDialog(self.store, self)
        dialog.finished.connect(self._after_refresh)
        dialog.open()
        return dialog

    def resync_range(self) -> RangeDialog | None:
        f = self.selected()
        if f is None:
            return None
        dialog = RangeDialog(self.store, f.flow_id, f.name, self)
        dialog.finished.connect(self._after_refresh)
        dialog.outcome.connect(self.status_message)
        dialog.outcome.connect(lambda _text: self.reload())
        dialog.show()  # not modal: the window stays usable while it re-sends
        return dialog

    def edit_schedule(self) -> ScheduleDialog | None:
        f = self.selected()
        if f is None or (self.access and not self.access.policy.can_edit_schedules):
            return None
        dialog = ScheduleDialog(self.schedules, f.flow_id, f.name, f.schedule, self)
        dialog.accepted.connect(lambda: self._schedule_saved(f.name, dialog))
        dialog.open()
        return dialog

    def _schedule_saved(self, name: str, dialog: ScheduleDialog) -> None:
        if dialog.saved is not None:
            self.status_message.emit(f"Schedule of '{name}' saved: {dialog.saved.describe()}.")
        run_in_background(self.scheduler.refresh, on_success=self._after_refresh)

    def _after_refresh(self, _result: object = None) -> None:
        self.reload()

    def toggle_pause(self) -> None:
        f = self.selected()
        if f is None:
            return
        run_in_background(
            self.schedules.set_enabled,
            f.flow_id,
            not f.schedule.enabled,
            on_success=self._schedule_toggled,
            on_failure=self._say_error,
        )

    def _schedule_toggled(self, _schedule: object = None) -> None:
        run_in_background(self.scheduler.refresh, on_success=self._after_refresh)

    # --- messages ----------------------------------------------------------------------
    def _say_error(self, message: str) -> None:
        self.show_result(Status.ERROR, message)
