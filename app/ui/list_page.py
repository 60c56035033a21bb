"""The one list page: screen header, a bar (search box, buttons), the table, and what shows
instead of it (loading, empty, nothing matches the search).

Screens that are a list subclass it and add what is theirs: buttons with ``bar_button``,
notes or further button rows into ``top``, more states with ``add_state``, and widgets
below the table into ``body`` (Vorta's ``views/partials/`` share such pieces too)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.ui.icons import icon
from app.ui.models.rows_model import RowsTableModel
from app.ui.theme import STATUS_ICONS, Status, status_colour
from app.ui.widgets import EmptyState, ScreenHeader, SearchBox, sortable_table


def muted_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("Muted")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    return label


class ListPage(QWidget):
    """A list screen over ``model``; ``show_right_page`` picks what the stack shows.
    With an empty ``title`` it is a tab: no header, the tab's own margins."""

    def __init__(
        self,
        title: str,
        subtitle: str,
        model: RowsTableModel[Any],
        *,
        table_name: str,
        search_text: str,
        empty: EmptyState,
        no_match_text: str,
        loading_text: str = "Loading…",
        search_stretch: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.body = QVBoxLayout(self)
        self.header: ScreenHeader | None = None
        if title:  # a screen; without a title, a tab inside one (its own margins)
            self.body.setContentsMargins(24, 20, 24, 16)
            self.header = ScreenHeader(title, subtitle)
            self.body.addWidget(self.header)
        self.top = QVBoxLayout()  # notes above the bar, more button rows below it
        self.top.setSpacing(6)
        self.body.addLayout(self.top)
        self.bar = QHBoxLayout()
        self.search = SearchBox(search_text)
        self.bar.addWidget(self.search, 1 if search_stretch else 0)
        if not search_stretch:
            self.bar.addStretch(1)
        self.top.addLayout(self.bar)

        self.model = model
        self.proxy, self.table = sortable_table(model, self, table_name)
        self.loading = muted_label(loading_text)
        self.empty = empty
        self.no_match = muted_label(no_match_text)
        self.stack = QStackedWidget()
        for w in (self.loading, self.table, self.empty, self.no_match):
            self.stack.addWidget(w)
        self.body.addWidget(self.stack, 1)
        self.loaded = False
        self.search.textChanged.connect(self._filter)

    # --- building ------------------------------------------------------------------------
    def bar_button(
        self, icon_name: str, text: str, slot: Callable[[], Any] | None = None, name: str = ""
    ) -> QPushButton:
        """A button at the end of the bar."""
        button = QPushButton(icon(icon_name), text)
        if name:
            button.setObjectName(name)
        if slot is not None:
            button.clicked.connect(lambda _checked=False: slot())
        self.bar.addWidget(button)
        return button

    def add_state(self, widget: QWidget) -> QWidget:
        """Another page the stack can show instead of the table (``empty_page``)."""
        self.stack.addWidget(widget)
        return widget

    def add_result_line(self, object_name: str) -> None:
        """The line under the list that says how the last action went (``show_result``)."""
        row = QHBoxLayout()
        self.result_icon = QLabel()
        self.result_label = QLabel()
        self.result_label.setObjectName(object_name)
        self.result_label.setWordWrap(True)
        row.addWidget(self.result_icon)
        row.addWidget(self.result_label, 1)
        self.body.addLayout(row)

    def show_result(self, status: Status, message: str) -> None:
        colour = status_colour(status)
        self.result_icon.setPixmap(icon(STATUS_ICONS[status], colour).pixmap(18, 18))
        self.result_label.setText(message)
        self.result_label.setStyleSheet(f"color: {colour.name()};")

    # --- what shows ----------------------------------------------------------------------
    def empty_page(self) -> QWidget:
        """What an empty list shows; screens return a state of theirs when something
        else must come first (no connections yet, no flows yet)."""
        return self.empty

    def show_right_page(self) -> None:
        if not self.loaded:
            self.stack.setCurrentWidget(self.loading)
        elif self.model.rowCount() == 0:
            self.stack.setCurrentWidget(self.empty_page())
        elif self.proxy.rowCount() == 0:
            self.stack.setCurrentWidget(self.no_match)
        else:
            self.stack.setCurrentWidget(self.table)

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self.show_right_page()

    # --- selection -----------------------------------------------------------------------
    def selected(self) -> Any | None:
        """The row object selected in the table, or None."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(self.proxy.mapToSource(rows[0]).row()) if rows else None

    def select_where(self, match: Callable[[Any], bool]) -> bool:
        """Select the first row ``match`` accepts; False if there is none (or it is
        filtered out)."""
        row = self.model.row_where(match)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.selectRow(index.row())
        return True
