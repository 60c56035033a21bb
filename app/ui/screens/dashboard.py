"""Dashboard: how the dealership's systems and syncs are doing — connection health, the
next scheduled runs, syncs running now, open alerts, charts of the last 7 / 30 days, and
the quality of the data the syncs read (each figure links to the records behind it)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.profiles import ProfileService
from app.services.schedule_preview import next_run
from app.store import Store
from app.store.dashboard_queries import (
    chart_data,
    connection_health,
    flow_schedules,
    open_alerts,
    open_queue_count,
)
from app.store.data_quality import data_quality
from app.sync import reconcile_log
from app.sync.reconcile_log import ReportView
from app.ui.icons import icon
from app.ui.models.dashboard_models import HealthTableModel, ScheduleRow, ScheduleTableModel
from app.ui.models.profiles_model import test_status
from app.ui.screens.dashboard_cards import Card, LinkCard, reconcile_card_text
from app.ui.screens.dashboard_charts import ChartsWidget
from app.ui.screens.dashboard_quality import QualityPanel
from app.ui.theme import STATUS_ICONS, Status, status_colour
from app.ui.widgets import ScreenHeader
from app.ui.workers import run_in_background

QUALITY_EVERY_S = 300


def _moment(when: datetime | None) -> float:
    """A sortable number for a time; a flow that never ran and has no schedule sorts
    first (a bare 0 next to datetimes made the sort raise)."""
    return when.timestamp() if when is not None else 0.0


def _section(title: str) -> QLabel:
    label = QLabel(title)
    label.setObjectName("EmptyTitle")
    return label


def _small_table(name: str, model: Any) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.verticalHeader().hide()
    table.setShowGrid(False)
    table.setAlternatingRowColors(True)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.verticalHeader().setDefaultSectionSize(26)
    table.setModel(model)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return table


@dataclass(frozen=True)
class _Loaded:
    health: list[Any]
    schedules: list[ScheduleRow]
    chart: Any
    queue: int
    alerts: list[dict[str, Any]]
    reconciled: list[ReportView]


class DashboardScreen(QWidget):
    """``DashboardScreen(service)``; the store is ``service.store``. Hooks for the lead:
    ``set_running(flow, progress)``, ``set_alerts(alerts)``, ``set_duplicates_awaiting(n)``;
    ``open_sync_log`` emits an EventFilter when a data-quality figure is clicked."""

    go_to = Signal(str)
    open_sync_log = Signal(object)
    open_reconcile = Signal()  # the "Flows that agree" card: Flows → Reconcile

    def __init__(
        self, service: ProfileService, parent: QWidget | None = None, *, store: Store | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.store = store or service.store
        self.days = 7
        self._running: dict[str, tuple[QLabel, QProgressBar]] = {}
        self._quality_at: float | None = None  # data quality is costly: not on every visit
        self._quality_busy = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(
            ScreenHeader("Dashboard", "How the dealership's systems and syncs are doing.")
        )

        cards = QHBoxLayout()
        self.connections_card = Card("Connections", "0")
        self.healthy_card = Card("Passing their last test", "0")
        self.failing_card = Card("Failing or untested", "0")
        self.synced_card = Card("Records synced, last 7 days", "—")
        self.queue_card = Card("Waiting for replay", "—")
        self.reconcile_card = LinkCard("Flows that agree", "—")
        self.reconcile_card.clicked.connect(self.open_reconcile)
        for c in (
            self.connections_card,
            self.healthy_card,
            self.failing_card,
            self.synced_card,
            self.queue_card,
            self.reconcile_card,
        ):
            cards.addWidget(c)
        layout.addLayout(cards)
        hint_row = QHBoxLayout()
        self.empty_hint = QLabel("No connections yet.")
        self.empty_hint.setObjectName("Muted")
        self.add_button = QPushButton(icon("mdi6.plus"), "Add connection")
        self.add_button.clicked.connect(lambda: self.go_to.emit("connections"))
        hint_row.addWidget(self.empty_hint)
        hint_row.addWidget(self.add_button)
        hint_row.addStretch(1)
        layout.addLayout(hint_row)

        grid = QGridLayout()
        grid.setHorizontalSpacing(20)
        grid.setVerticalSpacing(6)
        self.health_model = HealthTableModel()
        self.health_table = _small_table("health_table", self.health_model)
        self.schedule_model = ScheduleTableModel()
        self.schedule_table = _small_table("schedule_table", self.schedule_model)
        grid.addWidget(_section("Connection health"), 0, 0)
        grid.addWidget(_section("Next scheduled runs"), 0, 1)
        grid.addWidget(self.health_table, 1, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.schedule_table, 1, 1, Qt.AlignmentFlag.AlignTop)

        self.running_box = QVBoxLayout()
        self.no_running = QLabel("No sync is running.")
        self.no_running.setObjectName("Muted")
        self.running_box.addWidget(self.no_running)
        self.alerts_box = QVBoxLayout()
        self.no_alerts = QLabel("No open alerts.")
        self.no_alerts.setObjectName("Muted")
        self.alerts_box.addWidget(self.no_alerts)
        grid.addWidget(_section("Running now"), 2, 0)
        grid.addWidget(_section("Open alerts"), 2, 1)
        grid.addLayout(self.running_box, 3, 0, Qt.AlignmentFlag.AlignTop)
        grid.addLayout(self.alerts_box, 3, 1, Qt.AlignmentFlag.AlignTop)

        charts_head = QHBoxLayout()
        charts_head.addWidget(_section("Activity"))
        charts_head.addStretch(1)
        self.period = QComboBox()
        self.period.setObjectName("chart_period")
        self.period.addItem("Last 7 days", 7)
        self.period.addItem("Last 30 days", 30)
        self.period.currentIndexChanged.connect(lambda _i: self._period_changed())
        charts_head.addWidget(self.period)
        grid.addLayout(charts_head, 4, 0)
        grid.addWidget(_section("Data quality"), 4, 1)
        self.charts = ChartsWidget()
        self.charts.setFixedHeight(330)  # the plots, and the legend under them
        self.quality = QualityPanel()
        self.quality.open_records.connect(self.open_sync_log)
        self.quality.open_duplicates.connect(lambda: self.go_to.emit("duplicates"))
        grid.addWidget(self.charts, 5, 0)
        grid.addWidget(self.quality, 5, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.reload()

    # --- loading ----------------------------------------------------------------------------
    def reload(self) -> None:
        """Cards from the profile list at once; everything else from background workers."""
        profiles = self.service.list()
        ok = sum(test_status(p)[0] is Status.OK for p in profiles)
        self.connections_card.value.setText(str(len(profiles)))
        self.healthy_card.value.setText(str(ok))
        self.failing_card.value.setText(str(len(profiles) - ok))
        self.empty_hint.setVisible(not profiles)
        self.add_button.setVisible(not profiles)
        days = self.days
        run_in_background(self._load, days, on_success=lambda d: self._loaded(days, d))
        stale = self._quality_at is None or time.monotonic() - self._quality_at > QUALITY_EVERY_S
        if stale and not self._quality_busy:
            self._quality_busy = True
            run_in_background(
                self._load_quality,
                on_success=self._quality_loaded,
                on_failure=lambda _m: self._quality_done(),
            )

    def _quality_loaded(self, report: Any) -> None:
        self._quality_done()
        self._quality_at = time.monotonic()
        self.quality.set_report(report)

    def _quality_done(self) -> None:
        self._quality_busy = False

    def _load(self, days: int) -> _Loaded:  # worker thread
        with self.store.session() as s:
            health = connection_health(s)
            flows = flow_schedules(s)
            chart = chart_data(s, days)
            queue = open_queue_count(s)
            alerts = open_alerts(s)
        schedules = []
        for f in flows:
            nxt = next_run(f.schedule, f.last_run_at)
            schedules.append(
                ScheduleRow(
                    f.name,
                    nxt.describe,
                    nxt.when,
                    nxt.due,
                    f.last_status,
                    f.last_run_at,
                    f.enabled,
                    f.waiting,
                    f.last_errors,
                )
            )
        schedules.sort(
            key=lambda r: (
                r.next_at is None or not r.enabled,
                _moment(r.next_at or r.last_run_at),
                r.flow,
            )
        )
        reconciled = reconcile_log.latest_per_flow(self.store)
        return _Loaded(health, schedules, chart, queue, alerts, reconciled)

    def _load_quality(self):  # worker thread
        with self.store.session() as s:
            return data_quality(s)

    def _loaded(self, days: int, data: _Loaded) -> None:
        if days != self.days:
            return
        self.health_model.set_rows(data.health)
        self.schedule_model.set_rows(data.schedules)
        self.charts.set_data(data.chart)
        total = sum(sum(v) for v in data.chart.records_by_flow.values())
        self.synced_card.value.setText(f"{total:,}")
        self.synced_card.note.setText(f"failures: {sum(data.chart.failures):,}")
        self.queue_card.value.setText(f"{data.queue:,}")
        self.set_alerts(data.alerts)  # what the alert monitor holds open, from the store
        value, note, tip = reconcile_card_text(data.reconciled)
        self.reconcile_card.value.setText(value)
        self.reconcile_card.note.setText(note)
        self.reconcile_card.setToolTip(tip or "Flows → Reconcile compares a flow's two systems.")
        flows_waiting = sum(1 for r in data.schedules if r.waiting)
        self.queue_card.note.setText(
            f"records in {flows_waiting} flow{'s' if flows_waiting != 1 else ''} "
            "(Sync Log → replay or dismiss)"
            if data.queue
            else "nothing waits"
        )
        rows = max(self.health_model.rowCount(), self.schedule_model.rowCount(), 2)
        for table in (self.health_table, self.schedule_table):
            header = table.horizontalHeader().sizeHint().height()
            table.setFixedHeight(min(300, header + 26 * rows + 4))

    def _period_changed(self) -> None:
        self.days = int(self.period.currentData())
        self.synced_card.title.setText(f"Records synced, last {self.days} days")
        days = self.days
        run_in_background(self._load, days, on_success=lambda d: self._loaded(days, d))

    # --- what the main window reports as runs start and finish -----------------------------
    def set_running(self, flow_name: str, progress: Any | None) -> None:
        """Show (or update) a running sync. ``progress``: an ``app.sync.progress.Progress``,
        a fraction 0..1, or None to remove the row when the sync ends."""
        if progress is None:
            row = self._running.pop(flow_name, None)
            if row:
                for w in row:
                    w.deleteLater()
            self.no_running.setVisible(not self._running)
            return
        if flow_name not in self._running:
            label = QLabel()
            bar = QProgressBar()
            bar.setMaximumHeight(14)
            bar.setTextVisible(False)
            self.running_box.addWidget(label)
            self.running_box.addWidget(bar)
            self._running[flow_name] = (label, bar)
        label, bar = self._running[flow_name]
        if isinstance(progress, int | float):
            bar.setRange(0, 1000)
            bar.setValue(int(max(0.0, min(1.0, float(progress))) * 1000))
            label.setText(f"<b>{flow_name}</b> · {float(progress) * 100:.0f}%")
        else:
            total = getattr(progress, "total", None)
            done = int(getattr(progress, "done", 0))
            if total:
                bar.setRange(0, int(total))
                bar.setValue(min(done, int(total)))
                text = f"{done:,} of {int(total):,} records"
            else:
                bar.setRange(0, 0)  # busy: the source does not say how many
                text = f"{done:,} records so far"
            failed = int(getattr(progress, "failed", 0)) + int(getattr(progress, "parked", 0))
            phase = getattr(progress, "phase", "")
            label.setText(
                f"<b>{flow_name}</b> · {phase} · {text}"
                + (f" · {failed:,} failed" if failed else "")
            )
        self.no_running.setVisible(False)

    def running_flows(self) -> list[str]:
        return list(self._running)

    def set_alerts(self, alerts: Sequence[Any]) -> None:
        """Show the open alerts. Each alert: an object or dict with ``title`` and optional
        ``message``, ``severity`` (error | warning | info) and ``at`` (datetime)."""
        while self.alerts_box.count() > 1:
            item = self.alerts_box.takeAt(1)
            widget = item.widget() if item else None
            if widget is not None:
                widget.deleteLater()
        for alert in alerts:
            get = alert.get if isinstance(alert, dict) else lambda k, a=alert: getattr(a, k, None)
            severity = str(get("severity") or "warning")
            status = {"error": Status.ERROR, "critical": Status.ERROR, "info": Status.UNKNOWN}.get(
                severity, Status.WARNING
            )
            colour = status_colour(status).name()
            when = get("at")
            when_text = f" · {when.astimezone():%Y-%m-%d %H:%M}" if when else ""
            row = QLabel(
                f"<span style='color:{colour}'>●</span> <b>{get('title') or 'Alert'}</b>{when_text}"
                + (
                    f"<br><span style='color:gray'>{get('message')}</span>"
                    if get("message")
                    else ""
                )
            )
            row.setWordWrap(True)
            row.setObjectName("alert")
            pic = icon(STATUS_ICONS[status], colour)
            row.setToolTip(severity)
            row.setProperty("icon", pic)
            self.alerts_box.addWidget(row)
        self.no_alerts.setVisible(not alerts)

    def set_duplicates_awaiting(self, count: int | None) -> None:
        self.quality.set_duplicates_awaiting(count)
