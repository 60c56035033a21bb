"""Read the DMS inventory (REST stream or CSV extract) and sort it into units that can be
listed, units parked with a reason (bad VIN, repeated VIN, unreadable extract line) and
units not for sale. VINs are checked offline (length, characters, check digit); a blank
model year or make is filled from the VIN (vininfo)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from vininfo import Vin

from app.connectors.base import Connector
from app.connectors.streams import Stream, StreamSource
from app.domain.columns.distinct import text_frame
from app.domain.normalise import vin as valid_vin
from app.feeds.errors import FeedError
from app.formats.dms_layout import INVENTORY
from app.formats.feeds.common import Exclusion, clean_text

# A DMS's inventory stream: STAR REST names it after its spec, the others "inventory".
INVENTORY_STREAMS = ("inventory_vehicles", "inventory")
# STAR's InventoryStatusTypes in the feeds' three words (AVAILABLE / PENDING / SOLD); a
# value not listed here is kept as it is (a DMS code a feed never lists).
STATUS_WORDS = {
    "STOCKED_IN": "AVAILABLE",
    "ON_DEALER_LOT": "AVAILABLE",
    "RESERVED": "PENDING",
    "PRE_SOLD": "PENDING",
    "ON_HOLD": "PENDING",
    "SALES_HOLD": "PENDING",
    "DELIVERED": "SOLD",
}
# STAR's ConditionTypes the feeds know; salvage, rebuilt and the like stay as they are and
# are kept off the feeds with the reason, never listed as plain "used".
CONDITION_WORDS = {"CERTIFIED_PREOWNED": "CPO", "NEW_OLD_STOCK": "NEW"}

# No feed shows more than 5,000 characters of text; keep a margin, drop the rest early
# so one 4 MB description cannot bloat every later step.
MAX_INPUT_TEXT = 20_000
_VIN_CHARS = set("ABCDEFGHJKLMNPRSTUVWXYZ0123456789")


@dataclass
class InventorySnapshot:
    """One read of the DMS inventory, sorted."""

    units: list[dict[str, str]] = field(default_factory=list)  # valid VIN, any status
    parked: list[Exclusion] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)
    read_count: int = 0

    def for_sale(
        self, statuses: Iterable[str]
    ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        """(units to list, units not for sale) for the given DMS statuses."""
        wanted = set(statuses)
        listed: list[dict[str, str]] = []
        other: list[dict[str, str]] = []
        for unit in self.units:
            (listed if (unit.get("status") or "AVAILABLE") in wanted else other).append(unit)
        return listed, other


def vin_problem(raw: str) -> str:
    """Why a VIN is unusable, in plain words ('' when it is fine)."""
    text = raw.strip().upper()
    if not text:
        return "no VIN"
    if len(text) != 17:
        return f"VIN '{text[:40]}' has {len(text)} characters, not 17"
    bad = sorted({ch for ch in text if ch not in _VIN_CHARS})
    if bad:
        return (
            f"VIN '{text}' contains {', '.join(repr(c) for c in bad)} (I, O and Q are never used)"
        )
    if valid_vin(text) is None:
        return f"VIN '{text}' fails the check digit (position 9); it was probably mistyped"
    return ""


def vin_year(vin: str, today: date | None = None) -> str:
    """The model year the VIN encodes (the 30-year cycle resolved to the latest not in the
    future), or ''."""
    limit = (today or date.today()).year + 1
    try:
        years = [y for y in Vin(vin).years if y <= limit]
    except (ValueError, KeyError, IndexError):
        return ""
    return str(max(years)) if years else ""


def vin_make(vin: str) -> str:
    try:
        name = Vin(vin).manufacturer
    except (ValueError, KeyError, IndexError):
        return ""
    return "" if not name or name.lower().startswith("unknown") else str(name)


def inventory_stream(connector: Connector) -> Stream | None:
    """The connection's inventory stream (STAR's ``inventory_vehicles`` or ``inventory``)."""
    if not isinstance(connector, StreamSource):
        return None
    streams = connector.streams()
    return next((streams[n] for n in INVENTORY_STREAMS if n in streams), None)


def inventory_stream_name(connector: Connector) -> str:
    stream = inventory_stream(connector)
    return stream.spec.name if stream is not None else "inventory"


def read_rows(connector: Connector) -> tuple[list[dict[str, str]], list[Exclusion]]:
    """Every inventory row of a DMS connection, plus extract lines it could not read."""
    stream = inventory_stream(connector)
    if stream is None:
        raise FeedError(
            f"The connection ({connector.label}) does not offer the DMS inventory.",
            hint="Use a DMS connection, or a DMS file extract whose records are inventory.",
        )
    rows: list[dict[str, str]] = []
    rejected: list[Exclusion] = []
    take = getattr(stream, "take_rejects", None)
    for chunk in stream.read(None):
        records = text_frame(chunk).to_dict("records")
        rows.extend({str(k): str(v) for k, v in r.items()} for r in records)
        if take is not None:
            rejected += [
                Exclusion("", "", f"{r['file']} line {r['line']}: {r['reason']}") for r in take()
            ]
    if take is not None:
        rejected += [
            Exclusion("", "", f"{r['file']} line {r['line']}: {r['reason']}") for r in take()
        ]
    return rows, rejected


def prepare(rows: Iterable[Mapping[str, str]], today: date | None = None) -> InventorySnapshot:
    """Check VINs, drop repeated VINs, clean text, fill year/make from the VIN."""
    snap = InventorySnapshot()
    seen: dict[str, str] = {}
    for source in rows:
        snap.read_count += 1
        unit: dict[str, str] = {}
        notes: list[str] = []
        for column in INVENTORY:
            value, changed = clean_text(str(source.get(column, "") or ""), MAX_INPUT_TEXT)
            unit[column] = value
            notes += [f"{column}: {n}" for n in changed]
        unit["vin"] = unit["vin"].upper()
        status = unit["status"].upper()
        unit["status"] = STATUS_WORDS.get(status, status)
        condition = unit["condition"].upper()
        unit["condition"] = CONDITION_WORDS.get(condition, unit["condition"])
        stock = unit["stock_number"]
        problem = vin_problem(unit["vin"])
        if problem:
            snap.parked.append(Exclusion(unit["vin"], stock, problem))
            continue
        if unit["vin"] in seen:
            reason = f"the VIN is listed twice in the DMS (stock {seen[unit['vin']]} and {stock})"
            snap.parked.append(Exclusion(unit["vin"], stock, reason))
            continue
        seen[unit["vin"]] = stock
        if not unit["year"] and (year := vin_year(unit["vin"], today)):
            unit["year"] = year
            notes.append(f"model year {year} taken from the VIN")
        if not unit["make"] and (make := vin_make(unit["vin"])):
            unit["make"] = make
            notes.append(f"make {make} taken from the VIN")
        if notes:
            snap.notes[unit["vin"]] = notes
        snap.units.append(unit)
    return snap


def read_inventory(connector: Connector) -> InventorySnapshot:
    rows, rejected = read_rows(connector)
    snap = prepare(rows)
    snap.parked = rejected + snap.parked
    snap.read_count += len(rejected)
    return snap
