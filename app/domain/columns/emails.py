"""E-mail addresses of a column, exact to ``fastpaths.email`` (so to ``normalise.email``).

``normalised`` answers every value: ``decide`` (below) the plainly written ones at once,
the batch regex (``fastpaths.emails``) most others, ``fastpaths.email`` the rest.

``decide`` is a vectorised check exact to ``fastpaths._EMAIL_SHORT``.

For a value that is pure ASCII, at most 64 characters long and without white space or
NULs, ``strip().lower()`` only lowers its letters A-Z; if the result has the fast shape,
``email`` answers with it. Such values are checked all at once on a matrix of their bytes
(letters of either case alike) and answered with the value itself or, for the few with
upper-case letters, its ``lower()``. The shape (``_EMAIL_SHORT``) is a regular language
in which, apart from the top-level domain, only neighbouring characters matter:

* local part: runs of ``[a-z0-9_+-]`` joined by single dots, then exactly one '@';
* domain: labels of letters/digits joined by single hyphens, each followed by a dot,
  then a top-level domain of 2+ letters that is not one of ``fastpaths._SPECIAL_USE``.

So every byte gets a class (``_BYTE_CLASS``) plus the side of the '@' it is on (a
running count of '@'), every pair of neighbours is looked up in one table (``_PAIRS``),
and what follows the last dot must be letters. Only the addresses found valid are
decided here; everything else (white space, non-ASCII, too long, or simply not the fast
shape) goes to ``fastpaths.emails`` / ``fastpaths.email`` as before.
tests/domain/test_columns_emails.py compares the two on every short string over the byte
classes and on thousands of awkward values.
"""

from __future__ import annotations

import numpy as np

from app.domain import fastpaths
from app.domain.columns import packed
from app.domain.columns.distinct import completed

_MAX = 64  # ``_EMAIL_SHORT`` covers addresses up to this length
_SHORTEST = 6  # 'a@b.co'

# Byte classes. A cell's code is 2 * class + side (0 before the '@', 1 from it on), so a
# code fits in 4 bits and a pair of neighbours in one byte.
_NUL, _BAD, _LETTER, _DIGIT, _SYMBOL, _HYPHEN, _DOT, _AT = range(8)  # _SYMBOL: '_' '+'
_ATOM = (_LETTER, _DIGIT, _SYMBOL, _HYPHEN)  # a local-part character other than '.'
_ALNUM = (_LETTER, _DIGIT)


def _byte_class(b: int) -> int:
    ch = chr(b)
    if b == 0:
        return _NUL
    if "a" <= ch <= "z" or "A" <= ch <= "Z":
        return _LETTER
    if "0" <= ch <= "9":
        return _DIGIT
    return {"_": _SYMBOL, "+": _SYMBOL, "-": _HYPHEN, ".": _DOT, "@": _AT}.get(ch, _BAD)


def _pair_bad(x: int, xs: int, y: int, ys: int) -> bool:
    """Whether byte class ``x`` (on side ``xs``) may not be followed by ``y`` (``ys``)."""
    if x == _NUL:
        return y != _NUL  # a NUL inside the value
    if _BAD in (x, y):
        return True
    if y == _AT:
        return not (x in _ATOM and xs == 0 and ys == 1)  # a non-empty local part ends
    if x == _AT:
        return not (y in _ALNUM and ys == 1)  # the domain starts with a letter or digit
    if xs != ys:
        return True  # cannot happen: the side changes only at the '@'
    if xs == 0:  # local part: a dot joins two atoms; the value may not end here
        return y == _NUL or (x == _DOT and y not in _ATOM) or (y == _DOT and x not in _ATOM)
    if _SYMBOL in (x, y):
        return True  # '_' and '+' only in the local part
    sep = (_HYPHEN, _DOT)  # domain: hyphens and dots join two letters/digits
    return (x in sep and y not in _ALNUM) or (y in sep and x not in _ALNUM)


_BYTE_CLASS = np.array([_byte_class(b) for b in range(256)], dtype=np.uint8)
_CODE = (_BYTE_CLASS * 2).tobytes()  # bytes.translate table: byte -> code without side
_FIRST_OK = np.array([c >> 1 in _ATOM and c & 1 == 0 for c in range(256)], dtype=bool)


def _pair_flags(p: int) -> int:
    """For the pair of codes ``p >> 4``, ``p & 15``: 2 if it may not occur, plus 1 if the
    second byte is neither a letter nor NUL (it may not be in the top-level domain)."""
    x, xs, y, ys = p >> 5, (p >> 4) & 1, (p >> 1) & 7, p & 1
    return 2 * _pair_bad(x, xs, y, ys) + (y not in (_NUL, _LETTER))


# bytes.translate table indexed by 16 * code + next code; uint8 arithmetic wraps, so a
# value with several '@' (side 2 and up) still lands in it, and is rejected by its count.
_PAIRS = bytes(_pair_flags(p) for p in range(256))
_SPECIAL = [np.frombuffer(tld.encode(), dtype=np.uint8) for tld in fastpaths._SPECIAL_USE]
_BLOCK = 4096  # rows per block when transposing (cache-sized tiles: twice as fast)
_CHUNK = 1 << 15  # values checked at once (bounds the memory: a few MB per step)


