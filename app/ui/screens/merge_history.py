"""The Duplicates screen's Merge history tab: every merge, newest first, with Unmerge, and
Retry for a partial merge (a system refused to merge its copies)."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QMessageBox,
    QWidget,
)

from app.services.merging import MergeService
from app.ui.list_page import ListPage
from app.ui.models.duplicates_model import HistoryModel
from app.ui.theme import Status, status_colour
from app.ui.widgets import EmptyState
from app.ui.workers import run_in_background


class MergeHistoryTab(ListPage):
    status_message = Signal(str)
    failed = Signal(str)
    unmerged = Signal()  # a cluster went back to the review queue
    go_to_queue = Signal()

    def __init__(self, service: MergeService, parent: QWidget | None = None) -> None:
        super().__init__(
            "",
            "",
            HistoryModel(),
            table_name="merge_history",
            search_text="Search merges by customer name",
            empty=EmptyState(
                "mdi6.history",
                "No merges yet",
                "Merges you make in the review queue are listed here, and can be undone.",
                "Go to the review queue",
            ),
            no_match_text="No merge matches your search.",
            loading_text="Loading merges…",
            parent=parent,
        )
        self.model: HistoryModel
        self.service = service
        self.retry_button = self.bar_button(
            "mdi6.replay", "Retry in other systems", self.retry_selected
        )
        self.retry_button.setToolTip(
            "Ask the systems that refused this merge to merge their copies again"
        )
        self.unmerge_button = self.bar_button("mdi6.call-split", "Unmerge", self.unmerge_selected)
        self.view = self.table
        self.proxy.setFilterKeyColumn(1)  # the customer name
        self.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        hh = self.view.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.empty.action_clicked.connect(self.go_to_queue)
        self.detail = QLabel()  # why a partial merge is partial: the refusing system's words
        self.detail.setObjectName("merge_detail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.hide()
        self.body.addWidget(self.detail)
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
        self.loaded = True
        self.show_right_page()
        self._buttons()

    def selected_merge(self) -> Any:
        return self.selected()

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
