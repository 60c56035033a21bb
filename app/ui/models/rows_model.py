"""The one base of the list models: a list of row objects shown through column definitions.

A screen's model says only what each column shows (``Column``); row count, header,
the data roles, ``set_rows`` and ``row_at`` live here once (napari's
``_base_item_model.py`` does the same for its layer lists)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app.ui.icons import icon
from app.ui.theme import STATUS_ICONS, Status, status_colour

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the row object itself
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
Role = Qt.ItemDataRole


@dataclass(frozen=True)
class Column(Generic[T]):
    """One column: its header and how a row shows in it.

    ``sort`` is the sort key (``UserRole``; the shown text if not given). ``status`` gives a
    status cell its icon and colour; ``icon``/``foreground`` set them directly.
    ``right`` right-aligns (numbers)."""

    header: str
    text: Callable[[T], Any]
    sort: Callable[[T], Any] | None = None
    tip: Callable[[T], Any] | None = None
    status: Callable[[T], Status | None] | None = None
    icon: Callable[[T], Any] | None = None
    foreground: Callable[[T], Any] | None = None
    right: bool = False
    header_tip: str = ""


class RowsTableModel(QAbstractTableModel, Generic[T]):
    """Rows of ``T`` under ``columns`` (the class's ``COLUMNS`` unless given)."""

    COLUMNS: Sequence[Column[Any]] = ()

    def __init__(
        self, columns: Sequence[Column[T]] | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.columns: list[Column[T]] = list(self.COLUMNS if columns is None else columns)
        self._rows: list[T] = []

    # --- rows --------------------------------------------------------------------------
    @property
    def rows(self) -> list[T]:
        return self._rows

    def set_rows(self, rows: Iterable[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def set_columns(self, columns: Sequence[Column[T]]) -> None:
        self.beginResetModel()
        self.columns = list(columns)
        self.endResetModel()

    def row_at(self, row: int) -> T:
        return self._rows[row]

    def row_where(self, match: Callable[[T], bool]) -> int:
        """The first row ``match`` accepts, or -1."""
        return next((i for i, r in enumerate(self._rows) if match(r)), -1)

    def replace_row(self, row: int, value: T) -> None:
        self._rows[row] = value
        self.changed_rows(row, row)

    def changed_rows(self, first: int = 0, last: int | None = None) -> None:
        """Repaint rows ``first``..``last`` (all by default) after state they show changed."""
        last = len(self._rows) - 1 if last is None else last
        if self._rows and self.columns and last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))

    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    # --- Qt model ----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Role.DisplayRole:
            return self.columns[section].header
        if role == Role.ToolTipRole:
            return self.columns[section].header_tip or None
        return None

    def data(self, index: Index, role: int = Role.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row, col = self._rows[index.row()], self.columns[index.column()]
        if role == ROW_ROLE:
            return row
        if role == Role.DisplayRole:
            return col.text(row)
        if role == Role.UserRole:
            return (col.sort or col.text)(row)
        if role == Role.ToolTipRole:
            return col.tip(row) if col.tip else None
        if role == Role.TextAlignmentRole:
            return RIGHT if col.right else None
        if role == Role.DecorationRole:
            if col.icon:
                return col.icon(row)
            status = col.status(row) if col.status else None
            return icon(STATUS_ICONS[status], status_colour(status)) if status else None
        if role == Role.ForegroundRole:
            if col.foreground:
                return col.foreground(row)
            status = col.status(row) if col.status else None
            return status_colour(status) if status else None
        return None
