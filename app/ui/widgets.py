"""Small widgets every screen uses: the screen header, the empty state, a search box."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QObject, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.ui.icons import icon


class ScreenHeader(QWidget):
    """Title and one line saying what the screen is for."""

    def __init__(self, title: str, subtitle: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 8)
        layout.setSpacing(2)
        t = QLabel(title)
        t.setObjectName("ScreenTitle")
        s = QLabel(subtitle)
        s.setObjectName("ScreenSubtitle")
        s.setWordWrap(True)
        layout.addWidget(t)
        layout.addWidget(s)


class EmptyState(QWidget):
    """What an empty list shows instead of a blank grey area: what to do next."""

    action_clicked = Signal()

    def __init__(
        self,
        icon_name: str,
        title: str,
        text: str,
        action_text: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        pic = QLabel()
        pic.setPixmap(icon(icon_name, "#8a94a3").pixmap(64, 64))
        pic.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title_label = QLabel(title)
        title_label.setObjectName("EmptyTitle")
        title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = body = QLabel(text)
        body.setObjectName("Muted")
        body.setWordWrap(True)
        body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body.setMaximumWidth(520)
        layout.addWidget(pic)
        layout.addWidget(title_label)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(body)
        row.addStretch(1)
        layout.addLayout(row)
        if action_text:
            self.button = QPushButton(action_text)
            self.button.setDefault(True)
            self.button.clicked.connect(self.action_clicked)
            brow = QHBoxLayout()
            brow.addStretch(1)
            brow.addWidget(self.button)
            brow.addStretch(1)
            layout.addSpacing(8)
            layout.addLayout(brow)
        layout.addStretch(2)


class SearchBox(QLineEdit):
    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.setClearButtonEnabled(True)
        self.addAction(icon("mdi6.magnify"), QLineEdit.ActionPosition.LeadingPosition)
        self.setMinimumWidth(280)


def sortable_table(
    model: QAbstractItemModel, owner: QObject, object_name: str
) -> tuple[QSortFilterProxyModel, QTableView]:
    """The standard list: a read-only, row-selecting, sortable table behind a filter proxy
    (free-text filter over every column, sort by each model's UserRole sort key)."""
    proxy = QSortFilterProxyModel(owner)
    proxy.setSourceModel(model)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    proxy.setFilterKeyColumn(-1)
    proxy.setSortRole(Qt.ItemDataRole.UserRole)
    table = QTableView()
    table.setObjectName(object_name)
    table.setModel(proxy)
    table.setSortingEnabled(True)
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.setShowGrid(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return proxy, table


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Size a dialog to ``width``×``height`` at most, never larger than its screen leaves
    free (a 1280×720 laptop has far less room than the desk it was designed on)."""
    screen = window.screen()
    if screen is not None:
        free = screen.availableGeometry()
        width = min(width, free.width() - 40)
        height = min(height, free.height() - 60)
    minimum = window.minimumSize()
    window.resize(max(width, minimum.width()), max(height, minimum.height()))
