"""Formula safety for CSV files people open in a spreadsheet.

A cell starting with ``=`` or ``@``, or with ``+``/``-`` not followed by a digit, is read by
Excel as a formula (``=HYPERLINK(...)``, ``@SUM(...)``, ``-cmd|...``): such a value gets a
leading ``'`` so it shows as the text it is. Numbers keep their sign (``-5``, ``+1 313``).
Machine feeds that a spec defines are not for people and keep their values.
"""

from __future__ import annotations

import pandas as pd

_RISKY = r"^(?:[=@]|[+-](?!\d))"


def safe_column(values: pd.Series) -> pd.Series:
    """``values`` as strings, with the risky ones prefixed by ``'``."""
    text = values.astype(str)
    risky = text.str.contains(_RISKY, regex=True, na=False)
    if not risky.any():
        return text
    return text.mask(risky, "'" + text)


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text column of ``frame`` made formula-safe (a copy; numbers untouched)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = safe_column(out[col])
    return out
