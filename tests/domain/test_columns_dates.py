"""The vectorised date path gives exactly the per-value strptime / fromisoformat answer."""

from __future__ import annotations

import random
from datetime import datetime

import pandas as pd

from app.domain.columns import dates
from app.mapping.transforms_values import _iso, date

FORMATS = ("", "%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y %H:%M", "%Y%m%d", "%Y-%m-%dT%H:%M:%S",
           "%m/%d/%y", "%Y-%m-%d %H:%M:%S", "%d-%b-%Y", "%Y-%d-%m", "%Y-%d-%mT%H:%M:%S",
           "%Y-%m-%dT%M:%H:%S")  # fmt: skip
ODD = (
    "2024-02-29", "1900-02-29", "2000-02-29", "2023-02-29", "2024-00-10", "2024-13-01",
    "2024-01-00", "2024-01-32", "2024-04-31", "0000-01-01", "0001-01-01", "9999-12-31",
    "2024-01-01T24:00:00", "2024-01-01T23:60:00", "2024-01-01T23:59:60", "2024-01-01t10:00:00",
    "2024-01-01T10:00:00Z", "2024-01-01 10:00:00", "2024-01-01T10:00:00.5Z",
    "2024-01-01T10:00:00+02:00", "٢٠٢٤-٠١-٠١", " 2024-01-01", "2024-1-5", "2024/01/01",
    "03/15/2024", "3/15/2024", "31/15/2024", "02/29/2023", "15.03.2024 10:30", "20240315",
    "2024-03-15T10:30:00", "2024-03-15T10:30:00ZZ", "2024-03-15Z", "15-Mar-2024", "abc", "",
)  # fmt: skip


def _reference(v: str, fmt: str, output: str) -> str | None:
    if not v:
        return ""
    text = v.strip()
    try:
        if fmt:
            d = datetime.strptime(text, fmt)
        else:
            d = datetime.fromisoformat(text.replace("Z", "+00:00") if text[-1:] == "Z" else text)
    except ValueError:
        return None
    return _iso(d, output)


def _values() -> list[str]:
    rng = random.Random(3)
    out = list(ODD)
    for _ in range(1500):
        y, m, d = rng.randint(0, 2100), rng.randint(0, 13), rng.randint(0, 32)
        hh, mm, ss = rng.randint(0, 25), rng.randint(0, 61), rng.randint(0, 61)
        out += [
            f"{y:04d}-{m:02d}-{d:02d}", f"{y:04d}-{m:02d}-{d:02d}T{hh:02d}:{mm:02d}:{ss:02d}Z",
            f"{m:02d}/{d:02d}/{y:04d}", f"{d:02d}.{m:02d}.{y:04d} {hh:02d}:{mm:02d}",
            f"{y:04d}{m:02d}{d:02d}", f"{y:04d}-{m:02d}-{d:02d} {hh:02d}:{mm:02d}:{ss:02d}",
            f"{y:04d}-{m:02d}-{d:02d}T{hh:02d}:{mm:02d}:{ss:02d}",
        ]  # fmt: skip
    return out


def test_fast_dates_agree_with_the_per_value_path() -> None:
    values = _values()
    s = pd.Series(values, dtype=object)
    for fmt in FORMATS:
        for output in ("date", "datetime"):
            result = date(s, input_format=fmt, output=output)
            got = result.values.tolist()
            bad = result.invalid.tolist() if result.invalid is not None else [False] * len(s)
            for v, g, b in zip(values, got, bad, strict=True):
                want = _reference(v, fmt, output)
                assert (g, b) == (want or "", want is None), (v, fmt, output)


def test_shapes_only_for_separated_numeric_formats() -> None:
    assert dates.strptime_shape("%m/%d/%Y") is not None
    for fmt in ("%Y%m%d", "%d %m %Y", "%d-%b-%Y", "%y-%m-%d", "%Y-%m", "%Y-%m-%d%%", "#%Y-%m-%d"):
        assert dates.strptime_shape(fmt) is None, fmt


def test_the_fast_path_decides_the_everyday_shapes() -> None:
    values = pd.Series(_values(), dtype=object).to_numpy()
    for fmt in ("", "%m/%d/%Y", "%Y-%m-%d"):
        _out, decided = dates.parse(values, fmt, "date")
        assert decided.sum() > 500, fmt
