"""Table models of the Segments screen: the segments with their counts, and a sample of
a segment's members (a pandas frame, read only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from app.ui.models.rows_model import Column, RowsTableModel


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


def _cell(i: int) -> Any:
    return lambda row: str(row[i])


class FrameModel(RowsTableModel[tuple[Any, ...]]):
    """A small pandas frame as a read-only table (the member sample): a row per record,
    a column per frame column (named by ``labels``)."""

    def __init__(self) -> None:
        super().__init__()
        self.frame = pd.DataFrame()

    def set_frame(self, frame: pd.DataFrame, labels: dict[str, str]) -> None:
        self.beginResetModel()
        self.frame = frame.reset_index(drop=True)
        self.columns = [
            Column(labels.get(c, c), _cell(i), tip=_cell(i)) for i, c in enumerate(frame.columns)
        ]
        self._rows = list(self.frame.itertuples(index=False, name=None))
        self.endResetModel()
