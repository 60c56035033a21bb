"""Flows → Reconcile and Flows → Shadow runs: per flow, the last comparison of its two
systems (four groups, the fields that differ and who owns them) or the last shadow run's
plan (creates and updates it would make, the fields it would change). Each row opens the
record's story. Reconcile now / Re-sync these / Send everything again…; Shadow run now /
Put in shadow mode / Go live. All reading and writing runs on the thread pool."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.flow_options import SHADOW_HELP, is_shadow
from app.store import Store
from app.sync import reconcile_log
from app.sync.engine import RunSummary
from app.sync.progress import CancelToken
from app.sync.reconcile_log import FindingRow, ReportView
from app.ui.icons import icon
from app.ui.manager_mode import AccessController
from app.ui.models.reconcile_model import FindingsModel
from app.ui.run_progress import RunProgress
from app.ui.screens.dashboard_cards import Card
from app.ui.screens.reconcile_actions import ReconcileActions
from app.ui.screens.reconcile_data import GROUPS, Loaded, load, method_text
from app.ui.theme import Status, status_colour
from app.ui.widgets import EmptyState, ScreenHeader, SearchBox, sortable_table
from app.ui.workers import run_in_background


class ReconcileScreen(ReconcileActions, QWidget):
    """``kind``: "reconcile" (Flows → Reconcile) or "shadow" (Flows → Shadow runs)."""

    status_message = Signal(str)
    resynced = Signal(object)  # RunSummary of Re-sync these / Send everything again

    def __init__(
        self, store: Store, kind: str = "reconcile", *, access: AccessController | None = None,
        parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.store, self.kind, self.access = store, kind, access
        self.shadow = kind == "shadow"
        self.loaded: Loaded | None = None
        self.token: CancelToken | None = None
        self._flow_id: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        if self.shadow:
            header = ScreenHeader("Shadow runs", SHADOW_HELP)
        else:
            header = ScreenHeader(
                "Reconcile",
                "Compare what the two systems of a flow hold now, record by record: what "
                "is only in the source, only in the destination, different (and which "
                "system owns each field), the same. A sync that 'succeeded' while a "
                "destination dropped records shows up here.",
            )
        layout.addWidget(header)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Flow"))
        self.flow_combo = QComboBox()
        self.flow_combo.setObjectName(f"{kind}_flow")
        self.flow_combo.setMinimumWidth(300)
        bar.addWidget(self.flow_combo)
        bar.addStretch(1)
        self.run_button = QPushButton(
            icon("mdi6.compare-horizontal"), "Shadow run now" if self.shadow else "Reconcile now"
        )
        self.resync_button = QPushButton(icon("mdi6.sync"), "Re-sync these")
        self.resend_button = QPushButton(icon("mdi6.send-outline"), "Send everything again…")
        self.mode_button = QPushButton(icon("mdi6.rocket-launch-outline"), "Go live…")
        for b in (self.run_button, self.resync_button, self.resend_button, self.mode_button):
            bar.addWidget(b)
        self.resync_button.setVisible(not self.shadow)
        self.resend_button.setVisible(not self.shadow)
        self.mode_button.setVisible(self.shadow)
        layout.addLayout(bar)

        self.status = QLabel()
        self.status.setObjectName(f"{kind}_status")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.status)
        cards = QHBoxLayout()
        titles = (
            ("Would create", "Would update", "Unchanged", "Fields it would change")
            if self.shadow
            else ("Only in the source", "Only in the destination", "Different", "The same")
        )
        self.cards = [Card(t, "—") for t in titles]
        for c in self.cards:
            cards.addWidget(c)
        layout.addLayout(cards)

        filters = QHBoxLayout()
        self.group_combo = QComboBox()
        self.group_combo.setObjectName(f"{kind}_group")
        for text, groups in GROUPS[kind]:
            self.group_combo.addItem(text, groups)
        filters.addWidget(self.group_combo)
        self.search = SearchBox("Filter by key, id or field")
        filters.addWidget(self.search, 1)
        layout.addLayout(filters)

        self.model = FindingsModel()
        self.proxy, self.table = sortable_table(self.model, self, f"{kind}_table")
        h = self.table.horizontalHeader()
        for col in range(3):
            h.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self.open_record)
        self.table.setToolTip("Double-click a record to open its story.")
        self.empty = EmptyState(
            "mdi6.compare-horizontal",
            "No shadow run yet" if self.shadow else "Not reconciled yet",
            (
                "Put the flow in shadow mode and run it: it reads, maps and plans, sends "
                "nothing, and lists here what it would change."
                if self.shadow
                else "Reconcile now reads both systems and lists every record that is "
                "missing or different. Nothing is sent until you press Re-sync these."
            ),
            "Shadow run now" if self.shadow else "Reconcile now",
        )
        self.empty.action_clicked.connect(self.run_now)
        self.no_flows = EmptyState(
            "mdi6.swap-horizontal-bold", "No sync flows yet",
            "Make a flow under Sync flows first; then its two systems can be compared here.",
        )  # fmt: skip
        self.agree = EmptyState("mdi6.check-circle", "The systems agree", "")
        self.stack = QStackedWidget()
        for w in (self.table, self.empty, self.no_flows, self.agree):
            self.stack.addWidget(w)
        layout.addWidget(self.stack, 1)
        self.progress = RunProgress()
        self.progress.hide()
        layout.addWidget(self.progress)

        self.flow_combo.currentIndexChanged.connect(self._flow_chosen)
        self.group_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.run_button.clicked.connect(self.run_now)
        self.resync_button.clicked.connect(lambda: self.resync_these())
        self.resend_button.clicked.connect(lambda: self.send_everything_again())
        self.mode_button.clicked.connect(lambda: self.toggle_shadow())
        if access is not None:
            access.changed.connect(lambda _p: self._update_buttons())
        self._update_buttons()

    # --- loading -----------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        """Read on first sight, not at start-up (the window opens without it)."""
        super().showEvent(event)
        if self.loaded is None:
            self.reload()

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(self.group_combo.currentData() or ())

    def reload(self, flow_id: int | None = None) -> None:
        if flow_id is not None:
            self._flow_id = flow_id
        run_in_background(
            load, self.store, self._flow_id, self.kind, self.groups,
            on_success=self._loaded, on_failure=self._say, owner=self,
        )  # fmt: skip

    def _flow_chosen(self, index: int) -> None:
        flow_id = self.flow_combo.itemData(index)
        if flow_id is not None and flow_id != self._flow_id:
            self.reload(int(flow_id))

    def _loaded(self, data: Loaded) -> None:
        self.loaded = data
        self._flow_id = data.flow.id if data.flow else None
        self.flow_combo.blockSignals(True)
        self.flow_combo.clear()
        for f in data.flows:
            mark = "  (shadow mode)" if is_shadow(f.options) else ""
            self.flow_combo.addItem(f"{f.name}{mark}", f.id)
        if data.flow is not None:
            self.flow_combo.setCurrentIndex(self.flow_combo.findData(data.flow.id))
        self.flow_combo.blockSignals(False)
        store, run_id, groups = self.store, data.report.run_id if data.report else None, self.groups

        def more(offset: int, limit: int) -> list[FindingRow]:
            if run_id is None:
                return []
            return reconcile_log.findings(store, run_id, groups=groups, offset=offset, limit=limit)

        self.model.show(data.first, data.total, more)
        self._show_report(data)
        self._update_buttons()

    def _show_report(self, data: Loaded) -> None:
        r, flow = data.report, data.flow
        if flow is None:
            self.stack.setCurrentWidget(self.no_flows)
            self.status.setText("")
            return
        mode = ""
        if self.shadow:
            colour = status_colour(Status.WARNING if is_shadow(flow.options) else Status.OK)
            mode = (
                f"<span style='color:{colour.name()}'><b>"
                + (
                    "In shadow mode: its runs send nothing."
                    if is_shadow(flow.options)
                    else "Live: its runs send records."
                )
                + "</b></span> "
            )
        if r is None:
            for c in self.cards:
                c.value.setText("—")
                c.note.setText("")
            self.status.setText(mode + f"<b>{html.escape(flow.name)}</b> has no report yet.")
            self.stack.setCurrentWidget(self.empty)
            return
        self._fill_cards(r)
        status, text = self._status_of(r)
        shown = status_colour(status).name()
        when = f"{r.started_at.astimezone():%a %d %b %H:%M}"
        notes = "".join(f"<br>{html.escape(n)}" for n in r.notes[:3])
        error = f"<br>{html.escape(r.error)}" if r.error else ""
        self.status.setText(
            f"{mode}<span style='color:{shown}'><b>{text}</b></span> — {when}, "
            f"{r.source_count:,} records read in the source. {method_text(r)}{error}{notes}"
        )
        if r.status == "agree":
            self.agree.body.setText(
                f"All {r.same:,} records are the same in both systems ({when})."
            )
            self.stack.setCurrentWidget(self.agree)
        elif r.status in ("failed", "cancelled") and not data.total:
            self.stack.setCurrentWidget(self.empty)
        else:
            self.stack.setCurrentWidget(self.table)

    def _fill_cards(self, r: ReportView) -> None:
        fields = ", ".join(f"{k} ({v:,})" for k, v in list(r.field_counts.items())[:4])
        if self.shadow:
            values = (r.only_in_source, r.different, r.same, len(r.field_counts))
            notes = ("records new to the destination", "records it would change",
                     "already as the flow would send them", fields or "none")  # fmt: skip
        else:
            values = (r.only_in_source, r.only_in_destination, r.different, r.same)
            notes = ("missing in the destination", "not from this source (or deleted here)",
                     fields or "no field differs", "in both, equal")  # fmt: skip
        for card, value, note in zip(self.cards, values, notes, strict=True):
            card.value.setText(f"{value:,}")
            card.note.setText(note)

    def _status_of(self, r: ReportView) -> tuple[Status, str]:
        if r.status == "failed":
            return Status.ERROR, "Could not compare"
        if r.status == "cancelled":
            return Status.UNKNOWN, "Cancelled"
        if self.shadow:
            n = r.only_in_source + r.different
            return (Status.WARNING, f"Would change {n:,} records") if n else (
                Status.OK, "Would change nothing")  # fmt: skip
        if r.status == "agree":
            return Status.OK, "The systems agree"
        missing = r.only_in_source + r.different
        if missing:
            return Status.ERROR, f"{missing:,} records missing or different in the destination"
        return Status.WARNING, f"{r.only_in_destination:,} records only in the destination"

    def _emit_status(self, message: str) -> None:
        self.status_message.emit(message)

    def _emit_resynced(self, summary: RunSummary) -> None:
        self.resynced.emit(summary)

    def _say(self, message: str) -> None:
        self.status.setText(f"<span style='color:{status_colour(Status.ERROR).name()}'>"
                            f"<b>{html.escape(message)}</b></span>")  # fmt: skip
        self.status_message.emit(message)

    def _update_buttons(self) -> None:
        data, busy = self.loaded, self.token is not None
        has = data is not None and data.flow is not None
        r = data.report if data else None
        self.run_button.setEnabled(has and not busy)
        self.empty.button.setEnabled(has and not busy)
        can_edit = self.access is None or self.access.policy.can_edit_flows
        self.resend_button.setEnabled(has and not busy)
        self.resync_button.setEnabled(
            has and not busy and r is not None and r.kind == "reconcile"
            and (r.only_in_source + r.different) > 0
        )  # fmt: skip
        flow = data.flow if data else None
        self.mode_button.setVisible(self.shadow and can_edit)
        self.mode_button.setEnabled(has and not busy)
        if flow is not None and is_shadow(flow.options):
            self.mode_button.setText("Go live…")
            self.mode_button.setIcon(icon("mdi6.rocket-launch-outline"))
        else:
            self.mode_button.setText("Put in shadow mode")
            self.mode_button.setIcon(icon("mdi6.eye-outline"))
