"""Customer numbers and VINs as integer codes, so the rules join vehicles, deals and
repair orders on integers instead of texts.

Equal text, equal code (VINs compared in upper case); a (customer, VIN) pair is one
integer, ``customer code × VINs + VIN code``. Hashing a text column is the costly step
(a DMS has hundreds of thousands of VINs), so each column is hashed once, and texts of
other tables (warranties, a segment's members) are looked up only for the rows a rule
keeps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _objects(column: pd.Series) -> np.ndarray:
    return np.asarray(column.to_numpy(dtype=object), dtype=object)


def _split(code: np.ndarray, columns: tuple[pd.Series, ...]) -> list[np.ndarray]:
    out, start = [], 0
    for c in columns:
        out.append(code[start : start + len(c)])
        start += len(c)
    return out


class VinCodes:
    """One code per distinct upper-case VIN of ``columns`` (``per_column``: the codes of
    each column's rows); ``of`` codes other texts, -1 for a VIN none of them has."""

    def __init__(self, *columns: pd.Series) -> None:
        values = np.concatenate([_objects(c) for c in columns]) if columns else np.array([])
        code, uniques = pd.factorize(values, sort=False)
        upper = pd.Series(uniques, dtype=object).astype(str).str.upper().to_numpy(dtype=object)
        if len(upper) and (upper != uniques).any():  # 'abc' and 'ABC' are one VIN
            again, upper = pd.factorize(upper, sort=False)
            code = again[code]
        self.per_column = _split(np.asarray(code, dtype=np.int64), columns)
        self.count = max(len(upper), 1)
        self._uniques = upper
        self._index: pd.Index | None = None

    def of(self, vins: pd.Series) -> np.ndarray:
        if self._index is None:
            self._index = pd.Index(self._uniques, dtype=object)
        upper = pd.Series(_objects(vins), dtype=object).astype(str).str.upper()
        return np.asarray(self._index.get_indexer(pd.Index(upper, dtype=object)), dtype=np.int64)


class CustomerCodes:
    """A customer's code is their row in the customer list (``index``, customer numbers
    are unique there); numbers of ``columns`` the list lacks are coded after it, one code
    each. ``of`` codes other texts, -1 for a number neither has."""

    def __init__(self, customer_ids: pd.Series, *columns: pd.Series) -> None:
        self.index = pd.Index(_objects(customer_ids), dtype=object)
        texts = [_objects(c) for c in columns]
        rows = [np.asarray(self.index.get_indexer(t), dtype=np.int64) for t in texts]
        missing = [r < 0 for r in rows]
        lost = np.concatenate(
            [np.array([], dtype=object)] + [t[m] for t, m in zip(texts, missing, strict=True)]
        )
        self._unknown = pd.Index(np.array([], dtype=object), dtype=object)
        if len(lost):
            code, uniques = pd.factorize(lost, sort=False)
            self._unknown = pd.Index(uniques, dtype=object)
            code = np.asarray(code, dtype=np.int64) + len(self.index)
            start = 0
            for r, m in zip(rows, missing, strict=True):
                n = int(m.sum())
                r[m] = code[start : start + n]
                start += n
        self.per_column = rows
        self.count = len(self.index) + len(self._unknown)

    def rows(self, ids: pd.Series) -> np.ndarray:
        """Row in the customer list of each number, -1 when it is not there."""
        return np.asarray(self.index.get_indexer(_objects(ids)), dtype=np.int64)

    def of(self, ids: pd.Series) -> np.ndarray:
        code = self.rows(ids)
        miss = code < 0
        if miss.any() and len(self._unknown):
            found = self._unknown.get_indexer(_objects(ids)[miss])
            code[miss] = np.where(found >= 0, found + len(self.index), -1)
        return code
