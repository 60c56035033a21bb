"""Source columns factorised once per ``apply_mapping`` call: integer codes per row plus
the distinct values, so a rule's chain runs once per distinct value (or combination)."""

from __future__ import annotations

import numpy as np
import pandas as pd

_SAMPLE = 1000  # rows looked at to tell a column of (nearly) unique values


def as_text(values: np.ndarray) -> np.ndarray:
    """Object array of str ('' for missing); returned as is when it already is one."""
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        return values
    return np.array(["" if v is None or v != v else str(v) for v in values], dtype=object)


class Factors:
    """Each source column factorised once: integer codes per row + distinct values. The
    last distinct value is always '' and stands for a missing cell."""

    def __init__(self, df: pd.DataFrame) -> None:
        self.df = df
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._unique_like: dict[str, bool] = {}

    def get(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        if column not in self._cache:
            arr = self.df[column].to_numpy(dtype=object)
            codes, uniques = pd.factorize(arr, use_na_sentinel=True)
            distinct = np.asarray(uniques, dtype=object)
            if pd.api.types.infer_dtype(distinct, skipna=False) != "string":
                distinct = np.array([str(v) for v in distinct], dtype=object)
            values = np.append(distinct, np.array([""], dtype=object))
            if (codes < 0).any():
                codes = np.where(codes < 0, len(values) - 1, codes)  # missing -> ''
            self._cache[column] = (codes.astype(np.intp, copy=False), values)
        return self._cache[column]

    def unique_like(self, column: str) -> bool:
        """Whether nearly every row holds its own value (created_at, street): then the
        distinct pass would cost a hash per row and save nothing, so rows are used as is."""
        if column not in self._unique_like:
            values = self.df[column].to_numpy(dtype=object)
            step = max(len(values) // _SAMPLE, 1)
            sample = values[::step][:_SAMPLE].tolist()
            self._unique_like[column] = len(sample) >= _SAMPLE and len(set(sample)) >= 0.95 * len(
                sample
            )
        return self._unique_like[column]

    def distinct(self, columns: tuple[str, ...], n: int) -> tuple[np.ndarray, list[np.ndarray]]:
        """(row -> combination number, per column the values of each combination)."""
        if not columns:
            return np.zeros(n, dtype=np.intp), []
        if any(self.unique_like(c) for c in columns):
            texts = [as_text(self.df[c].to_numpy(dtype=object)) for c in columns]
            return np.arange(n, dtype=np.intp), texts
        if len(columns) == 1:
            codes, values = self.get(columns[0])
            return codes, [values]
        parts = [self.get(c) for c in columns]
        combined = np.zeros(n, dtype=np.int64)
        size = 1
        for codes, values in parts:
            if size * len(values) >= 2**62:  # int64 would overflow: renumber so far
                combined, seen = pd.factorize(combined)
                size = len(seen)
            combined = combined * len(values) + codes
            size *= len(values)
        inverse, keys = pd.factorize(combined)  # hashing: no sort of every row
        first = np.empty(len(keys), dtype=np.intp)  # a row holding each combination
        first[inverse[::-1]] = np.arange(n, dtype=np.intp)[::-1]
        return inverse.astype(np.intp, copy=False), [v[c[first]] for c, v in parts]


def row_keys(df: pd.DataFrame, key_column: str, rows: np.ndarray) -> list[str]:
    """The row key of each position in ``rows`` ('' where the key cell is missing)."""
    if key_column not in df.columns:
        return [str(df.index[i]) for i in rows.tolist()]
    cells = df[key_column].to_numpy(dtype=object)[rows]
    return ["" if pd.isna(v) else str(v) for v in cells.tolist()]
