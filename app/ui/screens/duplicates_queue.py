"""The Duplicates screen's review queue tab: filters, Find duplicates with its progress,
the lazily paged list of possible duplicates and, beside it, the selected one
(duplicates_cluster.py); Merge / Not a duplicate / Skip are carried out here."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QEvent, QModelIndex, QObject, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.matching_queue import MatchingQueue, QueueFilter
from app.services.matching_sources import load_from_profiles
from app.services.merging import ClusterDetail, MergeService, MergeView
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import utcnow
from app.ui.icons import icon
from app.ui.models.duplicates_model import QueueModel
from app.ui.screens.duplicates_cluster import ClusterDetailPane, read_only_table
from app.ui.widgets import EmptyState, SearchBox
from app.ui.workers import run_in_background

_DATES = (("Any time", None), ("Last 7 days", 7), ("Last 30 days", 30))
_STATUSES = (
    ("To review", "open"),
    ("Skipped", "skipped"),
    ("Merged", "merged"),
    ("Not duplicates", "not_duplicate"),
)
_SYSTEMS_FROM = 600  # px of queue width from which the Systems column shows
_BANDS = (("All bands", ""), ("Review", "review"), ("Auto-link", "auto"))


class ReviewQueueTab(QWidget):
    status_message = Signal(str)
    failed = Signal(str)

    def _bg(self, fn, *args, **kwargs):
        """Run ``fn`` off the GUI thread; answers are dropped once this object is gone."""
        return run_in_background(fn, *args, owner=self, **kwargs)

    def __init__(self, store: Store, service: MergeService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.service = service
        self.queue: MatchingQueue = service.queue
        self.busy = False  # a merge, not-a-duplicate, skip or scan is running

        v = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.search = SearchBox("Search by customer name")
        self.band_box, self.system_box, self.date_box, self.status_box = (
            QComboBox() for _ in range(4)
        )
        for text, band in _BANDS:
            self.band_box.addItem(text, band)
        self.system_box.addItem("All systems", "")
        for text, days in _DATES:
            self.date_box.addItem(text, days)
        for text, status in _STATUSES:
            self.status_box.addItem(text, status)
        self.scan_button = QPushButton(icon("mdi6.account-search-outline"), "Find duplicates")
        self.scan_button.setToolTip(
            "Read the customers of every connection again and look for duplicates"
        )
        bar.addWidget(self.search, 2)
        for w in (self.status_box, self.band_box, self.system_box, self.date_box):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.scan_button)
        v.addLayout(bar)
        prog = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("Muted")
        prog.addWidget(self.progress, 1)
        prog.addWidget(self.progress_label)
        v.addLayout(prog)

        split = QSplitter(Qt.Orientation.Horizontal)
        self.model = QueueModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.table = read_only_table("duplicates_queue")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(False)  # order comes from SQLite (best score first)
        h = self.table.horizontalHeader()
        for col, width in ((0, 56), (1, 92), (2, 62), (4, 130)):
            h.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            h.resizeSection(col, width)
        h.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        h.setSectionHidden(5, True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.installEventFilter(self)  # narrow: drop the Systems column (see eventFilter)
        self.empty = EmptyState(
            "mdi6.account-check-outline",
            "No possible duplicates",
            "Press Find duplicates to compare the customers of your DMS, CRM and marketing "
            "connections. Clusters that need a person's eye will be listed here.",
            "Find duplicates",
        )
        self.empty.action_clicked.connect(self.find_duplicates)
        self.queue_stack = QStackedWidget()
        self.queue_stack.addWidget(self.table)
        self.queue_stack.addWidget(self.empty)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.queue_stack, 1)
        self.count_label = QLabel()
        self.count_label.setObjectName("Muted")
        lv.addWidget(self.count_label)
        split.addWidget(left)
        self.cluster_pane = ClusterDetailPane()
        self.cluster_pane.merge_requested.connect(self.merge_current)
        self.cluster_pane.not_duplicate_requested.connect(self.not_duplicate_current)
        self.cluster_pane.skip_requested.connect(self.skip_current)
        self.cluster_pane.status_message.connect(self.status_message)
        split.addWidget(self.cluster_pane)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([420, 760])
        v.addWidget(split, 1)

        self.scan_button.clicked.connect(self.find_duplicates)
        self.search.textChanged.connect(lambda _t: self.reload())
        for box in (self.band_box, self.system_box, self.date_box, self.status_box):
            box.currentIndexChanged.connect(lambda _i: self.reload())
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show(cur))
        self.model.load_failed.connect(self.failed)
        self.model.page_loaded.connect(self._update_count)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """In a narrow queue (1280x720) the customer's name gets the room, not its systems
        (they are in the row's tooltip and the systems filter)."""
        if watched is self.table and event.type() == QEvent.Type.Resize:
            self.table.horizontalHeader().setSectionHidden(4, self.table.width() < _SYSTEMS_FROM)
        return super().eventFilter(watched, event)

    # --- queue ---------------------------------------------------------------------------
    def current_filter(self) -> QueueFilter:
        days = self.date_box.currentData()
        return QueueFilter(
            band=self.band_box.currentData() or "",
            system=self.system_box.currentData() or "",
            status=self.status_box.currentData() or "open",
            since=utcnow() - timedelta(days=days) if days else None,
            search=self.search.text().strip(),
        )

    def reload(self) -> None:
        """Re-read the queue count and its first page in the background."""
        f = self.current_filter()
        self._bg(
            lambda: (self.queue.count(f), self.queue.systems()),
            on_success=lambda res: self._reset_queue(f, *res),
            on_failure=self.failed.emit,
        )

    def _reset_queue(self, f: QueueFilter, total: int, systems: list[str]) -> None:
        if f != self.current_filter():
            return  # the filters changed while counting
        have = [self.system_box.itemData(i) for i in range(self.system_box.count())]
        for s in systems:
            if s not in have:
                self.system_box.blockSignals(True)
                self.system_box.addItem(s, s)
                self.system_box.blockSignals(False)
        self.model.reset(lambda off, lim: self.queue.page(f, off, lim), total)
        self.queue_stack.setCurrentWidget(self.table if total else self.empty)
        self._update_count()
        self._clear_detail()

    def _update_count(self, _rows: int = 0) -> None:
        self.count_label.setText(
            f"{self.model.rowCount():,} of {self.model.total:,} shown — scroll for more"
            if self.model.rowCount() < self.model.total
            else f"{self.model.total:,} in the queue"
        )
        if self.cluster_pane.detail is None and self.model.rowCount():
            self.table.selectRow(0)

    def select_candidate(self, candidate_id: int) -> None:
        row = self.model.row_of(candidate_id)
        if row >= 0:
            self.table.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())

    def _show(self, index: QModelIndex) -> None:
        if not index.isValid():
            self._clear_detail()
            return
        row = self.model.row_at(self.proxy.mapToSource(index).row())
        self._bg(
            self.service.detail, row.id, on_success=self._set_detail, on_failure=self.failed.emit
        )

    def _set_detail(self, detail: ClusterDetail) -> None:
        self.cluster_pane.show_cluster(detail)
        self._set_actions(detail.status in ("open", "skipped"))

    def _clear_detail(self) -> None:
        self.cluster_pane.clear()
        self._set_actions(False)

    def _set_actions(self, enabled: bool) -> None:
        self.cluster_pane.set_actions_enabled(enabled and not self.busy)

    # --- actions ---------------------------------------------------------------------------
    def _done(self, candidate_id: int, message: str) -> None:
        self.busy = False
        row = self.model.row_of(candidate_id)
        self.model.remove(candidate_id)
        self.cluster_pane.detail = None  # selecting the next row shows it
        self.status_message.emit(message)
        if self.model.rowCount():
            self.table.selectRow(min(max(row, 0), self.model.rowCount() - 1))
        else:
            self.reload()
        self._update_count()

    def merge_current(self) -> None:
        d = self.cluster_pane.detail
        if d is None or self.busy or d.status not in ("open", "skipped"):
            return
        crm = [r for r in d.records if r.system_kind == "crm"]
        extra = (
            f"\n\nThe {len(crm)} CRM contacts will also be merged inside the CRM; that part "
            "cannot be undone from here."
            if len(crm) > 1
            else ""
        )
        names = ", ".join(f"{r.system_label} {r.external_id}" for r in d.records)
        answer = QMessageBox.question(
            self,
            "Merge customers",
            f"Merge {len(d.records)} records into one customer?\n\n{names}\n\nTheir links will "
            f"point to one customer record with the values marked ✓. The source records are kept "
            f"and you can undo this from Merge history.{extra}",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.busy = True
        self._set_actions(False)
        cid, overrides = d.id, dict(self.cluster_pane.overrides)
        self._bg(
            lambda: self.service.merge(cid, overrides=overrides),
            on_success=lambda m: self._merged(cid, m),
            on_failure=self._action_failed,
        )

    def _merged(self, candidate_id: int, m: MergeView) -> None:
        """Say so at once when a system refused to follow: the merge is only partial."""
        if not m.partial:
            self._done(candidate_id, f"Merged {m.size} records into one customer.")
            return
        why = "\n".join(f"• {k}: {v}" for k, v in m.not_followed.items())
        systems = ", ".join(m.not_followed)
        self._done(
            candidate_id,
            f"Partly merged: {m.size} records are one customer here, but {systems} refused "
            "to merge its copies. Retry from Merge history.",
        )
        QMessageBox.warning(
            self,
            "Merge only partly done",
            f"The {m.size} records are now one customer here, but not everywhere:\n\n{why}"
            f"\n\n{systems} still holds the duplicates. The merge is listed as partial in "
            "Merge history; fix the cause there and press Retry (or Unmerge).",
        )

    def not_duplicate_current(self) -> None:
        d = self.cluster_pane.detail
        if d is None or self.busy or d.status not in ("open", "skipped"):
            return
        self.busy = True
        self._set_actions(False)
        cid = d.id
        self._bg(
            self.service.not_duplicate,
            cid,
            on_success=lambda _n: self._done(
                cid, "Marked as different people; they will not be suggested again."
            ),
            on_failure=self._action_failed,
        )

    def skip_current(self) -> None:
        d = self.cluster_pane.detail
        if d is None or self.busy or d.status != "open":
            return
        self.busy = True
        cid = d.id
        self._bg(
            self.service.skip,
            cid,
            on_success=lambda _r: self._done(cid, "Skipped for now."),
            on_failure=self._action_failed,
        )

    def _action_failed(self, message: str) -> None:
        self.busy = False
        self._set_actions(self.cluster_pane.detail is not None)
        self.failed.emit(message)

    # --- find duplicates ---------------------------------------------------------------------
    def find_duplicates(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.scan_button.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.progress_label.setText("Reading customers from your connections…")
        profiles = ProfileService(self.store)

        def work(progress) -> int:
            load_from_profiles(self.queue, profiles, lambda s, d, t: progress(d, t, s))
            return self.queue.scan(
                on_step=lambda s, d, t: progress(d, t, f"Comparing customers: {s}")
            )

        self._bg(
            work,
            on_success=self._scanned,
            on_failure=self._scan_failed,
            on_progress=self._scan_progress,
        )

    def _scan_progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress_label.setText(f"{text} ({done} of {total})")

    def _scanned(self, count: int) -> None:
        self.busy = False
        self.scan_button.setEnabled(True)
        self.progress.setVisible(False)
        self.progress_label.setText(f"Found {count:,} possible duplicates.")
        self.reload()

    def _scan_failed(self, message: str) -> None:
        self.busy = False
        self.scan_button.setEnabled(True)
        self.progress.setVisible(False)
        self.progress_label.clear()
        self.failed.emit(message)
