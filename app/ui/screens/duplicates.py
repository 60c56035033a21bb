"""Duplicates screen: the review queue of possible duplicate customers, a side-by-side
comparison with the proposed customer record, Merge / Not a duplicate / Skip; the merge
history with Unmerge is its second tab (merge_history.py)."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.matching.survivorship import Golden, propose
from app.services.matching_queue import MatchingQueue, QueueFilter
from app.services.merging import ClusterDetail, MergeService, source_records
from app.store import Store
from app.store.models import utcnow
from app.ui.icons import icon
from app.ui.models.duplicates_model import BAND_STATUS, ComparisonModel, QueueModel
from app.ui.screens.merge_history import MergeHistoryTab
from app.ui.theme import STATUS_ICONS, Status, status_colour
from app.ui.widgets import EmptyState, ScreenHeader, SearchBox
from app.ui.workers import run_in_background

_DATES = (("Any time", None), ("Last 7 days", 7), ("Last 30 days", 30))
_STATUSES = (
    ("To review", "open"),
    ("Skipped", "skipped"),
    ("Merged", "merged"),
    ("Not duplicates", "not_duplicate"),
)
_BANDS = (("All bands", ""), ("Review", "review"), ("Auto-link", "auto"))


def _table(name: str) -> QTableView:
    t = QTableView()
    t.setObjectName(name)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setAlternatingRowColors(True)
    t.verticalHeader().hide()
    t.setShowGrid(False)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return t


def _best_name(names: list[str]) -> str:
    """The name most records agree on (ignoring case), in its best-cased spelling."""
    counts: dict[str, int] = {}
    for n in names:
        counts[n.lower()] = counts.get(n.lower(), 0) + 1
    top = max(counts, key=lambda k: counts[k]) if counts else ""
    spellings = [n for n in names if n.lower() == top]
    mixed = [n for n in spellings if not n.isupper() and not n.islower()]
    return (mixed or spellings or [""])[0]


_MIN_VALUE_WIDTH = 125  # px: a phone, an e-mail's start, a street number and name
_SOURCE_COLUMN_WIDTH = 120


class DuplicatesScreen(QWidget):
    status_message = Signal(str)

    def _bg(self, fn, *args, **kwargs):
        """Run ``fn`` off the GUI thread; answers are dropped once this object is gone."""
        return run_in_background(fn, *args, owner=self, **kwargs)

    def __init__(
        self, store: Store, parent: QWidget | None = None, *, service: MergeService | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.service = service or MergeService(store)
        self.queue: MatchingQueue = self.service.queue
        self.detail: ClusterDetail | None = None
        self.overrides: dict[str, str] = {}
        self.busy = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(
            ScreenHeader(
                "Duplicates",
                "Customers who may be in your systems more than once. Compare the records, choose "
                "which values survive, and merge — every merge can be undone.",
            )
        )
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)
        self.tabs.addTab(
            self._build_queue_tab(), icon("mdi6.account-multiple-check-outline"), "Review queue"
        )
        self.history_tab = MergeHistoryTab(self.service)
        self.history_tab.status_message.connect(self.status_message)
        self.history_tab.failed.connect(self._error)
        self.history_tab.unmerged.connect(self.reload)
        self.history_tab.go_to_queue.connect(lambda: self.tabs.setCurrentIndex(0))
        self.tabs.addTab(self.history_tab, icon("mdi6.history"), "Merge history")
        self.tabs.currentChanged.connect(lambda i: self.history_tab.reload() if i == 1 else None)

        for keys, slot in (
            ("Ctrl+M", self.merge_current),
            ("Ctrl+N", self.not_duplicate_current),
            ("Ctrl+K", self.skip_current),
        ):
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
        self.reload()

    # --- layout ------------------------------------------------------------------------
    def _build_queue_tab(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
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
        self.table = _table("duplicates_queue")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(False)  # order comes from SQLite (best score first)
        h = self.table.horizontalHeader()
        for col, width in ((0, 56), (1, 92), (2, 62), (4, 130)):
            h.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            h.resizeSection(col, width)
        h.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        h.setSectionHidden(5, True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
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
        split.addWidget(self._build_detail())
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([420, 760])
        v.addWidget(split, 1)

        self.scan_button.clicked.connect(self.find_duplicates)
        self.search.textChanged.connect(lambda _t: self.reload())
        for box in (self.band_box, self.system_box, self.date_box, self.status_box):
            box.currentIndexChanged.connect(lambda _i: self.reload())
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show(cur))
        self.model.load_failed.connect(self._error)
        self.model.page_loaded.connect(self._update_count)
        return page

    def _build_detail(self) -> QWidget:
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(8, 0, 0, 0)
        head = QHBoxLayout()
        self.band_icon = QLabel()
        self.title = QLabel("Select a possible duplicate on the left")
        self.title.setObjectName("SectionTitle")
        self.title.setWordWrap(True)
        head.addWidget(self.band_icon)
        head.addWidget(self.title, 1)
        v.addLayout(head)
        self.reasons = QLabel()
        self.reasons.setWordWrap(True)
        self.reasons.setObjectName("match_reasons")
        v.addWidget(self.reasons)
        self.compare = ComparisonModel(self)
        self.compare_view = _table("duplicates_compare")
        self.compare_view.setModel(self.compare)
        self.compare_view.verticalHeader().show()
        self.compare_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.compare_view.setWordWrap(True)
        self.compare_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.compare_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.compare_view.clicked.connect(self._pick)
        v.addWidget(self.compare_view, 1)
        hint = QLabel(
            "Highlighted rows differ between records. Click a value to keep it; "
            "a ✓ marks the value that will survive. An opt-out always survives."
        )
        hint.setObjectName("Muted")
        hint.setWordWrap(True)
        v.addWidget(hint)
        buttons = QHBoxLayout()
        self.merge_button = QPushButton(icon("mdi6.call-merge"), "Merge  (Ctrl+M)")
        self.not_dup_button = QPushButton(
            icon("mdi6.account-multiple-remove-outline"), "Not a duplicate  (Ctrl+N)"
        )
        self.skip_button = QPushButton(icon("mdi6.skip-next-outline"), "Skip  (Ctrl+K)")
        self.reset_button = QPushButton(icon("mdi6.restore"), "Reset picks")
        self.merge_button.setObjectName("Primary")
        for b in (self.merge_button, self.not_dup_button, self.skip_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.reset_button)
        v.addLayout(buttons)
        self.merge_button.clicked.connect(self.merge_current)
        self.not_dup_button.clicked.connect(self.not_duplicate_current)
        self.skip_button.clicked.connect(self.skip_current)
        self.reset_button.clicked.connect(self._reset_picks)
        self._set_actions(False)
        return box

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
            on_failure=self._error,
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
        if self.detail is None and self.model.rowCount():
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
        self._bg(self.service.detail, row.id, on_success=self._set_detail, on_failure=self._error)

    def _set_detail(self, detail: ClusterDetail) -> None:
        self.detail, self.overrides = detail, {}
        status, label = BAND_STATUS.get(detail.band, (Status.UNKNOWN, detail.band))
        self.band_icon.setPixmap(icon(STATUS_ICONS[status], status_colour(status)).pixmap(22, 22))
        names = _best_name([r.display_name for r in detail.records])
        self.title.setText(
            f"{label} · score {detail.score:.3f} · {len(detail.records)} records · {names}"
        )
        lines = []
        by_id = {r.id: r for r in detail.records}
        for p in detail.pairs[:4]:
            a, b = by_id.get(p.a), by_id.get(p.b)
            if a and b:
                lines.append(
                    f"• {a.system_label} {a.external_id} ↔ {b.system_label} {b.external_id} "
                    f"({p.score:.3f}): {p.reasons}"
                )
        more = len(detail.pairs) - 4
        self.reasons.setText("\n".join(lines) + (f"\n… and {more} more pairs" if more > 0 else ""))
        self.compare.set_cluster(detail.records, self._golden())
        self._size_compare_columns(len(detail.records))
        self._set_actions(detail.status in ("open", "skipped"))

    def _size_compare_columns(self, records: int, width: int | None = None) -> None:
        """Record and "Keeps" columns share the width while each stays readable; a big
        cluster (7 records of one person) scrolls sideways instead of eliding every
        value to "z…m"."""
        hh = self.compare_view.horizontalHeader()
        if width is None:
            width = self.compare_view.viewport().width()
        room = width - _SOURCE_COLUMN_WIDTH
        if room / (records + 1) >= _MIN_VALUE_WIDTH:
            hh.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        else:
            hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            for column in range(records + 1):
                hh.resizeSection(column, _MIN_VALUE_WIDTH)
        hh.setSectionResizeMode(records + 1, QHeaderView.ResizeMode.Interactive)
        hh.resizeSection(records + 1, _SOURCE_COLUMN_WIDTH)

    def _golden(self) -> Golden:
        assert self.detail is not None
        return propose(source_records(self.detail.records), self.overrides)

    def _pick(self, index: QModelIndex) -> None:
        if (
            self.detail is None
            or not index.isValid()
            or index.column() >= len(self.compare.records)
        ):
            return
        field = self.compare.fields[index.row()]
        rec = self.compare.records[index.column()]
        if not rec.fields.get(field, ""):
            return
        self.pick(field, str(rec.id))

    def pick(self, field: str, record_key: str) -> None:
        """Keep ``field`` from the record ``record_key`` (admin override)."""
        self.overrides[field] = record_key
        golden = self._golden()
        self.compare.set_golden(golden)
        choice = golden.fields.get(field)
        if choice is not None and choice.source != record_key:
            self.status_message.emit("An opt-out always survives a merge; that value was kept.")

    def _reset_picks(self) -> None:
        if self.detail is not None:
            self.overrides = {}
            self.compare.set_golden(self._golden())

    def _clear_detail(self) -> None:
        self.detail = None
        self.title.setText("Select a possible duplicate on the left")
        self.band_icon.clear()
        self.reasons.clear()
        self.compare.set_cluster([], Golden())
        self._set_actions(False)

    def _set_actions(self, enabled: bool) -> None:
        for b in (self.merge_button, self.not_dup_button, self.skip_button, self.reset_button):
            b.setEnabled(enabled and not self.busy)

    # --- actions ---------------------------------------------------------------------------
    def _done(self, candidate_id: int, message: str) -> None:
        self.busy = False
        row = self.model.row_of(candidate_id)
        self.model.remove(candidate_id)
        self.detail = None
        self.status_message.emit(message)
        if self.model.rowCount():
            self.table.selectRow(min(max(row, 0), self.model.rowCount() - 1))
        else:
            self.reload()
        self._update_count()

    def merge_current(self) -> None:
        d = self.detail
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
        cid, overrides = d.id, dict(self.overrides)
        self._bg(
            lambda: self.service.merge(cid, overrides=overrides),
            on_success=lambda m: self._done(cid, f"Merged {m.size} records into one customer."),
            on_failure=self._action_failed,
        )

    def not_duplicate_current(self) -> None:
        d = self.detail
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
        d = self.detail
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
        self._set_actions(self.detail is not None)
        self._error(message)

    def _error(self, message: str) -> None:
        self.status_message.emit(message)
        QMessageBox.warning(self, "Duplicates", message)

    # --- find duplicates ---------------------------------------------------------------------
    def find_duplicates(self) -> None:
        if self.busy:
            return
        from app.services.matching_sources import load_from_profiles
        from app.services.profiles import ProfileService

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
        self._error(message)
