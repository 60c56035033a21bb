"""Source columns factorised once per ``apply_mapping`` call: integer codes per row plus
the distinct values, so a rule's chain runs once per distinct value (or combination)."""

from __future__ import annotations

import numpy as np
import pandas as pd


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

    def distinct(self, columns: tuple[str, ...], n: int) -> tuple[np.ndarray, list[np.ndarray]]:
        """(row -> combination number, per column the values of each combination)."""
        if not columns:
            return np.zeros(n, dtype=np.intp), []
        if len(columns) == 1:
            codes, values = self.get(columns[0])
            return codes, [values]
        parts = [self.get(c) for c in columns]
        combined = np.zeros(n, dtype=np.int64)
        for codes, values in parts:
            combined = combined * len(values) + codes
        keys, inverse = np.unique(combined, return_inverse=True)
        out: list[np.ndarray] = []
        rest = keys
        for _codes, values in reversed(parts):
            rest, idx = np.divmod(rest, len(values))
            out.append(values[idx])
        return inverse.reshape(-1).astype(np.intp, copy=False), out[::-1]


def row_keys(df: pd.DataFrame, key_column: str, rows: np.ndarray) -> list[str]:
    """The row key of each position in ``rows`` ('' where the key cell is missing)."""
    if key_column not in df.columns:
        return [str(df.index[i]) for i in rows.tolist()]
    cells = df[key_column].to_numpy(dtype=object)[rows]
    return ["" if pd.isna(v) else str(v) for v in cells.tolist()]
