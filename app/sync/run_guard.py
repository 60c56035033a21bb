"""Work that must not race a run: an erasure while a flow runs could be undone by that run,
which read the person before the erasure and sends them on after it."""

from __future__ import annotations

from app.services.flows import FlowService
from app.store import Store
from app.sync.errors import SyncRunningError
from app.sync.locks import is_running


def refuse_while_running(store: Store, what: str = "erase") -> None:
    """Raise ``SyncRunningError`` naming the flows that run now (this process or another)."""
    busy = [f.name for f in FlowService(store).list() if is_running(store.paths, f.id)]
    if busy:
        raise SyncRunningError(
            f"A sync is running ({', '.join(busy)}); {what} when it has finished.",
            hint="A run that read the person before the erasure could send them again.",
        )
