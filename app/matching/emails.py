"""E-mail addresses for matching: ``fastpaths.email`` of each distinct address (the
column kernel in ``app.domain.columns.emails``), hashed to stable 63-bit codes."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from app.domain.columns import emails as email_kernel
from app.domain.columns import packed
from app.domain.columns.distinct import distinct

I64 = npt.NDArray[np.int64]
_WIDTH = 48  # the hash depends on the width: addresses are hashed at this one ...
_WIDE = 256  # ... and the rare longer ones at this


def hashed(addresses: npt.NDArray[np.object_]) -> I64:
    """The code of each normalised address (str, or None when not valid): its 63-bit
    hash, or -1 for none. The same address gets the same code in every run, so an index
    built once can be probed with a single new record."""
    text = np.where(pd.isna(addresses), "", addresses)
    m, too_long = packed.to_matrix(text, _WIDTH)
    h = packed.hash64(m)
    if too_long.any():
        rows = np.flatnonzero(too_long)
        h[rows] = packed.hash64(packed.to_matrix(text[rows], _WIDE)[0])
    return np.where(h == 0, -1, (h >> np.uint64(1)).astype(np.int64))


def coded(codes: npt.NDArray[np.intp], uniques: npt.NDArray[np.object_]) -> I64:
    """``emails`` of values already factorised (``distinct``)."""
    return hashed(email_kernel.normalised(uniques))[codes].astype(np.int64)


def emails(values: pd.Series) -> I64:
    """Codes of the normalised e-mail addresses (-1 missing or not valid)."""
    return coded(*distinct(values))
