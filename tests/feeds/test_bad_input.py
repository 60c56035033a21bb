"""Bad units: each is handled with a reason and the feed is still produced for the rest."""

from __future__ import annotations

from app.feeds.build import build_feed
from app.feeds.config import WEBSITE_MAPPING, FeedConfig
from app.feeds.inventory import prepare, vin_problem
from app.formats.feeds import meta_automotive as meta
from app.formats.feeds.common import read_delimited
from app.mapping.model import Mapping
from app.sandbox.demo_feeds import DEMO_DEALER

GOOD = "1G4AH59H45G118341"  # valid check digit
FOUR_MB = "Loaded. " * (4 * 1024 * 1024 // 8)
MAPPINGS = {"google": Mapping(()), "meta": Mapping(()), "website": WEBSITE_MAPPING}


def _bad_units(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    base = [r for r in rows if r["status"] == "AVAILABLE"][:4]
    bad_vin = {
        **base[0],
        "vin": base[0]["vin"][:8] + ("0" if base[0]["vin"][8] != "0" else "1") + base[0]["vin"][9:],
    }
    no_price = {**base[1], "price": "", "special_price": ""}
    huge = {**base[2], "description": FOUR_MB}
    # what undecodable bytes (b"\xe9" read as UTF-8 with surrogateescape) look like in text
    mangled = {**base[3], "model": base[3]["model"] + "\udce9", "description": "Caf\udce9 \x00 ok"}
    return [bad_vin, no_price, huge, mangled]


def test_each_bad_unit_has_a_reason_and_the_feed_is_still_built(
    inventory_rows: list[dict[str, str]],
) -> None:
    bad = _bad_units(inventory_rows)
    bad_vin, no_price, huge, mangled = bad
    snapshot = prepare([*bad, *inventory_rows[4:]])
    parked = {e.vin: e.reason for e in snapshot.parked}
    assert "check digit" in parked[bad_vin["vin"].upper()]
    for channel, mapping in MAPPINGS.items():
        feed = build_feed(snapshot, FeedConfig(channel, dealer=DEMO_DEALER), mapping)
        text = feed.data.decode("utf-8")  # strictly valid UTF-8
        assert "\udce9" not in text and "\x00" not in text
        excluded = {e.vin: e.reason for e in feed.excluded}
        assert no_price["vin"] in excluded, channel
        assert "price" in excluded[no_price["vin"]]
        _, rows = read_delimited(feed.data)
        vins = {r["vin"] for r in rows}
        assert len(rows) > 100  # the rest is published
        assert huge["vin"] in vins and mangled["vin"] in vins and bad_vin["vin"] not in vins
        assert len(feed.data) < 2_000_000  # the 4 MB description did not travel
        if channel != "google":  # Google's listing feed has no description
            row = next(r for r in rows if r["vin"] == huge["vin"])
            assert 0 < len(row["description"]) <= 5000
            assert any("shortened" in n for n in feed.notes[huge["vin"]])
        assert any("not valid text" in n for n in feed.notes[mangled["vin"]])
        row = next(r for r in rows if r["vin"] == mangled["vin"])
        assert row["model"] == mangled["model"].replace("\udce9", "")


def test_vin_problems_are_explained() -> None:
    assert vin_problem(GOOD) == ""
    assert "17" in vin_problem("1G4AH59H45G11834")
    assert "I, O and Q" in vin_problem("1G4AH59H45G11834O")
    assert "check digit" in vin_problem("1G4AH59H55G118341")
    assert vin_problem("") == "no VIN"


def test_duplicate_vins_are_never_emitted(inventory_rows: list[dict[str, str]]) -> None:
    first = next(r for r in inventory_rows if r["status"] == "AVAILABLE")
    twin = {**first, "stock_number": "DUP-1", "vin": first["vin"].lower()}
    snapshot = prepare([first, twin, *inventory_rows])
    reasons = [e.reason for e in snapshot.parked if e.vin == first["vin"]]
    assert reasons and "listed twice" in reasons[0]
    for channel, mapping in MAPPINGS.items():
        feed = build_feed(snapshot, FeedConfig(channel, dealer=DEMO_DEALER), mapping)
        assert feed.vins().count(first["vin"]) == 1


def test_codec_drops_repeated_vin_with_reason() -> None:
    row = {
        "vin": GOOD,
        "stock_number": "A1",
        "condition": "USED",
        "year": "2005",
        "make": "Buick",
        "model": "LaCrosse",
        "exterior_color": "Blue",
        "mileage": "90000",
        "price": "4999",
        "photo_urls": "https://x.example/1.jpg",
        "body_style": "Sedan",
    }
    feed = meta.build([row, {**row, "stock_number": "A2"}], DEMO_DEALER)
    assert feed.vins() == [GOOD]
    assert feed.excluded[0].stock_number == "A2"
    assert "already in this feed" in feed.excluded[0].reason


def test_blank_year_and_make_come_from_the_vin() -> None:
    row = {"vin": GOOD, "stock_number": "A1", "status": "AVAILABLE", "year": "", "make": ""}
    snapshot = prepare([row])
    unit = snapshot.units[0]
    assert unit["year"] == "2005" and unit["make"] == "Buick"
    assert any("taken from the VIN" in n for n in snapshot.notes[GOOD])


def test_star_inventory_words_become_the_feeds_words() -> None:
    """STAR's InventoryStatusTypes and ConditionTypes read as the feeds' AVAILABLE /
    PENDING / SOLD and NEW / USED / CPO; a salvage unit is kept off with the reason."""
    rows = [
        {"vin": GOOD, "stock_number": "A1", "status": "RESERVED",
         "condition": "CERTIFIED_PREOWNED"},
        {"vin": "1HGCM82633A004352", "stock_number": "A2", "status": "STOCKED_IN",
         "condition": "SALVAGE", "price": "9000"},
    ]  # fmt: skip
    snapshot = prepare(rows)
    first = snapshot.units[0]
    assert (first["status"], first["condition"]) == ("PENDING", "CPO")
    second = snapshot.units[1]
    assert (second["status"], second["condition"]) == ("AVAILABLE", "SALVAGE")
    listed, _other = snapshot.for_sale(FeedConfig("google", include_pending=True).statuses)
    assert listed == [first, second]
    feed = build_feed(snapshot, FeedConfig("google", dealer=DEMO_DEALER), MAPPINGS["google"])
    excluded = {e.stock_number: e.reason for e in feed.excluded}
    assert "SALVAGE" in excluded["A2"], excluded
