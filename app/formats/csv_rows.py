"""CSV rows made from column blocks by moving bytes, not by joining strings per row.

A block of a CSV file comes column by column (each column's fields, ready to write,
joined by NUL in UTF-8), and a file is written row by row. Splitting each column into a
``str`` per field and joining every row again was most of a million-row ``dedupe``'s
write (two Python objects per cell). Here the fields stay where they are: the place of
every field is found from the NULs (UTF-8 never puts a 0 byte inside a character), and
one gather copies them in row order, each followed by its NUL, which then becomes the
comma — the last field of a row is followed by CR LF instead.
"""

from __future__ import annotations

import numpy as np

_SEP = 0  # the byte between fields in a column block
_COMMA = ord(",")
_ROW_END = b"\r\n"


def rows_from_columns(columns: list[bytes], rows: int) -> bytes | None:
    """The CSV text (UTF-8, ``\\r\\n`` after every row) of ``rows`` rows whose fields are
    ``columns[j]`` joined by NUL. None when a column does not hold exactly ``rows``
    fields (a field with a NUL of its own): the caller writes that block another way."""
    if not rows or not columns:
        return b"" if not rows else None
    width = len(columns)
    buffer = np.frombuffer(b"".join(c + b"\x00" for c in columns) + _ROW_END, dtype=np.uint8)
    ends = np.flatnonzero(buffer == _SEP)  # field (j, i) ends at ends[j * rows + i]
    if len(ends) != width * rows:
        return None
    starts = np.empty_like(ends)
    starts[0], starts[1:] = 0, ends[:-1] + 1
    # Per row: each field with the NUL after it, then the two bytes of the row end (the
    # last field without its NUL).
    start = np.empty((rows, width + 1), dtype=np.int64)
    size = np.empty((rows, width + 1), dtype=np.int64)
    start[:, :width] = starts.reshape(width, rows).T
    size[:, :width] = (ends - starts + 1).reshape(width, rows).T
    size[:, width - 1] -= 1
    start[:, width] = len(buffer) - len(_ROW_END)
    size[:, width] = len(_ROW_END)
    start, size = start.ravel(), size.ravel()
    placed = np.cumsum(size) - size  # where each piece begins in the output
    at = np.arange(int(placed[-1] + size[-1]), dtype=np.int64)
    at += np.repeat(start - placed, size)
    out = buffer[at]
    out[out == _SEP] = _COMMA
    return out.tobytes()
