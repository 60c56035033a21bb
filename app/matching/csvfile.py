"""Read a person CSV the way admins actually have them: UTF-8 or Windows-1252, with or
without a BOM (even a UTF-8 BOM in front of cp1252 text), comma/semicolon/tab/pipe
separated, ragged rows, blank lines, NUL bytes, fields of megabytes, a quote never closed.

Fast path: pandas' C reader (all columns as strings). A file it refuses (a row with more
fields than the header, a quote never closed, a stray quote) is read again by the ``csv``
module record by record: a record that breaks the CSV rules is read as plain text (split
on the delimiter, quotes kept) and reported with its line number; no other row is lost.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from app.matching.errors import MatchingError
from app.matching.row_spans import RowSpans, row_spans

# The csv module refuses fields over 128 KB by default; a notes column can hold more.
FIELD_LIMIT = 64 * 1024 * 1024
MAX_PROBLEMS_LISTED = 20


@dataclass
class CsvData:
    frame: pd.DataFrame  # every row (strings), blank lines included
    encoding: str
    delimiter: str
    ragged_rows: int
    blank_rows: int
    nul_bytes: int = 0
    problems: list[str] = field(default_factory=list)  # "line 7: ..." per bad record
    spans: RowSpans | None = None  # each row's bytes in the file, when one line a row


def _decode(raw: bytes) -> tuple[str, str]:
    """Text and encoding name. A BOM says UTF-8 but DMS exports put one in front of
    Windows-1252 text too: the BOM is dropped and the rest decides."""
    for mark, enc in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if raw.startswith(mark):
            return raw[len(mark) :].decode(enc, errors="replace"), "utf-16"
    bom = raw.startswith(codecs.BOM_UTF8)
    body = raw[len(codecs.BOM_UTF8) :] if bom else raw
    try:
        return body.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return body.decode("cp1252"), "cp1252 (after a UTF-8 BOM)" if bom else "cp1252"
    except UnicodeDecodeError:
        return body.decode("latin-1"), "latin-1"


def _delimiter(text: str) -> str:
    """The header line decides: the candidate it holds most of."""
    for line in text[: 1 << 16].splitlines():
        if line.strip():
            return max(",;\t|", key=line.count)
    return ","


def _header(cells: list[str]) -> list[str]:
    """Stripped names; blank ones named by position, repeated ones given a suffix."""
    header = [h.strip() or f"column_{i + 1}" for i, h in enumerate(cells)]
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        if h in seen:
            seen[h] += 1
            header[i] = f"{h}_{seen[h]}"
        else:
            seen[h] = 1
    return header


def _fast(
    text: str, delimiter: str, utf8: bytes | memoryview | None = None
) -> tuple[pd.DataFrame, int, int] | None:
    """The rows under the header by pandas' C reader, how many rows it read in all and
    which was the header; None if it refuses the file. A row with fewer fields than the
    header is padded with empty ones (uncounted: the C reader fills them in the same way
    as empty fields). ``utf8``: the same text as UTF-8 bytes, when at hand (the reader
    parses bytes: given text, it encodes it again)."""
    try:
        raw = pd.read_csv(
            io.BytesIO(utf8) if utf8 is not None else io.StringIO(text),
            encoding="utf-8",
            sep=delimiter,
            header=None,
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
            doublequote=True,
        )
    except (pd.errors.ParserError, ValueError, csv.Error):
        return None
    # Leading blank lines come through as rows of one empty cell.
    first = 0
    while first < len(raw) and not any(str(c).strip() for c in raw.iloc[first].tolist()):
        first += 1
    if first == len(raw):
        return None
    header = _header([str(c) for c in raw.iloc[first].tolist()])
    body = raw.iloc[first + 1 :].reset_index(drop=True) if first + 1 else raw
    body.columns = pd.Index(header)
    return body, len(raw), first


def _blank_rows(frame: pd.DataFrame) -> int:
    """Rows without a single non-blank cell."""
    if not len(frame):
        return 0
    empty = None
    for col in frame.columns:
        e = frame[col].str.len().eq(0).to_numpy()
        empty = e if empty is None else empty & e
        if not empty.any():
            return 0
    return int(empty.sum()) if empty is not None else 0


def _split_plain(line: str, delimiter: str) -> list[str]:
    return line.rstrip("\r\n").split(delimiter)


def _slow(text: str, delimiter: str) -> tuple[list[list[str]], list[str]]:
    """Rows by the csv module, record by record; a record that breaks the rules is read
    as plain text and reported with its line number."""
    previous = csv.field_size_limit(FIELD_LIMIT)
    try:
        return _slow_rows(text, delimiter)
    finally:
        csv.field_size_limit(previous)  # the limit is process-wide: DMS extracts keep theirs


def _slow_rows(text: str, delimiter: str) -> tuple[list[list[str]], list[str]]:
    lines = list(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    problems: list[str] = []
    start = 0  # first physical line (0-based) not yet read
    while start < len(lines):
        reader = csv.reader(iter(lines[start:]), delimiter=delimiter, strict=True)
        done = 0  # physical lines of lines[start:] consumed by complete records
        try:
            for row in reader:
                rows.append(row)
                done = reader.line_num
            break
        except csv.Error as exc:
            bad = start + done  # the record that failed starts on this line
            reason = str(exc)
            if "end of data" in reason or "unexpected end" in reason:
                reason = "a quote is never closed"
            elif "field larger than field limit" in reason:
                reason = f"a field is larger than {FIELD_LIMIT // (1024 * 1024)} MB"
            problems.append(f"line {bad + 1}: {reason}; the line was read as plain text")
            rows.append(_split_plain(lines[bad], delimiter))
            start = bad + 1
    return rows, problems


def read_csv(path: Path) -> CsvData:
    """Every data row of ``path`` as strings; raises ``MatchingError`` if it has no header."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MatchingError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    text, enc = _decode(raw)
    nul = text.count("\x00")
    if nul:
        text = text.replace("\x00", "")
    delimiter = _delimiter(text)
    utf8 = None
    if enc in ("utf-8", "utf-8-sig") and not nul:  # the file's bytes are the text's UTF-8
        utf8 = memoryview(raw)[len(codecs.BOM_UTF8) if enc == "utf-8-sig" else 0 :]
    read = None
    spans = None
    if not text.strip():
        pass
    elif utf8 is not None:
        # The parser reads the bytes: the text (as large again) goes while it does, and
        # is decoded again only if the parser refuses the file.
        del text
        read = _fast("", delimiter, utf8)
        if read is None:
            text, _ = _decode(raw)
        else:
            spans = row_spans(raw, len(raw) - len(utf8), read[1], read[2])
    else:
        read = _fast(text, delimiter)
    if read is not None:
        frame = read[0]
        blank = _blank_rows(frame)
        return CsvData(frame, enc, delimiter, 0, blank, nul, spans=spans)
    rows, problems = _slow(text, delimiter)
    while rows and not any(c.strip() for c in rows[0]):
        rows.pop(0)
    if not rows:
        raise MatchingError(
            f"{path.name} is empty.", hint="Export the file again with a header row."
        )
    header = _header(rows[0])
    width = len(header)
    body, ragged, blank = [], 0, 0
    for r in rows[1:]:
        if not any(c.strip() for c in r):
            blank += 1
        if len(r) != width and any(c.strip() for c in r):
            ragged += 1
        body.append((r + [""] * width)[:width])
    out = pd.DataFrame(body, columns=header, dtype=object) if body else pd.DataFrame(columns=header)
    return CsvData(out, enc, delimiter, ragged, blank, nul, problems)
