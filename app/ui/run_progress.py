"""A progress bar with counts, ETA and a Cancel button for one sync run."""

from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from app.sync.progress import CancelToken, Progress
from app.ui.icons import icon


def progress_text(p: Progress) -> str:
    """'1,200 of 48,000 records · 830/s · about 43 s left · 12 new · 3 updated · 0 failed'."""
    of = f" of {p.total:,}" if p.total else ""
    parts = [f"{p.done:,}{of} records"]
    if p.rate >= 1:
        parts.append(f"{p.rate:,.0f}/s")
    if p.eta_s is not None:
        parts.append(f"about {p.eta_s:,.0f} s left")
    parts += [f"{p.created:,} new", f"{p.updated:,} updated", f"{p.failed + p.parked:,} failed"]
    return " · ".join(parts)


def throttled(emit, every_s: float = 0.15):
    """A progress callback for the engine (worker thread) that emits at most ~7 times a
    second, always the last one."""
    last = [0.0]

    def callback(p: Progress) -> None:
        now = time.monotonic()
        if p.phase != "done" and now - last[0] < every_s:
            return
        last[0] = now
        emit(p.done, p.total or 0, progress_text(p))

    return callback


class RunProgress(QWidget):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.token: CancelToken | None = None
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 4, 0, 4)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: 600;")
        row = QHBoxLayout()
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(10)
        self.cancel_button = QPushButton(icon("mdi6.stop-circle-outline"), "Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        self.counts = QLabel("Starting…")
        self.counts.setObjectName("Muted")
        v.addWidget(self.title)
        v.addLayout(row)
        v.addWidget(self.counts)

    def begin(self, title: str, token: CancelToken) -> None:
        self.token = token
        self.title.setText(title)
        self.counts.setText("Starting…")
        self.bar.setRange(0, 0)  # busy until the source says how many
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel")
        self.show()

    def update_progress(self, done: int, total: int, text: str) -> None:
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        self.counts.setText(text)

    def cancel(self) -> None:
        if self.token is not None:
            self.token.cancel()
            self.cancel_button.setEnabled(False)
            self.cancel_button.setText("Stopping…")
            self.counts.setText(
                self.counts.text()
                + " — stopping after the current batch; nothing is left half-sent"
            )
            self.cancel_requested.emit()

    def finish(self) -> None:
        self.token = None
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.hide()
