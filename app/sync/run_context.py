"""What one run carries from chunk to chunk: the flow, its two streams, the counts, the
progress report, and how work reaches the delivery pipeline and the store."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app.connectors.streams import Stream
from app.services.flows import FlowInfo
from app.services.privacy.tombstones import ErasedPeople
from app.store import payload_codec
from app.sync import run_log
from app.sync.pipeline import DeliveryPipeline, SendFailed, SendJob, StoreJob
from app.sync.planner import PlanItem
from app.sync.progress import Progress, ProgressCallback


@dataclass
class RunContext:
    flow: FlowInfo
    run_id: int
    source: Stream
    dest: Stream
    source_system: str
    dest_system: str
    dry_run: bool
    force: bool
    counts: dict[str, int]
    progress: Progress
    store_session: Callable[[], AbstractContextManager[Session]]
    on_progress: ProgressCallback | None = None
    replay_of: dict[str, int] = field(default_factory=dict)
    plan: list[PlanItem] = field(default_factory=list)
    assigned: dict[str, str] = field(default_factory=dict)  # new golden ids of this run
    look_first: bool = False  # the last run was cut off: creates look before they create
    pipeline: DeliveryPipeline | None = None
    erased: ErasedPeople = field(default_factory=ErasedPeople)  # withheld on read
    record: bool = True  # False: a preview of a flow maybe not saved yet writes nothing
    rejects: list[tuple[str, str]] = field(default_factory=list)  # preview: key, reason
    reread: list[str] = field(default_factory=list)  # keys read again after the cursor's
    not_found: list[str] = field(default_factory=list)  # asked-for keys the source lacks
    packer: payload_codec.Packer | None = None  # compresses the run log's payloads
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _had_parked: bool | None = None

    def may_have_parked(self, session: Session) -> bool:
        """Could a delivered record close a retry-queue entry? (Asked per batch; the
        queue is looked at once per run, and this run's own parking counts too.)"""
        if self._had_parked is None:
            self._had_parked = run_log.has_open_parked(session, self.flow.id)
        return self._had_parked or self.counts["parked"] > 0

    def pack(self, payload: dict[str, Any] | None) -> dict[str, Any] | bytes | None:
        """A payload as the run log stores it: compressed once the run has a dictionary."""
        return payload if self.packer is None or payload is None else self.packer.pack(payload)

    def pack_pair(
        self, source: dict[str, Any], sent: dict[str, Any] | None
    ) -> tuple[dict[str, Any] | bytes | None, dict[str, Any] | bytes | None]:
        """(source, sent) as the run log stores them: once the run has a dictionary,
        one blob holding both, and the marker that says so in place of the sent one."""
        if self.packer is None:
            return source, sent
        if sent is None:
            return self.packer.pack(source), None
        return self.packer.pack_pair(source, sent), payload_codec.SENT_WITH_SOURCE

    def add(self, key: str, n: int = 1) -> None:
        """Count from either thread (the reader's or the delivery worker's)."""
        with self._lock:
            self.counts[key] += n

    def emit(self, phase: str) -> None:
        """Report progress (``phase``: reading, delivering, done) with the counts so far."""
        p = self.progress
        p.phase = phase
        c = self.counts
        p.read, p.created, p.updated, p.unchanged = (
            c["read"],
            c["created"],
            c["updated"],
            c["unchanged"],
        )
        p.failed, p.parked = c["failed"], c["parked"]
        p.done = p.created + p.updated + p.unchanged + p.failed + p.parked
        if self.on_progress:
            self.on_progress(p)

    def submit(self, job: SendJob, keys: frozenset[str] = frozenset()) -> None:
        """Hand a send job for the records ``keys`` to the pipeline, or run it (and its
        store work) now when there is none."""
        if self.pipeline is not None:
            self.pipeline.submit(job, keys)
            return
        try:
            after = job()
        except SendFailed as failed:
            self.submit_store(failed.record)
            raise failed.error from None
        if after is not None:
            self.submit_store(after)

    def submit_store(self, job: StoreJob) -> None:
        """Hand store work to the pipeline (in order with the sends), or run it now."""
        if self.pipeline is not None:
            self.pipeline.submit_store(job)
            return
        with self.store_session() as s:
            job(s)
