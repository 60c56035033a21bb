"""Duplicates screen: the review queue of possible duplicate customers with a side-by-side
comparison and Merge / Not a duplicate / Skip (duplicates_queue.py, duplicates_cluster.py),
and the merge history with Unmerge (merge_history.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QMessageBox, QTabWidget, QVBoxLayout, QWidget

from app.services.merging import MergeService
from app.store import Store
from app.ui.icons import icon
from app.ui.screens.duplicates_queue import ReviewQueueTab
from app.ui.screens.merge_history import MergeHistoryTab
from app.ui.widgets import ScreenHeader


class DuplicatesScreen(QWidget):
    status_message = Signal(str)

    def __init__(
        self, store: Store, parent: QWidget | None = None, *, service: MergeService | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.service = service or MergeService(store)

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
        self.queue_tab = ReviewQueueTab(store, self.service)
        self.queue_tab.status_message.connect(self.status_message)
        self.queue_tab.failed.connect(self._error)
        self.tabs.addTab(
            self.queue_tab, icon("mdi6.account-multiple-check-outline"), "Review queue"
        )
        self.history_tab = MergeHistoryTab(self.service)
        self.history_tab.status_message.connect(self.status_message)
        self.history_tab.failed.connect(self._error)
        self.history_tab.unmerged.connect(self.queue_tab.reload)
        self.history_tab.go_to_queue.connect(lambda: self.tabs.setCurrentIndex(0))
        self.tabs.addTab(self.history_tab, icon("mdi6.history"), "Merge history")
        self.tabs.currentChanged.connect(lambda i: self.history_tab.reload() if i == 1 else None)

        for keys, slot in (
            ("Ctrl+M", self.queue_tab.merge_current),
            ("Ctrl+N", self.queue_tab.not_duplicate_current),
            ("Ctrl+K", self.queue_tab.skip_current),
        ):
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
        self.queue_tab.reload()

    def _error(self, message: str) -> None:
        self.status_message.emit(message)
        QMessageBox.warning(self, "Duplicates", message)
