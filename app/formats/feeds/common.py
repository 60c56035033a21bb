"""What every feed codec shares: the dealer's details, the result of building a feed,
value formatting ("10499 USD", "2333 miles"), text clean-up and delimited-file I/O.

Rows going in are inventory units with the DMS layout's columns (``dms_layout.INVENTORY``)
as strings, '' for missing. A unit a feed cannot carry (missing a required field, a value
the spec does not allow, a VIN already in the feed) is left out and listed in
``FeedFile.excluded`` with a plain reason; the feed is still written with the rest.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from app.formats.spreadsheet_cells import csv_cell

Row = Mapping[str, str]

# Characters no feed reader wants: C0/C1 controls (but tab/newline, which the CSV writer
# quotes) and lone surrogates, which is what undecodable bytes become in Python text.
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class DealerInfo:
    """The rooftop's own details the ad channels ask for on every row."""

    store_code: str = ""
    name: str = ""
    street: str = ""
    city: str = ""
    region: str = ""  # state, e.g. CA
    postal_code: str = ""
    country: str = "US"
    phone: str = ""
    vdp_url: str = ""  # vehicle page, with {vin} and/or {stock_number}
    currency: str = "USD"
    mileage_unit: str = "miles"  # miles | km
    latitude: str = ""
    longitude: str = ""

    def address_line(self) -> str:
        """'1800 Amphibious Blvd., Mountain View, CA 94045, US' (Google's example form)."""
        region_zip = " ".join(p for p in (self.region, self.postal_code) if p)
        parts = [self.street, self.city, region_zip, self.country]
        return ", ".join(p for p in parts if p)

    def vehicle_url(self, row: Row) -> str:
        if not self.vdp_url:
            return ""
        return self.vdp_url.replace("{vin}", row.get("vin", "")).replace(
            "{stock_number}", row.get("stock_number", "")
        )


@dataclass(frozen=True)
class Exclusion:
    vin: str
    stock_number: str
    reason: str


@dataclass
class FeedFile:
    """A built feed: its bytes plus what was left out and why."""

    channel: str
    file_format: str  # csv | tsv
    columns: list[str]
    rows: list[dict[str, str]]
    excluded: list[Exclusion] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)  # vin -> changes made
    data: bytes = b""

    @property
    def content_type(self) -> str:
        return "text/tab-separated-values" if self.file_format == "tsv" else "text/csv"

    def vins(self) -> list[str]:
        return [r.get("vin", "") for r in self.rows]


def clean_text(value: str, limit: int = 0) -> tuple[str, list[str]]:
    """Text safe for a feed cell: bad characters dropped, whitespace runs collapsed,
    cut at ``limit`` characters on a word boundary. Returns the text and what changed."""
    notes: list[str] = []
    text, bad = _BAD_CHARS.subn("", value)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    if bad:
        notes.append(f"removed {bad} character(s) that are not valid text")
    text = _SPACES.sub(" ", text).strip()
    if limit and len(text) > limit:
        cut = text[: limit - 1]
        space = cut.rfind(" ")
        cut = cut[:space] if space > limit // 2 else cut
        notes.append(f"shortened from {len(text):,} to {len(cut) + 1:,} characters")
        text = cut + "…"
    return text, notes


def amount(value: str) -> Decimal | None:
    """'23,499.00' / '$23499' -> Decimal; None when empty or not a positive amount."""
    text = value.strip().replace(",", "").lstrip("$").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() and number > 0 else None


def price_text(number: Decimal, currency: str) -> str:
    """ISO 4217 form both Google and Meta take: '10499 USD', '10499.50 USD'."""
    whole = number.quantize(Decimal("0.01"))
    text = f"{whole:f}"
    if text.endswith(".00"):
        text = text[:-3]
    return f"{text} {currency}"


def whole_number(value: str) -> int | None:
    text = value.strip().replace(",", "")
    if not text:
        return None
    try:
        number = int(Decimal(text))
    except (InvalidOperation, ValueError):
        return None
    return number if number >= 0 else None


def model_year(value: str) -> int | None:
    text = value.strip()
    if len(text) == 4 and text.isdigit() and 1900 <= int(text) <= 2100:
        return int(text)
    return None


def photo_list(value: str) -> list[str]:
    """Space- (or comma-) separated photo URLs, http(s) only, duplicates removed."""
    urls = [u for u in re.split(r"[\s,]+", value.strip()) if u]
    return list(dict.fromkeys(u for u in urls if u.lower().startswith(("http://", "https://"))))


class FeedBuilder:
    """Collects rows for one feed: drops repeated VINs, records exclusions and notes."""

    def __init__(
        self, channel: str, columns: Sequence[str], file_format: str, *, for_people: bool = False
    ) -> None:
        if file_format not in ("csv", "tsv"):
            raise ValueError(f"unknown feed file format {file_format!r}")
        self.feed = FeedFile(channel, file_format, list(columns), [])
        self.for_people = for_people
        self._seen: dict[str, str] = {}

    def exclude(self, row: Row, reason: str) -> None:
        self.feed.excluded.append(
            Exclusion(row.get("vin", "").strip().upper(), row.get("stock_number", ""), reason)
        )

    def note(self, vin: str, notes: Iterable[str]) -> None:
        items = [n for n in notes if n]
        if items:
            self.feed.notes.setdefault(vin, []).extend(items)

    def add(self, source: Row, out: dict[str, str], key: str = "vin") -> bool:
        """Add ``out`` unless its key was already emitted (then it is excluded)."""
        ident = out.get(key, "").upper()
        if ident in self._seen:
            self.exclude(source, f"the VIN is already in this feed (stock {self._seen[ident]})")
            return False
        self._seen[ident] = source.get("stock_number", "")
        self.feed.rows.append({c: out.get(c, "") for c in self.feed.columns})
        return True

    def finish(self) -> FeedFile:
        self.feed.data = write_delimited(
            self.feed.columns, self.feed.rows, self.feed.file_format, for_people=self.for_people
        )
        return self.feed


def write_delimited(
    columns: Sequence[str], rows: Iterable[Row], file_format: str, *, for_people: bool = False
) -> bytes:
    """UTF-8 (no BOM), header line first, ``\\n`` line ends, minimal quoting.
    ``for_people``: a file people open in a spreadsheet (the website CSV), so no value
    may run as a formula (``spreadsheet_cells.csv_cell``); machine feeds keep theirs."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer,
        delimiter="\t" if file_format == "tsv" else ",",
        lineterminator="\n",
        quoting=csv.QUOTE_MINIMAL,
    )
    writer.writerow(columns)
    for row in rows:
        cells = [row.get(c, "") for c in columns]
        writer.writerow([csv_cell(c) for c in cells] if for_people else cells)
    return buffer.getvalue().encode("utf-8")


def read_delimited(data: bytes, file_format: str = "") -> tuple[list[str], list[dict[str, str]]]:
    """Parse a feed back (header + rows). ``file_format`` '' sniffs tab vs comma."""
    text = data.decode("utf-8-sig")
    first = text.split("\n", 1)[0]
    tsv = file_format == "tsv" or (not file_format and first.count("\t") > first.count(","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if tsv else ",")
    header = next(reader, [])
    rows = [dict(zip(header, cells, strict=True)) for cells in reader if cells]
    return header, rows
