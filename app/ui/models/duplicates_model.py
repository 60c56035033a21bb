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
from app.ui.theme import STATUS_ICONS, Status, is_dark, status_colour
from app.ui.workers import run_in_background

Index = QModelIndex | QPersistentModelIndex
PAGE = 200
BAND_STATUS = {"auto": (Status.OK, "Auto-link"), "review": (Status.WARNING, "Review")}
BAND_TIPS = {
    "auto": "Almost certainly one person. Nothing is merged on its own: it waits for your Merge.",
    "review": "A close call: compare the records before you merge.",
}
Fetch = Callable[[int, int], list[CandidateRow]]


class QueueModel(QAbstractTableModel):
    """Candidate clusters, best score first. Rows arrive a page at a time: the view asks
    ``canFetchMore``/``fetchMore`` as it scrolls and the page is read off the GUI thread."""

    COLUMNS = ("Score", "Band", "Records", "Customer", "Systems", "Why")
    page_loaded = Signal(int)  # rows now loaded
    load_failed = Signal(str)

    def _bg(self, fn, *args, **kwargs):
        """Run ``fn`` off the GUI thread; answers are dropped once this object is gone."""
        return run_in_background(fn, *args, owner=self, **kwargs)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[CandidateRow] = []
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

    def row_at(self, row: int) -> CandidateRow:
        return self._rows[row]

    def row_of(self, candidate_id: int) -> int:
        return next((i for i, r in enumerate(self._rows) if r.id == candidate_id), -1)

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

    # --- table -----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, col = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.ToolTipRole and col == 4:
            return r.systems
        if role == Qt.ItemDataRole.ToolTipRole and col == 1:
            return BAND_TIPS.get(r.band, "")
        status, label = BAND_STATUS.get(r.band, (Status.UNKNOWN, r.band))
        if role == Qt.ItemDataRole.DisplayRole:
            return (f"{r.score:.3f}", label, str(r.size), r.title, r.systems, r.reasons)[col]
        if role == Qt.ItemDataRole.UserRole:
            return (r.score, r.band, r.size, r.title, r.systems, r.reasons)[col]
        if role == Qt.ItemDataRole.ToolTipRole and col in (3, 5):
            return f"{r.title}\n{r.systems}" if col == 3 else r.reasons
        if col == 1 and role == Qt.ItemDataRole.DecorationRole:
            return icon(STATUS_ICONS[status], status_colour(status))
        if col == 1 and role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(status_colour(status))
        if col in (0, 2) and role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


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


class HistoryModel(QAbstractTableModel):
    COLUMNS = ("When", "Customer", "Records", "By", "Status", "In other systems")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[MergeView] = []

    def set_merges(self, rows: list[MergeView]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def merge_at(self, row: int) -> MergeView:
        return self._rows[row]

    def merges(self) -> list[MergeView]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        m, col = self._rows[index.row()], index.column()
        status, text = merge_status(m)
        prop = (
            "; ".join(
                f"{k}: {_PROPAGATION.get(v.get('status', ''), v.get('status', ''))}"
                for k, v in m.propagation.items()
            )
            or "—"
        )
        if role == Qt.ItemDataRole.ToolTipRole and col in (4, 5) and m.not_followed:
            return (
                "\n".join(f"{k}: {why}" for k, why in m.not_followed.items())
                + "\n\nSelect the merge and press Retry once the cause is fixed."
            )
        if role == Qt.ItemDataRole.ToolTipRole and col == 0:
            return full_time(m.merged_at)
        if role == Qt.ItemDataRole.DisplayRole:
            return (short_time(m.merged_at), m.title, str(m.size), m.merged_by, text, prop)[col]
        if role == Qt.ItemDataRole.UserRole:
            return (m.merged_at, m.title, m.size, m.merged_by, m.status, prop)[col]
        if col == 4 and role == Qt.ItemDataRole.DecorationRole:
            return icon(STATUS_ICONS[status], status_colour(status))
        if role == Qt.ItemDataRole.ForegroundRole and (col == 4 or (col == 5 and m.partial)):
            return QBrush(status_colour(status))
        return None
