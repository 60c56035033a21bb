"""Publish feeds: read the DMS inventory once per DMS connection, build each feed, deliver
it atomically, and record the run in the sync log.

``publish_all(store)`` is what the scheduler calls (default every 15 minutes) and what the
real-time receiver calls when a unit is sold. Reading and delivering for one DMS happen
under one lock, so an older read can never overwrite a newer feed in this process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from app.connectors.base import Connector
from app.connectors.feed_delivery import FeedTargetConnector
from app.connectors.feed_files import DeliveryReceipt
from app.errors import RooftopError
from app.feeds.build import build_feed
from app.feeds.config import FeedConfig, is_feed
from app.feeds.connectors import ConnectorCache
from app.feeds.errors import FeedError
from app.feeds.history import record_publication
from app.feeds.inventory import InventorySnapshot, read_inventory
from app.formats.feeds.common import Exclusion
from app.logging_setup import redact
from app.services.audit import current_os_user
from app.services.flows import FlowInfo, FlowService
from app.services.profiles import ProfileService
from app.store import Store
from app.sync import run_log, state
from app.sync.engine import RunSummary

log = logging.getLogger(__name__)
_LOCKS: dict[int, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()


def _source_lock(profile_id: int | None) -> threading.RLock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(profile_id or 0, threading.RLock())


@dataclass
class FeedRunSummary:
    run_id: int
    feed: str
    name: str
    channel: str
    status: str  # succeeded | completed_with_errors | failed
    listed: int = 0
    added: int = 0
    changed: int = 0
    removed: dict[str, str] = field(default_factory=dict)
    excluded: list[Exclusion] = field(default_factory=list)
    not_for_sale: int = 0
    location: str = ""
    accepted: int | None = None
    error: str | None = None
    elapsed_s: float = 0.0

    @property
    def exit_code(self) -> int:
        return {"succeeded": 0, "completed_with_errors": 1}.get(self.status, 2)

    def as_run_summary(self) -> RunSummary:
        """This feed run in the shape every run caller (screens, CLI, scheduler) expects."""
        counts = {
            "read": self.listed + len(self.excluded) + self.not_for_sale,
            "created": self.added,
            "updated": self.changed,
            "unchanged": max(0, self.listed - self.added - self.changed),
            "failed": 0,
            "parked": len(self.excluded),
            "conflicts": 0,
        }
        return RunSummary(self.run_id, self.feed, self.status, counts, self.error, self.elapsed_s)

    def line(self) -> str:
        if self.status == "failed":
            return f"{self.name}: failed — {self.error}"
        text = f"{self.name}: {self.listed:,} vehicles published to {self.location}"
        parts = [f"{self.added} new", f"{self.changed} changed", f"{len(self.removed)} removed"]
        if self.excluded:
            parts.append(f"{len(self.excluded)} left out")
        return f"{text} ({', '.join(parts)})"


def list_feeds(store: Store, *, enabled_only: bool = False) -> list[FlowInfo]:
    return [
        f
        for f in FlowService(store).list()
        if is_feed(f.options) and (f.enabled or not enabled_only)
    ]


def get_feed(store: Store, ref: str | int) -> FlowInfo:
    info = FlowService(store).get(ref)
    if not is_feed(info.options):
        raise FeedError(f"'{info.name}' is a sync flow, not an inventory feed.")
    return info


def read_source(
    store: Store, profile_id: int | None, cache: ConnectorCache | None = None
) -> InventorySnapshot:
    if profile_id is None:
        raise FeedError("The feed has no DMS connection.", hint="Choose one in its settings.")
    if cache is not None:
        return read_inventory(cache.get(profile_id))
    connector = ProfileService(store).connector(profile_id)
    try:
        return read_inventory(connector)
    finally:
        connector.close()


def _target(
    store: Store, profile_id: int | None, cache: ConnectorCache | None
) -> FeedTargetConnector:
    if profile_id is None:
        raise FeedError("The feed has no destination.", hint="Choose one in its settings.")
    connector: Connector = (
        cache.get(profile_id) if cache is not None else ProfileService(store).connector(profile_id)
    )
    if not isinstance(connector, FeedTargetConnector):
        raise FeedError(
            f"The feed's destination is a {connector.label} connection, not a feed destination."
        )
    return connector


def _publish_locked(
    store: Store,
    info: FlowInfo,
    snapshot: InventorySnapshot | None,
    trigger: str,
    user: str,
    cache: ConnectorCache | None = None,
) -> FeedRunSummary:
    started = time.perf_counter()
    channel = FeedConfig.channel_of(info.options)
    summary = FeedRunSummary(0, info.slug, info.name, channel, "failed")
    with store.session() as s:
        summary.run_id = run_log.start_run(
            s, info.id, trigger=trigger, triggered_by=user, dry_run=False, cursor=None
        )
    counts: dict[str, int] = {}
    try:
        config = FeedConfig.from_options(info.options)
        snap = (
            snapshot if snapshot is not None else read_source(store, info.source_profile_id, cache)
        )
        counts["read"] = snap.read_count
        _listed, others = snap.for_sale(config.statuses)
        summary.not_for_sale = len(others)
        feed = build_feed(snap, config, info.mapping)
        target = _target(store, info.dest_profile_id, cache)
        name = target.file_name(config.channel, config.file_format)
        receipt: DeliveryReceipt = target.deliver(name, feed.data, feed.content_type)
    except Exception as exc:
        if isinstance(exc, RooftopError):
            summary.error = str(exc)
            log.warning("feed %s failed: %s", info.slug, exc)
        else:  # a bug: the run says so (never left 'running'), the log has the traceback
            summary.error = f"The feed run stopped unexpectedly ({redact(type(exc).__name__)})."
            log.exception("feed %s stopped unexpectedly", info.slug)
        with store.session() as s:
            run_log.finish_run(
                s, summary.run_id, status="failed", counts=counts, error=str(exc),
                cursor_after=None,
            )  # fmt: skip
        summary.elapsed_s = time.perf_counter() - started
        return summary
    with store.session() as s:
        pub = record_publication(
            s,
            info.id,
            summary.run_id,
            feed=feed,
            receipt=receipt,
            parked=snap.parked,
            units={u["vin"]: u for u in snap.units},
            not_for_sale={u["vin"]: u.get("status", "") for u in others},
        )
        counts.update(
            created=len(pub.added), updated=len(pub.changed), unchanged=pub.unchanged,
            parked=len(pub.parked),
        )  # fmt: skip
        summary.status = "completed_with_errors" if pub.parked else "succeeded"
        run_log.finish_run(
            s, summary.run_id, status=summary.status, counts=counts, error=None,
            cursor_after=None,
        )  # fmt: skip
        state.mark_success(s, info.id)
    summary.listed, summary.added, summary.changed = pub.listed, len(pub.added), len(pub.changed)
    summary.removed, summary.excluded = pub.removed, pub.parked
    summary.location, summary.accepted = receipt.location, receipt.accepted
    summary.elapsed_s = time.perf_counter() - started
    log.info("%s", summary.line())
    return summary


def publish_feed(
    store: Store,
    ref: str | int,
    *,
    trigger: str = "manual",
    triggered_by: str | None = None,
) -> FeedRunSummary:
    """Read the DMS and publish one feed now."""
    info = get_feed(store, ref)
    with _source_lock(info.source_profile_id):
        return _publish_locked(store, info, None, trigger, triggered_by or current_os_user())


def publish_all(
    store: Store,
    *,
    trigger: str = "schedule",
    triggered_by: str | None = None,
    on_feed: Callable[[FeedRunSummary], None] | None = None,
    cache: ConnectorCache | None = None,
) -> list[FeedRunSummary]:
    """Publish every enabled feed; the inventory is read once per DMS connection.

    One feed failing (its destination is down) never stops the others. ``cache`` keeps
    connectors between calls (the real-time path).
    """
    user = triggered_by or current_os_user()
    groups: dict[int | None, list[FlowInfo]] = {}
    feeds = list_feeds(store, enabled_only=True)
    # The website first: shoppers see it directly; then the ad channels.
    feeds.sort(key=lambda f: (FeedConfig.channel_of(f.options) != "website", f.name))
    for info in feeds:
        groups.setdefault(info.source_profile_id, []).append(info)
    out: list[FeedRunSummary] = []
    for source, feeds in groups.items():
        with _source_lock(source):
            snapshot: InventorySnapshot | None = None
            try:
                snapshot = read_source(store, source, cache)
            except RooftopError as exc:
                log.warning("reading inventory for feeds failed: %s", exc)
            for info in feeds:
                # With no snapshot each feed re-reads and records the read error itself.
                summary = _publish_locked(store, info, snapshot, trigger, user, cache)
                out.append(summary)
                if on_feed is not None:
                    on_feed(summary)
    return out
