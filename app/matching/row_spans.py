"""Where each data row of a CSV file is in its bytes: one physical line a row.

Known only when the file's lines and the rows pandas read map one to one (no field holds
a line break, no line ends in a lone CR): then a writer may copy a row's bytes instead of
joining its cells again (``app.formats.verbatim_csv`` decides which rows it may).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

_LF, _CR = 10, 13


@dataclass
class RowSpans:
    """Data row ``i`` is ``data[starts[i]:ends[i]]`` (its line break left out)."""

    data: bytes  # the file's bytes (UTF-8; a BOM, if any, is before the first span)
    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]


def row_spans(data: bytes, skip: int, rows_read: int, header_row: int) -> RowSpans | None:
    """The spans of the data rows, or None when lines and rows do not map one to one.

    ``skip``: bytes before the text (a BOM); ``rows_read``: how many rows the reader made
    of the text (blank lines, the header and anything before it included);
    ``header_row``: which of them is the header."""
    buf = np.frombuffer(data, dtype=np.uint8)[skip:]
    breaks = np.flatnonzero(buf == _LF)
    crlf = int(np.count_nonzero((breaks > 0) & (buf[np.maximum(breaks - 1, 0)] == _CR)))
    if data.count(b"\r") != crlf:  # a lone CR ends a row for the reader, not a line here
        return None
    starts = np.concatenate(([0], breaks + 1)).astype(np.int64)
    ends = np.concatenate((breaks, [len(buf)])).astype(np.int64)
    if starts[-1] == len(buf):  # nothing after the last line break: no line there
        starts, ends = starts[:-1], ends[:-1]
    if len(starts) != rows_read:  # a quoted line break (or a reader's own rule) somewhere
        return None
    carriage = ends > starts
    carriage[carriage] = buf[ends[carriage] - 1] == _CR
    ends = ends - carriage
    first = header_row + 1
    return RowSpans(data, starts[first:] + skip, ends[first:] + skip)
