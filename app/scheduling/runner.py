"""The one way to run a flow: under its lock. The window's Sync now, the command line, the
scheduler and the re-sync dialogs all come through here."""

from __future__ import annotations

from collections.abc import Sequence

from app.feeds.config import is_feed
from app.feeds.publish import publish_feed
from app.scheduling.errors import SchedulingError
from app.segments.sync import is_segment, sync_segment
from app.services.flows import FlowService
from app.store import Store
from app.sync.engine import RunSummary, SyncEngine
from app.sync.locks import flow_lock
from app.sync.progress import CancelToken, ProgressCallback


def run_flow_locked(
    store: Store,
    flow_ref: str | int,
    *,
    dry_run: bool = False,
    full: bool = False,
    keys: Sequence[str] | None = None,
    trigger: str = "manual",
    triggered_by: str = "",
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
    wait_s: float = 0.0,
    resend: bool = False,
) -> RunSummary:
    """Run ``flow_ref`` unless it is already running anywhere on this data folder.

    A busy flow raises ``FlowBusyError`` (with who runs it and since when) at once, or
    after ``wait_s`` seconds of waiting. Cancel stops the wait as well as the run."""
    flow = FlowService(store).get(flow_ref)
    with flow_lock(
        store.paths,
        flow.id,
        flow.name,
        trigger=trigger,
        triggered_by=triggered_by,
        wait_s=wait_s,
        cancel=cancel,
    ):
        if is_feed(flow.options):  # an inventory feed publishes a file, not records
            if dry_run or keys:
                raise SchedulingError(
                    f"'{flow.name}' is an inventory feed: use feed export to see the file."
                )
            feed = publish_feed(store, flow.id, trigger=trigger, triggered_by=triggered_by)
            return feed.as_run_summary()
        if is_segment(flow.options):  # a segment keeps a marketing list, not records
            if dry_run or keys:
                raise SchedulingError(
                    f"'{flow.name}' keeps a segment's list: use segment show to see its members."
                )
            return sync_segment(
                store, flow.id, trigger=trigger, triggered_by=triggered_by, full=full
            ).as_run_summary()
        return SyncEngine(store, progress=progress).run(
            flow.id,
            dry_run=dry_run,
            full=full,
            keys=keys,
            trigger=trigger,
            triggered_by=triggered_by,
            cancel=cancel,
            resend=resend,
        )
