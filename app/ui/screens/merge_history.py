"""The Duplicates screen's Merge history tab: every merge, newest first, with Unmerge, and
Retry for a partial merge (a system refused to merge its copies)."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.merging import MergeService
from app.ui.icons import icon
from app.ui.models.duplicates_model import HistoryModel
from app.ui.theme import Status, status_colour
from app.ui.widgets import EmptyState, SearchBox, sortable_table
from app.ui.workers import run_in_background


class MergeHistoryTab(QWidget):
    status_message = Signal(str)
    failed = Signal(str)
    unmerged = Signal()  # a cluster went back to the review queue
    go_to_queue = Signal()

    def __init__(self, service: MergeService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        v = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.search = SearchBox("Search merges by customer name")
        self.unmerge_button = QPushButton(icon("mdi6.call-split"), "Unmerge")
        self.retry_button = QPushButton(icon("mdi6.replay"), "Retry in other systems")
        self.retry_button.setToolTip(
            "Ask the systems that refused this merge to merge their copies again"
        )
        bar.addWidget(self.search, 1)
        bar.addStretch(1)
        bar.addWidget(self.retry_button)
        bar.addWidget(self.unmerge_button)
        v.addLayout(bar)
        self.model = HistoryModel(self)
        self.proxy, self.view = sortable_table(self.model, self, "merge_history")
        self.proxy.setFilterKeyColumn(1)  # the customer name
        self.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        hh = self.view.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.empty = EmptyState(
            "mdi6.history",
            "No merges yet",
            "Merges you make in the review queue are listed here, and can be undone.",
            "Go to the review queue",
        )
        self.empty.action_clicked.connect(self.go_to_queue)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)
        v.addWidget(self.stack, 1)
        self.detail = QLabel()  # why a partial merge is partial: the refusing system's words
        self.detail.setObjectName("merge_detail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.hide()
        v.addWidget(self.detail)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.unmerge_button.clicked.connect(self.unmerge_selected)
        self.retry_button.clicked.connect(self.retry_selected)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._buttons())
        self._buttons()

    def _bg(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return run_in_background(fn, *args, owner=self, **kwargs)

    def reload(self) -> None:
        self._bg(
            lambda: self.service.history(0, 500), on_success=self._set, on_failure=self.failed.emit
        )

    def _set(self, rows: list[Any]) -> None:
        self.model.set_rows(rows)
        self.stack.setCurrentWidget(self.view if rows else self.empty)
        self._buttons()

    def selected_merge(self) -> Any:
        idx = self.view.selectionModel().selectedRows()
        if not idx:
            return None
        return self.model.row_at(self.proxy.mapToSource(idx[0]).row())

    def _buttons(self) -> None:
        m = self.selected_merge()
        self.unmerge_button.setEnabled(m is not None and m.active)
        self.retry_button.setVisible(any(r.partial for r in self.model.rows))
        self.retry_button.setEnabled(m is not None and m.partial)
        self.detail.setVisible(m is not None and m.partial)
        if m is not None and m.partial:
            amber = status_colour(Status.WARNING).name()
            reasons = "".join(
                f"<br>• <b>{html.escape(k)}</b>: {html.escape(v)}"
                for k, v in m.not_followed.items()
            )
            self.detail.setText(
                f"<span style='color:{amber}'><b>Partial merge:</b></span> {html.escape(m.title)} "
                f"is one customer here, but these systems still hold the duplicates:{reasons}"
                "<br>Fix the cause, then press <i>Retry in other systems</i> — or Unmerge."
            )

    def retry_selected(self) -> None:
        m = self.selected_merge()
        if m is None or not m.partial:
            return
        self.retry_button.setEnabled(False)
        self._bg(self.service.retry, m.id, on_success=self._retried, on_failure=self._retry_failed)

    def _retried(self, m: Any) -> None:
        if m.partial:
            why = "; ".join(f"{k}: {v}" for k, v in m.not_followed.items())
            self.failed.emit(f"The merge of {m.title} is still partial. {why}")
        else:
            self.status_message.emit(f"Every system followed the merge of {m.title}.")
        self.reload()

    def _retry_failed(self, message: str) -> None:
        self._buttons()
        self.failed.emit(message)

    def unmerge_selected(self) -> None:
        m = self.selected_merge()
        if m is None or not m.active:
            return
        crm_note = (
            "\n\nRecords merged inside the CRM stay merged there."
            if any(v.get("status") == "merged" for v in m.propagation.values())
            else ""
        )
        answer = QMessageBox.question(
            self,
            "Unmerge customers",
            f"Undo the merge of {m.size} records ({m.title})?\n\nEach record gets back exactly the "
            f"customer link it had before, and the cluster returns to the review queue.{crm_note}",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._bg(self.service.unmerge, m.id, on_success=self._unmerged, on_failure=self.failed.emit)

    def _unmerged(self, m: Any) -> None:
        self.status_message.emit(f"Merge undone: {m.title}.")
        self.reload()
        self.unmerged.emit()
