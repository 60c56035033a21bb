"""The sync log's filter bar: search by business key, status, flow, record type, system
and time window. Builds the store's EventFilter / RunFilter; no I/O of its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from app.store.log_queries import EventFilter, FilterOptions
from app.store.log_runs import RunFilter
from app.store.models import utcnow
from app.ui.icons import icon
from app.ui.models.sync_log_models import entity_label
from app.ui.widgets import SearchBox

EVENT_STATUSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("All statuses", ()),
    ("Problems: parked or failed", ("parked", "failed")),
    ("Parked (retry queue)", ("parked",)),
    ("Failed in transit", ("failed",)),
    ("Delivered", ("delivered",)),
    ("Unchanged (not sent)", ("unchanged",)),
    ("Planned (dry run)", ("planned",)),
)
WINDOWS: tuple[tuple[str, timedelta | None], ...] = (
    ("Any time", None),
    ("Last hour", timedelta(hours=1)),
    ("Last 24 hours", timedelta(hours=24)),
    ("Last 7 days", timedelta(days=7)),
    ("Last 30 days", timedelta(days=30)),
)
RUN_STATUSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("All runs", ()),
    ("Succeeded", ("succeeded",)),
    ("With errors", ("completed_with_errors",)),
    ("Failed", ("failed",)),
    ("Running", ("running",)),
    ("Cancelled", ("cancelled",)),
)
TRIGGERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Any trigger", ()),
    ("Schedule", ("schedule",)),
    ("Manual", ("manual",)),
    ("Webhook", ("webhook",)),
    ("Real-time", ("realtime",)),
    ("Replay", ("replay",)),
    ("Re-sync", ("resync", "resync_range")),
    ("Demo", ("demo",)),
)


def _combo(
    items: tuple[tuple[str, object], ...] | list[tuple[str, object]], name: str
) -> QComboBox:
    box = QComboBox()
    box.setObjectName(name)
    for label, value in items:
        box.addItem(label, value)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return box


class SyncLogFilterBar(QWidget):
    """Emits ``changed`` when any filter changes (search after a short pause)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = SearchBox(
            "Find a record: customer number, name, phone, e-mail, VIN, stock, deal or RO number"
        )
        self.search.setObjectName("sync_log_search")
        self.status = _combo(EVENT_STATUSES, "status_filter")
        self.flow = _combo([("All flows", None)], "flow_filter")
        self.entity = _combo([("All record types", None)], "entity_filter")
        self.system = _combo([("All systems", None)], "system_filter")
        self.period = _combo(WINDOWS, "window_filter")
        self.clear = QPushButton(icon("mdi6.filter-remove-outline"), "Clear filters")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.period)
        top.addWidget(self.clear)
        row = QHBoxLayout()
        for box in (self.status, self.flow, self.entity, self.system):
            row.addWidget(box)
        row.addStretch(1)
        layout.addLayout(top)
        layout.addLayout(row)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(350)
        self._debounce.timeout.connect(self.changed)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self._now)
        for box in (self.status, self.flow, self.entity, self.system, self.period):
            box.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.clear.clicked.connect(self.reset)

    def _now(self) -> None:
        self._debounce.stop()
        self.changed.emit()

    def set_options(self, options: FilterOptions) -> None:
        """Fill the flow / record type / system lists, keeping the current choices."""
        for box, items in (
            (self.flow, [("All flows", None), *[(n, i) for i, n in options.flows]]),
            (
                self.entity,
                [("All record types", None), *[(entity_label(e), e) for e in options.entities]],
            ),
            (self.system, [("All systems", None), *[(n, u) for u, n in options.systems]]),
        ):
            current = box.currentData()
            box.blockSignals(True)
            box.clear()
            for label, value in items:
                box.addItem(label, value)
            at = box.findData(current)
            box.setCurrentIndex(max(0, at))
            box.blockSignals(False)

    def reset(self) -> None:
        def clear_all() -> None:
            self.search.clear()
            for box in (self.status, self.flow, self.entity, self.system, self.period):
                box.setCurrentIndex(0)

        self._set_quietly(clear_all)
        self.changed.emit()

    def _set_quietly(self, fn: Callable[[], None]) -> None:
        widgets = (self.search, self.status, self.flow, self.entity, self.system, self.period)
        for w in widgets:
            w.blockSignals(True)
        try:
            fn()
        finally:
            for w in widgets:
                w.blockSignals(False)

    def apply(self, f: EventFilter) -> None:
        """Show ``f`` in the widgets (a link from the dashboard), then emit ``changed``."""

        def set_all() -> None:
            self.search.setText(f.search)
            statuses = [s for _l, s in EVENT_STATUSES]
            self.status.setCurrentIndex(statuses.index(f.statuses) if f.statuses in statuses else 0)
            self.flow.setCurrentIndex(
                max(0, self.flow.findData(f.flow_ids[0])) if f.flow_ids else 0
            )
            self.entity.setCurrentIndex(max(0, self.entity.findData(f.entity)) if f.entity else 0)
            self.system.setCurrentIndex(max(0, self.system.findData(f.system)) if f.system else 0)
            self.period.setCurrentIndex(0)

        self._set_quietly(set_all)
        self.changed.emit()

    def event_filter(self, base: EventFilter | None = None) -> EventFilter:
        window = self.period.currentData()
        flow = self.flow.currentData()
        return replace(
            base or EventFilter(),
            search=self.search.text().strip(),
            statuses=tuple(self.status.currentData() or ()),
            flow_ids=(int(flow),) if flow is not None else (),
            entity=self.entity.currentData(),
            system=self.system.currentData(),
            since=utcnow() - window if window is not None else None,
        )

    def run_filter(self, statuses: tuple[str, ...], triggers: tuple[str, ...]) -> RunFilter:
        window = self.period.currentData()
        flow = self.flow.currentData()
        return RunFilter(
            flow_ids=(int(flow),) if flow is not None else (),
            statuses=statuses,
            triggers=triggers,
            since=utcnow() - window if window is not None else None,
        )
