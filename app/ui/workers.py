"""Background work for the UI: a callable runs in the global QThreadPool and answers only
through Qt signals, so nothing blocks the window: the UI never does I/O on its own thread."""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot

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


class _Relay(QObject):
    """Lives in the GUI thread and calls the caller's callbacks there. Qt queues each
    answer to it, and it stays referenced until the last one was delivered, so an answer
    is never lost when the worker is collected first (plain lambdas connected straight to
    the worker's signals were, under load)."""

    def __init__(
        self,
        on_success: Callable[[Any], None] | None,
        on_failure: Callable[[str], None] | None,
        on_progress: Callable[[int, int, str], None] | None,
        owner: QObject | None = None,
    ) -> None:
        super().__init__()
        self._success, self._failure, self._progress = on_success, on_failure, on_progress
        self._owner = owner
        self.worker: FunctionWorker | None = None

    def _deliver(self, callback: Callable[..., None] | None, *values: Any) -> None:
        """Call back, unless the widget it belongs to was closed meanwhile."""
        if callback is None:
            return
        for owner in (self._owner, getattr(callback, "__self__", None)):
            if isinstance(owner, QObject) and not shiboken6.isValid(owner):
                return
        try:
            callback(*values)
        except RuntimeError as exc:
            if "already deleted" not in str(exc):
                raise
            log.debug("A background result arrived after its screen was closed")

    @Slot(object)
    def succeeded(self, value: Any) -> None:
        self._deliver(self._success, value)

    @Slot(str)
    def failed(self, message: str) -> None:
        self._deliver(self._failure, message)

    @Slot(int, int, str)
    def progress(self, done: int, total: int, message: str) -> None:
        self._deliver(self._progress, done, total, message)

    @Slot()
    def finished(self) -> None:
        # let go on the next turn of the event loop, not while Qt is inside our slot
        QTimer.singleShot(0, lambda: _relays.discard(self))


_relays: set[_Relay] = set()


def run_in_background(
    fn: Callable[..., Any],
    *args: Any,
    on_success: Callable[[Any], None] | None = None,
    on_failure: Callable[[str], None] | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
    owner: QObject | None = None,
) -> FunctionWorker:
    """Run ``fn(*args)`` on the thread pool; the callbacks run on the GUI thread, and are
    skipped once ``owner`` (or the object a callback belongs to) has been deleted."""
    worker = FunctionWorker(fn, *args, wants_progress=on_progress is not None)
    relay = _Relay(on_success, on_failure, on_progress, owner)
    relay.worker = worker  # the worker (and its signals) live as long as the relay
    _relays.add(relay)
    queued = Qt.ConnectionType.QueuedConnection
    worker.signals.succeeded.connect(relay.succeeded, queued)
    worker.signals.failed.connect(relay.failed, queued)
    worker.signals.progress.connect(relay.progress, queued)
    worker.signals.finished.connect(relay.finished, queued)
    with _active_lock:
        _active.add(worker)
    QThreadPool.globalInstance().start(worker)
    return worker
