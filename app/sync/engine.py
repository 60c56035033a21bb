"""Run a flow: read -> map -> resolve identity -> plan -> deliver in batches -> record
outcomes -> advance the cursor only past what the destination acknowledged."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from app.connectors.base import Connector
from app.connectors.errors import ConnectorError, DeliveryError
from app.connectors.streams import Stream, StreamSource
from app.errors import RooftopError
from app.logging_setup import redact
from app.mapping.apply import MappingError
from app.services import conflicts, schema_drift
from app.services.flow_options import is_shadow
from app.services.flows import FlowInfo, FlowService
from app.services.privacy import tombstones
from app.services.profiles import ProfileService
from app.store import Store
from app.store.checkpoints import background_checkpoints, writer_session
from app.store.errors import StoreError
from app.store.faults import StorageError
from app.sync import run_log, source_chunks, state
from app.sync.chunk import process_chunk
from app.sync.errors import RunCancelledError, SyncError
from app.sync.locks import flow_lock
from app.sync.pipeline import DeliveryPipeline
from app.sync.planner import PlanItem
from app.sync.progress import CancelToken, Progress, ProgressCallback
from app.sync.run_context import RunContext
from app.sync.shadow import run_shadow

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    run_id: int
    flow: str
    status: str  # succeeded | completed_with_errors | failed | cancelled | dry_run | shadow
    counts: dict[str, int]
    error: str | None = None
    elapsed_s: float = 0.0
    plan: list[PlanItem] = field(default_factory=list)  # dry run only
    rejects: list[tuple[str, str]] = field(default_factory=list)  # preview: key, reason
    complete: bool = True  # preview: the whole source was read
    job_id: int | None = None  # the job this run is part of (its own id when alone)
    waiting: int = 0  # records in the flow's retry queue when the run ended
    not_found: list[str] = field(default_factory=list)  # re-sync keys the source lacks

    @property
    def exit_code(self) -> int:
        if self.not_found:
            return 1
        if self.status in ("succeeded", "dry_run", "shadow"):
            return 0
        return 1 if self.status == "completed_with_errors" else 2


def _stream(connector: Connector, name: str, role: str) -> Stream:
    if not isinstance(connector, StreamSource):
        raise SyncError(f"The {role} connection ({connector.label}) has no data streams.")
    streams = connector.streams()
    if name not in streams:
        raise SyncError(
            f"The {role} connection has no stream '{name}'.",
            hint=f"It offers: {', '.join(sorted(streams))}.",
        )
    return streams[name]


class SyncEngine:
    """Runs flows against the store. One engine per thread; each run opens its own
    sessions and connectors."""

    def __init__(self, store: Store, *, progress: ProgressCallback | None = None) -> None:
        self.store = store
        self.profiles = ProfileService(store)
        self.flows = FlowService(store)
        self.on_progress = progress

    # --- entry points ------------------------------------------------------------------
    def run(
        self,
        flow_ref: str | int,
        *,
        dry_run: bool = False,
        full: bool = False,
        keys: Sequence[str] | None = None,
        trigger: str = "manual",
        triggered_by: str = "",
        cancel: CancelToken | None = None,
        resend: bool = False,
        job_id: int | None = None,
    ) -> RunSummary:
        """Run a flow. ``keys`` re-syncs only those records (forced, cursor untouched);
        ``resend`` sends every record read whatever the app remembers having sent (for a
        destination restored from a backup; with ``full``, everything). ``job_id``: the run
        is one more part of that job (a chunked re-sync)."""
        flow = self.flows.get(flow_ref)
        return self._execute(
            flow,
            dry_run=dry_run,
            full=full,
            keys=keys,
            trigger=trigger,
            triggered_by=triggered_by,
            cancel=cancel or CancelToken(),
            resend=resend,
            job_id=job_id,
        )

    def replay(
        self,
        flow_ref: str | int,
        *,
        parked_ids: Sequence[int] | None = None,
        triggered_by: str = "",
    ) -> RunSummary:
        """Send parked records again through the current mapping."""
        flow = self.flows.get(flow_ref)
        return self._execute(
            flow,
            dry_run=False,
            full=False,
            keys=None,
            trigger="replay",
            triggered_by=triggered_by,
            cancel=CancelToken(),
            parked_ids=list(parked_ids or []),
        )

    # --- the run -----------------------------------------------------------------------
    def _execute(
        self,
        flow: FlowInfo,
        *,
        dry_run: bool,
        full: bool,
        keys: Sequence[str] | None,
        trigger: str,
        triggered_by: str,
        cancel: CancelToken,
        parked_ids: Sequence[int] | None = None,
        resend: bool = False,
        job_id: int | None = None,
    ) -> RunSummary:
        # Every path that writes to a destination comes through here, so here is where the
        # flow's lock is taken: a replay and a scheduled run never write the same records
        # at once. A caller already holding it (the runner, a date-range re-sync) goes in.
        with flow_lock(
            self.store.paths,
            flow.id,
            flow.name,
            trigger=trigger,
            triggered_by=triggered_by,
            cancel=cancel,
        ):
            return self._execute_locked(
                flow,
                dry_run=dry_run,
                full=full,
                keys=keys,
                trigger=trigger,
                triggered_by=triggered_by,
                cancel=cancel,
                parked_ids=parked_ids,
                resend=resend,
                job_id=job_id,
            )

    def _execute_locked(
        self,
        flow: FlowInfo,
        *,
        dry_run: bool,
        full: bool,
        keys: Sequence[str] | None,
        trigger: str,
        triggered_by: str,
        cancel: CancelToken,
        parked_ids: Sequence[int] | None = None,
        resend: bool = False,
        job_id: int | None = None,
    ) -> RunSummary:
        started = time.monotonic()
        if is_shadow(flow.options) and not dry_run:  # parallel running: send nothing
            return self._shadow(flow, keys, parked_ids, trigger, triggered_by, cancel)
        if flow.source_profile_id is None or flow.dest_profile_id is None:
            raise SyncError(f"Flow '{flow.name}' has no source or destination connection.")
        src_profile = self.profiles.get(flow.source_profile_id)
        dst_profile = self.profiles.get(flow.dest_profile_id)
        # until the run's own try below, a failure must close what was opened (connectors,
        # the checkpoint thread); from there its finally does
        with ExitStack() as opened:
            src_conn = self.profiles.connector(src_profile.id)
            opened.callback(src_conn.close)
            dst_conn = self.profiles.connector(dst_profile.id)
            opened.callback(dst_conn.close)
            cursor = None if full or keys else self._cursor(flow.id)
            erased = tombstones.load(self.store)  # refuses to run blind when the key is gone
            with self.store.session() as s:
                cut_off = not dry_run and run_log.cut_off(s, flow.id)
                # we hold the flow's lock: a run of it still marked running is one that died
                run_log.close_dead_runs(s, flow.id)
                run_id = run_log.start_run(
                    s,
                    flow.id,
                    trigger=trigger,
                    triggered_by=triggered_by,
                    dry_run=dry_run,
                    cursor=cursor,
                    job_id=job_id,
                )
            opened.push(partial(self._not_started, run_id))
            # "unchanged" holds both the records skipped here (also counted in "skipped": not
            # sent) and those the destination answered were already current
            counts = dict.fromkeys(
                (
                    "read",
                    "created",
                    "updated",
                    "unchanged",
                    "skipped",
                    "failed",
                    "parked",
                    "conflicts",
                    "removed",
                    "not_removed",
                ),
                0,  # removed / not_removed: records deleted or inactive in the source (deletes)
            )
            counts["withheld"] = 0  # records of people erased here, left out as they were read
            ctx = RunContext(
                flow,
                run_id,
                _stream(src_conn, flow.source_stream, "source"),
                _stream(dst_conn, flow.dest_stream, "destination"),
                self.profiles.identity_system(src_profile),
                self.profiles.identity_system(dst_profile),
                dry_run,
                force=bool(keys) or resend,
                counts=counts,
                progress=Progress(flow.name),
                store_session=self.store.session,
                on_progress=self.on_progress,
                look_first=cut_off,
                erased=erased,
            )
            if keys is None and parked_ids is None:  # records an owner change sends again
                with self.store.session() as s:
                    ctx.reread = conflicts.reread_keys(s, flow.id)
            try:  # schema-drift snapshots; taking one must never fail the run
                ctx.source = schema_drift.watch(self.store, flow, ctx.source, ctx.dest)
            except Exception:
                log.warning("No schema snapshot for flow %s", flow.slug, exc_info=True)
            status, error, waiting = "running", None, 0
            checkpoints: list[str | None] = [cursor]  # the cursor as last acknowledged
            wal = ExitStack()
            opened.callback(wal.close)
            if not dry_run:  # the store writer commits; WAL checkpoints happen beside it
                wal.enter_context(background_checkpoints(self.store))
                ctx.pipeline = DeliveryPipeline(
                    partial(writer_session, self.store),
                    cancel=cancel,
                    senders=ctx.dest.spec.concurrent_writes,
                )
            opened.pop_all()
        try:
            try:
                for chunk, chunk_cursor in source_chunks.chunks(
                    self.store, ctx, cursor, keys, parked_ids
                ):
                    if cancel.cancelled:
                        raise RunCancelledError("Cancelled by the user.")
                    self._process_chunk(ctx, chunk)
                    if chunk_cursor and not dry_run and not keys and parked_ids is None:
                        top = max(checkpoints[-1] or "", chunk_cursor)
                        ctx.submit_store(partial(self._checkpoint, ctx, top, checkpoints))
            finally:
                try:
                    if ctx.pipeline is not None:  # wait for what is on the wire, in order
                        ctx.pipeline.finish()
                finally:
                    wal.close()
            if ctx.not_found:  # a re-sync of a record the source does not have sent nothing
                ctx.add("failed", len(ctx.not_found))
                error = _not_found_text(ctx.not_found, src_profile.name)
            if dry_run:
                status = "dry_run"
            elif counts["parked"] or counts["failed"]:
                status = "completed_with_errors"
            else:
                status = "succeeded"
        except RunCancelledError as exc:
            status, error = "cancelled", str(exc)
        except (DeliveryError, ConnectorError, MappingError, SyncError, StoreError) as exc:
            status, error = "failed", str(exc)
            log.warning("Flow %s run %s failed: %s", flow.slug, run_id, exc)
        except Exception as exc:  # a bug: the run says what stopped it, then it is raised
            error = f"The run stopped unexpectedly ({redact(f'{type(exc).__name__}: {exc}')})."
            raise
        finally:
            src_conn.close()
            dst_conn.close()
            waiting = self._finish(ctx, status, error, checkpoints[-1])
            read_all = keys is None and parked_ids is None  # not a re-sync, not a replay
            if status in ("succeeded", "completed_with_errors") and read_all:
                self._after_commit(ctx)
            ctx.emit("done")
        return RunSummary(
            run_id,
            flow.slug,
            status,
            counts,
            error,
            time.monotonic() - started,
            ctx.plan,
            job_id=job_id or run_id,
            waiting=waiting,
            not_found=ctx.not_found,
        )

    def _shadow(
        self,
        flow: FlowInfo,
        keys: Sequence[str] | None,
        parked_ids: Sequence[int] | None,
        trigger: str,
        triggered_by: str,
        cancel: CancelToken,
    ) -> RunSummary:
        if keys or parked_ids is not None:
            raise SyncError(
                f"'{flow.name}' is in shadow mode: it sends nothing.",
                hint="Its shadow run compares every record; go live to send.",
            )
        done = run_shadow(
            self.store, flow, trigger=trigger, triggered_by=triggered_by, cancel=cancel,
            progress=self.on_progress,
        )  # fmt: skip
        return RunSummary(done.run_id, flow.slug, done.status, done.counts, done.error,
                          done.elapsed_s)  # fmt: skip

    def _not_started(self, run_id: int, _type: Any, exc: BaseException | None, _tb: Any) -> None:
        """A run that failed while it was being set up (a stream the connection does not
        have, a store that cannot be written) is recorded as failed with the reason, not
        left "running" until the next run of the flow closes it."""
        if exc is None:
            return
        reason = str(exc) if isinstance(exc, RooftopError) else f"{type(exc).__name__}: {exc}"
        try:
            with self.store.session() as s:
                run_log.finish_run(
                    s, run_id, status="failed", counts={}, error=redact(reason),
                    cursor_after=None,
                )  # fmt: skip
        except Exception:  # the store itself may be what failed: the next run closes it
            log.warning("Run %s could not be marked failed", run_id, exc_info=True)

    def _finish(self, ctx: RunContext, status: str, error: str | None, cursor: str | None) -> int:
        """Record how the run ended; the records waiting in the flow's retry queue then.
        When even that cannot be saved (the disk is full, the database became read-only),
        say so: the next run of the flow closes it."""
        try:
            with self.store.session() as s:
                run_log.finish_run(
                    s,
                    ctx.run_id,
                    status=status if status != "running" else "failed",
                    counts=ctx.counts,
                    error=error
                    or (None if status != "running" else "The run stopped unexpectedly."),
                    cursor_after=cursor,
                )
                if status in ("succeeded", "completed_with_errors"):
                    state.mark_success(s, ctx.flow.id)
                    if not ctx.dry_run:
                        conflicts.done_reread(s, ctx.flow.id, ctx.reread)
                return run_log.open_parked_count(s, ctx.flow.id)
        except StorageError as exc:
            log.error(
                "Run %s of %s could not be recorded as ended: %s", ctx.run_id, ctx.flow.slug, exc
            )
            raise StorageError(
                f"Run #{ctx.run_id} of {ctx.flow.name} stopped ({error or status}), and that "
                f"could not be saved either: {exc.message}",
                hint=exc.hint,
            ) from exc

    def _after_commit(self, ctx: RunContext) -> None:
        """The run read its source and is committed: the source may now consume what it
        read (``Stream.after_commit``: extract files move to processed/)."""
        try:
            ctx.source.after_commit()
        except ConnectorError as exc:
            log.warning(
                "Flow %s run %s committed, but its source could not set its input aside: %s",
                ctx.flow.slug,
                ctx.run_id,
                exc,
            )

    def _checkpoint(
        self, ctx: RunContext, cursor: str, checkpoints: list[str | None], s: Session
    ) -> None:
        """Runs on the store writer after (or in the same transaction as) the store work
        of every batch before it."""
        state.set_cursor(s, ctx.flow.id, cursor, ctx.run_id)
        checkpoints.append(cursor)

    def _cursor(self, flow_id: int) -> str | None:
        with self.store.session() as s:
            return state.get_cursor(s, flow_id)

    # --- one chunk ---------------------------------------------------------------------
    def _process_chunk(self, ctx: RunContext, df: pd.DataFrame) -> None:
        process_chunk(ctx, df)


def _not_found_text(missing: Sequence[str], source: str) -> str:
    shown = ", ".join(missing[:10]) + (
        f" and {len(missing) - 10:,} more" if len(missing) > 10 else ""
    )
    return (
        f"{len(missing):,} record(s) not found in {source}, so not sent: {shown}. "
        "Check the key (customer number, VIN) and that the record still exists there."
    )
