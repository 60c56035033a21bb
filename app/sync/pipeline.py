"""Deliver while reading: batches (and the cursor checkpoints between chunks) go to one
worker thread in order, so the next chunk is mapped while the last one is on the wire.

Order is what keeps the guarantees: a chunk's checkpoint (advancing the cursor) runs only
after every batch submitted before it has been acknowledged; after the first failure
nothing further runs and the error is raised to the run."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from app.sync.errors import RunCancelledError
from app.sync.progress import CancelToken

_STOP = object()


class DeliveryPipeline:
    def __init__(self, depth: int = 4, cancel: CancelToken | None = None) -> None:
        self._cancel = cancel
        self._jobs: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="delivery", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            if self._error is None and self._cancel is not None and self._cancel.cancelled:
                self._error = RunCancelledError("Cancelled by the user.")
            if self._error is not None:
                continue  # after a failure or Cancel, later jobs (and checkpoints) are dropped
            try:
                job()  # type: ignore[operator]
            except BaseException as exc:  # noqa: BLE001 — handed to the run's thread
                self._error = exc

    def submit(self, job: Callable[[], None]) -> None:
        """Queue a job (blocks while ``depth`` jobs wait: back-pressure on the reader)."""
        self.raise_if_failed()
        self._jobs.put(job)

    def raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def finish(self) -> None:
        """Wait for every queued job, stop the worker, and raise its first error."""
        self._jobs.put(_STOP)
        self._thread.join()
        self.raise_if_failed()
