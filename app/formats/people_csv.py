"""A frame as the text of a CSV file people open in a spreadsheet, fast.

Byte for byte what ``csv.writer`` (minimal quoting, ``\\r\\n`` line ends) writes of the
cells made formula-safe by ``spreadsheet_cells.csv_column`` -- at a fraction of its cost:
per block of rows, each column's values are joined into one string; a few character
searches tell whether any may need quotes or start like a formula, only then are its
characters looked at as numbers (where each value starts, where a comma, quote or line
break is), and only the values that need it are changed one by one. Rows are joined by
``str.join``; blocks of rows bound the memory a million-row file's text would take.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
import pandas as pd

from app.formats.spreadsheet_cells import FORMULA_FIRST, csv_cell, csv_column

ROWS_PER_BLOCK = 25_000  # a block's text and cell lists: tens of MB, not hundreds
# Per character code below 128: does a field holding it need quotes (csv.QUOTE_MINIMAL),
# may a value starting with it run as a formula (``csv_cell`` decides)? Others: no.
_QUOTED_CHARS, _RISKY_CHARS = '",\r\n', "".join(FORMULA_FIRST)
_QUOTED = np.zeros(128, dtype=bool)
_QUOTED[[ord(c) for c in _QUOTED_CHARS]] = True
_RISKY_FIRST = np.zeros(128, dtype=bool)
_RISKY_FIRST[[ord(c) for c in _RISKY_CHARS]] = True
_SEP = "\x00"  # between the values of a block in one string (a value with one: slow path)
_FEW_FROM = 1_000  # values in a block from which repeated ones are changed once each


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _codes(joined: str) -> npt.NDArray[np.integer]:
    """The character codes of ``joined``, one byte each where all are ASCII."""
    if joined.isascii():
        return np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    return np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)


def _fields(values: npt.NDArray[np.object_], text: bool, joined: str | None = None) -> list[str]:
    """The CSV fields of one block of a column of ``str`` values without a NUL
    (``joined``: them joined by ``_SEP``, if at hand): formula-safe (when ``text``) and
    quoted where needed."""
    if not len(values):
        return []
    joined = _SEP.join(values) if joined is None else joined
    # Most columns need neither: a few character searches (memchr) over the block say so.
    text = text and any(c in joined for c in _RISKY_CHARS)
    if not text and not any(c in joined for c in _QUOTED_CHARS):
        return values.tolist()
    chars = _codes(joined + _SEP)
    ends = np.flatnonzero(chars == 0)  # value i ends where the i-th separator is
    low = np.minimum(chars, 127)
    out = values
    if text:
        starts = np.empty(len(values), dtype=np.int64)
        starts[0], starts[1:] = 0, ends[:-1] + 1
        risky = np.flatnonzero(_RISKY_FIRST[low[starts]])  # an empty value: the separator
        if len(risky):
            out = values.copy()
            out[risky] = [csv_cell(v) for v in values[risky].tolist()]
    special = np.flatnonzero(_QUOTED[low])
    if len(special):
        hit = np.zeros(len(values), dtype=bool)
        hit[np.searchsorted(ends, special)] = True
        rows = np.flatnonzero(hit)
        if out is values:
            out = values.copy()
        out[rows] = [_quote(v) for v in out[rows].tolist()]
    return out.tolist()


def _is_text(column: pd.Series) -> bool:
    return column.dtype == object or pd.api.types.is_string_dtype(column.dtype)


def _joined(values: npt.NDArray[np.object_]) -> str | None:
    """The values joined by ``_SEP``; None unless all are ``str`` without a NUL."""
    try:
        joined = _SEP.join(values)
    except TypeError:  # None, NaN or numbers among the text: the general path
        return None
    return joined if joined.count(_SEP) == max(len(values) - 1, 0) else None


def _column_block(column: pd.Series) -> list[str]:
    """``_fields`` of a block of one column, any dtype (numbers as ``astype(str)``)."""
    if not _is_text(column):
        return _fields(_numbers_as_text(column), False)
    values = column.to_numpy(dtype=object)
    joined = _joined(values)
    if joined is None:
        return _fields(_as_text(csv_column(column)), False)
    if (
        len(values) >= _FEW_FROM
        and len(set(values[:200].tolist())) <= 50  # the first ones repeat a lot
        and any(c in joined for c in _RISKY_CHARS + _QUOTED_CHARS)
    ):
        # Values to change one by one (a match's reasons all hold commas): when they
        # repeat a lot, each distinct one is changed once.
        codes, uniques = pd.factorize(values)
        if len(uniques) * 4 <= len(values):
            distinct = np.asarray(_fields(np.asarray(uniques, dtype=object), True), dtype=object)
            return distinct[codes].tolist()
    return _fields(values, True, joined)


def _packed_block(block: str | pd.Series) -> list[str]:
    """``_column_block`` of a block as ``pack`` keeps it."""
    if isinstance(block, str):
        if not any(c in block for c in _RISKY_CHARS + _QUOTED_CHARS):  # as ``_fields`` finds
            return block.split(_SEP)
        return _fields(np.asarray(block.split(_SEP), dtype=object), True, block)
    return _column_block(block)


@dataclass
class Packed:
    """The columns of a frame kept aside until they are written, in a temporary file
    (a ``str`` per cell costs some 60 bytes: a million-row file's cells would take
    gigabytes while it is matched; this way, none). Per column, per block of
    ``block_rows`` rows, where in ``spill`` its cells are, joined by NUL (UTF-8). A block
    that is not all ``str`` without a NUL (numbers, missing cells) stays a ``Series``."""

    columns: list[str]
    rows: int
    block_rows: int
    blocks: list[list[tuple[int, int] | pd.Series]]  # per column, per block
    spill: BinaryIO

    def block(self, column: int, i: int) -> str | pd.Series:
        """Block ``i`` of a column: its cells joined by NUL, or the ``Series``."""
        where = self.blocks[column][i]
        if isinstance(where, pd.Series):
            return where
        self.spill.seek(where[0])
        return self.spill.read(where[1]).decode("utf-8")

    def close(self) -> None:
        self.spill.close()


def pack(frame: pd.DataFrame) -> Packed:
    """``frame`` as a ``Packed`` (its columns by name, as ``str``); ``close`` it after."""
    size = ROWS_PER_BLOCK
    spill = tempfile.TemporaryFile()  # noqa: SIM115 -- Packed.close closes it
    blocks: list[list[tuple[int, int] | pd.Series]] = []
    for j in range(frame.shape[1]):
        column = frame.iloc[:, j]
        values = column.to_numpy(dtype=object) if _is_text(column) else None
        col_blocks: list[tuple[int, int] | pd.Series] = []
        for start in range(0, len(frame), size):
            joined = _joined(values[start : start + size]) if values is not None else None
            if joined is None:
                col_blocks.append(column.iloc[start : start + size].copy())
                continue
            data = joined.encode("utf-8")
            col_blocks.append((spill.tell(), len(data)))
            spill.write(data)
        blocks.append(col_blocks)
    return Packed([str(c) for c in frame.columns], len(frame), size, blocks, spill)


def header_line(header: list[str]) -> str:
    """The header row's text, line break included (names as given, quoted where needed)."""
    return ",".join(_fields(np.asarray(header, dtype=object), False)) + "\r\n"


