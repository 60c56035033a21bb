"""Long work the window started (a sync, a date-range re-sync), in one place: a row per job
under the screens — what it is, a bar with the percentage, the count, the time left and a
Cancel button — and one line for the status bar. The work itself runs in a worker thread;
this only shows it, so the window stays usable meanwhile."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.sync.progress import CancelToken
from app.ui.icons import icon


def time_left(seconds: float | None) -> str:
    """'about 40 s left', 'about 3 min left', 'about 1 h 5 min left', or ''."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"about {max(1, round(seconds))} s left"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} min left"
    return f"about {minutes // 60} h {minutes % 60} min left"


@dataclass
class Job:
    """One piece of long work the window shows."""

    id: int
    title: str
    token: CancelToken | None
    done: int = 0
    total: int = 0
    detail: str = ""
    started: float = field(default_factory=time.monotonic)
    cancelling: bool = False

    @property
    def percent(self) -> int | None:
        return min(100, self.done * 100 // self.total) if self.total else None

    @property
    def eta_s(self) -> float | None:
        elapsed = time.monotonic() - self.started
        if not self.total or not self.done or elapsed <= 0:
            return None
        return max(0.0, (self.total - self.done) * elapsed / self.done)

    def count_text(self) -> str:
        """'1,200 of 5,891 records (20 %)'."""
        if not self.total:
            return f"{self.done:,} records" if self.done else "Starting…"
        return f"{self.done:,} of {self.total:,} records ({self.percent} %)"

    def line(self) -> str:
        """The job in one line: title, count, percentage, time left."""
        parts = [self.title, self.count_text()]
        if self.cancelling:
            parts.append("stopping after the current batch")
        elif left := time_left(self.eta_s):
            parts.append(left)
        return " · ".join(parts)


class Jobs(QObject):
    """The jobs running now (GUI thread only: workers report through their signals)."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)

    def start(self, title: str, token: CancelToken | None = None) -> Job:
        job = Job(next(self._ids), title, token)
        self._jobs[job.id] = job
        self.changed.emit()
        return job

    def update(self, job: Job, done: int, total: int, detail: str = "") -> None:
        job.done, job.total, job.detail = done, total or job.total, detail
        if job.id in self._jobs:
            self.changed.emit()

    def cancel(self, job: Job) -> None:
        if job.token is not None and not job.cancelling:
            job.token.cancel()
            job.cancelling = True
            self.changed.emit()

    def finish(self, job: Job) -> None:
        if self._jobs.pop(job.id, None) is not None:
            self.changed.emit()

    def running(self) -> list[Job]:
        return list(self._jobs.values())

    def status_line(self) -> str:
        """For the status bar: the first job's line (and how many more), or none running."""
        running = self.running()
        if not running:
            return "No sync running"
        more = f" (+{len(running) - 1} more)" if len(running) > 1 else ""
        return running[0].line() + more


_JOBS: Jobs | None = None


def jobs() -> Jobs:
    """The application's jobs (made on first use, in the GUI thread)."""
    global _JOBS
    if _JOBS is None:
        _JOBS = Jobs()
    return _JOBS


class _JobRow(QWidget):
    def __init__(self, registry: Jobs, job: Job) -> None:
        super().__init__()
        self.job = job
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(job.title)
        self.title.setStyleSheet("font-weight: 600;")
        self.bar = QProgressBar()
        self.bar.setMinimumWidth(160)
        self.bar.setMaximumWidth(320)
        self.bar.setFormat("%p %")
        self.count = QLabel()
        self.count.setObjectName("job_count")
        self.cancel_button = QPushButton(icon("mdi6.stop-circle-outline"), "Cancel")
        self.cancel_button.setObjectName("job_cancel")
        self.cancel_button.setToolTip("Stop after the current batch; nothing is left half-sent")
        self.cancel_button.setVisible(job.token is not None)
        self.cancel_button.clicked.connect(lambda: registry.cancel(job))
        row.addWidget(self.title)
        row.addWidget(self.bar, 1)
        row.addWidget(self.count, 2)
        row.addWidget(self.cancel_button)
        self.refresh()

    def refresh(self) -> None:
        job = self.job
        if job.percent is None:
            self.bar.setRange(0, 0)  # busy until the source says how many
        else:
            self.bar.setRange(0, 100)
            self.bar.setValue(job.percent)
        left = "stopping after the current batch" if job.cancelling else time_left(job.eta_s)
        self.count.setText(" · ".join(p for p in (job.count_text(), left) if p))
        self.cancel_button.setEnabled(not job.cancelling)
        self.cancel_button.setText("Stopping…" if job.cancelling else "Cancel")


class JobsPanel(QFrame):
    """A row per running job, under the screens; hidden while nothing runs."""

    def __init__(self, registry: Jobs | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("JobsPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.registry = registry or jobs()
        self.rows: dict[int, _JobRow] = {}
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(10, 6, 10, 6)
        self.registry.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        running = {j.id: j for j in self.registry.running()}
        for job_id in [i for i in self.rows if i not in running]:
            self.rows.pop(job_id).deleteLater()
        for job_id, job in running.items():
            if job_id not in self.rows:
                self.rows[job_id] = _JobRow(self.registry, job)
                self.column.addWidget(self.rows[job_id])
            self.rows[job_id].refresh()
        self.setVisible(bool(running))
