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
    codes = np.zeros((m.shape[0], k_max), dtype=np.int64)
    lens = np.zeros((m.shape[0], k_max), dtype=np.int64)
    for a in range(0, m.shape[0], _CHUNK):
        code = _alnum_code(m[a : a + _CHUNK])
        live = code > 0
        start = live & np.concatenate([np.ones((len(code), 1), bool), ~live[:, :-1]], axis=1)
        idx = np.cumsum(start, axis=1, dtype=np.int8)
        idx[~live] = 0  # token k has idx k + 1
        for k in range(k_max):
            mask = idx == k + 1
            pos = np.cumsum(mask, axis=1, dtype=np.int8)
            n_k = pos[:, -1].astype(np.int64)
            length = np.minimum(n_k, _MAX_PACK)[:, None]
            exp = length - pos
            keep = mask & (exp >= 0)
            power = _POW37[np.where(keep, exp, 0)]
            codes[a : a + len(code), k] = (power * np.where(keep, code, 0)).sum(axis=1)
            lens[a : a + len(code), k] = n_k
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
