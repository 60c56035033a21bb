"""Read a person CSV the way admins actually have them: UTF-8 or Windows-1252, with or
without a BOM, comma/semicolon/tab separated, ragged rows, blank lines."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from app.matching.errors import MatchingError


@dataclass
class CsvData:
    frame: pd.DataFrame  # every row (strings), blank lines included
    encoding: str
    delimiter: str
    ragged_rows: int
    blank_rows: int


def _decode(raw: bytes) -> tuple[str, str]:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1"), "latin-1"


def read_csv(path: Path) -> CsvData:
    """Every data row of ``path`` as strings; raises ``MatchingError`` if it has no header."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MatchingError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    text, enc = _decode(raw)
    # The header line decides the delimiter: the candidate it holds most of.
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",;\t|", key=first.count) if first else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    while rows and not any(c.strip() for c in rows[0]):
        rows.pop(0)
    if not rows:
        raise MatchingError(
            f"{path.name} is empty.", hint="Export the file again with a header row."
        )
    header = [h.strip() or f"column_{i + 1}" for i, h in enumerate(rows[0])]
    seen: dict[str, int] = {}
    for i, h in enumerate(header):  # duplicate headers get a suffix
        if h in seen:
            seen[h] += 1
            header[i] = f"{h}_{seen[h]}"
        else:
            seen[h] = 1
    width = len(header)
    body, ragged, blank = [], 0, 0
    for r in rows[1:]:
        if not any(c.strip() for c in r):
            blank += 1
        if len(r) != width and any(c.strip() for c in r):
            ragged += 1
        body.append((r + [""] * width)[:width])
    frame = (
        pd.DataFrame(body, columns=header, dtype=object) if body else pd.DataFrame(columns=header)
    )
    return CsvData(frame, enc, delimiter, ragged, blank)
