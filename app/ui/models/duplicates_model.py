"""Table models of the duplicates screen: the review queue (paged lazily from SQLite in
the background), the side-by-side comparison of a cluster, and the merge history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from app.matching.survivorship import FIELD_LABELS, GOLDEN_FIELDS, Golden
from app.services.matching_queue import CandidateRow
from app.services.merging import MergeView, RecordView
from app.ui.formatting import full_time, short_time
from app.ui.icons import icon
from app.ui.models.rows_model import Column, RowsTableModel
from app.ui.theme import Status, is_dark, status_colour
from app.ui.workers import run_in_background

Index = QModelIndex | QPersistentModelIndex
PAGE = 200
BAND_STATUS = {"auto": (Status.OK, "Auto-link"), "review": (Status.WARNING, "Review")}
BAND_TIPS = {
    "auto": "Almost certainly one person. Nothing is merged on its own: it waits for your Merge.",
    "review": "A close call: compare the records before you merge.",
}
Fetch = Callable[[int, int], list[CandidateRow]]


def _band(r: CandidateRow) -> tuple[Status, str]:
    return BAND_STATUS.get(r.band, (Status.UNKNOWN, r.band))


class QueueModel(RowsTableModel[CandidateRow]):
    """Candidate clusters, best score first. Rows arrive a page at a time: the view asks
    ``canFetchMore``/``fetchMore`` as it scrolls and the page is read off the GUI thread."""

    COLUMNS = (
        Column("Score", lambda r: f"{r.score:.3f}", sort=lambda r: r.score, right=True),
        Column("Band", lambda r: _band(r)[1], sort=lambda r: r.band,
               tip=lambda r: BAND_TIPS.get(r.band, ""), status=lambda r: _band(r)[0]),
        Column("Records", lambda r: str(r.size), sort=lambda r: r.size, right=True),
        Column("Customer", lambda r: r.title, tip=lambda r: f"{r.title}\n{r.systems}"),
        Column("Systems", lambda r: r.systems, tip=lambda r: r.systems),
        Column("Why", lambda r: r.reasons, tip=lambda r: r.reasons),
    )  # fmt: skip
    page_loaded = Signal(int)  # rows now loaded
    load_failed = Signal(str)

    def _bg(self, fn, *args, **kwargs):
        """Run ``fn`` off the GUI thread; answers are dropped once this object is gone."""
        return run_in_background(fn, *args, owner=self, **kwargs)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent=parent)
        self._total = 0
        self._fetch: Fetch | None = None
        self._loading = False
        self._generation = 0
        self.synchronous = False  # tests may page on the calling thread

    def reset(self, fetch: Fetch, total: int) -> None:
        self.beginResetModel()
        self._rows, self._total, self._fetch = [], total, fetch
        self._loading = False
        self._generation += 1
        self.endResetModel()
        if total:
            self.fetchMore(QModelIndex())

    @property
    def total(self) -> int:
        return self._total

    def row_of(self, candidate_id: int) -> int:
        return self.row_where(lambda r: r.id == candidate_id)

    def remove(self, candidate_id: int) -> None:
        row = self.row_of(candidate_id)
        if row >= 0:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self._total -= 1
            self.endRemoveRows()

    # --- lazy paging -----------------------------------------------------------------
    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._loading and len(self._rows) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self._fetch is None or not self.canFetchMore(parent):
            return
        self._loading = True
        gen, offset = self._generation, len(self._rows)
        if self.synchronous:
            self._append(gen, self._fetch(offset, PAGE))
            return
        self._bg(
            self._fetch,
            offset,
            PAGE,
            on_success=lambda rows: self._append(gen, rows),
            on_failure=self._failed,
        )

    def _append(self, generation: int, rows: list[CandidateRow]) -> None:
        if generation != self._generation:
            return  # a reset happened while this page was being read
        self._loading = False
        if not rows:
            self._total = len(self._rows)
            return
        start = len(self._rows)
        self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()
        self.page_loaded.emit(len(self._rows))

    def _failed(self, message: str) -> None:
        self._loading = False
        self.load_failed.emit(message)


def _norm(value: str, field: str = "") -> str:
    """Compare like a person would: case, dots and, for phones, formatting do not count."""
    if field in ("phone", "mobile"):
        digits = "".join(ch for ch in value if ch.isdigit())
        return digits[-10:]
    return " ".join(value.lower().replace(".", "").replace(",", " ").split())


class ComparisonModel(QAbstractTableModel):
    """Rows: customer fields. Columns: each record of the cluster, then the proposed
    golden record. Values that differ between records are highlighted; the value that
    survives is bold with a check mark. Clicking a record's cell picks that value."""

    picked = Signal(str, str)  # field, record key

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.records: list[RecordView] = []
        self.golden = Golden()
        self.fields: list[str] = []

    def set_cluster(self, records: list[RecordView], golden: Golden) -> None:
        self.beginResetModel()
        self.records, self.golden = list(records), golden
        self.fields = [
            f
            for f in GOLDEN_FIELDS
            if any(r.fields.get(f, "") for r in records)
            or (golden.fields.get(f, None) and golden.fields[f].value)
        ]
        self.endResetModel()

    def set_golden(self, golden: Golden) -> None:
        self.golden = golden
        if self.fields:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self.fields) - 1, len(self.records))
            )

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.fields)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or not self.records else len(self.records) + 2

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return FIELD_LABELS.get(self.fields[section], self.fields[section])
        if section < len(self.records):
            r = self.records[section]
            return f"{r.system_label}\n{r.external_id}"
        return "Keeps" if section == len(self.records) else "From"

    def record_key(self, column: int) -> str:
        return str(self.records[column].id) if column < len(self.records) else ""

    def differs(self, row: int) -> bool:
        name = self.fields[row]
        values = {
            _norm(r.fields.get(name, ""), name) for r in self.records if r.fields.get(name, "")
        }
        return len(values) > 1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        name, col = self.fields[index.row()], index.column()
        choice = self.golden.fields.get(name)
        if col > len(self.records):  # where the kept value comes from, and why
            source = self._source_label(choice.source) if choice else ""
            if role == Qt.ItemDataRole.DisplayRole and choice:
                return source or "—"
            if role == Qt.ItemDataRole.ToolTipRole and choice:
                return f"{source} · {choice.rule}" if source else choice.rule
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(status_colour(Status.UNKNOWN))
            return None
        if col == len(self.records):
            value = choice.value if choice else ""
            if role == Qt.ItemDataRole.DisplayRole:
                return value or "—"
            if role == Qt.ItemDataRole.ToolTipRole and choice:
                return choice.rule
            if role == Qt.ItemDataRole.FontRole:
                f = QFont()
                f.setBold(True)
                return f
            return None
        rec = self.records[col]
        value = rec.fields.get(name, "")
        chosen = choice is not None and choice.source == str(rec.id) and bool(value)
        if role == Qt.ItemDataRole.DisplayRole:
            return value or "—"
        if role == Qt.ItemDataRole.DecorationRole and chosen:
            return icon("mdi6.check-circle", status_colour(Status.OK))
        if role == Qt.ItemDataRole.FontRole and chosen:
            f = QFont()
            f.setBold(True)
            return f
        if role == Qt.ItemDataRole.BackgroundRole and value and self.differs(index.row()):
            return QBrush(QColor("#5a4a1a") if is_dark() else QColor("#fff3cd"))
        if role == Qt.ItemDataRole.ToolTipRole:
            return "Click to keep this value" if value else "No value in this record"
        return None

    def _source_label(self, key: str) -> str:
        for r in self.records:
            if str(r.id) == key:
                return f"{r.system_label} {r.external_id}"
        return ""


