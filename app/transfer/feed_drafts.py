"""What the new-feed wizard builds: an inventory feed draft (channel, DMS, dealer details,
destination, schedule), a preview of the feed it makes — its first rows and every unit
left out with the reason — and its save, through the same checks as a feed settings file
(``feed_definition`` -> a flow draft -> ``plan_flow`` -> ``apply_plan``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from app.feeds.build import build_feed
from app.feeds.config import CHANNEL_LABELS, DEFAULT_INTERVAL_S, WEBSITE_MAPPING, FeedConfig
from app.feeds.inventory import INVENTORY_STREAMS
from app.feeds.publish import read_source
from app.feeds.setup import feed_definition
from app.formats.feeds.common import DealerInfo, Exclusion
from app.mapping.model import Mapping
from app.services.flows import FlowInfo, FlowService
from app.services.profiles import ProfileService
from app.store import Store
from app.transfer.flow_drafts import FlowDraft, connections, free_slug
from app.transfer.flow_drafts import save as save_flow

PREVIEW_ROWS = 20


@dataclass
class FeedDraft:
    channel: str = "google"
    dms: str = ""  # connection names
    target: str = ""
    dealer: DealerInfo = field(default_factory=DealerInfo)
    include_pending: bool = False
    interval_s: int = DEFAULT_INTERVAL_S
    realtime: bool = True
    name: str = ""
    slug: str = ""
    mapping: Mapping | None = None  # the website CSV's columns; None = the default
    enabled: bool = True

    def config(self) -> FeedConfig:
        return FeedConfig(self.channel, dealer=self.dealer, include_pending=self.include_pending)

    def columns(self) -> Mapping:
        if self.channel != "website":
            return Mapping(())
        return self.mapping if self.mapping is not None else WEBSITE_MAPPING


def dms_connections(store: Store) -> list[str]:
    """Connections that offer the DMS inventory (a STAR or generic REST DMS, an extract)."""
    return [
        c.profile.name
        for c in connections(store)
        if any(name in c.streams for name in INVENTORY_STREAMS)
    ]


def target_connections(store: Store) -> list[str]:
    return [p.name for p in ProfileService(store).list() if p.kind == "feed_target"]


def default_name(channel: str) -> str:
    return f"Inventory feed: {CHANNEL_LABELS[channel]}"


def as_flow_draft(store: Store, draft: FeedDraft) -> FlowDraft:
    """The feed as the flow it is stored as (needs the DMS connection to name its
    inventory stream)."""
    profiles = ProfileService(store)
    name = draft.name or default_name(draft.channel)
    definition = feed_definition(
        store,
        slug=draft.slug or free_slug(store, name),
        config=draft.config(),
        dms_profile_id=profiles.get_by_name(draft.dms).id,
        target_profile_id=profiles.get_by_name(draft.target).id,
        name=name,
        mapping=draft.columns(),
        interval_s=draft.interval_s,
        realtime=draft.realtime,
    )
    return FlowDraft(
        name=definition.name,
        slug=definition.slug,
        source=draft.dms,
        source_stream=definition.source_stream,
        dest=draft.target,
        dest_stream=definition.dest_stream,
        mapping=definition.mapping,
        mode=definition.mode,
        schedule=dict(definition.schedule),
        options=dict(definition.options),
        enabled=draft.enabled,
    )


def feed_draft_of(store: Store, ref: str | int) -> FeedDraft:
    """An existing feed as a draft (Edit…)."""
    info = FlowService(store).get(ref)
    profiles = ProfileService(store)
    config = FeedConfig.from_options(info.options)
    return FeedDraft(
        channel=config.channel,
        dms=profiles.get(info.source_profile_id).name if info.source_profile_id else "",
        target=profiles.get(info.dest_profile_id).name if info.dest_profile_id else "",
        dealer=config.dealer,
        include_pending=config.include_pending,
        interval_s=int(info.schedule.get("interval_s") or DEFAULT_INTERVAL_S),
        realtime=info.mode == "realtime",
        name=info.name,
        slug=info.slug,
        mapping=info.mapping if config.channel == "website" else None,
        enabled=info.enabled,
    )


@dataclass(frozen=True)
class LeftOutUnit:
    vin: str
    stock_number: str
    reason: str


@dataclass
class FeedPreview:
    columns: list[str]
    rows: list[dict[str, str]]  # the first PREVIEW_ROWS rows of the feed
    listed: int
    read: int
    left_out: list[LeftOutUnit]  # problems first, then units not for sale


def preview(store: Store, draft: FeedDraft) -> FeedPreview:
    """Read the DMS inventory and build the feed as it would be published (nothing is
    delivered or recorded)."""
    profiles = ProfileService(store)
    config = draft.config()
    snapshot = read_source(store, profiles.get_by_name(draft.dms).id)
    feed = build_feed(snapshot, config, draft.columns())
    _listed, others = snapshot.for_sale(config.statuses)
    problems: list[Exclusion] = [*snapshot.parked, *feed.excluded]
    left = [LeftOutUnit(e.vin, e.stock_number, e.reason) for e in problems]
    left += [
        LeftOutUnit(u["vin"], u.get("stock_number", ""), f"not for sale ({u.get('status')})")
        for u in others
    ]
    return FeedPreview(
        list(feed.columns), feed.rows[:PREVIEW_ROWS], len(feed.rows), snapshot.read_count, left
    )


def save(store: Store, draft: FeedDraft, *, replacing: str | None = None) -> FlowInfo:
    """Check and create (or replace) the feed, as a feed settings file would be."""
    flow = as_flow_draft(store, draft)
    words = "changed in the feed wizard" if replacing else "made in the new-feed wizard"
    return save_flow(store, flow, replacing=replacing, comment=words)


def with_slug(store: Store, draft: FeedDraft) -> FeedDraft:
    name = draft.name or default_name(draft.channel)
    return draft if draft.slug else replace(draft, name=name, slug=free_slug(store, name))
