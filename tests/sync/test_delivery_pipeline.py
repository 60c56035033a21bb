"""The two-stage delivery pipeline keeps order and loses no acknowledged work."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any

import pytest

from app.sync.pipeline import DeliveryPipeline, SendFailed
from app.sync.progress import CancelToken

transactions: list[list[str]] = []


@contextmanager
def fake_session():  # type: ignore[no-untyped-def]
    """Stands in for Store.session: records which jobs shared a transaction."""
    transactions.append([])
    yield transactions[-1]


def test_store_work_runs_in_send_order_on_its_own_thread() -> None:
    log: list[str] = []
    threads: set[str] = set()
    pipe = DeliveryPipeline(fake_session, depth=2)

    def send(n: int):  # type: ignore[no-untyped-def]
        log.append(f"send {n}")
        return lambda s: (threads.add(threading.current_thread().name), log.append(f"store {n}"))

    for n in range(5):
        pipe.submit(lambda n=n: send(n))
        if n == 2:
            pipe.submit_store(lambda s: log.append("checkpoint"))
    pipe.finish()
    stores = [e for e in log if not e.startswith("send")]
    assert stores == ["store 0", "store 1", "store 2", "checkpoint", "store 3", "store 4"]
    assert threads == {"store-writer"}


def test_after_a_send_fails_earlier_work_is_stored_and_later_work_dropped() -> None:
    stored: list[str] = []
    pipe = DeliveryPipeline(fake_session)
    pipe.submit(lambda: lambda s: stored.append("batch 1 acknowledged"))

    def failing():  # type: ignore[no-untyped-def]
        raise SendFailed(ConnectionError("down"), lambda s: stored.append("batch 2 failed"))

    pipe.submit(failing)
    try:
        pipe.submit(lambda: lambda s: stored.append("batch 3"))
        pipe.submit_store(lambda s: stored.append("checkpoint"))
    except ConnectionError:
        pass  # the error may already be visible to the reader
    with pytest.raises(ConnectionError, match="down"):
        pipe.finish()
    assert stored == ["batch 1 acknowledged", "batch 2 failed"]


def test_a_store_failure_stops_the_sends() -> None:
    sent: list[int] = []
    gate = threading.Event()
    pipe = DeliveryPipeline(fake_session, depth=8)

    def broken_store(_session: Any) -> None:
        gate.set()
        raise OSError("disk full")

    pipe.submit(lambda: broken_store)
    gate.wait(5)
    for n in range(3):
        try:
            pipe.submit(lambda n=n: sent.append(n))  # type: ignore[func-returns-value]
        except OSError:
            break
    with pytest.raises(OSError, match="disk full"):
        pipe.finish()
    assert len(sent) <= 1  # at most one send slipped in before the failure was seen


def test_cancel_drops_what_is_queued() -> None:
    token = CancelToken()
    token.cancel()
    sent: list[int] = []
    pipe = DeliveryPipeline(fake_session, cancel=token)
    pipe.submit(lambda: sent.append(1))  # type: ignore[func-returns-value]
    with pytest.raises(Exception, match="Cancelled"):
        pipe.finish()
    assert sent == []


def test_store_work_that_piled_up_shares_one_transaction() -> None:
    transactions.clear()
    release = threading.Event()
    pipe = DeliveryPipeline(fake_session, depth=16)
    pipe.submit_store(lambda s: (release.wait(5), s.append("first")))
    for n in range(5):
        pipe.submit_store(lambda s, n=n: s.append(f"batch {n}"))
    release.set()
    pipe.finish()
    assert [j for t in transactions for j in t] == ["first"] + [f"batch {n}" for n in range(5)]
    assert len(transactions) < 6  # the five queued behind the slow one went in together


class _Wire:
    """Send jobs that stay "on the wire" until released, noting what was in flight."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.flying: set[str] = set()
        self.together: list[frozenset[str]] = []
        self.stored: list[str] = []
        self.release = threading.Event()

    def job(self, name: str, fail: bool = False):  # type: ignore[no-untyped-def]
        def send():  # type: ignore[no-untyped-def]
            with self.lock:
                self.flying.add(name)
                self.together.append(frozenset(self.flying))
            self.release.wait(0.2)  # long enough for the others to take off
            with self.lock:
                self.flying.discard(name)
            if fail:
                raise SendFailed(
                    ConnectionError("down"), lambda s: self.stored.append(f"{name} failed")
                )
            return lambda s: self.stored.append(name)

        return send


def test_parallel_batches_fly_together_and_are_stored_in_order() -> None:
    wire = _Wire()
    pipe = DeliveryPipeline(fake_session, depth=8, senders=3)
    for n in range(6):
        pipe.submit(wire.job(f"b{n}"), frozenset({f"g{n}"}))
        if n == 2:
            pipe.submit_store(lambda s: wire.stored.append("checkpoint"))
    pipe.finish()
    assert wire.stored == ["b0", "b1", "b2", "checkpoint", "b3", "b4", "b5"]
    assert max(len(t) for t in wire.together) > 1  # the connection was kept busy
    assert max(len(t) for t in wire.together) <= 3  # never more than the destination allows


def test_two_writes_of_one_record_are_never_in_flight_together() -> None:
    wire = _Wire()
    pipe = DeliveryPipeline(fake_session, depth=8, senders=4)
    pipe.submit(wire.job("first"), frozenset({"g1", "g2"}))
    pipe.submit(wire.job("other"), frozenset({"g3"}))
    pipe.submit(wire.job("again"), frozenset({"g2", "g4"}))  # g2 again: waits for "first"
    pipe.finish()
    assert not any({"first", "again"} <= t for t in wire.together)
    assert wire.stored == ["first", "other", "again"]


def test_with_parallel_batches_a_failure_keeps_what_was_acknowledged_and_no_checkpoint() -> None:
    wire = _Wire()
    pipe = DeliveryPipeline(fake_session, depth=8, senders=3)
    pipe.submit(wire.job("b0"), frozenset({"g0"}))
    pipe.submit(wire.job("b1", fail=True), frozenset({"g1"}))
    pipe.submit(wire.job("b2"), frozenset({"g2"}))  # already on the wire when b1 fails
    try:
        pipe.submit_store(lambda s: wire.stored.append("checkpoint"))
        pipe.submit(wire.job("b3"), frozenset({"g3"}))
    except ConnectionError:
        pass  # the error may already be visible to the reader
    with pytest.raises(ConnectionError, match="down"):
        pipe.finish()
    assert wire.stored[:3] == ["b0", "b1 failed", "b2"]  # b2 was acknowledged: recorded
    assert "checkpoint" not in wire.stored  # the cursor never passes the failed batch


def test_after_a_failure_nothing_behind_dropped_store_work_is_recorded() -> None:
    """A batch of the next chunk may already be on the wire when a batch fails; the next
    chunk's store work (its links) is dropped, so its batches are not recorded either."""
    wire = _Wire()
    pipe = DeliveryPipeline(fake_session, depth=8, senders=3)
    pipe.submit(wire.job("b0", fail=True), frozenset({"g0"}))
    try:
        pipe.submit_store(lambda s: wire.stored.append("next chunk's links"))
        pipe.submit(wire.job("b1"), frozenset({"g1"}))
    except ConnectionError:
        pass
    with pytest.raises(ConnectionError, match="down"):
        pipe.finish()
    assert wire.stored == ["b0 failed"]
