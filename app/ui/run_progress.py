"""A progress bar with counts, percentage, time left and a Cancel button for one sync run;
the run also shows as a job in the window's jobs panel and status bar (``app.ui.jobs``)."""

from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from app.sync.progress import CancelToken, Progress
from app.ui.icons import icon
from app.ui.jobs import Job, jobs, time_left


def progress_text(p: Progress) -> str:
    """'1,200 of 48,000 records (2 %) · 830/s · about 1 min left · 12 new · 3 updated ·
    0 failed'."""
    of = f" of {p.total:,}" if p.total else ""
    share = f" ({min(100, p.done * 100 // p.total)} %)" if p.total else ""
    parts = [f"{p.done:,}{of} records{share}"]
    if p.rate >= 1:
        parts.append(f"{p.rate:,.0f}/s")
    if p.eta_s is not None:
        parts.append(time_left(p.eta_s))
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
        self.job: Job | None = None
        jobs().changed.connect(self._job_changed)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 4, 0, 4)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: 600;")
        row = QHBoxLayout()
        self.bar = QProgressBar()
        self.bar.setFormat("%p %")
        self.cancel_button = QPushButton(icon("mdi6.stop-circle-outline"), "Cancel")
        self.cancel_button.setMinimumWidth(110)
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
        if self.job is not None:
            jobs().finish(self.job)
        self.job = jobs().start(title.rstrip("…"), token)
        self.show()

    def update_progress(self, done: int, total: int, text: str) -> None:
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        self.counts.setText(text)
        if self.job is not None:
            jobs().update(self.job, done, total, text)

    def _job_changed(self) -> None:
        """Cancelled from the jobs panel: say so here too."""
        if self.job is not None and self.job.cancelling and self.cancel_button.isEnabled():
            self.cancel()

    def cancel(self) -> None:
        if self.token is not None:
            self.token.cancel()
            self.cancel_button.setEnabled(False)
            self.cancel_button.setText("Stopping…")
            self.counts.setText(
                self.counts.text()
                + " — stopping after the current batch; nothing is left half-sent"
            )
            if self.job is not None:
                jobs().cancel(self.job)
            self.cancel_requested.emit()

    def finish(self) -> None:
        self.token = None
        if self.job is not None:
            jobs().finish(self.job)
            self.job = None
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.hide()
