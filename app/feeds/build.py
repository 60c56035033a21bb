"""Turn an inventory snapshot into one channel's feed file (pure: no I/O)."""

from __future__ import annotations

import pandas as pd

from app.feeds.config import FeedConfig
from app.feeds.errors import FeedError
from app.feeds.inventory import InventorySnapshot
from app.formats.dms_layout import INVENTORY
from app.formats.errors import FormatError
from app.formats.feeds import google_vehicle_listings, meta_automotive, website_csv
from app.formats.feeds.common import Exclusion, FeedFile
from app.mapping.apply import MappingError, apply_mapping
from app.mapping.model import Mapping


def build_feed(snapshot: InventorySnapshot, config: FeedConfig, mapping: Mapping) -> FeedFile:
    """The full feed for ``config.channel``; every unit left out is in ``excluded``."""
    listed, _others = snapshot.for_sale(config.statuses)
    try:
        if config.channel == "google":
            feed = google_vehicle_listings.build(listed, config.dealer, config.file_format)
        elif config.channel == "meta":
            feed = meta_automotive.build(listed, config.dealer, config.file_format)
        else:
            feed = _website(listed, config, mapping)
    except (FormatError, MappingError) as exc:
        raise FeedError(exc.message, hint=exc.hint) from exc
    for vin, notes in snapshot.notes.items():
        if vin in feed.notes or vin in set(feed.vins()):
            feed.notes.setdefault(vin, [])[:0] = notes
    return feed


def _website(listed: list[dict[str, str]], config: FeedConfig, mapping: Mapping) -> FeedFile:
    if not mapping.rules:
        raise FeedError(
            "The website feed has no columns yet.",
            hint="Open the feed's mapping and add the columns your website expects.",
        )
    frame = pd.DataFrame(listed, columns=list(INVENTORY), dtype=object)
    result = apply_mapping(frame, mapping, "vin")
    bad: dict[str, list[str]] = {}
    for err in result.errors:
        bad.setdefault(err.row_key, []).append(f"{err.field}: {err.reason} ('{err.value[:40]}')")
    required = list(dict.fromkeys(["vin", *mapping.required_targets()]))
    columns = list(dict.fromkeys(mapping.targets()))
    mapped = result.frame.to_dict("records")
    good: list[tuple[dict[str, str], dict[str, str]]] = []
    excluded: list[tuple[dict[str, str], str]] = []
    for source, row in zip(listed, mapped, strict=True):
        problems = bad.get(source["vin"])
        if problems:
            excluded.append((source, "; ".join(problems)))
        else:
            good.append((source, {str(k): str(v) for k, v in row.items()}))
    feed = website_csv.build(
        good,
        columns,
        required=required,
        file_format=config.file_format,
        max_cell=config.max_text,
    )
    mapping_failures = [Exclusion(s["vin"], s.get("stock_number", ""), r) for s, r in excluded]
    feed.excluded = mapping_failures + feed.excluded
    return feed
