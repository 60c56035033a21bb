"""Alphanumeric tokens of text packed base-37 into integers (street words as keys).

The first 12 letters/digits of a token, case-insensitive, make one int64, so "the
street's first word" is an integer column that blocks and compares at numpy speed.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from app.domain.columns.packed import U32

_CHUNK = 32_768
_BASE = np.int64(37)
_MAX_PACK = 12


_CODE_TABLE = np.zeros(128, dtype=np.uint8)
for _i in range(26):
    _CODE_TABLE[65 + _i] = _CODE_TABLE[97 + _i] = _i + 1
for _i in range(10):
    _CODE_TABLE[48 + _i] = 27 + _i


def _alnum_code(m: U32) -> npt.NDArray[np.uint8]:
    """A-Z/a-z -> 1..26, 0-9 -> 27..36, anything else -> 0 (a separator)."""
    return _CODE_TABLE[np.minimum(m, 127)]


_POW37 = _BASE ** np.arange(_MAX_PACK + 1, dtype=np.int64)


def token_codes(m: U32, k_max: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(codes, lengths), each (n, k_max): the first ``k_max`` alphanumeric tokens of each
    row packed base-37 (first 12 characters, case-insensitive; 0 = no token). Packed codes
    decode back to text with ``unpack``."""
    n, width = m.shape
    codes = np.zeros((n, k_max), dtype=np.int64)
    lens = np.zeros((n, k_max), dtype=np.int64)
    for a in range(0, n, _CHUNK):
        code = _alnum_code(m[a : a + _CHUNK])
        live = code > 0
        edge = np.zeros((len(code), 1), dtype=bool)
        before = np.concatenate([edge, live[:, :-1]], axis=1)
        after = np.concatenate([live[:, 1:], edge], axis=1)
        # Tokens as flat (start, end) positions, in order: one start and one end each.
        starts = np.flatnonzero(live & ~before)
        ends = np.flatnonzero(live & ~after)
        rows = starts // width
        k = np.arange(len(starts)) - np.searchsorted(starts, rows * width)
        keep = k < k_max
        starts, ends, rows, k = starts[keep], ends[keep], rows[keep], k[keep]
        length = ends - starts + 1
        flat = code.ravel()
        value = np.zeros(len(starts), dtype=np.int64)
        for j in range(min(_MAX_PACK, width)):
            more = j < length
            value = np.where(more, value * _BASE + flat[np.where(more, starts + j, 0)], value)
        codes[a + rows, k] = value
        lens[a + rows, k] = length
    return codes, lens


_ALPHABET = " ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def pack(text: str) -> int:
    """The ``token_codes`` code of one token."""
    value = 0
    for ch in text.upper()[:_MAX_PACK]:
        pos = _ALPHABET.find(ch)
        if pos > 0:
            value = value * 37 + pos
    return value


def unpack(value: int) -> str:
    """Text of a packed token (upper case)."""
    out = []
    while value > 0:
        value, r = divmod(value, 37)
        out.append(_ALPHABET[r])
    return "".join(reversed(out))
