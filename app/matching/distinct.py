"""Work once per distinct value: factorise a text column, then spread results back."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd


def distinct(values: pd.Series) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.object_]]:
    """(codes, distinct values as text): work once per distinct value, then spread back.
    Missing values become "" through the codes (a per-row ``fillna`` on an object column
    costs more than the factorising), and only distinct values are converted to text."""
    codes, uniques = pd.factorize(values, sort=False)
    if pd.api.types.infer_dtype(uniques, skipna=False) != "string":
        uniques = pd.Index(uniques, dtype=object).astype(str)
    arr = np.append(np.asarray(uniques, dtype=object), "")
    return np.where(codes < 0, len(arr) - 1, codes), arr
