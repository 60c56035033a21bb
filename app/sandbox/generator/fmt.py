"""Vectorised formatting of numbers, dates and phones into ``str`` object arrays.

Converting millions of ints to text one by one (``str(i)``, ``strftime``) dominates the
generator's run time, so every formatter gathers from a precomputed lookup table and
joins object arrays, which numpy does element-wise in C.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt

Obj = npt.NDArray[np.object_]
Ints = npt.NDArray[np.int64]

_PLAIN_LIMIT = 1 << 19  # covers mileages, prices in dollars and sequence numbers
_DAY_MIN = -25_567  # 1900-01-01 as days since 1970-01-01
_DAY_COUNT = 73_415  # through 2100-12-31


def objects(values: list[str] | tuple[str, ...]) -> Obj:
    """A 1-d object array of python strings."""
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def blank(size: int) -> Obj:
    """An object array of ``size`` empty strings."""
    out = np.empty(size, dtype=object)
    out[:] = ""
    return out


@lru_cache(maxsize=8)
def _padded(width: int) -> Obj:
    return objects([f"{i:0{width}d}" for i in range(10**width)])


@lru_cache(maxsize=1)
def _plain() -> Obj:
    return objects([str(i) for i in range(_PLAIN_LIMIT)])


def int_str(values: npt.ArrayLike) -> Obj:
    """Decimal text of non-negative ints (falls back to numpy for huge values)."""
    arr = np.asarray(values, dtype=np.int64)
    if arr.size == 0:
        return blank(0)
    lo, hi = int(arr.min()), int(arr.max())
    if lo >= 0 and hi < _PLAIN_LIMIT:
        return _plain()[arr]
    if lo >= 0 and hi < _PLAIN_LIMIT * 100_000:
        # Two lookups: leading digits, then the last five zero-padded.
        out = _plain()[arr % _PLAIN_LIMIT]
        big = arr >= 100_000
        out[big] = _plain()[arr[big] // 100_000] + _padded(5)[arr[big] % 100_000]
        return out
    return arr.astype(str).astype(object)


def zpad(values: npt.ArrayLike, width: int) -> Obj:
    """Zero-padded text of ints in ``[0, 10**width)`` (width <= 5)."""
    return _padded(width)[np.asarray(values, dtype=np.int64)]


def money(cents: npt.ArrayLike) -> Obj:
    """Dollar amounts with two decimals from integer cents: 2349900 -> '23499.00'."""
    arr = np.asarray(cents, dtype=np.int64)
    if arr.size and arr.min() >= 0 and arr.max() < _PLAIN_LIMIT:
        return _small_money()[arr]
    return int_str(arr // 100) + _cents()[arr % 100]


@lru_cache(maxsize=1)
def _small_money() -> Obj:
    return objects([f"{i // 100}.{i % 100:02d}" for i in range(_PLAIN_LIMIT)])


@lru_cache(maxsize=1)
def _cents() -> Obj:
    return objects([f".{i:02d}" for i in range(100)])


@lru_cache(maxsize=1)
def _iso_days() -> Obj:
    days = np.arange(_DAY_MIN, _DAY_MIN + _DAY_COUNT).astype("datetime64[D]")
    return np.datetime_as_string(days).astype(object)


@lru_cache(maxsize=1)
def _us_days() -> Obj:
    iso = _iso_days()
    return objects([f"{d[5:7]}/{d[8:10]}/{d[0:4]}" for d in iso])


@lru_cache(maxsize=1)
def _times() -> Obj:
    return objects([f"T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}Z" for s in range(86_400)])


@lru_cache(maxsize=1)
def _clock() -> Obj:
    return objects([f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)])


def us_ts_str(seconds: npt.ArrayLike) -> Obj:
    """DMS-style timestamps (``MM/DD/YYYY HH:MM:SS``) from seconds since the epoch."""
    sec = np.asarray(seconds, dtype=np.int64)
    return us_date_str(sec // 86_400) + _clock()[sec % 86_400]


def date_str(days: npt.ArrayLike) -> Obj:
    """ISO dates (``YYYY-MM-DD``) from days since 1970-01-01."""
    return _iso_days()[np.asarray(days, dtype=np.int64) - _DAY_MIN]


def us_date_str(days: npt.ArrayLike) -> Obj:
    """DMS-style dates (``MM/DD/YYYY``) from days since 1970-01-01."""
    return _us_days()[np.asarray(days, dtype=np.int64) - _DAY_MIN]


def ts_str(seconds: npt.ArrayLike) -> Obj:
    """ISO UTC timestamps (``YYYY-MM-DDTHH:MM:SSZ``) from seconds since the epoch."""
    sec = np.asarray(seconds, dtype=np.int64)
    return date_str(sec // 86_400) + _times()[sec % 86_400]


def where(mask: npt.ArrayLike, a: Obj | str, b: Obj | str) -> Obj:
    """``np.where`` that keeps python strings (object dtype)."""
    out: Obj = np.where(mask, a, b).astype(object)
    return out


def phone_parts(phones: Ints) -> tuple[Obj, Obj, Obj]:
    """Split 10-digit phone ints into (area, exchange, line) text parts."""
    area = zpad(phones // 10_000_000 % 1000, 3)
    exch = zpad(phones // 10_000 % 1000, 3)
    line = zpad(phones % 10_000, 4)
    return area, exch, line


_PHONE_TEMPLATES = {
    0: "(###) ###-####",
    1: "###-###-####",
    2: "##########",
    3: "###.###.####",
    4: "+1 ###-###-####",
    5: "+1##########",
}


def phone_str(phones: Ints, style: npt.ArrayLike | int = 0) -> Obj:
    """Format 10-digit phone ints; 0 means no phone -> ''.

    Styles: 0 ``(313) 555-0142``, 1 ``313-555-0142``, 2 ``3135550142``,
    3 ``313.555.0142``, 4 ``+1 313-555-0142``, 5 ``+13135550142`` (E.164).
    Built as ASCII byte matrices (one template per style) instead of string joins.
    """
    phones = np.asarray(phones, dtype=np.int64)
    styles = np.broadcast_to(np.asarray(style), phones.shape)
    out = blank(len(phones))
    digits = (phones[:, None] // 10 ** np.arange(9, -1, -1)[None, :] % 10 + 48).astype(np.uint8)
    for code_ in np.unique(styles).tolist():
        rows = np.flatnonzero((styles == code_) & (phones > 0))
        template = np.frombuffer(_PHONE_TEMPLATES[int(code_)].encode("ascii"), dtype=np.uint8)
        mat = np.tile(template, (len(rows), 1))
        mat[:, template == ord("#")] = digits[rows]
        width = len(template)
        out[rows] = mat.view(f"S{width}").ravel().astype(f"U{width}").astype(object)
    return out


def zip_str(zip5: Ints, plus4: Ints) -> Obj:
    """ZIP5 or ZIP+4 text; ``plus4 < 0`` means none."""
    out = zpad(zip5, 5)
    has4 = plus4 >= 0
    out[has4] = out[has4] + "-" + zpad(plus4[has4], 4)
    return out


def code(prefix: str, numbers: npt.ArrayLike, width: int) -> Obj:
    """Ids like ``P0000042``: ``prefix`` + ``numbers`` zero-padded to ``width`` (<= 10)."""
    arr = np.asarray(numbers, dtype=np.int64)
    if arr.size and arr.max() >= 10**width:
        width = len(str(int(arr.max())))
    if width <= 5:
        return prefix + zpad(arr, width)
    return prefix + zpad(arr // 100_000, width - 5) + zpad(arr % 100_000, 5)


def join_flags(names: list[str] | tuple[str, ...], flags: list[np.ndarray], sep: str = ";") -> Obj:
    """Per row, the ``names`` whose flag is set, joined by ``sep`` ('' when none).

    Rows are encoded as a bit mask and the text of each combination is built once.
    """
    if not flags:
        return blank(0)
    mask = np.zeros(len(flags[0]), dtype=np.int64)
    for bit, flag in enumerate(flags):
        mask |= np.asarray(flag, dtype=np.int64) << bit
    combos, inverse = np.unique(mask, return_inverse=True)
    texts = objects(
        [sep.join(n for b, n in enumerate(names) if int(c) >> b & 1) for c in combos.tolist()]
    )
    out: Obj = texts[inverse.ravel()]
    return out


def join_codes(table: Obj, codes: np.ndarray, sep: str = ";") -> Obj:
    """Per row of an (n, k) matrix of indices into ``table`` (-1 = none), the joined text."""
    n, k = codes.shape
    base = len(table) + 1
    key = np.zeros(n, dtype=np.int64)
    for j in range(k):
        key = key * base + (codes[:, j] + 1)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    texts = objects(
        [sep.join(str(table[c]) for c in codes[i].tolist() if c >= 0) for i in first.tolist()]
    )
    out: Obj = texts[inverse.ravel()]
    return out
