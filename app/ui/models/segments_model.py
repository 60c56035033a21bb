"""Table models of the Segments screen: the segments with their counts, and a sample of
a segment's members (a pandas frame, read only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.ui.models.rows_model import Column, RowsTableModel

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class SegmentRowView:
    name: str
    rule: str
    channel: str
    count: int | None
    problem: str = ""


def _members(row: SegmentRowView) -> str:
    if row.count is None:
        return "—" if row.problem else "…"
    return f"{row.count:,}"


class SegmentsTableModel(RowsTableModel[SegmentRowView]):
    COLUMNS = tuple(
        Column(header, text, sort=sort, tip=lambda r: r.problem or None, right=header == "Members")
        for header, text, sort in (
            ("Segment", lambda r: r.name, None),
            ("Rule", lambda r: r.rule, None),
            ("Channel", lambda r: "SMS" if r.channel == "sms" else "E-mail",
             lambda r: r.channel),
            ("Members", _members, lambda r: r.count if r.count is not None else -1),
        )
    )  # fmt: skip


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
