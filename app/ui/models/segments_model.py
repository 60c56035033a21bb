"""Table models of the Segments screen: the segments with their counts, and a sample of
a segment's members (a pandas frame, read only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class SegmentRowView:
    name: str
    rule: str
    channel: str
    count: int | None
    problem: str = ""


class SegmentsTableModel(QAbstractTableModel):
    HEADERS = ("Segment", "Rule", "Channel", "Members")

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[SegmentRowView] = []

    def set_rows(self, rows: list[SegmentRowView]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 3:
                return (
                    "…"
                    if row.count is None and not row.problem
                    else ("—" if row.count is None else f"{row.count:,}")
                )
            return (row.name, row.rule, "SMS" if row.channel == "sms" else "E-mail")[col]
        if role == Qt.ItemDataRole.UserRole:  # sort key
            return (row.name, row.rule, row.channel, row.count if row.count is not None else -1)[
                col
            ]
        if role == Qt.ItemDataRole.ToolTipRole and row.problem:
            return row.problem
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class FrameModel(QAbstractTableModel):
    """A small pandas frame as a read-only table (the member sample)."""

    def __init__(self) -> None:
        super().__init__()
        self.frame = pd.DataFrame()
        self.labels: list[str] = []

    def set_frame(self, frame: pd.DataFrame, labels: dict[str, str]) -> None:
        self.beginResetModel()
        self.frame = frame.reset_index(drop=True)
        self.labels = [labels.get(c, c) for c in frame.columns]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.frame)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.frame.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.labels[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return str(self.frame.iat[index.row(), index.column()])
        return None
