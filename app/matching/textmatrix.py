"""Strings as fixed-width code-point matrices, for numpy-speed text work on millions of rows.

Per-value Python costs microseconds; a column of 2 million phones or e-mails is then
seconds. Viewing the column as an ``(n, width)`` uint32 matrix lets digit extraction,
case folding, character checks and hashing run as whole-array numpy operations. Values
longer than ``width`` are flagged so callers can send them down a slow, exact path.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
Bool = npt.NDArray[np.bool_]

_MIX = np.uint64(0x9E3779B97F4A7C15)


def to_matrix(values: npt.NDArray[np.object_] | list[str], width: int) -> tuple[U32, Bool]:
    """(matrix, too_long): code points of each string, zero-padded to ``width``."""
    arr = np.asarray(values, dtype=f"<U{width + 1}")
    m = arr.view(np.uint32).reshape(len(arr), width + 1)
    too_long = m[:, width] != 0
    return np.ascontiguousarray(m[:, :width]), too_long


def lower_ascii(m: U32) -> U32:
    """A-Z -> a-z (other code points unchanged)."""
    upper = (m >= 65) & (m <= 90)
    return np.where(upper, m + 32, m).astype(np.uint32)


def compact(m: U32, keep: Bool) -> U32:
    """Each row with only the ``keep`` characters, left-aligned, zero-padded."""
    out = np.zeros_like(m)
    pos = np.cumsum(keep, axis=1) - 1
    rows = np.broadcast_to(np.arange(m.shape[0])[:, None], m.shape)
    out[rows[keep], pos[keep]] = m[keep]
    return out


def lengths(m: U32) -> npt.NDArray[np.int64]:
    return np.asarray((m != 0).sum(axis=1), dtype=np.int64)


def hash64(m: U32) -> U64:
    """A 64-bit hash of each row (0 is reserved for empty rows)."""
    h = np.zeros(m.shape[0], dtype=np.uint64)
    w = m.shape[1] - m.shape[1] % 2
    pairs = np.ascontiguousarray(m[:, :w]).view(np.uint64)  # two code points per word
    with np.errstate(over="ignore"):
        for j in range(pairs.shape[1]):
            h = (h ^ pairs[:, j]) * _MIX
        if w < m.shape[1]:
            h = (h ^ m[:, w].astype(np.uint64)) * _MIX
        h ^= h >> np.uint64(31)
    h[~(m != 0).any(axis=1)] = 0
    h[(h == 0) & (m != 0).any(axis=1)] = 1
    return h


_POW10 = 10 ** np.arange(19, dtype=np.int64)
_CHUNK = 32_768


def digits_value(
    m: U32 | npt.NDArray[np.uint8],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(value, count): the digits of each row read as one integer, and how many digits
    there are. Rows with more than 18 digits get value 0 (callers treat them as odd)."""
    value = np.zeros(m.shape[0], dtype=np.int64)
    count = np.zeros(m.shape[0], dtype=np.int64)
    for start in range(0, m.shape[0], _CHUNK):  # chunks keep the temporaries small
        part = m[start : start + _CHUNK]
        isd = (part >= 48) & (part <= 57)
        digit = np.where(isd, part - 48, 0).astype(np.int64)
        # Digits to the right of each position (small ints: int16 is plenty).
        after = np.cumsum(isd[:, ::-1], axis=1, dtype=np.int16)[:, ::-1] - isd
        n = isd.sum(axis=1)
        terms = digit * _POW10[np.minimum(after, 18)]
        value[start : start + len(part)] = np.where(n <= 18, terms.sum(axis=1), 0)
        count[start : start + len(part)] = n
    return value, count


def to_strings(m: U32) -> npt.NDArray[np.str_]:
    """Back to a numpy string array."""
    return np.ascontiguousarray(m).view(f"<U{m.shape[1]}").reshape(m.shape[0])


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
