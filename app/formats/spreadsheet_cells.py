"""Cell values for files people open in Excel (or LibreOffice, Google Sheets).

A spreadsheet runs a cell that starts with ``=`` (and, from CSV, ``@``, ``+`` and ``-``)
as a formula: a customer named ``=HYPERLINK("http://…","Click")`` in the sync log would
become a live link in the admin's Excel, and worse. So:

- XLSX: text is always written as a text cell (never a formula), without the control
  characters the file format cannot hold (a NUL would make the whole file fail).
- CSV meant for people (the sync-log export, ``dedupe`` output, the website feed): a value
  starting with ``=`` or ``@``, or with ``+`` or ``-`` not followed by a digit, or with a
  tab or carriage return, gets a leading ``'``, which Excel shows as text and does not
  display. A ``+``/``-`` followed by a digit stays as it is only when the whole value is
  a number or a phone number (``-12.50``, ``+1 (313) 555-0100``): ``-2+3+cmd|…`` is a
  formula to Excel all the same.

Machine feeds (Google, Meta) keep their values as their specs want: nobody opens those
in a spreadsheet, and a leading ``'`` would be wrong data to them.
"""

from __future__ import annotations

import re
from typing import Any

_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what XML 1.0 cannot carry
_NUMBER_OR_PHONE = re.compile(r"[+-]\d[\d\s().,/-]*")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would take this text for a formula (see the module doc)."""
    if not text:
        return False
    first = text[0]
    if first in "=@\t\r":
        return True
    if first in "+-":
        return _NUMBER_OR_PHONE.fullmatch(text) is None
    return False


def csv_cell(value: Any) -> Any:
    """``value`` made safe for a CSV cell a person opens: text that would run as a
    formula gets a leading ``'``; NULs are dropped. Numbers and None pass unchanged."""
    if not isinstance(value, str):
        return value
    text = value.replace("\x00", "")
    return "'" + text if is_formula_like(text) else text


# a value starting with one of these may run as a formula (``is_formula_like`` decides)
FORMULA_FIRST = ("=", "@", "\t", "\r", "+", "-")


def csv_column(values: Any) -> Any:
    """``csv_cell`` of every value of a pandas Series, fast: only the values whose first
    character could start a formula go through it (a column holding a NUL or anything
    but text goes through whole). Number columns come back unchanged."""
    import numpy as np
    import pandas as pd

    if not (values.dtype == object or pd.api.types.is_string_dtype(values.dtype)):
        return values
    arr = values.to_numpy(dtype=object)
    try:
        joined = "".join(arr)
    except TypeError:  # None, NaN or numbers among the text
        return values.map(csv_cell)
    if "\x00" in joined:
        return values.map(csv_cell)
    risky = np.flatnonzero(np.isin(arr.astype("U1"), FORMULA_FIRST))
    if not len(risky):
        return values
    arr = arr.copy()
    arr[risky] = [csv_cell(v) for v in arr[risky].tolist()]
    return pd.Series(arr, index=values.index, name=values.name, dtype=object)


def xlsx_text(value: str) -> str:
    """Text an XLSX cell can hold (control characters other than tab and line breaks
    dropped); write it with ``xlsx_row`` so it stays text."""
    return _XLSX_ILLEGAL.sub("", value)


def xlsx_row(sheet: Any, values: list[Any]) -> list[Any]:
    """A row for ``sheet.append`` in a write-only openpyxl workbook: every text value a
    text cell (never a formula), numbers as numbers."""
    from openpyxl.cell import WriteOnlyCell

    out: list[Any] = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=xlsx_text(value))
            cell.data_type = "s"  # openpyxl would make '=…' a formula
            out.append(cell)
        else:
            out.append(value)
    return out
