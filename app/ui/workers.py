"""Background work for the UI: a callable runs in the global QThreadPool and answers only
through Qt signals, so nothing blocks the window: the UI never does I/O on its own thread."""

from __future__ import annotations

import functools
import logging
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot

from app.errors import RooftopError

log = logging.getLogger(__name__)

# How often the GUI thread looks again whether a worker thread has left ``run`` before the
# worker's Qt objects are let go (they must die on the GUI thread, never on the worker's).
_RELEASE_POLL_MS = 20


class WorkerSignals(QObject):
    succeeded = Signal(object)
    failed = Signal(str)
    progress = Signal(int, int, str)
    finished = Signal()


class FunctionWorker(QRunnable):
    """Runs ``fn(*args, progress=...)`` (progress only if ``wants_progress``) off the GUI
    thread. A ``RooftopError`` becomes a readable ``failed`` message; anything else is a bug:
    it is logged with its traceback and reported as failed too."""

    def __init__(
        self,
        fn: Callable[..., Any],
        *args: Any,
        wants_progress: bool = False,
        signals: WorkerSignals | None = None,
    ) -> None:
        super().__init__()
        self.fn = fn
        self.args = args
        self.wants_progress = wants_progress
        self.signals = signals if signals is not None else WorkerSignals()
        # set as the last thing ``run`` does: only then may the GUI thread free the signals
        self.done = threading.Event()

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
            self.done.set()


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
        for owner in (self._owner, *_objects_of(callback)):
            if isinstance(owner, QObject) and not shiboken6.isValid(owner):
                log.debug("A background result arrived after its screen was closed")
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
        # let go on a later turn of the event loop, not while Qt is inside our slot
        QTimer.singleShot(0, self._release)

    def _release(self) -> None:
        """Drop the relay (and with it the worker's signals, its children) on the GUI
        thread, once the worker thread has left ``run``: a QObject freed on a thread it does
        not live in, or while that thread still emits from it, can crash the process."""
        worker = self.worker
        if worker is not None and not worker.done.is_set():
            QTimer.singleShot(_RELEASE_POLL_MS, self._release)
            return
        _relays.discard(self)


def _objects_of(callback: Callable[..., Any]) -> Iterator[Any]:
    """The objects a callback acts on: a bound method's instance, a partial's function and
    arguments, and what a lambda's closure holds (``lambda d: self._loaded(days, d)``)."""
    if isinstance(callback, functools.partial):
        yield from _objects_of(callback.func)
        yield from callback.args
        return
    yield getattr(callback, "__self__", None)
    for cell in getattr(callback, "__closure__", None) or ():
        try:
            yield cell.cell_contents
        except ValueError:  # an empty cell
            continue


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
    relay = _Relay(on_success, on_failure, on_progress, owner)
    # the relay is the signals' parent: Qt frees them with it, on the GUI thread, whichever
    # thread drops the last Python reference to the worker
    signals = WorkerSignals(relay)
    worker = FunctionWorker(fn, *args, wants_progress=on_progress is not None, signals=signals)
    relay.worker = worker  # the worker (and its signals) live as long as the relay
    _relays.add(relay)
    queued = Qt.ConnectionType.QueuedConnection
    worker.signals.succeeded.connect(relay.succeeded, queued)
    worker.signals.failed.connect(relay.failed, queued)
    worker.signals.progress.connect(relay.progress, queued)
    worker.signals.finished.connect(relay.finished, queued)
    QThreadPool.globalInstance().start(worker)
    return worker
