"""Preview data: read a few records of one stream with the settings in the editor, before
any flow is built on them. Reads in the background; an error says who refused what."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import RooftopError
from app.services.preview import Preview, parse_since
from app.ui.icons import icon
from app.ui.models.preview_model import PreviewTableModel
from app.ui.theme import STATUS_ICONS, Status, status_colour
from app.ui.workers import run_in_background

Reader = Callable[[str, int, str | None], Preview]


class PreviewDialog(QDialog):
    """``read(stream, limit, since)`` does the reading (a service call, run off the GUI
    thread); ``streams`` are the readable streams, ``timed`` those that filter by time."""

    def __init__(
        self,
        title: str,
        streams: list[str],
        timed: set[str],
        read: Reader,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.read = read
        self.timed = timed
        self.setWindowTitle(f"Preview data — {title}")
        self.resize(980, 560)
        outer = QVBoxLayout(self)
        controls = QHBoxLayout()
        self.stream = QComboBox()
        self.stream.setObjectName("preview_stream")
        self.stream.addItems(streams)
        self.limit = QSpinBox()
        self.limit.setRange(1, 1000)
        self.limit.setValue(10)
        self.since = QLineEdit()
        self.since.setPlaceholderText("changed since (optional), e.g. 2026-02-09T08:00:00Z")
        self.read_button = QPushButton(icon("mdi6.table-eye"), "Read")
        self.read_button.setObjectName("preview_read")
        self.read_button.clicked.connect(self.start)
        controls.addWidget(QLabel("Stream"))
        controls.addWidget(self.stream)
        controls.addWidget(QLabel("At most"))
        controls.addWidget(self.limit)
        controls.addWidget(self.since, 1)
        controls.addWidget(self.read_button)
        outer.addLayout(controls)
        status = QHBoxLayout()
        self.status_icon = QLabel()
        self.status_label = QLabel("Pick a stream and press Read.")
        self.status_label.setObjectName("preview_status")
        self.status_label.setWordWrap(True)
        status.addWidget(self.status_icon)
        status.addWidget(self.status_label, 1)
        outer.addLayout(status)
        self.model = PreviewTableModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setMinimumSectionSize(60)
        outer.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        self.stream.currentTextChanged.connect(self._stream_changed)
        self._stream_changed(self.stream.currentText())

    def _stream_changed(self, name: str) -> None:
        self.since.setEnabled(name in self.timed)
        if name not in self.timed:
            self.since.clear()
            self.since.setPlaceholderText("this stream cannot be filtered by time")
        else:
            self.since.setPlaceholderText("changed since (optional), e.g. 2026-02-09T08:00:00Z")

    def start(self) -> None:
        since_text = self.since.text().strip()
        try:
            since = parse_since(since_text) if since_text else None
        except RooftopError as exc:
            self._show(Status.ERROR, str(exc))
            return
        stream, limit = self.stream.currentText(), self.limit.value()
        self.read_button.setEnabled(False)
        self._show(Status.RUNNING, f"Reading up to {limit} {stream} records…")
        run_in_background(
            self.read,
            stream,
            limit,
            since,
            on_success=self._done,
            on_failure=self._failed,
            owner=self,
        )

    def _done(self, preview: Any) -> None:
        self.read_button.setEnabled(True)
        self.model.set_records(preview.columns, preview.rows)
        self.table.resizeColumnsToContents()
        for column in range(self.model.columnCount()):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), 260))
        count = len(preview.rows)
        self._show(
            Status.OK,
            f"{count} record(s) of {preview.stream}, {len(preview.columns)} fields each."
            if count
            else f"The {preview.stream} stream has no records"
            + (" changed since then." if self.since.text().strip() else "."),
        )

    def _failed(self, message: str) -> None:
        self.read_button.setEnabled(True)
        self._show(Status.ERROR, message)

    def _show(self, status: Status, text: str) -> None:
        colour = status_colour(status)
        self.status_icon.setPixmap(icon(STATUS_ICONS[status], colour).pixmap(18, 18))
        self.status_label.setText(text)
        self.status_label.setStyleSheet(f"color: {colour.name()};")
