"""The records of a reconciliation or shadow report: group, source key, destination id
and what differs. Pages of 500 come from SQLite as the table scrolls (``fetchMore``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QModelIndex

from app.sync.reconcile_log import FindingRow
from app.ui.models.rows_model import ROW_ROLE, Column, Index, RowsTableModel
from app.ui.theme import Status, status_colour

FINDING_ROLE = ROW_ROLE
PAGE = 500
GROUP_TEXT = {
    "only_in_source": "Only in the source",
    "only_in_destination": "Only in the destination",
    "different": "Different",
    "create": "Would create",
    "update": "Would update",
}
GROUP_STATUS = {
    "only_in_source": Status.ERROR,
    "different": Status.WARNING,
    "only_in_destination": Status.UNKNOWN,
    "create": Status.WARNING,
    "update": Status.WARNING,
}
MISSING = ("only_in_source", "create")
RANK = {"only_in_source": 0, "create": 0, "different": 1, "update": 1, "only_in_destination": 2}
Loader = Callable[[int, int], Sequence[FindingRow]]  # (offset, limit) -> rows


def _dest(f: FindingRow) -> str:
    if f.dest_id and f.group in MISSING:  # linked once, gone from the destination now
        return f"{f.dest_id} (not there)"
    return f.dest_id or "—"


class FindingsModel(RowsTableModel[FindingRow]):
    """A plain rows model that also pages: ``fetchMore`` reads the next page."""

    COLUMNS = (
        Column("Group", lambda f: GROUP_TEXT.get(f.group, f.group),
               sort=lambda f: f"{RANK.get(f.group, 9)} {f.key}",  # what needs doing first
               foreground=lambda f: status_colour(GROUP_STATUS.get(f.group, Status.UNKNOWN))),
        Column("Source key", lambda f: f.key or "—"),
        Column("Destination id", _dest),
        Column("What differs", lambda f: f.text, tip=lambda f: f.text),
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self._loader: Loader | None = None
        self._total = 0

    def show(self, first: Sequence[FindingRow], total: int, loader: Loader | None) -> None:
        """The first page (read off the GUI thread), how many there are, and how to read
        the next pages."""
        self._total, self._loader = total, loader
        self.set_rows(first)

    @property
    def total(self) -> int:
        return self._total

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._loader is not None and len(self._rows) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent) or self._loader is None:
            return
        more = list(self._loader(len(self._rows), PAGE))
        if not more:
            self._total = len(self._rows)
            return
        start = len(self._rows)
        self.beginInsertRows(QModelIndex(), start, start + len(more) - 1)
        self._rows += more
        self.endInsertRows()
