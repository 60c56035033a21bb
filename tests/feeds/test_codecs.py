"""Each feed built from the WHOLE demo inventory, parsed back and checked against its
spec's required fields, value formats and enumerations."""

from __future__ import annotations

import re

import pytest

from app.feeds.build import build_feed
from app.feeds.config import WEBSITE_MAPPING, FeedConfig
from app.feeds.inventory import InventorySnapshot
from app.formats.errors import FormatError
from app.formats.feeds import google_vehicle_listings as google
from app.formats.feeds import meta_automotive as meta
from app.formats.feeds import website_csv
from app.formats.feeds.common import read_delimited
from app.mapping.model import Mapping
from app.sandbox.demo_feeds import DEMO_DEALER
from app.sandbox.servers.website import parse_feed


def _config(channel: str) -> FeedConfig:
    return FeedConfig(channel, dealer=DEMO_DEALER)


def _for_sale(snapshot: InventorySnapshot) -> list[dict[str, str]]:
    return [u for u in snapshot.units if u["status"] == "AVAILABLE"]


def test_demo_inventory_is_big_enough(snapshot: InventorySnapshot) -> None:
    assert snapshot.read_count >= 130
    assert not snapshot.parked  # the demo DMS has clean VINs
    assert {u["condition"] for u in snapshot.units} == {"NEW", "USED", "CPO"}


def test_google_feed_whole_inventory(snapshot: InventorySnapshot) -> None:
    feed = build_feed(snapshot, _config("google"), Mapping(()))
    header, rows = read_delimited(feed.data, "tsv")
    assert header == list(google.COLUMNS)
    assert feed.data.split(b"\n", 1)[0].count(b"\t") == len(google.COLUMNS) - 1
    for_sale = _for_sale(snapshot)
    assert len(rows) + len(feed.excluded) == len(for_sale)
    assert len(rows) == len(for_sale)  # every demo unit qualifies
    assert {r["vin"] for r in rows} == {u["vin"] for u in for_sale}
    assert len({r["vin"] for r in rows}) == len(rows)
    for row in rows:
        assert google.problems(row) == [], row
        assert re.fullmatch(r"\d+ USD", row["price"])
        assert re.fullmatch(r"\d+ miles", row["mileage"])
        assert row["store_code"] == "DEMO-001"
        assert row["dealership_address"] == "1800 Auto Center Dr, Springfield, IL 62704, US"
    by_vin = {u["vin"]: u for u in for_sale}
    cpo = [r for r in rows if by_vin[r["vin"]]["condition"] == "CPO"]
    assert cpo and all(r["condition"] == "used" and r["certified_pre_owned"] == "yes" for r in cpo)
    new = [r for r in rows if by_vin[r["vin"]]["condition"] == "NEW"]
    assert new and all(r["vehicle_msrp"].endswith(" USD") for r in new)
    assert all(r["vehicle_msrp"] == "" for r in rows if r["condition"] == "used")
    # a special price is the final sale price
    special = next(u for u in for_sale if u["special_price"])
    row = next(r for r in rows if r["vin"] == special["vin"])
    assert row["price"] == f"{int(float(special['special_price']))} USD"
    # the simulated Google receiver accepts every row
    assert parse_feed("google", feed.data, feed.content_type)["rejected"] == []


def test_meta_feed_whole_inventory(snapshot: InventorySnapshot) -> None:
    feed = build_feed(snapshot, _config("meta"), Mapping(()))
    header, rows = read_delimited(feed.data, "csv")
    assert header == list(meta.COLUMNS)
    for_sale = _for_sale(snapshot)
    assert len(rows) == len(for_sale) and not feed.excluded
    assert len({r["vehicle_id"] for r in rows}) == len(rows)
    for row in rows:
        assert meta.problems(row) == [], row
        assert row["vehicle_id"] == row["vin"]
        assert row["mileage.unit"] == "MI"
        assert row["url"] == f"https://www.demo-dealer.example/inventory/{row['vin']}"
    assert {r["body_style"] for r in rows} <= set(meta.BODY_STYLES)
    assert "TRUCK" in {r["body_style"] for r in rows}  # the DMS says "Pickup"
    assert {r["state_of_vehicle"] for r in rows} == {"NEW", "USED", "CPO"}
    assert parse_feed("meta", feed.data, feed.content_type)["rejected"] == []


def test_website_feed_whole_inventory(snapshot: InventorySnapshot) -> None:
    feed = build_feed(snapshot, _config("website"), WEBSITE_MAPPING)
    header, rows = read_delimited(feed.data, "csv")
    assert header == WEBSITE_MAPPING.targets()
    assert len(rows) == len(_for_sale(snapshot))
    required = ["vin", *WEBSITE_MAPPING.required_targets()]
    for row in rows:
        assert website_csv.problems(row, required) == []
        assert re.fullmatch(r"\d+\.\d{2}", row["price"])
        assert row["condition"] in ("New", "Used", "Certified Pre-Owned")
    assert parse_feed("website", feed.data, feed.content_type)["rejected"] == []


def test_pending_units_only_when_asked(snapshot: InventorySnapshot) -> None:
    pending = {u["vin"] for u in snapshot.units if u["status"] == "PENDING"}
    assert pending
    default = build_feed(snapshot, _config("meta"), Mapping(()))
    assert not pending & set(default.vins())
    wider = build_feed(
        snapshot, FeedConfig("meta", dealer=DEMO_DEALER, include_pending=True), Mapping(())
    )
    _, rows = read_delimited(wider.data)
    assert {r["vin"] for r in rows if r["availability"] == "PENDING"} == pending


def test_sold_and_delivered_units_are_never_listed(snapshot: InventorySnapshot) -> None:
    gone = {u["vin"] for u in snapshot.units if u["status"] in ("SOLD", "DELIVERED")}
    assert gone
    for channel, mapping in (
        ("google", Mapping(())),
        ("meta", Mapping(())),
        ("website", WEBSITE_MAPPING),
    ):
        assert not gone & set(build_feed(snapshot, _config(channel), mapping).vins())


def test_missing_dealer_details_is_a_clear_error(snapshot: InventorySnapshot) -> None:
    with pytest.raises(FormatError, match="store code, dealership name"):
        google.build(snapshot.units, FeedConfig("google").dealer)
    with pytest.raises(FormatError, match="vehicle page address"):
        meta.build(snapshot.units, FeedConfig("meta").dealer)
