"""Never two runs of the same flow at once: one OS file lock per flow under the data folder.

The lock is an OS lock (``fcntl``/``msvcrt`` through filelock), so it covers threads of
this process, the window, the headless service and the command line alike, and the OS
drops it if a process dies. Beside it, a small JSON note says who holds it, so the person
who is refused learns what is running and since when."""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import filelock

from app.paths import AppPaths
from app.store.models import utcnow
from app.sync.errors import FlowBusyError
from app.sync.progress import CancelToken

log = logging.getLogger(__name__)

TRIGGER_WORDS = {
    "schedule": "the schedule",
    "manual": "Sync now",
    "resync": "a record re-sync",
    "resync_range": "a date-range re-sync",
    "replay": "a replay of parked records",
    "demo": "the demo",
}


@dataclass(frozen=True)
class LockHolder:
    flow_name: str
    trigger: str
    triggered_by: str
    pid: int
    host: str
    started_at: str  # ISO, UTC

    def describe(self) -> str:
        """'started 14:02 by the schedule (process 4120 on FRONT-DESK)'."""
        try:
            started = datetime.fromisoformat(self.started_at).astimezone()
            when = f"started {started:%H:%M}"
        except ValueError:
            when = "started earlier"
        by = TRIGGER_WORDS.get(self.trigger, self.trigger)
        who = f" for {self.triggered_by}" if self.triggered_by else ""
        return f"{when} by {by}{who} (process {self.pid} on {self.host})"


def locks_dir(paths: AppPaths) -> Path:
    folder = paths.data_dir / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _lock_path(paths: AppPaths, flow_id: int) -> Path:
    return locks_dir(paths) / f"flow-{flow_id}.lock"


def _note_path(paths: AppPaths, flow_id: int) -> Path:
    return locks_dir(paths) / f"flow-{flow_id}.json"


def read_holder(paths: AppPaths, flow_id: int) -> LockHolder | None:
    """Who last took the lock (the note may be stale if that process died)."""
    try:
        data = json.loads(_note_path(paths, flow_id).read_text("utf-8"))
        return LockHolder(**data)
    except (OSError, ValueError, TypeError):
        return None


def is_running(paths: AppPaths, flow_id: int) -> LockHolder | None:
    """The holder if the flow is running right now anywhere on this data folder."""
    holder = read_holder(paths, flow_id)
    if holder is None:
        return None
    probe = filelock.FileLock(_lock_path(paths, flow_id))
    try:
        probe.acquire(blocking=False)
    except filelock.Timeout:
        return holder
    probe.release()
    return None


@contextmanager
def flow_lock(
    paths: AppPaths,
    flow_id: int,
    flow_name: str,
    *,
    trigger: str,
    triggered_by: str = "",
    wait_s: float = 0.0,
    cancel: CancelToken | None = None,
) -> Iterator[LockHolder]:
    """Hold the flow's lock for the block. ``wait_s`` > 0 waits that long for a running
    run to finish (Cancel stops the wait); otherwise a busy flow raises ``FlowBusyError``.

    Re-entrant within one thread: the engine takes the lock for every run, and a caller
    that already holds it (a date-range re-sync running several chunks) goes straight in;
    another thread or process is refused."""
    # One lock object per path in this process, whose state is per thread (filelock's
    # defaults): a nested take in the same thread only counts up.
    lock = filelock.FileLock(_lock_path(paths, flow_id), is_singleton=True)
    if lock.is_locked:
        lock.acquire(blocking=False)
        try:
            yield read_holder(paths, flow_id) or _holder(flow_name, trigger, triggered_by)
        finally:
            lock.release()
        return
    try:
        lock.acquire(
            timeout=max(wait_s, 0.0),
            blocking=wait_s > 0,
            cancel_check=(lambda: cancel.cancelled) if cancel else None,
        )
    except filelock.Timeout as exc:
        holder = read_holder(paths, flow_id)
        since = f" — {holder.describe()}" if holder else ""
        raise FlowBusyError(
            f"'{flow_name}' is already running{since}.",
            hint="It was not started again. Wait for that run to finish, then try again.",
        ) from exc
    holder = _holder(flow_name, trigger, triggered_by)
    note = _note_path(paths, flow_id)
    try:
        note.write_text(json.dumps(asdict(holder)), "utf-8")
        log.debug("Flow %s locked for %s", flow_name, trigger)
        yield holder
    finally:
        note.unlink(missing_ok=True)
        lock.release()


def _holder(flow_name: str, trigger: str, triggered_by: str) -> LockHolder:
    return LockHolder(
        flow_name, trigger, triggered_by, os.getpid(), socket.gethostname(), utcnow().isoformat()
    )
