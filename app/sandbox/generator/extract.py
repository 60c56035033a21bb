"""The DMS nightly customer extract: DMS-style headers, cp1252, CRLF, US formats."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from app.sandbox.generator.fmt import Obj, phone_str, us_date_str, us_ts_str, where
from app.sandbox.generator.writer import write_csv
from app.sandbox.schema import DMS_EXTRACT_CUSTOMER_HEADERS

if TYPE_CHECKING:
    from app.sandbox.generator.dataset import Dataset

_PHONES = ("home_phone", "work_phone", "mobile_phone")
_PHONE_WIDTH = 20


def phone_digits(values: pd.Series) -> np.ndarray:
    """The last ten digits of each phone text as an int (0 when fewer than ten digits).

    Vectorised over the characters: the text becomes a matrix of code points and the
    digits are accumulated column by column.
    """
    text = np.asarray(values.to_numpy(dtype=object), dtype=f"U{_PHONE_WIDTH}")
    points = text.view(np.uint32).reshape(len(text), _PHONE_WIDTH).astype(np.int64)
    acc = np.zeros(len(text), dtype=np.int64)
    count = np.zeros(len(text), dtype=np.int64)
    for j in range(_PHONE_WIDTH):
        d = points[:, j] - ord("0")
        is_digit = (d >= 0) & (d <= 9)
        acc = np.where(is_digit, (acc * 10 + d) % 10**10, acc)
        count += is_digit
    return np.where(count >= 10, acc, 0)


def dms_phones(values: pd.Series) -> Obj:
    """Any generated phone text re-formatted as ``(313) 555-0142`` ('' stays '')."""
    return phone_str(phone_digits(values), 0)


def _parse(values: pd.Series, unit: str, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(int values in ``unit`` since the epoch, present mask) of ISO text ('' = absent)."""
    present = (values != "").to_numpy()
    out = np.zeros(len(values), dtype=np.int64)
    if present.any():
        text = np.asarray(values.to_numpy(dtype=object)[present], dtype=f"U{width}")
        out[present] = text.astype(f"datetime64[{unit}]").astype(np.int64)
    return out, present


def extract_frame(customers: pd.DataFrame) -> pd.DataFrame:
    """dms_customers re-shaped the way a DMS exports it (canonical column names)."""
    out = customers.copy()
    for col in _PHONES:
        out[col] = dms_phones(customers[col])
    days, present = _parse(customers["birth_date"], "D", 10)
    out["birth_date"] = where(present, us_date_str(days), "")
    for col in ("created_at", "updated_at"):
        secs, present = _parse(customers[col], "s", 19)  # drops the trailing Z
        out[col] = where(present, us_ts_str(secs), "")
    return out[list(DMS_EXTRACT_CUSTOMER_HEADERS)]


def write_dms_extract(
    dataset: Dataset,
    folder: Path,
    *,
    encoding: str = "cp1252",
    bom: bool = False,
    stamp: str = "20261101",
) -> Path:
    """Write ``folder/CUSTOMERS_<stamp>.csv`` like a DMS nightly extract.

    Headers from ``DMS_EXTRACT_CUSTOMER_HEADERS``, CRLF line endings, phones as
    ``(313) 555-0142``, dates as ``MM/DD/YYYY`` (timestamps ``MM/DD/YYYY HH:MM:SS`` UTC).
    ``bom=True`` (or ``encoding="utf-8-sig"``) writes a UTF-8 byte-order mark; a BOM with a
    non-UTF-8 encoding is refused. Characters the encoding lacks become ``?``, as a DMS
    export would. The file appears atomically (temp file, then ``os.replace``).
    """
    name = codecs.lookup(encoding).name
    if bom:
        if name not in ("utf-8", "utf-8-sig"):
            raise ValueError(f"a byte-order mark needs a UTF-8 encoding, not {encoding!r}")
        encoding = "utf-8-sig"
    frame = extract_frame(dataset["dms_customers"])
    headers = [DMS_EXTRACT_CUSTOMER_HEADERS[c] for c in frame.columns]
    path = Path(folder) / f"CUSTOMERS_{stamp}.csv"
    return write_csv(
        frame, path, encoding=encoding, newline="\r\n", header=headers, errors="replace"
    )
