"""Segments screen: every marketing segment with its member count; the editor on the
right (``segments_editor``) changes a built-in segment's numbers or builds a custom rule,
and the screen shows the live count and a sample of members while you edit (evaluated in
a worker, a moment after the last change)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.segments.errors import SegmentError
from app.segments.evaluate import Evaluation
from app.segments.fields import describe
from app.segments.model import CUSTOM, KINDS, Condition, SegmentDef
from app.segments.service import Loaded, SegmentService
from app.store import Store
from app.ui.icons import icon
from app.ui.models.segments_model import FrameModel, SegmentRowView, SegmentsTableModel
from app.ui.screens.segments_editor import SegmentEditor
from app.ui.widgets import ScreenHeader, sortable_table
from app.ui.workers import run_in_background

SAMPLE_ROWS = 50
SAMPLE_COLUMNS = {
    "customer_id": "DMS no.",
    "first_name": "First name",
    "last_name": "Last name",
    "email": "E-mail",
    "phone": "Mobile",
    "vehicle_year": "Year",
    "vehicle_make": "Make",
    "vehicle_model": "Model",
    "lease_end_date": "Lease ends",
    "equity": "Equity $",
    "equity_source": "Value from",
    "declined_work": "Declined work",
    "warranty_end_date": "Coverage ends",
    "warranty_coverage": "Coverage",
    "last_service_date": "Last service",
    "sale_date": "Sold",
}
DEBOUNCE_MS = 300


def rule_text(seg: SegmentDef) -> str:
    if seg.kind == CUSTOM:
        return " and ".join(describe(c) for c in seg.conditions) or "no condition yet"
    kind = KINDS[seg.kind]
    parts = [
        f"{p.label.split(' (')[0].lower()} {seg.param(p.name):,g}"
        for p in kind.params
        if p.name != "months_ahead" or seg.param(p.name)
    ]
    parts += [f"{k} {seg.param(k)}" for k in kind.text_params if seg.param(k) != "any"]
    return f"{kind.label}: " + ", ".join(parts) if parts else kind.label


def count_all(service: SegmentService, loaded: Loaded) -> list[SegmentRowView]:
    """Runs in a worker."""
    return [
        SegmentRowView(seg.name, rule_text(seg), seg.channel, n, problem)
        for seg, n, problem in service.counts(loaded)
    ]


class SegmentsScreen(QWidget):
    status_message = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.service = SegmentService(store)
        self.loaded: Loaded | None = None
        self.busy = False
        self.again = False
        self.last: Evaluation | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(
            ScreenHeader(
                "Segments",
                "Marketing audiences from DMS data. Opt-outs always win: consent is checked per "
                "channel before anyone reaches a list.",
            )
        )
        tools = QHBoxLayout()
        self.new_button = QPushButton(icon("mdi6.plus"), "New custom segment")
        self.save_button = QPushButton(icon("mdi6.content-save"), "Save")
        self.export_button = QPushButton(icon("mdi6.file-delimited-outline"), "Export CSV…")
        self.refresh_button = QPushButton(icon("mdi6.refresh"), "Reload data")
        for b in (self.new_button, self.save_button, self.export_button):
            tools.addWidget(b)
        tools.addStretch(1)
        self.source_label = QLabel("Reading the DMS…")
        self.source_label.setObjectName("Muted")
        tools.addWidget(self.source_label)
        tools.addWidget(self.refresh_button)
        layout.addLayout(tools)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.model = SegmentsTableModel()
        self.proxy, self.table = sortable_table(self.model, self, "SegmentsTable")
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in (0, 2, 3):
            self.table.horizontalHeader().setSectionResizeMode(
                col, QHeaderView.ResizeMode.ResizeToContents
            )
        split.addWidget(self.table)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(8, 0, 0, 0)
        self.editor = SegmentEditor()
        rl.addWidget(self.editor)
        self.count_label = QLabel("—")
        self.count_label.setObjectName("LiveCount")
        self.count_label.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.count_note = QLabel("")
        self.count_note.setObjectName("Muted")
        self.count_note.setWordWrap(True)
        rl.addWidget(self.count_label)
        rl.addWidget(self.count_note)
        self.sample = FrameModel()
        self.sample_view = QTableView()
        self.sample_view.setObjectName("SegmentSample")
        self.sample_view.setModel(self.sample)
        self.sample_view.verticalHeader().hide()
        self.sample_view.setAlternatingRowColors(True)
        self.sample_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        rl.addWidget(self.sample_view, 1)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        layout.addWidget(split, 1)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.recount)
        self.editor.changed.connect(self.timer.start)
        self.table.selectionModel().currentRowChanged.connect(self._picked)
        self.new_button.clicked.connect(self.new_custom)
        self.save_button.clicked.connect(self.save)
        self.export_button.clicked.connect(self.export)
        self.refresh_button.clicked.connect(self.reload)
        self._loaded_once = False

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._loaded_once:
            self._loaded_once = True
            self.reload()

    # -- data --------------------------------------------------------------------------
    def reload(self) -> None:
        self.source_label.setText("Reading the DMS…")
        self.model.set_rows(
            [SegmentRowView(s.name, rule_text(s), s.channel, None) for s in self.service.list()]
        )
        run_in_background(
            self.service.load, on_success=self._got_data, on_failure=self._no_data, owner=self
        )

    def _got_data(self, loaded: Loaded) -> None:
        self.loaded = loaded
        n = len(loaded.data.customers)
        self.source_label.setText(f"{n:,} DMS customers · as of {loaded.data.today:%Y-%m-%d}")
        run_in_background(count_all, self.service, loaded, on_success=self._got_counts, owner=self)

    def _no_data(self, message: str) -> None:
        self.source_label.setText(message)
        self.count_label.setText("No data")
        self.count_note.setText(message)

    def _got_counts(self, rows: list[SegmentRowView]) -> None:
        current = self.editor.original
        self.model.set_rows(rows)
        self.select(current or (rows[0].name if rows else ""))

    def select(self, name: str) -> None:
        for r, row in enumerate(self.model.rows):
            if row.name == name:
                index = self.proxy.mapFromSource(self.model.index(r, 0))
                self.table.setCurrentIndex(index)
                self.table.selectRow(index.row())
                return

    def _picked(self, current: Any, _previous: Any) -> None:
        if not current.isValid():
            return
        name = self.model.rows[self.proxy.mapToSource(current).row()].name
        try:
            self.editor.load(self.service.get(name))
        except SegmentError as exc:
            self.status_message.emit(str(exc))

    # -- live count --------------------------------------------------------------------
    def recount(self) -> None:
        problems = self.editor.problems()
        if problems:
            self.count_label.setText("—")
            self.count_note.setText(" ".join(problems))
            return
        if self.loaded is None:
            return
        if self.busy:  # one evaluation at a time; the newest draft runs next
            self.again = True
            return
        self.busy = True
        self.count_note.setText("Counting…")
        run_in_background(
            self.service.evaluate,
            self.editor.draft(),
            self.loaded,
            on_success=self._counted,
            on_failure=self._count_failed,
            owner=self,
        )

    def _finish(self) -> None:
        self.busy = False
        if self.again:
            self.again = False
            self.recount()

    def _counted(self, ev: Evaluation) -> None:
        self.last = ev
        self.count_label.setText(f"{ev.count:,} members")
        notes = list(ev.notes)
        if ev.count:
            notes.append(
                f"Showing {min(ev.count, SAMPLE_ROWS)} of them; consent is checked "
                "when the list is synced or exported."
            )
        self.count_note.setText(" ".join(notes))
        members = ev.members.head(SAMPLE_ROWS)
        cols = [
            c
            for c in SAMPLE_COLUMNS
            if c in members.columns
            and (
                c in ("customer_id", "first_name", "last_name", "email")
                or members[c].astype(str).ne("").any()
            )
        ]
        self.sample.set_frame(members[cols], SAMPLE_COLUMNS)
        self._finish()

    def _count_failed(self, message: str) -> None:
        self.count_label.setText("—")
        self.count_note.setText(message)
        self.sample.set_frame(self.sample.frame.iloc[:0], SAMPLE_COLUMNS)
        self._finish()

    # -- actions -----------------------------------------------------------------------
    def new_custom(self) -> None:
        names = {r.name for r in self.model.rows}
        n = 1
        while f"Custom segment {n}" in names:
            n += 1
        self.editor.load(
            SegmentDef(f"Custom segment {n}", CUSTOM, conditions=(Condition("make", "eq", ""),))
        )
        self.editor.original = ""

    def save(self) -> None:
        problems = self.editor.problems()
        if problems:
            self.status_message.emit(" ".join(problems))
            return
        try:
            saved = self.service.save(self.editor.draft(), old_name=self.editor.original)
        except SegmentError as exc:
            self.count_note.setText(str(exc))
            return
        self.editor.original = saved.name
        self.status_message.emit(f"Saved segment '{saved.name}'.")
        if self.loaded is not None:
            self._got_data(self.loaded)

    def export(self, path: str | None = None) -> None:
        if self.loaded is None:
            return
        seg = self.editor.draft()
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self, "Export segment", f"{seg.name}.csv", "CSV files (*.csv)"
            )
        if not path:
            return
        try:
            rows, left = self.service.export(seg, self.loaded, Path(path))
        except SegmentError as exc:
            self.count_note.setText(str(exc))
            return
        left_out = sum(left.values())
        self.status_message.emit(
            f"{rows:,} members written to {path}; {left_out:,} left out for consent."
        )


__all__ = ["SegmentsScreen"]
