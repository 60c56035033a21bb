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
run.

A destination that takes parallel requests (``StreamSpec.concurrent_writes``) gets up to
that many batches in flight at once, so the connection is never idle while an answer is
on its way. Their store work still reaches the writer in the order they were queued, a
batch never leaves while another holding one of its records is in flight (two writes of
a record are never reordered), and store-only work (a checkpoint) waits its turn behind
every batch queued before it. A batch acknowledged after an earlier one failed is still
recorded, up to the first store-only work queued after the failure (dropped, with all
that follows it, like checkpoints)."""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.sync.errors import RunCancelledError
from app.sync.progress import CancelToken

StoreJob = Callable[[Session], None]
SendJob = Callable[[], StoreJob | None]
SessionFactory = Callable[[], AbstractContextManager[Session]]
_STOP = object()
_MAX_GROUP = 32  # store jobs per transaction, at most
_LOOK_IN_S = 0.005


class SendFailed(Exception):
    """Raised by a send job: ``record`` (what to write about the failure) still runs on
    the store writer, in order; ``error`` becomes the run's error."""

    def __init__(self, error: BaseException, record: StoreJob) -> None:
        super().__init__(str(error))
        self.error = error
        self.record = record


@dataclass
class _InFlight:
    """A queued job on its way to the writer: a send (``future``) or store work (``ready``)."""

    keys: frozenset[str]
    future: Future[StoreJob | None] | None = None
    ready: StoreJob | None = None


class DeliveryPipeline:
    def __init__(
        self,
        session: SessionFactory,
        depth: int = 4,
        cancel: CancelToken | None = None,
        senders: int = 1,
    ) -> None:
        self._session = session
        self._cancel = cancel
        self._senders = max(1, senders)
        self._pool = (
            ThreadPoolExecutor(self._senders, thread_name_prefix="delivery-batch")
            if self._senders > 1
            else None
        )
        self._flight: deque[_InFlight] = deque()  # the sender thread's own
        self._dropping = False
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
            try:  # with batches in flight, look in now and then to pass their answers on
                item = self._sends.get(timeout=_LOOK_IN_S if self._flight else None)
            except queue.Empty:
                while self._flight and _done(self._flight[0]):
                    self._land()
                continue
            if item is _STOP:
                while self._flight:
                    self._land()
                if self._pool is not None:
                    self._pool.shutdown()
                self._writes.put(_STOP)
                return
            job: SendJob = item[0]  # type: ignore[index]
            keys: frozenset[str] | None = item[1]  # type: ignore[index]
            if self._send_error is None and self._cancel is not None and self._cancel.cancelled:
                self._send_error = self._first(RunCancelledError("Cancelled by the user."))
            if self._send_error is not None or self._store_error is not None:
                continue  # after a failure or Cancel, later jobs (and checkpoints) are dropped
            if keys is None:  # store work only: in line behind what is in flight
                self._flight.append(_InFlight(frozenset(), ready=job()))
            elif self._pool is None:
                self._flight.append(_InFlight(keys, future=_now(job)))
            else:
                while self._flight and (
                    self._sending() >= self._senders
                    or any(keys & f.keys for f in self._flight if f.future is not None)
                ):
                    self._land()
                if self._send_error is not None or self._store_error is not None:
                    continue
                self._flight.append(_InFlight(keys, future=self._pool.submit(job)))
            while self._flight and (self._pool is None or _done(self._flight[0])):
                self._land()

    def _sending(self) -> int:
        return sum(1 for f in self._flight if f.future is not None)

    def _land(self) -> None:
        """Hand the oldest queued job's store work to the writer (waiting for its send).

        After a failure, store-only work is dropped, and so is everything queued after
        the first dropped piece: a batch acknowledged later may hold records whose links
        that dropped work (a chunk's) was to write. Not recording an acknowledged batch
        is safe — the cursor stays behind it and the next run sends it again."""
        head = self._flight.popleft()
        after: object = None
        if head.future is None:
            if self._send_error is None and self._store_error is None:
                after = head.ready
            else:
                self._dropping = True
        else:
            try:
                after = head.future.result()
            except SendFailed as failed:
                self._send_error, after = self._first(failed.error), failed.record
            except BaseException as exc:  # noqa: BLE001 — handed to the run's thread
                self._send_error = self._first(exc)
        if after is not None and self._store_error is None and not self._dropping:
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

    def submit(self, job: SendJob, keys: frozenset[str] = frozenset()) -> None:
        """Queue a send job for the records ``keys`` (blocks while ``depth`` wait:
        back-pressure on the reader)."""
        self.raise_if_failed()
        self._sends.put((job, keys))

    def submit_store(self, job: StoreJob) -> None:
        """Queue store work that sends nothing, in order with the send jobs."""
        self.raise_if_failed()
        self._sends.put((lambda: job, None))

    def raise_if_failed(self) -> None:
        if self._first_error is not None:
            raise self._first_error

    def finish(self) -> None:
        """Wait for every queued job, stop both workers, and raise the first error."""
        self._sends.put(_STOP)
        self._sender.join()
        self._writer.join()
        self.raise_if_failed()


def _now(job: SendJob) -> Future[StoreJob | None]:
    """Run a send on the sender thread itself (one batch at a time)."""
    done: Future[StoreJob | None] = Future()
    try:
        done.set_result(job())
    except BaseException as exc:  # noqa: BLE001 — read back in _land
        done.set_exception(exc)
    return done


def _done(item: _InFlight) -> bool:
    return item.future is None or item.future.done()
