"""The "Publish now" panel: every inventory feed with its last publication, a Publish
button for the selected feed and for all, and what the last run left out and why; for the
admin, New feed… (the wizard), Edit… and Delete….

Construct with ``FeedPublishPanel(ctx)`` (``ctx``: ``UiContext``); all reading and
publishing runs in the thread pool, answers come back through signals.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.feeds.overview import FeedRow, LeftOut, feed_rows, left_out
from app.feeds.publish import FeedRunSummary, list_feeds, publish_all, publish_feed
from app.services.audit import current_os_user
from app.services.flows import FlowService
from app.transfer import feed_drafts
from app.ui.context import UiContext
from app.ui.icons import icon
from app.ui.manager_mode import AccessController
from app.ui.models.feeds_model import FeedsTableModel
from app.ui.models.rows_model import Column, RowsTableModel
from app.ui.theme import STATUS_ICONS, Status, status_colour
from app.ui.widgets import EmptyState, ScreenHeader, SearchBox
from app.ui.wizards.feed_wizard import FeedWizard
from app.ui.workers import run_in_background


def left_out_model() -> RowsTableModel[LeftOut]:
    return RowsTableModel([
        Column("Vehicle (VIN)", lambda i: i.vin, tip=lambda i: i.vin),
        Column("Why it was left out", lambda i: i.reason, tip=lambda i: i.reason),
    ])  # fmt: skip


def _table(model: Any) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.setShowGrid(False)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return view


def _publish_all(store: Any, progress: Any) -> list[FeedRunSummary]:
    total = len(list_feeds(store, enabled_only=True))
    done: list[FeedRunSummary] = []

    def one(summary: FeedRunSummary) -> None:
        done.append(summary)
        progress(len(done), total, summary.name)

    progress(0, total, "")
    user = f"{current_os_user()} (Publish now)"
    return publish_all(store, trigger="manual", triggered_by=user, on_feed=one)


def _publish_one(store: Any, slug: str, user: str) -> list[FeedRunSummary]:
    return [publish_feed(store, slug, trigger="manual", triggered_by=user)]


def _left_out_of(store: Any, row: FeedRow) -> tuple[FeedRow, list[LeftOut]]:
    return row, left_out(store, row.last_run_id or 0)


def _rows_and_dms(store: Any) -> tuple[list[FeedRow], list[str]]:
    rows = feed_rows(store)
    return rows, ([] if rows else feed_drafts.dms_connections(store))


def _short(s: FeedRunSummary) -> str:
    if s.status == "failed":
        return f"{s.name}: failed — {s.error}"
    parts = [f"{s.listed:,} vehicles published"]
    if s.removed:
        parts.append(f"{len(s.removed)} removed")
    if s.excluded:
        parts.append(f"{len(s.excluded)} left out")
    return f"{s.name}: {', '.join(parts)}"


class FeedPublishPanel(QWidget):
    status_message = Signal(str)
    go_to = Signal(str)  # a screen key: the empty state leads to Connections
    feeds_changed = Signal()

    def __init__(
        self, ctx: UiContext, parent: QWidget | None = None, *,
        access: AccessController | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.ctx = ctx
        self.access = access
        self.wizard: FeedWizard | None = None
        self.dms_names: list[str] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(
            ScreenHeader(
                "Inventory feeds",
                "Vehicles for sale go to Google, Meta and your website. A sold vehicle "
                "leaves every feed within seconds; new vehicles appear on the next run "
                "(every 15 minutes) — or press Publish now.",
            )
        )
        bar = QHBoxLayout()
        self.search = SearchBox("Search feeds by name, channel or destination")
        bar.addWidget(self.search)
        bar.addStretch(1)
        self.publish_button = QPushButton(icon("mdi6.upload"), "Publish now")
        self.publish_button.setToolTip("Publish the selected feed now")
        self.publish_all_button = QPushButton(icon("mdi6.upload-multiple"), "Publish all now")
        bar.addWidget(self.publish_button)
        bar.addWidget(self.publish_all_button)
        self.new_button = QPushButton(icon("mdi6.plus"), "New feed…")
        self.new_button.setObjectName("new_feed")
        self.edit_button = QPushButton(icon("mdi6.pencil-outline"), "Edit…")
        self.delete_button = QPushButton(icon("mdi6.delete-outline"), "Delete…")
        for b in (self.new_button, self.edit_button, self.delete_button):
            bar.addWidget(b)
        layout.addLayout(bar)

        self.model = FeedsTableModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.table = _table(self.proxy)
        self.table.setObjectName("feeds_table")
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, 6):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)

        self.left_model = left_out_model()
        self.left_table = _table(self.left_model)
        left_header = self.left_table.horizontalHeader()
        left_header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        left_header.setStretchLastSection(True)
        self.left_title = QLabel("Select a feed to see what its last run left out.")
        self.left_title.setObjectName("Muted")
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 8, 0, 0)
        lower_layout.addWidget(self.left_title)
        lower_layout.addWidget(self.left_table, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(lower)
        split.setSizes([300, 200])

        self.empty = EmptyState(
            "mdi6.rss",
            "No inventory feeds yet",
            "New feed… lists your vehicles for sale on Google, Meta or your website: pick "
            "the channel, your DMS, the dealer details it needs and where the file goes, "
            "and see the feed before it is saved. The demo dealership comes with all three.",
            "New feed…",
        )
        self.empty.action_clicked.connect(self.new_feed)
        self.no_dms = EmptyState(
            "mdi6.lan-connect",
            "Add your DMS first",
            "A feed lists the vehicles for sale in your DMS inventory. Add the DMS under "
            "Connections (the STAR standard, a REST DMS or a CSV extract); New feed… then "
            "walks you through the rest.",
            "Go to Connections",
        )
        self.no_dms.action_clicked.connect(lambda: self.go_to.emit("connections"))
        self.no_match = QLabel("No feed matches your search.")
        self.no_match.setObjectName("Muted")
        self.no_match.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        for w in (split, self.empty, self.no_dms, self.no_match):
            self.stack.addWidget(w)
        layout.addWidget(self.stack, 1)

        progress_row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setFormat("%v of %m feeds published")
        self.result_icon = QLabel()
        self.result_label = QLabel()
        self.result_label.setObjectName("publish_result")
        self.result_label.setWordWrap(True)
        progress_row.addWidget(self.progress)
        progress_row.addWidget(self.result_icon)
        progress_row.addWidget(self.result_label, 1)
        layout.addLayout(progress_row)

        self.new_button.clicked.connect(self.new_feed)
        self.edit_button.clicked.connect(self.edit_feed)
        self.delete_button.clicked.connect(lambda: self.delete_feed())
        if access is not None:
            access.changed.connect(lambda _p: self._update_buttons())
        self.publish_button.clicked.connect(self.publish_selected)
        self.publish_all_button.clicked.connect(self.publish_all_now)
        self.search.textChanged.connect(self._filter)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self._busy = False
        self._left_for = ""
        self._update_buttons()
        self.reload()

    # --- list ------------------------------------------------------------------------
    def reload(self) -> None:
        run_in_background(
            _rows_and_dms, self.ctx.store, on_success=self._loaded, on_failure=self._failed
        )

    def _loaded(self, result: tuple[list[FeedRow], list[str]]) -> None:
        rows, self.dms_names = result
        selected = self.selected()
        self.model.set_rows(rows)
        self._show_right_page()
        if selected is not None:
            self.select(selected.slug)
        elif rows:
            self.table.selectRow(0)
        self._selection_changed()  # the rows are new even if the selected one is not

    def select(self, slug: str) -> None:
        for r in range(self.proxy.rowCount()):
            source = self.proxy.mapToSource(self.proxy.index(r, 0))
            if self.model.row_at(source.row()).slug == slug:
                self.table.selectRow(r)
                return

    def selected(self) -> FeedRow | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        return self.model.row_at(self.proxy.mapToSource(rows[0]).row())

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self._show_right_page()

    def _show_right_page(self) -> None:
        if self.model.rowCount() == 0:
            self.stack.setCurrentWidget(self.empty if self.dms_names else self.no_dms)
        elif self.proxy.rowCount() == 0:
            self.stack.setCurrentWidget(self.no_match)
        else:
            self.stack.setCurrentIndex(0)

    def _selection_changed(self, *_args: Any) -> None:
        self._update_buttons()
        row = self.selected()
        if row is None or row.last_run_id is None:
            self.left_model.set_rows([])
            self.left_title.setText(
                "Select a feed that has been published to see what it left out."
            )
            return
        self._left_for = row.slug
        self.left_title.setText(f"Loading what was left out of “{row.name}”…")
        run_in_background(
            _left_out_of, self.ctx.store, row, on_success=self._left_loaded, on_failure=self._failed
        )

    def _left_loaded(self, answer: tuple[FeedRow, list[LeftOut]]) -> None:
        row, items = answer
        if row.slug != self._left_for:
            return  # the selection moved on while this was loading
        self.left_model.set_rows(items)
        if items:
            self.left_title.setText(
                f"{len(items):,} vehicle(s) left out of “{row.name}” last time:"
            )
        else:
            self.left_title.setText(f"Nothing was left out of “{row.name}” last time.")

    def can_edit_feeds(self) -> bool:
        return self.access is None or self.access.policy.can_edit_flows

    def _update_buttons(self) -> None:
        has_rows = self.model.rowCount() > 0
        self.publish_button.setEnabled(not self._busy and self.selected() is not None)
        self.publish_all_button.setEnabled(not self._busy and has_rows)
        can_edit = self.can_edit_feeds()
        for b in (self.new_button, self.edit_button, self.delete_button):
            b.setVisible(can_edit)
        self.empty.button.setVisible(can_edit)
        self.edit_button.setEnabled(self.selected() is not None)
        self.delete_button.setEnabled(not self._busy and self.selected() is not None)

    # --- new, edit, delete (admin) -----------------------------------------------------
    def open_wizard(self, wizard: FeedWizard) -> FeedWizard:
        self.wizard = wizard
        wizard.saved.connect(self._feed_saved)
        wizard.open_connections.connect(lambda: self.go_to.emit("connections"))
        wizard.open()
        return wizard

    def new_feed(self) -> FeedWizard | None:
        if not self.can_edit_feeds():
            return None
        return self.open_wizard(FeedWizard(self.ctx.store, parent=self))

    def edit_feed(self) -> None:
        """Open the selected feed in the wizard, once its settings are read."""
        row = self.selected()
        if row is None or not self.can_edit_feeds():
            return
        run_in_background(
            feed_drafts.feed_draft_of, self.ctx.store, row.slug,
            on_success=self._edit, on_failure=self._failed,
        )  # fmt: skip

    def _edit(self, draft: feed_drafts.FeedDraft) -> None:
        self.open_wizard(FeedWizard(self.ctx.store, draft=draft, replacing=draft.slug, parent=self))

    def _feed_saved(self, info: Any) -> None:
        self.status_message.emit(f"Feed '{info.name}' saved; it is published on its schedule.")
        self.feeds_changed.emit()
        self.reload()

    def delete_feed(self, *, confirm: bool = True) -> None:
        row = self.selected()
        if row is None or not self.can_edit_feeds():
            return
        if confirm:
            answer = QMessageBox.question(
                self,
                "Delete feed",
                f"Delete the feed '{row.name}'?\n\nIt is no longer published; the file last "
                "delivered stays where it is until you remove it there. Its publications "
                "stay in the Sync Log.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        run_in_background(
            lambda: FlowService(self.ctx.store).delete(row.slug, force=True),
            on_success=lambda _n: self._feed_deleted(row.name),
            on_failure=self._failed,
        )

    def _feed_deleted(self, name: str) -> None:
        self._show_result(Status.OK, f"Feed '{name}' deleted.")
        self.feeds_changed.emit()
        self.reload()

    # --- publishing ------------------------------------------------------------------
    def _set_busy(self, slugs: set[str]) -> None:
        self._busy = bool(slugs)
        self.model.set_busy(slugs)
        self._update_buttons()

    def publish_selected(self) -> None:
        row = self.selected()
        if row is None or self._busy:
            return
        self._set_busy({row.slug})
        self._show_result(Status.RUNNING, f"Publishing “{row.name}”…")
        user = f"{current_os_user()} (Publish now)"
        run_in_background(
            _publish_one,
            self.ctx.store,
            row.slug,
            user,
            on_success=self._published,
            on_failure=self._failed,
        )

    def publish_all_now(self) -> None:
        if self._busy or self.model.rowCount() == 0:
            return
        self._set_busy({self.model.row_at(r).slug for r in range(self.model.rowCount())})
        self.progress.setRange(0, self.model.rowCount())
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self._show_result(Status.RUNNING, "Publishing every feed…")
        run_in_background(
            _publish_all,
            self.ctx.store,
            on_success=self._published,
            on_failure=self._failed,
            on_progress=self._progress,
        )

    def _progress(self, done: int, total: int, name: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        if name:
            self._show_result(Status.RUNNING, f"Published “{name}” ({done} of {total})…")

    def _published(self, summaries: list[FeedRunSummary]) -> None:
        self.progress.setVisible(False)
        self._set_busy(set())
        failed = [s for s in summaries if s.status == "failed"]
        partial = [s for s in summaries if s.status == "completed_with_errors"]
        text = " · ".join(_short(s) for s in summaries) or "No enabled feeds to publish."
        status = Status.ERROR if failed else Status.WARNING if partial else Status.OK
        self._show_result(status, text)
        self.status_message.emit(text)
        self.reload()

    def _failed(self, message: str) -> None:
        self.progress.setVisible(False)
        self._set_busy(set())
        self._show_result(Status.ERROR, message)

    def _show_result(self, status: Status, message: str) -> None:
        self.result_icon.setPixmap(icon(STATUS_ICONS[status], status_colour(status)).pixmap(18, 18))
        self.result_label.setText(message)
