"""A CSV file written back with columns added: rows copied byte for byte where that is
what ``people_csv`` would write of their cells anyway.

A row of a comma-separated UTF-8 file that has no quote, no carriage return inside, the
header's number of fields, and no field starting like a formula is, as bytes, exactly
``people_csv``'s line for its cells: the cells need no quotes and ``csv_cell`` leaves
them as they are. Such rows are copied from the file (``copyable``, found with a few
passes of numpy over the bytes); only the others are joined again from their cells. The
added columns are made for every row as ``people_csv`` makes them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
import pandas as pd

from app.formats import people_csv
from app.formats.spreadsheet_cells import FORMULA_FIRST
from app.matching.row_spans import RowSpans

_COMMA, _QUOTE = ord(","), ord('"')
_LINES_PER_SCAN = 1 << 13  # bounds the scan's arrays (about a MB each)
# A field starting with one of these may be changed by ``csv_cell`` (formula guard); a CR
# cannot start one here (it only ends lines).
_RISKY_FIRST = np.zeros(256, dtype=bool)
_RISKY_FIRST[[ord(c) for c in FORMULA_FIRST if c != "\r"]] = True


def copyable(spans: RowSpans, width: int) -> npt.NDArray[np.bool_]:
    """Per data row: may its bytes be copied as its line (comma-separated, ``width``
    fields)? Found from where the few bytes that matter are: commas (counted per line),
    quotes and NULs (the line needs quotes), the first byte of each field (a formula
    start). A CR is only ever the first half of a line break where there are spans."""
    buf = np.frombuffer(spans.data, dtype=np.uint8)
    out = np.zeros(len(spans.starts), dtype=bool)
    for i in range(0, len(spans.starts), _LINES_PER_SCAN):
        starts = spans.starts[i : i + _LINES_PER_SCAN]
        lo = int(starts[0])
        more = i + _LINES_PER_SCAN < len(spans.starts)
        hi = int(spans.starts[i + _LINES_PER_SCAN]) if more else len(buf)
        piece = buf[lo:hi]  # the lines with their line breaks
        s = starts - lo
        commas = np.flatnonzero(piece == _COMMA)
        ok = np.diff(np.searchsorted(commas, np.append(s, len(piece)))) == width - 1
        odd = np.flatnonzero((piece == _QUOTE) | (piece == 0))
        ok[np.searchsorted(s, odd, side="right") - 1] = False
        heads = np.concatenate((s, np.minimum(commas + 1, len(piece) - 1)))
        risky = heads[_RISKY_FIRST[piece[heads]]]
        ok[np.searchsorted(s, risky, side="right") - 1] = False
        out[i : i + len(starts)] = ok
    return out


@dataclass
class Verbatim:
    """A file's rows kept for writing, out of memory while they wait (as ``Packed``
    cells are): the file's text in ``spill``, where each row is in it, and the cells of
    the rows that cannot be copied (``copy`` false), packed in their order."""

    starts: npt.NDArray[np.int64]  # row i is spill[starts[i]:ends[i]]
    ends: npt.NDArray[np.int64]
    copy: npt.NDArray[np.bool_]
    others: people_csv.Packed
    spill: BinaryIO

    @property
    def rows(self) -> int:
        return len(self.copy)

    def text(self, first: int, stop: int) -> tuple[bytes, int]:
        """The bytes of rows ``first`` to ``stop`` (excluded) and where they start."""
        if first >= stop:
            return b"", 0
        lo = int(self.starts[first])
        self.spill.seek(lo)
        return self.spill.read(int(self.ends[stop - 1]) - lo), lo

    def close(self) -> None:
        self.others.close()
        self.spill.close()


def keep(spans: RowSpans, frame: pd.DataFrame) -> Verbatim:
    """``frame`` (the rows read from ``spans``' file, comma-separated) kept for writing:
    only the cells of rows that cannot be copied are packed."""
    copy = copyable(spans, frame.shape[1])
    spill = tempfile.TemporaryFile()  # noqa: SIM115 -- Verbatim.close closes it
    base = int(spans.starts[0]) if len(spans.starts) else 0
    top = int(spans.ends[-1]) if len(spans.ends) else 0
    spill.write(memoryview(spans.data)[base:top])
    others = people_csv.pack(frame[~copy])
    return Verbatim(spans.starts - base, spans.ends - base, copy, others, spill)


def text_blocks(kept: Verbatim, extra: pd.DataFrame, header: list[str]) -> Iterator[bytes]:
    """The UTF-8 bytes of the CSV file: ``header``, then each row's line (copied, or made
    of its cells) followed by ``extra``'s cells (as many rows), a block of rows at a time
    (``\\r\\n`` line ends, no BOM)."""
    yield people_csv.header_line(header).encode("utf-8")
    others = people_csv.packed_rows(kept.others)
    size = people_csv.ROWS_PER_BLOCK
    for start in range(0, kept.rows, size):
        data, lo = kept.text(start, min(start + size, kept.rows))
        added = people_csv.row_texts(extra.iloc[start : start + size])
        joined = "\x00".join(added)
        tails = joined.encode("utf-8").split(b"\x00")
        if len(tails) != len(added):  # a NUL among the added cells: one at a time
            tails = [t.encode("utf-8") for t in added]
        starts = (kept.starts[start : start + size] - lo).tolist()
        ends = (kept.ends[start : start + size] - lo).tolist()
        copy = kept.copy[start : start + size]
        if copy.all():
            heads = [data[s:e] for s, e in zip(starts, ends, strict=True)]
        else:
            heads = [
                data[s:e] if c else next(others).encode("utf-8")
                for s, e, c in zip(starts, ends, copy.tolist(), strict=True)
            ]
        yield b"\r\n".join(map(b",".join, zip(heads, tails, strict=True))) + b"\r\n"