def fast(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``fastpaths.email`` of the values decided without it (object array of str) and
    their mask: plainly written valid addresses all at once (``decide``), then the batch
    regex on the rest; '' stays ''."""
    out, decided = decide(values)
    rest = np.flatnonzero(~decided)
    blank = values[rest] == ""  # an empty cell is no address to check
    out[rest[blank]], decided[rest[blank]] = "", True
    rest = rest[~blank]
    if len(rest):
        found = fastpaths.emails(values[rest].tolist())
        out[rest] = found
        decided[rest] = [r is not None for r in found]
    return out, decided


def normalised(values: np.ndarray) -> np.ndarray:
    """``fastpaths.email`` of every value (None: not valid), '' for ''."""
    return completed(fast(values), values, fastpaths.email)


def decide(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``fastpaths.email`` of each value (object array of str) that is a plainly written
    valid address, and the mask of those; every other value is left undecided (None)."""
    decided = np.zeros(len(values), dtype=bool)
    upper = [np.zeros(0, dtype=np.intp)]  # rows decided with upper-case letters
    for start in range(0, len(values), _CHUNK):
        ok, has_upper = _decide(values[start : start + _CHUNK])
        decided[start : start + _CHUNK] = ok
        upper.append(start + has_upper)
    out = values.copy()  # a decided value is its own answer, or its lower() ...
    out[~decided] = None
    rows = np.concatenate(upper)
    if len(rows):  # ... if it has upper-case letters
        out[rows] = [v.lower() for v in values[rows].tolist()]
    return out, decided


def _decide(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The valid addresses among ``values``, and which of them have upper-case letters."""
    lengths, ascii_, buffer = _lengths(values)
    fits = (lengths >= _SHORTEST) & (lengths <= _MAX)
    none = np.zeros(0, dtype=np.intp)
    if ascii_ is not None:  # some value is not ASCII: leave those out
        fits &= ascii_
    if not fits.any():
        return fits, none
    width = int(lengths[fits].max()) + 1  # at least one NUL after every value that fits
    if buffer is not None:  # each value's bytes cut from the joined buffer, NUL-padded
        codes = np.frombuffer(buffer + b"\0" * width, dtype=np.uint8)
        starts = np.cumsum(lengths + 1) - lengths - 1
        mat = np.lib.stride_tricks.sliding_window_view(codes, width)[starts]
        mat *= np.arange(width) < lengths[:, None]  # NULs after each value's end
        lowered = buffer.islower()
    else:
        if ascii_ is not None:
            values = values.copy()
            values[~ascii_] = ""
        raw = values.astype(f"S{width}")  # longer values are cut short here, and left out
        mat = raw.view(np.uint8).reshape(len(values), width)
        lowered = raw.tobytes().islower()
    ok = _valid(mat, np.where(fits, lengths, 1), fits)
    if lowered:  # no upper-case letter anywhere (the usual case)
        return ok, none
    return ok, np.flatnonzero(ok & ((mat - ord("A")) < 26).any(axis=1))


def _lengths(values: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, bytes | None]:
    """Each value's length, which values are ASCII (None: all), and, when every value is
    ASCII without a NUL, all of them joined with a NUL after each. One join and encode
    read every string once, in C: faster than asking each its length (packed.Packed),
    and the bytes of every value are then in the buffer, so no conversion reads them
    again."""
    try:
        buffer = ("\0".join(values.tolist()) + "\0").encode("ascii")
    except UnicodeEncodeError:
        ascii_ = np.fromiter(map(str.isascii, values), dtype=bool, count=len(values))
        return packed.lengths(values), ascii_, None
    ends = np.flatnonzero(np.frombuffer(buffer, dtype=np.uint8) == 0)
    if len(ends) != len(values):  # some value holds a NUL
        return packed.lengths(values), None, None
    return np.diff(ends, prepend=-1) - 1, None, buffer


def _valid(mat: np.ndarray, size: np.ndarray, fits: np.ndarray) -> np.ndarray:
    """Which of the ``fits`` rows of ``mat`` (n, width: the values' bytes, NUL-padded,
    each value ``size`` long and followed by at least one NUL) ``_EMAIL_SHORT`` matches."""
    n, width = mat.shape
    index = np.arange(n)
    # numpy drops trailing NULs: a value ending in NUL has a NUL at its last position
    # (one inside the value is followed by a non-NUL: a bad pair)
    ok = fits & (mat[index, size - 1] != 0)
    # Column-major from here, so that each step along the values is a whole-row vector
    # operation (running counts, reductions) instead of n short ones.
    flat = np.frombuffer(mat.tobytes().translate(_CODE), dtype=np.uint8).reshape(n, width)
    code = np.empty((width, n), dtype=np.uint8)
    for b in range(0, n, _BLOCK):
        code[:, b : b + _BLOCK] = flat[b : b + _BLOCK].T
    # dotted: a dot at or after the byte; the top-level domain is what is not dotted
    dotted = (code == 2 * _DOT).view(np.uint8)
    for j in range(width - 2, -1, -1):
        dotted[j] |= dotted[j + 1]
    # side: how many '@' so far, the byte included
    side = (code == 2 * _AT).view(np.uint8)
    for j in range(1, width):
        side[j] += side[j - 1]
    ok &= side[-1] == 1
    code += side
    ok &= _FIRST_OK[code[0]]
    pair = code[:-1] * 16  # (a shift is several times slower than a multiply on uint8)
    pair += code[1:]
    flags = np.frombuffer(pair.tobytes().translate(_PAIRS), dtype=np.uint8)
    # flags > dotted: a bad pair anywhere, or a non-letter after the last dot
    ok &= ~np.greater(flags.reshape(pair.shape), dotted[1:]).any(axis=0)
    tld_len = size - np.add.reduce(dotted, axis=0, dtype=np.uint8)  # last dot's index + 1
    ok &= tld_len >= 2
    for tld in _SPECIAL:
        hit = np.flatnonzero(ok & (tld_len == len(tld)))
        if len(hit):
            tail = mat[hit[:, None], size[hit, None] - len(tld) + np.arange(len(tld))]
            ok[hit[((tail | 0x20) == tld).all(axis=1)]] = False  # letters: | 0x20 lowers
    return ok
