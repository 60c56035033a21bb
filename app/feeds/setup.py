"""Create or change a feed (stored as a flow: DMS inventory -> feed destination, with the
feed settings in its options and, for the website CSV, its column mapping), and export a
feed to a file without recording a publication (``feed export``)."""

from __future__ import annotations

from pathlib import Path

from app.connectors.feed_files import write_atomic
from app.feeds.build import build_feed
from app.feeds.config import (
    CHANNEL_LABELS,
    DEFAULT_INTERVAL_S,
    WEBSITE_MAPPING,
    FeedConfig,
)
from app.feeds.errors import FeedError, FeedNotFoundError
from app.feeds.inventory import inventory_stream_name
from app.feeds.publish import list_feeds, read_source
from app.formats.errors import FormatError
from app.formats.feeds import google_vehicle_listings, meta_automotive
from app.formats.feeds.common import DealerInfo, FeedFile
from app.mapping.model import Mapping
from app.services.flows import FlowDefinition, FlowInfo, FlowService
from app.services.profile_info import ProfileInfo
from app.services.profiles import ProfileService
from app.store import Store

DMS_KINDS = ("star_rest", "dms_rest", "dms_file")


def feed_definition(
    store: Store,
    *,
    slug: str,
    config: FeedConfig,
    dms_profile_id: int,
    target_profile_id: int,
    name: str = "",
    mapping: Mapping | None = None,
    interval_s: int = DEFAULT_INTERVAL_S,
    realtime: bool = True,
    description: str = "",
) -> FlowDefinition:
    """A feed as the flow it is stored as. ``realtime`` marks it for republishing on a
    sale."""
    if mapping is None:
        mapping = WEBSITE_MAPPING if config.channel == "website" else Mapping(())
    return FlowDefinition(
        slug=slug,
        name=name or f"Inventory feed: {CHANNEL_LABELS[config.channel]}",
        source_profile_id=dms_profile_id,
        source_stream=_inventory_stream_of(store, dms_profile_id),
        dest_profile_id=target_profile_id,
        dest_stream=config.channel,
        mapping=mapping,
        mode="realtime" if realtime else "full",
        options=config.to_options(),
        schedule={"interval_s": int(interval_s)},
        description=description,
    )


def save_feed(
    store: Store,
    *,
    slug: str,
    config: FeedConfig,
    dms_profile_id: int,
    target_profile_id: int,
    name: str = "",
    mapping: Mapping | None = None,
    interval_s: int = DEFAULT_INTERVAL_S,
    realtime: bool = True,
) -> FlowInfo:
    """Create or update a feed. ``realtime`` marks it for republishing on a sale."""
    definition = feed_definition(
        store, slug=slug, config=config, dms_profile_id=dms_profile_id,
        target_profile_id=target_profile_id, name=name, mapping=mapping,
        interval_s=interval_s, realtime=realtime,
    )  # fmt: skip
    return FlowService(store).upsert(definition, comment="feed settings")


# What each channel needs of the dealership (DealerInfo fields); its codec checks them.
DEALER_NEEDS: dict[str, tuple[str, ...]] = {
    "google": ("store_code", "name", "street", "city", "region", "postal_code"),
    "meta": ("street", "city", "region", "postal_code", "vdp_url"),
    "website": (),
}


def dealer_problem(channel: str, dealer: DealerInfo) -> str:
    """What the channel still needs of the dealer's details, in its codec's words."""
    check = {
        "google": google_vehicle_listings.check_dealer,
        "meta": meta_automotive.check_dealer,
    }.get(channel)
    try:
        if check is not None:
            check(dealer)
    except FormatError as exc:
        return exc.message
    missing = [n for n in DEALER_NEEDS.get(channel, ()) if not getattr(dealer, n).strip()]
    return f"Fill in: {', '.join(missing)}." if missing else ""


def _inventory_stream_of(store: Store, profile_id: int) -> str:
    connector = ProfileService(store).connector(profile_id)
    try:
        return inventory_stream_name(connector)
    finally:
        close = getattr(connector, "close", None)
        if callable(close):
            close()


def dms_profile(store: Store, name: str | None = None) -> ProfileInfo:
    """The named DMS connection, or the first DMS (REST or extract) connection."""
    profiles = ProfileService(store).list()
    if name:
        for p in profiles:
            if p.name == name or str(p.id) == name:
                return p
        raise FeedNotFoundError(f"There is no connection named '{name}'.")
    for kind in DMS_KINDS:
        for p in profiles:
            if p.kind == kind:
                return p
    raise FeedNotFoundError(
        "There is no DMS connection in this data folder.",
        hint="Add one under Connections (or start the demo), then try again.",
    )


def config_for_export(store: Store, channel: str) -> tuple[FeedConfig, Mapping]:
    """The settings of an existing feed of ``channel`` (dealer details, website columns),
    else the defaults."""
    for info in list_feeds(store):
        if FeedConfig.channel_of(info.options) == channel:
            return FeedConfig.from_options(info.options), info.mapping
    return FeedConfig(channel), WEBSITE_MAPPING if channel == "website" else Mapping(())


def export_feed(
    store: Store,
    channel: str,
    out: Path,
    *,
    connection: str | None = None,
    config: FeedConfig | None = None,
    mapping: Mapping | None = None,
) -> FeedFile:
    """Build one channel's feed from the DMS and write it to ``out`` (atomically)."""
    if channel not in CHANNEL_LABELS:
        raise FeedError(f"Unknown feed format '{channel}'; use google, meta or website.")
    profile = dms_profile(store, connection)
    default_config, default_mapping = config_for_export(store, channel)
    snapshot = read_source(store, profile.id)
    feed = build_feed(snapshot, config or default_config, mapping or default_mapping)
    feed.excluded = [*snapshot.parked, *feed.excluded]
    target = out.expanduser().resolve()
    write_atomic(target.parent, target.name, feed.data)
    return feed
