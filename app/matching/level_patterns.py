"""Level vectors as integers: a pair's comparison levels (one per field, a row of
``Comparison.matrix``) coded in one int64 by mixed radix, and the distinct vectors of
many pairs with how many pairs have each -- everything the model counts is a sum over
them."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from app.matching.compare import FIELDS

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
# Codes per field in a level matrix: 0 (missing on one), the levels, missing on both.
RADIX = np.array([len(f.levels) + 2 for f in FIELDS], dtype=np.int64)


def pattern_codes(levels: npt.NDArray[np.int8]) -> I64:
    """One integer per level vector (mixed radix over the fields)."""
    code = np.zeros(len(levels), dtype=np.int64)
    for j, r in enumerate(RADIX.tolist()):
        # in place: a new array a field would hold three of the pairs' int64 columns at
        # once (hundreds of MB at millions of pairs) and touch fresh pages every time
        code *= r
        code += levels[:, j]
    return code


def decode(codes: I64) -> I64:
    out = np.zeros((len(codes), len(RADIX)), dtype=np.int64)
    rest = codes.copy()
    for j in range(len(RADIX) - 1, -1, -1):
        out[:, j] = rest % RADIX[j]
        rest //= RADIX[j]
    return out


def patterns(levels: npt.NDArray[np.int8]) -> tuple[I64, F64]:
    """Distinct level vectors (rows of levels) and how many pairs have each (in the
    order of their codes)."""
    return chunked_patterns([levels])


def chunked_patterns(chunks: Iterable[npt.NDArray[np.int8]]) -> tuple[I64, F64]:
    """:func:`patterns` of the rows of all ``chunks`` together, one chunk in memory at a
    time (a file's tens of millions of candidate pairs need no matrix of them all)."""
    size = int(np.prod(RADIX))
    table: I64 | None = None
    parts: list[I64] = []
    for levels in chunks:
        codes = pattern_codes(levels)
        if table is None and len(codes) < size // 4:
            parts.append(codes)  # few pairs: sorting them beats a table of every code
            if sum(len(p) for p in parts) < size // 4:
                continue
            codes = np.concatenate(parts)
            parts = []
        # Millions of pairs: counted in a table of all codes, not sorted (the same answer).
        counted = np.bincount(codes, minlength=size)
        table = counted if table is None else table + counted
    if table is None:
        uniq, counts = np.unique(
            np.concatenate(parts or [np.zeros(0, np.int64)]), return_counts=True
        )
        return decode(uniq), counts.astype(np.float64)
    uniq = np.flatnonzero(table)
    return decode(uniq), table[uniq].astype(np.float64)
