"""Deliver while reading, and record while delivering: two worker threads in a row.

The run's thread maps a chunk and queues its jobs; the *sender* thread runs them in order
(a batch on the wire); what a job returns — the store work for that batch — goes to the
*store writer* thread, also in order. So the next chunk is mapped, this batch is sent and
the last batch's outcomes are written all at once (SQLite and the socket both let go of
the GIL while they wait). The writer runs the store work that has piled up in one
transaction: a commit per 100-record batch cost as much as the rows themselves.

Order is what keeps the guarantees: a chunk's checkpoint (advancing the cursor) is a store
job queued behind the store work of every batch before it — committed with it or after
it — so the cursor never passes a record whose acknowledgement is not stored. After a send
fails, nothing more is sent but the store work of the batches already acknowledged is
still written; after the store fails, everything stops. The first error is raised to the
run."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy.orm import Session

from app.sync.errors import RunCancelledError
from app.sync.progress import CancelToken

StoreJob = Callable[[Session], None]
SendJob = Callable[[], StoreJob | None]
SessionFactory = Callable[[], AbstractContextManager[Session]]
_STOP = object()
_MAX_GROUP = 32  # store jobs per transaction, at most


class SendFailed(Exception):
    """Raised by a send job: ``record`` (what to write about the failure) still runs on
    the store writer, in order; ``error`` becomes the run's error."""

    def __init__(self, error: BaseException, record: StoreJob) -> None:
        super().__init__(str(error))
        self.error = error
        self.record = record


class DeliveryPipeline:
    def __init__(
        self, session: SessionFactory, depth: int = 4, cancel: CancelToken | None = None
    ) -> None:
        self._session = session
        self._cancel = cancel
        self._sends: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._writes: queue.Queue[object] = queue.Queue(maxsize=_MAX_GROUP)
        self._send_error: BaseException | None = None
        self._store_error: BaseException | None = None
        self._first_error: BaseException | None = None
        self._lock = threading.Lock()
        self._sender = threading.Thread(target=self._send_loop, name="delivery", daemon=True)
        self._writer = threading.Thread(target=self._write_loop, name="store-writer", daemon=True)
        self._sender.start()
        self._writer.start()

    def _send_loop(self) -> None:
        while True:
            job = self._sends.get()
            if job is _STOP:
                self._writes.put(_STOP)
                return
            if self._send_error is None and self._cancel is not None and self._cancel.cancelled:
                self._send_error = self._first(RunCancelledError("Cancelled by the user."))
            if self._send_error is not None or self._store_error is not None:
                continue  # after a failure or Cancel, later jobs (and checkpoints) are dropped
            after: object = None
            try:
                after = job()  # type: ignore[operator]
            except SendFailed as failed:
                self._send_error, after = self._first(failed.error), failed.record
            except BaseException as exc:  # noqa: BLE001 — handed to the run's thread
                self._send_error = self._first(exc)
            if after is not None:
                self._writes.put(after)

    def _write_loop(self) -> None:
        stopping = False
        while not stopping:
            group: list[StoreJob] = []
            job = self._writes.get()
            while True:
                if job is _STOP:
                    stopping = True
                    break
                group.append(job)  # type: ignore[arg-type]
                if len(group) >= _MAX_GROUP:
                    break
                try:
                    job = self._writes.get_nowait()  # only what is already waiting
                except queue.Empty:
                    break
            if not group or self._store_error is not None:
                continue
            try:
                with self._session() as session:
                    for store_job in group:
                        store_job(session)
            except BaseException as exc:  # noqa: BLE001 — handed to the run's thread
                self._store_error = self._first(exc)

    def _first(self, error: BaseException) -> BaseException:
        with self._lock:
            if self._first_error is None:
                self._first_error = error
        return error

    def submit(self, job: SendJob) -> None:
        """Queue a send job (blocks while ``depth`` wait: back-pressure on the reader)."""
        self.raise_if_failed()
        self._sends.put(job)

    def submit_store(self, job: StoreJob) -> None:
        """Queue store work that sends nothing, in order with the send jobs."""
        self.submit(lambda: job)

    def raise_if_failed(self) -> None:
        if self._first_error is not None:
            raise self._first_error

    def finish(self) -> None:
        """Wait for every queued job, stop both workers, and raise the first error."""
        self._sends.put(_STOP)
        self._sender.join()
        self._writer.join()
        self.raise_if_failed()
