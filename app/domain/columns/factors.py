"""A frame's columns factorised once (per ``apply_mapping`` call): integer codes per row plus
the distinct values, so a rule's chain runs once per distinct value (or combination)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.domain.columns.distinct import as_text, categorical, distinct

_SAMPLE = 1000  # rows looked at to tell a column of (mostly) unique values
_UNIQUE = 0.7  # share of distinct values in the sample from which it counts as one


class Factors:
    """Each source column factorised once: integer codes per row + distinct values (no
    repeats; '' among them stands for a missing cell too)."""

    def __init__(self, df: pd.DataFrame) -> None:
        self.df = df
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._unique_like: dict[str, bool] = {}
        self._texts: dict[str, np.ndarray] = {}

    def get(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        if column not in self._cache:
            self._cache[column] = distinct(self.df[column].to_numpy(dtype=object))
        return self._cache[column]

    def unique_like(self, column: str) -> bool:
        """Whether most rows hold a value of their own (created_at, street, e-mail): then
        the distinct pass costs a hash of every row (on 100,000 scattered strings as much
        as a vectorised step over them all) to spare the step at most 30 % of its rows,
        so rows are used as they are."""
        if column not in self._unique_like:
            values = self.df[column].to_numpy(dtype=object)
            step = max(len(values) // _SAMPLE, 1)
            sample = values[::step][:_SAMPLE].tolist()
            distinct = len(set(sample))
            self._unique_like[column] = len(sample) >= _SAMPLE and distinct >= _UNIQUE * _SAMPLE
        return self._unique_like[column]

    def texts(self, column: str) -> np.ndarray:
        """The column's cells as an object array of str, row by row."""
        if column not in self._texts:
            self._texts[column] = as_text(self.df[column].to_numpy(dtype=object))
        return self._texts[column]

    def distinct(self, columns: tuple[str, ...], n: int) -> tuple[np.ndarray, list[np.ndarray]]:
        """(row -> combination number, per column the values of each combination)."""
        inverse, parts = self.combined(columns, n)
        return inverse, [np.asarray(p, dtype=object) for p in parts]

    def combined(
        self, columns: tuple[str, ...], n: int
    ) -> tuple[np.ndarray, list[np.ndarray | pd.Categorical]]:
        """Like ``distinct``, but a factorised column comes as a Categorical (its distinct
        values + a code per combination), so a per-value step (strip, collapse) can run
        once per distinct value of that source instead of once per combination."""
        if not columns:
            return np.zeros(n, dtype=np.intp), []
        if any(self.unique_like(c) for c in columns):  # rows as they are: no distinct pass
            return np.arange(n, dtype=np.intp), [
                self.texts(c) if self.unique_like(c) else categorical(*self.get(c)) for c in columns
            ]
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
        return inverse.astype(np.intp, copy=False), [categorical(c[first], v) for c, v in parts]