_PROPAGATION = {
    "merged": "merged there too",
    "failed": "refused — not merged there",
    "not supported": "linked here only",
}


def merge_status(m: MergeView) -> tuple[Status, str]:
    """Merged (green) only when every system followed; partial (amber) until then."""
    if m.status == "merged":
        return Status.OK, "Merged"
    if m.status == "partial":
        return Status.WARNING, "Partial — " + ", ".join(m.not_followed) + " did not follow"
    return Status.UNKNOWN, "Undone"


def _propagation(m: MergeView) -> str:
    return (
        "; ".join(
            f"{k}: {_PROPAGATION.get(v.get('status', ''), v.get('status', ''))}"
            for k, v in m.propagation.items()
        )
        or "—"
    )


def _not_followed_tip(m: MergeView) -> str | None:
    if not m.not_followed:
        return None
    return (
        "\n".join(f"{k}: {why}" for k, why in m.not_followed.items())
        + "\n\nSelect the merge and press Retry once the cause is fixed."
    )


class HistoryModel(RowsTableModel[MergeView]):
    COLUMNS = (
        Column("When", lambda m: short_time(m.merged_at), sort=lambda m: m.merged_at,
               tip=lambda m: full_time(m.merged_at)),
        Column("Customer", lambda m: m.title),
        Column("Records", lambda m: str(m.size), sort=lambda m: m.size),
        Column("By", lambda m: m.merged_by),
        Column("Status", lambda m: merge_status(m)[1], sort=lambda m: m.status,
               status=lambda m: merge_status(m)[0], tip=_not_followed_tip),
        Column("In other systems", _propagation, tip=_not_followed_tip,
               foreground=lambda m: status_colour(merge_status(m)[0]) if m.partial else None),
    )  # fmt: skip

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent=parent)
