"""Strings as matrices of code points, for exact vectorised text work.

Values of one length become an ``(n, width)`` uint32 matrix (numpy's UCS-4 strings seen
as integers), so "is this '####-##-##'" or "what are its digits" is a few array
operations instead of a regex per value. The date, phone and ZIP kernels read fixed
shapes this way (whatever does not fit goes to the per-value function); ``to_matrix``
pads values of any length to one width, for hashing (``hash64``) and token packing.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
Bool = npt.NDArray[np.bool_]

DIGIT = "#"  # in a template: any ASCII digit; every other character stands for itself
_ZERO = ord("0")


class Packed:
    """A column of str packed into one buffer of code points, a NUL after each value
    (bytes when every character is Latin-1, else 32-bit code points).

    One ``str.join`` and one encode read every string once, in C; asking each value its
    length (``map(len, ...)``) and converting a subset to fixed width cost twice that on
    100,000 scattered strings. A value's code points are then a slice of the buffer, and
    when all values are one length the matrix is a view of it. A value holding a NUL
    would upset the offsets: then lengths and matrices come the per-value way.
    """

    def __init__(self, values: np.ndarray) -> None:
        self.values = values
        n = len(values)
        self._codes: np.ndarray | None = None
        self.starts = np.zeros(n, dtype=np.intp)
        if n:
            buffer = "\0".join(values.tolist()) + "\0"
            try:  # one byte per character when all are Latin-1 (the usual case)
                codes = np.frombuffer(buffer.encode("latin-1"), dtype=np.uint8)
            except UnicodeEncodeError:
                codes = np.frombuffer(buffer.encode("utf-32-le"), dtype=np.uint32)
            ends = np.flatnonzero(codes == 0)
            if len(ends) == n:
                self._codes = codes
                self.starts[1:] = ends[:-1] + 1
                self.lengths = ends - self.starts
                return
        self.lengths = lengths(values)

    def matrix(self, rows: np.ndarray, width: int) -> np.ndarray:
        """The code points of ``rows`` (positions; every one ``width`` long)."""
        if self._codes is None:
            return matrix(self.values[rows], width)
        n = len(self.values)
        if len(rows) == n and (not n or self._codes.size == n * (width + 1)):
            return self._codes.reshape(n, width + 1)[:, :width]  # all one length: a view
        windows = np.lib.stride_tricks.sliding_window_view(self._codes, width)
        return windows[self.starts[rows]]  # row gather: no (rows, width) index matrix


def lengths(values: np.ndarray) -> np.ndarray:
    return np.fromiter(map(len, values), dtype=np.intp, count=len(values))


def matrix(values: np.ndarray, width: int) -> np.ndarray:
    """The code points of ``values`` (object array of str, all ``width`` long), as uint32
    (matrices from ``Packed`` may also be uint8: the helpers below take either)."""
    if not len(values):
        return np.zeros((0, width), dtype=np.uint32)
    return values.astype(f"U{width}").view(np.uint32).reshape(len(values), width)


def fits(mat: np.ndarray, template: str) -> np.ndarray:
    """Rows of ``mat`` written exactly as ``template`` (same width)."""
    low, span = _bounds(template, mat.dtype.str)
    # unsigned ints wrap below ``low``, so one compare tests both ends of a column's range
    return ((mat - low) <= span).all(axis=1)


@cache
def _bounds(template: str, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """Per column the lowest code point a template allows and the width of its range."""
    if dtype == np.dtype(np.uint8).str and max(map(ord, template)) > 0xFF:
        return _bounds(template, np.dtype(np.uint32).str)  # no byte row can fit anyway
    low = np.array([_ZERO if ch == DIGIT else ord(ch) for ch in template], dtype=dtype)
    span = np.array([9 if ch == DIGIT else 0 for ch in template], dtype=dtype)
    return low, span


def digit_bits(mat: np.ndarray) -> np.ndarray:
    """Per row, which columns hold an ASCII digit, as the bits of an int (bit i: column
    i): a template's digit columns are then one comparison per row."""
    packed = np.packbits((mat - _ZERO) <= 9, axis=1, bitorder="little")  # wraps below '0'
    out = np.zeros(len(mat), dtype=np.int64)
    for j in range(packed.shape[1]):
        out |= packed[:, j].astype(np.int64) << (8 * j)
    return out


def number(mat: np.ndarray, start: int, stop: int) -> np.ndarray:
    """The decimal number written in columns ``start:stop`` (digits already checked)."""
    if stop - start > 9:
        out = np.zeros(len(mat), dtype=np.int64)
        for i in range(start, stop):
            out = out * 10 + (mat[:, i] - _ZERO)
        return out
    # uint32 arithmetic wraps, but exactly (mod 2**32), and 9 digits stay below 2**32:
    # two cheap passes per digit, the '0' offsets taken off once at the end
    acc = mat[:, start].astype(np.uint32)
    for i in range(start + 1, stop):
        acc *= 10
        acc += mat[:, i]
    offset = _ZERO * int("1" * (stop - start)) % 2**32
    acc -= np.uint32(offset)
    return acc.astype(np.int64)


def texts(mat: np.ndarray) -> np.ndarray:
    """Rows of a code-point matrix back as numpy strings (assign into an object array)."""
    width = mat.shape[1]
    if not len(mat) or not width:
        return np.full(len(mat), "", dtype=object)
    return np.ascontiguousarray(mat, dtype=np.uint32).view(f"U{width}").ravel()


def to_matrix(values: npt.NDArray[np.object_] | list[str], width: int) -> tuple[U32, Bool]:
    """(matrix, too_long): code points of each string, zero-padded to ``width``; a value
    longer than ``width`` is cut and flagged, for the caller's exact slow path."""
    arr = np.asarray(values, dtype=f"<U{width}")
    m = arr.view(np.uint32).reshape(len(arr), width)
    # by length, not by a code point past ``width``: that one may be a NUL
    too_long = lengths(np.asarray(values, dtype=object)) > width
    return m, too_long


_MIX = np.uint64(0x9E3779B97F4A7C15)


def hash64(m: U32) -> U64:
    """A 64-bit hash of each row (0 is reserved for empty rows). The hash depends on the
    matrix width: hash texts of one kind at one width."""
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
