"""The selected possible duplicate, side by side: why its records match, the compare grid
with the value that survives each field (click another record's value to keep that one),
and the Merge / Not a duplicate / Skip buttons."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.matching.survivorship import Golden, propose
from app.services.merging import ClusterDetail, source_records
from app.ui.icons import icon
from app.ui.models.duplicates_model import BAND_STATUS, ComparisonModel
from app.ui.theme import STATUS_ICONS, Status, status_colour

_MIN_VALUE_WIDTH = 125  # px: a phone, an e-mail's start, a street number and name
_SOURCE_COLUMN_WIDTH = 120
_PAIRS_SHOWN = 2


def read_only_table(name: str) -> QTableView:
    """A read-only table that selects one row, without grid or row numbers."""
    t = QTableView()
    t.setObjectName(name)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setAlternatingRowColors(True)
    t.verticalHeader().hide()
    t.setShowGrid(False)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return t


def _best_name(names: list[str]) -> str:
    """The name most records agree on (ignoring case), in its best-cased spelling."""
    counts: dict[str, int] = {}
    for n in names:
        counts[n.lower()] = counts.get(n.lower(), 0) + 1
    top = max(counts, key=lambda k: counts[k]) if counts else ""
    spellings = [n for n in names if n.lower() == top]
    mixed = [n for n in spellings if not n.isupper() and not n.islower()]
    return (mixed or spellings or [""])[0]


def band_meaning(band: str, status: str) -> str:
    """What the band of a possible duplicate means, and why it is still in the queue."""
    if band == "auto":
        note = (
            "Auto-link: scored above the auto-link threshold (Settings → Matching), so almost "
            "certainly one person — even at 1.000. Nothing is merged on its own: a merge picks "
            "the values that survive and asks the CRM to merge its copies, so it waits for you."
        )
    elif band == "review":
        note = (
            "Review: a close call between the review and auto-link thresholds. Compare the "
            "records before you merge; press Not a duplicate if they are different people."
        )
    else:
        note = ""
    if status == "skipped":
        note += " You skipped this one earlier."
    return note.strip()


class ClusterDetailPane(QWidget):
    """Shows one ``ClusterDetail`` and the admin's picks (``overrides``: field -> record
    key); the action buttons only ask, the review queue carries the actions out."""

    merge_requested = Signal()
    not_duplicate_requested = Signal()
    skip_requested = Signal()
    status_message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail: ClusterDetail | None = None
        self.overrides: dict[str, str] = {}
        v = QVBoxLayout(self)
        v.setContentsMargins(8, 0, 0, 0)
        head = QHBoxLayout()
        self.band_icon = QLabel()
        self.title = QLabel("Select a possible duplicate on the left")
        self.title.setObjectName("SectionTitle")
        self.title.setWordWrap(True)
        head.addWidget(self.band_icon)
        head.addWidget(self.title, 1)
        v.addLayout(head)
        self.band_note = QLabel()  # what the band means, in words (Auto-link still waits)
        self.band_note.setObjectName("Muted")
        self.band_note.setWordWrap(True)
        v.addWidget(self.band_note)
        self.reasons = QLabel()
        self.reasons.setWordWrap(True)
        self.reasons.setObjectName("match_reasons")
        v.addWidget(self.reasons)
        self.compare = ComparisonModel(self)
        self.compare_view = read_only_table("duplicates_compare")
        self.compare_view.setModel(self.compare)
        self.compare_view.verticalHeader().show()
        self.compare_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.compare_view.setWordWrap(True)
        self.compare_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.compare_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.compare_view.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideRight)
        self.compare_view.clicked.connect(self._pick)
        v.addWidget(self.compare_view, 1)
        hint = QLabel(
            "Highlighted rows differ between records. Click a value to keep it; "
            "a ✓ marks the value that will survive. An opt-out always survives."
        )
        hint.setObjectName("Muted")
        hint.setWordWrap(True)
        v.addWidget(hint)
        buttons = QHBoxLayout()
        self.merge_button = QPushButton(icon("mdi6.call-merge"), "Merge  (Ctrl+M)")
        self.not_dup_button = QPushButton(
            icon("mdi6.account-multiple-remove-outline"), "Not a duplicate  (Ctrl+N)"
        )
        self.skip_button = QPushButton(icon("mdi6.skip-next-outline"), "Skip  (Ctrl+K)")
        self.reset_button = QPushButton(icon("mdi6.restore"), "Reset picks")
        self.merge_button.setObjectName("Primary")
        for b in (self.merge_button, self.not_dup_button, self.skip_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.reset_button)
        v.addLayout(buttons)
        self.merge_button.clicked.connect(self.merge_requested)
        self.not_dup_button.clicked.connect(self.not_duplicate_requested)
        self.skip_button.clicked.connect(self.skip_requested)
        self.reset_button.clicked.connect(self._reset_picks)
        self.set_actions_enabled(False)

    def show_cluster(self, detail: ClusterDetail) -> None:
        """Show ``detail`` with the values the rules keep (earlier picks are dropped)."""
        self.detail, self.overrides = detail, {}
        status, label = BAND_STATUS.get(detail.band, (Status.UNKNOWN, detail.band))
        self.band_icon.setPixmap(icon(STATUS_ICONS[status], status_colour(status)).pixmap(22, 22))
        names = _best_name([r.display_name for r in detail.records])
        self.title.setText(
            f"{label} · score {detail.score:.3f} · {len(detail.records)} records · {names}"
        )
        self.band_note.setText(band_meaning(detail.band, detail.status))
        by_id = {r.id: r for r in detail.records}
        every: list[str] = []
        for p in detail.pairs:
            a, b = by_id.get(p.a), by_id.get(p.b)
            if a and b:
                every.append(
                    f"• {a.system_label} {a.external_id} ↔ {b.system_label} {b.external_id} "
                    f"({p.score:.3f}): {p.reasons}"
                )
        # two pairs leave the compare grid room at 720 px; the rest are one hover away
        more = len(every) - _PAIRS_SHOWN
        self.reasons.setText(
            "\n".join(every[:_PAIRS_SHOWN])
            + (f"\n… and {more} more pairs (hover to read them)" if more > 0 else "")
        )
        self.reasons.setToolTip("\n".join(every) if more > 0 else "")
        self.compare.set_cluster(detail.records, self._golden())
        self._keeps_first(len(detail.records))
        self._size_compare_columns(len(detail.records))

    def _keeps_first(self, records: int) -> None:
        """Show "Keeps" and "From" right after the field names, so the value that survives
        is in view however many records scroll sideways beside it."""
        hh = self.compare_view.horizontalHeader()
        for visual, logical in enumerate((records, records + 1)):
            hh.moveSection(hh.visualIndex(logical), visual)

    def _size_compare_columns(self, records: int, width: int | None = None) -> None:
        """Record and "Keeps" columns share the width while each stays readable; a big
        cluster (7 records of one person) scrolls sideways instead of eliding every
        value to "z…m"."""
        hh = self.compare_view.horizontalHeader()
        if width is None:
            width = self.compare_view.viewport().width()
        room = width - _SOURCE_COLUMN_WIDTH
        if room / (records + 1) >= _MIN_VALUE_WIDTH:
            hh.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        else:
            hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            for column in range(records + 1):
                hh.resizeSection(column, _MIN_VALUE_WIDTH)
        hh.setSectionResizeMode(records + 1, QHeaderView.ResizeMode.Interactive)
        hh.resizeSection(records + 1, _SOURCE_COLUMN_WIDTH)

    def _golden(self) -> Golden:
        assert self.detail is not None
        return propose(source_records(self.detail.records), self.overrides)

    def _pick(self, index: QModelIndex) -> None:
        if (
            self.detail is None
            or not index.isValid()
            or index.column() >= len(self.compare.records)
        ):
            return
        field = self.compare.fields[index.row()]
        rec = self.compare.records[index.column()]
        if not rec.fields.get(field, ""):
            return
        self.pick(field, str(rec.id))

    def pick(self, field: str, record_key: str) -> None:
        """Keep ``field`` from the record ``record_key`` (admin override)."""
        self.overrides[field] = record_key
        golden = self._golden()
        self.compare.set_golden(golden)
        choice = golden.fields.get(field)
        if choice is not None and choice.source != record_key:
            self.status_message.emit("An opt-out always survives a merge; that value was kept.")

    def _reset_picks(self) -> None:
        if self.detail is not None:
            self.overrides = {}
            self.compare.set_golden(self._golden())

    def clear(self) -> None:
        """Show no cluster."""
        self.detail = None
        self.title.setText("Select a possible duplicate on the left")
        self.band_icon.clear()
        self.band_note.clear()
        self.reasons.clear()
        self.compare.set_cluster([], Golden())

    def set_actions_enabled(self, enabled: bool) -> None:
        """Enable or disable Merge, Not a duplicate, Skip and Reset picks."""
        for b in (self.merge_button, self.not_dup_button, self.skip_button, self.reset_button):
            b.setEnabled(enabled)
