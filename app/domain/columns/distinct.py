"""Distinct-value passes: factorise a text column once, work once per distinct value,
then spread the answers back to the rows by the codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas._libs import hashtable  # type: ignore[attr-defined]  # see factorize_text


def as_text(values: np.ndarray) -> np.ndarray:
    """Object array of str ('' for missing); returned as is when it already is one (the
    usual case: no copy)."""
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        return values
    out = np.empty(len(values), dtype=object)
    out[:] = ["" if v is None or v is pd.NA or v != v else str(v) for v in values.tolist()]
    return out


def text_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Every cell as str ('' for missing), as ``df.astype(object).fillna("").astype(str)``
    makes it; the frame itself when it already is all text (a REST page: three copies of
    every chunk saved)."""
    changed = {}
    for n, dtype in enumerate(df.dtypes):
        values = df.iloc[:, n].to_numpy(dtype=object)
        text = as_text(values)
        if text is not values or dtype != np.dtype(object):
            changed[n] = text
    if not changed:
        return df
    out = df.copy()
    for n, text in changed.items():
        out.isetitem(n, text)
    return out


def factorize_text(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(code per row, distinct values as str) of an object column; a missing cell is -1.

    pandas' own ``factorize`` first checks that every value is a str (a second pass over
    100,000 scattered objects, ~4 ms a column) and then uses its string hash table; here
    the table is used directly, and it reports anything that is not a str as missing,
    so only the few cells it calls missing are checked. A column with other values (an
    int read from JSON) is turned into text first."""
    try:
        uniques, codes = hashtable.StringHashTable(max(len(arr), 1)).factorize(arr, na_sentinel=-1)
    except (AttributeError, TypeError, ValueError):  # another pandas: its public path
        codes = None
    if codes is not None:
        gaps = arr[codes < 0]
        if not len(gaps) or all(pd.isna(v) for v in gaps.tolist()):
            return codes, np.asarray(uniques, dtype=object)
    codes, uniques = pd.factorize(as_text(arr))
    return codes, np.asarray(uniques, dtype=object)


def distinct(
    values: pd.Series | np.ndarray,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]]:
    """(code per row, distinct values as str): each value once, '' among them standing
    for a missing cell too (so the values stay unique). Work on the distinct values,
    then ``answers[codes]`` gives every row its own."""
    arr = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else values
    codes, uniques = factorize_text(arr)
    empty = np.flatnonzero(uniques == "")
    if len(empty):
        blank = int(empty[0])
    else:
        uniques = np.append(uniques, np.array([""], dtype=object))
        blank = len(uniques) - 1
    if (codes < 0).any():
        codes = np.where(codes < 0, blank, codes)  # missing -> ''
    return codes.astype(np.intp, copy=False), uniques


def categorical(codes: np.ndarray, values: np.ndarray) -> pd.Categorical:
    """Codes over ``values`` (unique str, kept as object: no str-dtype inference pass)."""
    dtype = pd.CategoricalDtype(pd.Index(values, dtype=object, copy=False))
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)


def completed(
    answered: tuple[np.ndarray, np.ndarray], values: np.ndarray, fn: Callable[[str], Any]
) -> np.ndarray:
    """A kernel's (answers, decided mask) over ``values`` with ``fn`` (the per-value
    function it is exact to) asked about every value it left undecided."""
    out, decided = answered
    rest = np.flatnonzero(~decided)
    if len(rest):
        out[rest] = [fn(v) for v in values[rest].tolist()]
    return out
