"""Hold a flow's lock the way another run would: from another thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from app.store import Store
from app.sync.locks import flow_lock


@contextmanager
def held_elsewhere(
    store: Store, flow_id: int, name: str, *, trigger: str = "schedule"
) -> Iterator[None]:
    """The flow's lock is held by another thread for the block (the lock is re-entrant
    in the thread that holds it, so a test must not take it in its own thread)."""
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        with flow_lock(store.paths, flow_id, name, trigger=trigger):
            taken.set()
            done.wait(120)

    holder = threading.Thread(target=hold, daemon=True, name="other-run")
    holder.start()
    assert taken.wait(30), "the other thread could not take the lock"
    try:
        yield
    finally:
        done.set()
        holder.join(30)
