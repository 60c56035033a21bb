"""Source fields | drawn links | target fields. Links are painted between the rows of the
two tables so the mapping reads at a glance; a source is connected by dragging it onto a
target, or by selecting both and pressing Connect (Ctrl+L)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.mapping.model import Mapping
from app.ui.mapping_editor.field_models import NAME_ROLE, SourceFieldsModel, TargetFieldsModel
from app.ui.theme import Status, accent, status_colour
from app.ui.widgets import SearchBox


def _table(name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(26)
    view.setShowGrid(False)
    view.setAlternatingRowColors(True)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSortingEnabled(False)  # row order = the system's field order, lines stay tidy
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    return view


class LinkPainter(QWidget):
    """The middle column: one curve per (source, target) pair of the mapping."""

    def __init__(self, canvas: MappingCanvas) -> None:
        super().__init__()
        self.canvas = canvas
        self.setMinimumWidth(90)
        self.setMaximumWidth(140)

    def _y(self, view: QTableView, proxy: QSortFilterProxyModel, row: int) -> tuple[float, bool]:
        """Row centre in this widget's coordinates, and whether the row is visible."""
        source_index = proxy.sourceModel().index(row, 0)
        index = proxy.mapFromSource(source_index)
        vp = view.viewport()
        if not index.isValid():
            return -1.0, False
        rect = view.visualRect(index)
        y = rect.center().y()
        visible = 0 <= y <= vp.height()
        y = max(0, min(vp.height(), y))
        point = self.mapFromGlobal(vp.mapToGlobal(QPoint(0, y)))
        return float(point.y()), visible

    def paintEvent(self, event: QPaintEvent) -> None:
        c = self.canvas
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        selected = c.selected_target()
        ok, bad, hi = status_colour(Status.OK), status_colour(Status.ERROR), accent()
        muted = QColor(ok)
        muted.setAlpha(150)
        w = self.width()
        for rule in c.mapping.rules:
            trow = c.targets.row_of(rule.target)
            if trow < 0:
                continue
            ty, tvis = self._y(c.target_view, c.target_proxy, trow)
            for source in rule.sources:
                srow = c.sources.row_of(source)
                if srow < 0:
                    continue
                sy, svis = self._y(c.source_view, c.source_proxy, srow)
                if sy < 0 or ty < 0:
                    continue
                broken = source in c.sources.problems
                colour = bad if broken else hi if rule.target == selected else muted
                pen = QPen(colour, 3.0 if rule.target == selected else 1.6)
                if broken or not (svis and tvis):
                    pen.setStyle(Qt.PenStyle.DashLine)
                p.setPen(pen)
                path = QPainterPath(QPointF(2, sy))
                path.cubicTo(QPointF(w * 0.5, sy), QPointF(w * 0.5, ty), QPointF(w - 6, ty))
                p.drawPath(path)
                p.setBrush(colour)
                p.drawEllipse(QPointF(4, sy), 3, 3)
                arrow = QPainterPath(QPointF(w - 1, ty))
                arrow.lineTo(QPointF(w - 8, ty - 4))
                arrow.lineTo(QPointF(w - 8, ty + 4))
                arrow.closeSubpath()
                p.fillPath(arrow, colour)
                p.setBrush(Qt.BrushStyle.NoBrush)
        p.end()


class MappingCanvas(QWidget):
    connect_requested = Signal(str, str)  # source, target
    target_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mapping = Mapping(())
        self.sources = SourceFieldsModel()
        self.targets = TargetFieldsModel()
        self.targets.dropped = self._dropped  # type: ignore[assignment]
        self.source_proxy = self._proxy(self.sources)
        self.target_proxy = self._proxy(self.targets)

        self.links = LinkPainter(self)
        self.source_view = _table("source_fields")
        self.source_view.setModel(self.source_proxy)
        self.source_view.setDragEnabled(True)
        self.source_view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.target_view = _table("target_fields")
        self.target_view.setModel(self.target_proxy)
        self.target_view.setAcceptDrops(True)
        self.target_view.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.target_view.setDropIndicatorShown(True)
        for view in (self.source_view, self.target_view):
            header = view.horizontalHeader()
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
            header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
            header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
            view.verticalScrollBar().valueChanged.connect(lambda _v: self.links.update())

        self.source_search = SearchBox("Filter source fields")
        self.source_search.setMinimumWidth(120)
        self.target_search = SearchBox("Filter target fields")
        self.target_search.setMinimumWidth(120)
        self.source_search.textChanged.connect(lambda t: self._filter(self.source_proxy, t))
        self.target_search.textChanged.connect(lambda t: self._filter(self.target_proxy, t))
        self.source_caption = QLabel("Source")
        self.source_caption.setObjectName("Muted")
        self.target_caption = QLabel("Destination")
        self.target_caption.setObjectName("Muted")

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        left = QVBoxLayout()
        left.addWidget(self.source_caption)
        left.addWidget(self.source_search)
        left.addWidget(self.source_view, 1)
        right = QVBoxLayout()
        right.addWidget(self.target_caption)
        right.addWidget(self.target_search)
        right.addWidget(self.target_view, 1)
        middle = QVBoxLayout()
        spacer = QWidget()
        spacer.setFixedHeight(self.source_search.sizeHint().height() * 2 + 6)
        middle.addWidget(spacer)
        middle.addWidget(self.links, 1)
        row.addLayout(left, 5)
        row.addLayout(middle, 1)
        row.addLayout(right, 5)
        self.target_view.selectionModel().selectionChanged.connect(self._target_changed)

    @staticmethod
    def _proxy(model: SourceFieldsModel | TargetFieldsModel) -> QSortFilterProxyModel:
        proxy = QSortFilterProxyModel()
        proxy.setSourceModel(model)
        proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        proxy.setFilterKeyColumn(-1)
        return proxy

    def _filter(self, proxy: QSortFilterProxyModel, text: str) -> None:
        proxy.setFilterFixedString(text)
        self.links.update()

    def _dropped(self, source: str, target: str) -> None:
        self.connect_requested.emit(source, target)

    def _target_changed(self) -> None:
        self.links.update()
        t = self.selected_target()
        if t:
            self.target_selected.emit(t)

    def set_mapping(self, mapping: Mapping, target_problems: dict[str, str]) -> None:
        self.mapping = mapping
        self.targets.set_mapping(mapping, target_problems)
        self.sources.set_used(mapping.source_fields())
        self.links.update()

    def selected_source(self) -> str | None:
        rows = self.source_view.selectionModel().selectedRows()
        return str(rows[0].data(NAME_ROLE)) if rows else None

    def selected_target(self) -> str | None:
        rows = self.target_view.selectionModel().selectedRows()
        return str(rows[0].data(NAME_ROLE)) if rows else None

    def select_target(self, name: str) -> None:
        row = self.targets.row_of(name)
        if row >= 0:
            index = self.target_proxy.mapFromSource(self.targets.index(row, 0))
            self.target_view.selectRow(index.row())
            self.target_view.scrollTo(index)

    def select_source(self, name: str) -> None:
        row = self.sources.row_of(name)
        if row >= 0:
            index = self.source_proxy.mapFromSource(self.sources.index(row, 0))
            self.source_view.selectRow(index.row())
            self.source_view.scrollTo(index)

    def connect_selected(self) -> bool:
        s, t = self.selected_source(), self.selected_target()
        if s and t:
            self.connect_requested.emit(s, t)
            return True
        return False
