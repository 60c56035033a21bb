"""The window's scheduler: a ``FlowScheduler`` (role "window") plus the alert monitor,
reporting through Qt signals (they arrive on the GUI thread whatever thread emitted)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.alerts.monitor import AlertMonitor
from app.scheduling.scheduler import FlowScheduler
from app.store import Store
from app.sync.engine import RunSummary
from app.ui.workers import run_in_background


class SchedulerBridge(QObject):
    # (title, message, kind "problem" | "resolved") — connect to TrayIcon.showMessage
    notify = Signal(str, str, str)
    run_finished = Signal(object)  # RunSummary of a scheduled run
    status_changed = Signal(str)  # plain words: who runs the schedule

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.alerts = AlertMonitor(store, tray=self._tray)
        self.scheduler = FlowScheduler(
            store, role="window", on_run_finished=self._finished, after_tick=self._tick
        )

    def _tray(self, title: str, message: str, kind: str) -> None:
        self.notify.emit(title, message, kind)

    def _finished(self, summary: RunSummary) -> None:
        self.run_finished.emit(summary)

    def _tick(self) -> None:
        self.alerts.check()
        self.status_changed.emit(self.scheduler.describe_status())

    def start(self) -> None:
        """Start in the background (taking the scheduler lock touches the disk)."""
        run_in_background(
            self.scheduler.start,
            on_success=self._started,
        )

    def _started(self, _status: str) -> None:
        self.status_changed.emit(self.scheduler.describe_status())

    def stop(self) -> None:
        """Call when the application quits; running syncs stop at a safe point."""
        self.scheduler.stop(wait=True)

    def refresh(self) -> None:
        """Call after a schedule was saved."""
        run_in_background(self.scheduler.refresh)
