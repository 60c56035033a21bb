"""A chunk's rows as dicts: the values and types the rows of an object matrix gave."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from app.sync.chunk import _records


def _by_rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The implementation ``_records`` replaced (kept as the reference)."""
    names = [str(c) for c in df.columns]
    return [dict(zip(names, row, strict=True)) for row in df.to_numpy(dtype=object).tolist()]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and (a is b or bool(a == b))


def test_rows_as_dicts_keep_every_dtypes_values() -> None:
    df = pd.DataFrame(
        {
            "text": pd.Series(["a", None, "ü,\x00"], dtype="str"),
            "mixed": pd.Series([None, 1, "x"], dtype=object),
            "int": [1, 2, 3],
            "float": [1.5, np.nan, 3.0],
            "bool": [True, False, True],
            "date": pd.to_datetime(["2024-01-01", None, "2024-03-01"]),
            "category": pd.Categorical(["x", "y", None]),
            "nullable int": pd.array([1, None, 3], dtype="Int64"),
            "nullable bool": pd.array([True, None, False], dtype="boolean"),
        },
        index=[10, 5, 7],  # the index plays no part
    )
    got, want = _records(df), _by_rows(df)
    assert [list(r) for r in got] == [list(r) for r in want]
    for g, w in zip(got, want, strict=True):
        assert all(_same(g[k], w[k]) for k in w), (g, w)


def test_frames_without_columns_or_rows_and_repeated_names() -> None:
    assert _records(pd.DataFrame(index=[0, 1])) == [{}, {}]  # one dict a row
    assert _records(pd.DataFrame({"a": pd.Series([], dtype=object)})) == []
    twice = pd.DataFrame([[1, 2]], columns=["a", "a"])
    assert _records(twice) == _by_rows(twice) == [{"a": 2}]
