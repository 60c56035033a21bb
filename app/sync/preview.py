"""A dry run of a flow definition that may not be saved yet — what the new-flow wizard
shows before Save: the source is read from the start, every record is mapped and
planned exactly as a run would (create, update with its field diff, no change) against
what this flow last delivered (nothing, for a new flow), and nothing is written: no run
row, no outcomes, no identity links, no schema snapshot, nothing sent. It stops after
``limit`` planned changes or ``read_cap`` records, so a big DMS answers in seconds."""

from __future__ import annotations

import time

from app.connectors.errors import ConnectorError
from app.mapping.apply import MappingError
from app.services.flows import FlowInfo
from app.services.profiles import ProfileService
from app.store import Store
from app.sync.chunk import process_chunk
from app.sync.engine import RunSummary
from app.sync.errors import RunCancelledError, SyncError
from app.sync.flow_streams import stream_of
from app.sync.progress import CancelToken, Progress, ProgressCallback
from app.sync.run_context import RunContext

LIMIT = 50
READ_CAP = 5000


def preview_flow(
    store: Store,
    flow: FlowInfo,
    *,
    limit: int = LIMIT,
    read_cap: int = READ_CAP,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
) -> RunSummary:
    """Plan ``flow`` (``flow.id`` 0 for one not saved yet) without writing anything.
    ``plan`` holds every planned record read (changes and no-changes), ``rejects`` the
    records the destination would never get, with the reason; ``complete`` says whether
    the whole source was read."""
    started = time.monotonic()
    cancel = cancel or CancelToken()
    if flow.source_profile_id is None or flow.dest_profile_id is None:
        raise SyncError("Choose the connection to read from and the one to write to first.")
    profiles = ProfileService(store)
    src_profile = profiles.get(flow.source_profile_id)
    dst_profile = profiles.get(flow.dest_profile_id)
    src_conn = profiles.connector(src_profile.id)
    dst_conn = profiles.connector(dst_profile.id)
    counts = dict.fromkeys(
        ("read", "created", "updated", "unchanged", "skipped", "failed", "parked", "conflicts"),
        0,
    )
    status, error, complete = "dry_run", None, True
    ctx: RunContext | None = None
    try:
        ctx = RunContext(
            flow,
            0,
            stream_of(src_conn, flow.source_stream, "source"),
            stream_of(dst_conn, flow.dest_stream, "destination"),
            profiles.identity_system(src_profile),
            profiles.identity_system(dst_profile),
            dry_run=True,
            force=False,
            counts=counts,
            progress=Progress(flow.name),
            store_session=store.session,
            on_progress=progress,
            record=False,
        )
        ctx.emit("reading")
        pages = iter(ctx.source.read(None))  # page by page: it may stop after the first
        page = next(pages, None)
        while page is not None:
            if cancel.cancelled:
                raise RunCancelledError("Cancelled.")
            process_chunk(ctx, page)
            ctx.emit("reading")
            page = next(pages, None)  # is there more? (one page ahead)
            changes = counts["created"] + counts["updated"]
            if page is not None and (changes >= limit or counts["read"] >= read_cap):
                complete = False
                break
    except RunCancelledError as exc:
        status, error = "cancelled", str(exc)
    except (ConnectorError, MappingError, SyncError) as exc:
        status, error = "failed", str(exc)
    finally:
        src_conn.close()
        dst_conn.close()
    summary = RunSummary(
        0, flow.slug, status, counts, error, time.monotonic() - started,
        list(ctx.plan) if ctx else [], list(ctx.rejects) if ctx else [], complete,
    )  # fmt: skip
    if ctx is not None:
        ctx.emit("done")
    return summary