def row_texts(block: pd.DataFrame) -> list[str]:
    """Each row of ``block`` as its CSV line's text (no line break), formula-safe."""
    cols = [_column_block(block.iloc[:, j]) for j in range(block.shape[1])]
    return list(map(",".join, zip(*cols, strict=True)))


def packed_rows(packed: Packed) -> Iterator[str]:
    """Each row of ``packed`` as its CSV line's text (no line break), formula-safe."""
    for i in range(-(-packed.rows // packed.block_rows)):  # blocks
        cols = [_packed_block(packed.block(j, i)) for j in range(len(packed.columns))]
        yield from map(",".join, zip(*cols, strict=True))


def packed_text_blocks(packed: Packed, extra: pd.DataFrame, header: list[str]) -> Iterator[str]:
    """``text_blocks`` of ``packed``'s columns followed by ``extra``'s (as many rows)."""
    yield header_line(header)
    size = packed.block_rows
    for i, start in enumerate(range(0, packed.rows, size)):
        block = extra.iloc[start : start + size]
        cols = [_packed_block(packed.block(j, i)) for j in range(len(packed.columns))]
        cols += [_column_block(block.iloc[:, j]) for j in range(block.shape[1])]
        yield "\r\n".join(map(",".join, zip(*cols, strict=True)))
        yield "\r\n"


def _numbers_as_text(column: pd.Series) -> npt.NDArray[np.object_]:
    """``_as_text`` of a number column, each distinct value converted once (scores
    rounded to 4 places repeat a lot)."""
    if column.dtype.kind != "f":
        return _as_text(column)
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    return _as_text(pd.Series(uniques, dtype=column.dtype))[codes]


def _as_text(column: pd.Series) -> npt.NDArray[np.object_]:
    """``astype(str)``, and what that leaves missing (NaN) as ``csv.writer`` writes it."""
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iu":
        # Plain integers: ``str`` of each, as ``astype(str)`` writes them, without
        # building (and checking) a string-dtype array first.
        return np.asarray(list(map(str, column.tolist())), dtype=object)
    values = column.astype(str).to_numpy(dtype=object)
    try:
        "".join(values)
    except TypeError:
        values = np.array([v if isinstance(v, str) else str(v) for v in values], dtype=object)
    return values


def text_blocks(frame: pd.DataFrame, header: list[str]) -> Iterator[str]:
    """The CSV text of ``frame`` under ``header`` (as given, quoted where needed), a
    block of rows at a time (``\r\n`` line ends, the header first). Write the blocks
    as they come, to a file opened with ``newline=""``."""
    yield header_line(header)
    for start in range(0, len(frame), ROWS_PER_BLOCK):
        yield "\r\n".join(row_texts(frame.iloc[start : start + ROWS_PER_BLOCK]))
        yield "\r\n"
