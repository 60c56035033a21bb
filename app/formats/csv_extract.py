"""DMS CSV extracts: encoding detection, delimiter sniffing, header aliasing and row
parsing with physical line numbers. Pure: it reads the file (or bytes) it is given.

Encodings: ``auto`` = a UTF-8 BOM means utf-8-sig, else strict UTF-8 if the whole file
decodes, else cp1252 (what Windows DMS exports usually are). Bytes the chosen encoding
cannot decode reject only their row.

Values are stripped of surrounding spaces (DMS exports pad fields) and of control
characters (a NUL is never data). A row with the
wrong number of values, a quoting error or undecodable bytes becomes a ``RowError``
(line, reason, raw text) and parsing goes on. An opening quote that is never closed
would swallow the rest of the file, so a record that spans several lines and does not
fit the header is rejected at its first line and parsing resumes on the next one.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app.formats.dms_layout import ENTITIES
from app.formats.errors import ExtractError

ENCODINGS = ("auto", "utf-8", "utf-8-sig", "cp1252")
DELIMITERS = {"auto": "", "comma": ",", "semicolon": ";", "pipe": "|", "tab": "\t"}
MAX_RECORD_LINES = 20  # a quoted value longer than this many lines is a broken quote
RAW_LIMIT = 500
_BLOCK = 1 << 20
_SURROGATE = re.compile("[\udc80-\udcff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# DMS-style headers (the nightly extract's own, then common variants) -> canonical name.
CUSTOMER_ALIASES: dict[str, tuple[str, ...]] = {
    "customer_id": ("CUST_NO", "CUSTNO", "CUST_NUM", "CUSTOMER_NUMBER", "CUSTOMER_NO",
                    "CUST_ID", "CUSTOMER", "DMS_ID"),
    "customer_type": ("CUST_TYPE", "TYPE", "CUSTOMER_TYPE"),
    "first_name": ("FIRST_NAME", "FNAME", "FIRST", "GIVEN_NAME"),
    "middle_name": ("MIDDLE_NAME", "MNAME", "MIDDLE", "MI", "MIDDLE_INITIAL"),
    "last_name": ("LAST_NAME", "LNAME", "LAST", "SURNAME", "FAMILY_NAME"),
    "company_name": ("COMPANY_NAME", "COMPANY", "BUSINESS_NAME", "BUS_NAME"),
    "address_line1": ("ADDR1", "ADDRESS", "ADDRESS1", "ADDRESS_1", "STREET", "ADDR_LINE1"),
    "address_line2": ("ADDR2", "ADDRESS2", "ADDRESS_2", "APT", "ADDR_LINE2"),
    "city": ("CITY", "TOWN"),
    "state": ("STATE", "ST", "STATE_CODE", "PROVINCE"),
    "zip": ("ZIP", "ZIP_CODE", "ZIPCODE", "POSTAL", "POSTAL_CODE", "ZIP5"),
    "home_phone": ("HOME_PH", "HOME_PHONE", "HOME", "PHONE", "RES_PH"),
    "work_phone": ("BUS_PH", "WORK_PH", "WORK_PHONE", "BUSINESS_PHONE", "OFFICE_PH"),
    "mobile_phone": ("CELL_PH", "CELL", "CELL_PHONE", "MOBILE", "MOBILE_PH", "MOBILE_PHONE"),
    "email": ("EMAIL_ADDR", "EMAIL", "E_MAIL", "EMAIL_ADDRESS", "E_MAIL_ADDRESS"),
    "birth_date": ("BIRTH_DT", "BIRTH_DATE", "BIRTHDATE", "DOB", "DATE_OF_BIRTH"),
    "opt_in_email": ("EMAIL_OPT_IN", "OPT_IN_EMAIL", "EMAIL_OK"),
    "opt_in_sms": ("SMS_OPT_IN", "OPT_IN_SMS", "TEXT_OPT_IN", "SMS_OK"),
    "opt_in_phone": ("PHONE_OPT_IN", "OPT_IN_PHONE", "CALL_OK"),
    "created_at": ("CREATE_DT", "CREATED", "CREATE_DATE", "DATE_CREATED"),
    "updated_at": ("LAST_UPD_DT", "LAST_UPDATE", "UPDATED", "LAST_MODIFIED", "MOD_DT"),
}  # fmt: skip
VEHICLE_ALIASES: dict[str, tuple[str, ...]] = {
    "vin": ("VIN", "VIN_NO", "VIN_NUMBER", "SERIAL_NO"),
    "stock_number": ("STOCK", "STOCK_NO", "STOCKNO", "STK_NO", "STOCK_NUM"),
    "year": ("YEAR", "YR", "MODEL_YEAR", "MDL_YR"),
    "mileage": ("MILEAGE", "MILES", "ODOMETER", "ODOM"),
    "customer_id": ("CUST_NO", "CUSTNO", "CUSTOMER_NUMBER", "CUST_NUM"),
}
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "customer": CUSTOMER_ALIASES,
    "vehicle": VEHICLE_ALIASES,
    "inventory": VEHICLE_ALIASES,
    "deal": {"deal_number": ("DEAL_NO", "DEAL_NUM", "DEAL"), **VEHICLE_ALIASES},
    "repair_order": {"ro_number": ("RO_NO", "RO_NUM", "RO"), **VEHICLE_ALIASES},
    "appointment": {"appointment_id": ("APPT_ID", "APPT_NO"), **VEHICLE_ALIASES},
}


def header_key(name: str) -> str:
    """Case, space, underscore and punctuation-insensitive form of a header."""
    return re.sub(r"[^0-9A-Z]", "", name.upper())


def alias_map(entity: str) -> dict[str, str]:
    """Normalised header -> canonical column for ``entity``."""
    if entity not in ENTITIES:
        raise ExtractError(f"Unknown record type '{entity}' for a DMS extract.")
    columns, _key = ENTITIES[entity]
    out = {header_key(c): c for c in columns}
    for canonical, aliases in ALIASES.get(entity, {}).items():
        for alias in aliases:
            out.setdefault(header_key(alias), canonical)
    return out


@dataclass(frozen=True)
class HeaderMap:
    """Which canonical column each file column feeds (None = ignored)."""

    targets: tuple[str | None, ...]
    ignored: tuple[str, ...]

    def mapped(self) -> set[str]:
        return {t for t in self.targets if t}


def map_headers(headers: list[str], entity: str) -> HeaderMap:
    table = alias_map(entity)
    targets: list[str | None] = []
    ignored: list[str] = []
    taken: set[str] = set()
    for name in headers:
        target = table.get(header_key(name))
        if target is None or target in taken:  # the first of two aliases wins
            targets.append(None)
            ignored.append(name)
        else:
            targets.append(target)
            taken.add(target)
    return HeaderMap(tuple(targets), tuple(ignored))


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` (BOM), ``utf-8`` (decodes strictly) or ``cp1252``."""
    with path.open("rb") as fh:
        first = fh.read(_BLOCK)
        if first.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
        block = first
        try:
            while block:
                decoder.decode(block)
                block = fh.read(_BLOCK)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def sniff_delimiter(header_line: str) -> str:
    """The most frequent of , ; | tab in the header line (outside quotes); ',' if none."""
    outside = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: outside.count(d) for d in (",", ";", "|", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str
    raw: str


@dataclass(frozen=True)
class ParsedRow:
    line: int
    values: dict[str, str]


@dataclass
class _Lines:
    """Decoded physical lines with their numbers; lines can be pushed back to re-parse."""

    source: Iterator[tuple[int, str]]
    pending: deque[tuple[int, str]] = field(default_factory=deque)
    taken: list[tuple[int, str]] = field(default_factory=list)

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if len(self.taken) >= MAX_RECORD_LINES:
            raise _RunawayQuoteError
        number, text = self.pending.popleft() if self.pending else next(self.source)
        self.taken.append((number, text))
        return text


class _RunawayQuoteError(Exception):
    """A quoted value ran on for more than MAX_RECORD_LINES lines."""


# The longest value a DMS field may hold. Checked on every parsed value, not left to the
# csv module's process-wide limit, which other readers (dedupe) raise for their files.
FIELD_LIMIT = 131_072
_TOO_LONG = (
    f"a value is longer than {FIELD_LIMIT:,} characters, the most one field may hold "
    "(the rest of the file is read)"
)


def _quote_reason(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return _TOO_LONG
    if "end of data" in text:
        return "a quote is opened but never closed"
    if "expected after" in text:
        return 'text follows a closing quote (a quote inside a value must be doubled: "")'
    return f"bad quoting ({text})"


def _clean(value: str) -> str:
    """A value as the rest of the app sees it: padding stripped, and control characters
    (a NUL, a form feed…) dropped -- they are never data, and a NUL once reached the CRM."""
    if _CONTROL.search(value):
        value = _CONTROL.sub("", value)
    return value.strip()


def _raw(text: str) -> str:
    readable = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return readable.rstrip("\r\n")[:RAW_LIMIT]


class ExtractReader:
    """Parses one extract: ``header`` and ``encoding`` are known after ``open_rows``."""

    def __init__(self, entity: str, *, encoding: str = "auto", delimiter: str = "auto") -> None:
        if encoding not in ENCODINGS:
            raise ExtractError(f"Unknown encoding '{encoding}'; use one of {', '.join(ENCODINGS)}.")
        self.entity = entity
        self.encoding_setting = encoding
        self.delimiter_setting = DELIMITERS.get(delimiter, delimiter)
        self.encoding = ""
        self.delimiter = ""
        self.headers: HeaderMap | None = None
        self.header_text = ""  # the header line as read (kept with a reject, to re-read it)

    def _physical_lines(self, path: Path) -> Iterator[tuple[int, str]]:
        encoding = self.encoding
        with path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                if number == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8) :]
                codec = "utf-8" if encoding == "utf-8-sig" else encoding
                yield number, raw.decode(codec, "surrogateescape")

    def rows(self, path: Path) -> Iterator[ParsedRow | RowError]:
        """Every data row of ``path`` as a ParsedRow, or a RowError for a bad one."""
        self.encoding = (
            detect_encoding(path) if self.encoding_setting == "auto" else self.encoding_setting
        )
        lines = self._physical_lines(path)
        header_no, header_text = next(
            ((n, t) for n, t in lines if t.strip()), (0, "")
        )  # the first non-blank line is the header
        if not header_no:
            raise ExtractError(f"{path.name} is empty (no header line).")
        self.header_text = _raw(header_text)
        self.delimiter = self.delimiter_setting or sniff_delimiter(header_text)
        names = next(csv.reader([header_text], delimiter=self.delimiter))
        self.headers = map_headers([n.strip() for n in names], self.entity)
        yield from self._records(_Lines(lines), len(names))

    def _records(self, lines: _Lines, width: int) -> Iterator[ParsedRow | RowError]:
        assert self.headers is not None
        targets = self.headers.targets
        reader = csv.reader(lines, delimiter=self.delimiter, strict=True)
        while True:
            lines.taken.clear()
            try:
                values = next(reader)
            except StopIteration:
                if lines.taken:  # EOF inside an open quote
                    yield from self._resume(lines, "a quote is opened but never closed")
                    continue
                return
            except _RunawayQuoteError:
                reader = csv.reader(lines, delimiter=self.delimiter, strict=True)
                yield from self._resume(lines, "a quote is opened but never closed")
                continue
            except csv.Error as exc:
                reader = csv.reader(lines, delimiter=self.delimiter, strict=True)
                reason = _quote_reason(exc)
                if len(lines.taken) > 1 and "field limit" in str(exc):
                    # a quote left open swallowed the lines after it until the limit
                    reason = "a quote is opened but never closed"
                yield from self._resume(lines, reason)
                continue
            taken = list(lines.taken)
            first = taken[0][0] if taken else 0
            if not values or (len(values) == 1 and not values[0].strip() and width > 1):
                continue  # a blank line
            if len(values) != width:
                if len(taken) > 1:
                    yield from self._resume(lines, "a quote is opened but never closed", taken)
                    continue
                reason = f"has {len(values)} values but the header has {width} columns"
                yield RowError(first, reason, _raw(taken[0][1]))
                continue
            if any(len(v) > FIELD_LIMIT for v in values):
                # a quote left open that swallowed the lines after it, or one huge value
                reason = "a quote is opened but never closed" if len(taken) > 1 else _TOO_LONG
                yield from self._resume(lines, reason, taken)
                continue
            bad = next((i for i, v in enumerate(values) if _SURROGATE.search(v)), None)
            if bad is not None:
                byte = ord(_SURROGATE.search(values[bad]).group()) - 0xDC00  # type: ignore[union-attr]
                reason = f"byte 0x{byte:02X} in column {bad + 1} is not valid {self.encoding} text"
                yield RowError(first, reason, _raw("".join(t for _, t in taken)))
                continue
            row = {t: _clean(v) for t, v in zip(targets, values, strict=True) if t}
            yield ParsedRow(first, row)

    def reread(self, header_text: str, raw: str, line: int = 0) -> ParsedRow | RowError:
        """A rejected row read again as the person corrected it (``raw``, one record),
        under its file's header line, by the same rules as the file."""
        if len(raw) >= RAW_LIMIT or len(header_text) >= RAW_LIMIT:
            return RowError(line, "the row is too long to have been kept whole", raw)
        if "\ufffd" in raw:
            return RowError(
                line, "the row still holds characters that could not be read (shown as �)", raw
            )
        self.delimiter = self.delimiter_setting or sniff_delimiter(header_text)
        names = next(csv.reader([header_text], delimiter=self.delimiter))
        self.headers = map_headers([n.strip() for n in names], self.entity)
        numbered = iter([(line, raw + "\n")])
        for item in self._records(_Lines(numbered), len(names)):
            return item
        return RowError(line, "the row is empty", raw)

    @staticmethod
    def _resume(
        lines: _Lines, reason: str, taken: list[tuple[int, str]] | None = None
    ) -> Iterator[RowError]:
        """Reject the record's first line; parse again from the line after it."""
        taken = list(lines.taken if taken is None else taken)
        lines.taken.clear()
        if not taken:
            return
        lines.pending.extendleft(reversed(taken[1:]))
        yield RowError(taken[0][0], reason, _raw(taken[0][1]))
