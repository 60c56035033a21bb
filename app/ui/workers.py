"""Background work for the UI: a callable runs in the global QThreadPool and answers only
through Qt signals, so nothing blocks the window (DESIGN.md §2 rule 2)."""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from app.errors import RooftopError

log = logging.getLogger(__name__)

# Running workers stay referenced here until they finish, so their signal object outlives
# whichever screen started them (a screen may close while its worker is still running).
_active: set[FunctionWorker] = set()
_active_lock = threading.Lock()


class WorkerSignals(QObject):
    succeeded = Signal(object)
    failed = Signal(str)
    progress = Signal(int, int, str)
    finished = Signal()


class FunctionWorker(QRunnable):
    """Runs ``fn(*args, progress=...)`` (progress only if ``wants_progress``) off the GUI
    thread. A ``RooftopError`` becomes a readable ``failed`` message; anything else is a bug:
    it is logged with its traceback and reported as failed too."""

    def __init__(self, fn: Callable[..., Any], *args: Any, wants_progress: bool = False) -> None:
        super().__init__()
        self.fn = fn
        self.args = args
        self.wants_progress = wants_progress
        self.signals = WorkerSignals()

    def _emit(self, signal: Any, *values: Any) -> None:
        try:
            signal.emit(*values)
        except RuntimeError:  # the app is shutting down and Qt already destroyed the object
            log.debug("Result of a background task dropped at shutdown")

    def run(self) -> None:
        try:
            kwargs = {"progress": self.signals.progress.emit} if self.wants_progress else {}
            result = self.fn(*self.args, **kwargs)
        except RooftopError as exc:
            self._emit(self.signals.failed, str(exc))
        except Exception as exc:  # noqa: BLE001 — a worker must always answer the UI
            log.error("Background task failed:\n%s", traceback.format_exc())
            message = f"Unexpected error: {exc}. Details are in the log file."
            self._emit(self.signals.failed, message)
        else:
            self._emit(self.signals.succeeded, result)
        finally:
            self._emit(self.signals.finished)
            with _active_lock:
                _active.discard(self)


def run_in_background(
    fn: Callable[..., Any],
    *args: Any,
    on_success: Callable[[Any], None] | None = None,
    on_failure: Callable[[str], None] | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> FunctionWorker:
    worker = FunctionWorker(fn, *args, wants_progress=on_progress is not None)
    if on_success:
        worker.signals.succeeded.connect(on_success)
    if on_failure:
        worker.signals.failed.connect(on_failure)
    if on_progress:
        worker.signals.progress.connect(on_progress)
    with _active_lock:
        _active.add(worker)
    QThreadPool.globalInstance().start(worker)
    return worker
