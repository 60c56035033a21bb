"""E-mail addresses for matching: lower-cased, syntax-checked, hashed to stable codes.

Plain ASCII addresses (nearly all) are checked as a code-point matrix (``textmatrix``);
the rest go through ``app.domain.normalise`` (email-validator) once per distinct value.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt
import pandas as pd

from app.domain import normalise as dn
from app.matching import textmatrix as tm
from app.matching.distinct import distinct

I64 = npt.NDArray[np.int64]
_EMAIL_FAST = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}"
)
_SPECIAL_TLDS = ("test", "invalid", "local", "localhost", "example", "onion", "arpa")


def _email_one(text: str) -> str:
    low = text.strip().lower()
    if not low:
        return ""
    if _EMAIL_FAST.fullmatch(low) and low.rsplit(".", 1)[-1] not in _SPECIAL_TLDS:
        return low
    return dn.email(low) or ""


_EMAIL_WIDTH = 48  # longer addresses (rare) take the exact, slower path
_EMAIL_CHARS = np.zeros(129, dtype=bool)
for _c in "abcdefghijklmnopqrstuvwxyz0123456789.!#$%&'*+/=?^_`{|}~-@":
    _EMAIL_CHARS[ord(_c)] = True
_DOMAIN_CHARS = np.zeros(129, dtype=bool)
for _c in "abcdefghijklmnopqrstuvwxyz0123456789.-":
    _DOMAIN_CHARS[ord(_c)] = True


def _email_fast_ok(m32: tm.U32) -> tm.Bool:
    """Rows (already lower-cased) that are plainly valid ASCII addresses."""
    width = m32.shape[1]
    length = tm.lengths(m32)
    col = np.arange(width)[None, :]
    inside = col < length[:, None]
    # Every test below is about ASCII: bytes (non-ASCII -> 128) are 4x less to scan.
    m = c = np.minimum(m32, 128).astype(np.uint8)
    at = m == 64
    at_pos = np.argmax(at, axis=1)
    after_at = col > at_pos[:, None]
    ok = (at.sum(axis=1) == 1) & (at_pos > 0) & (length >= 5)
    ok &= (_EMAIL_CHARS[c] | ~inside).all(axis=1)
    ok &= (_DOMAIN_CHARS[c] | ~(inside & after_at)).all(axis=1)
    dots = m == 46
    ok &= (dots & after_at).any(axis=1)
    ok &= ~(dots[:, :-1] & dots[:, 1:]).any(axis=1)
    rows = np.arange(len(m))
    last = m[rows, np.maximum(length - 1, 0)]
    ok &= (last >= 97) & (last <= 122) & (m[:, 0] != 46)
    ok &= m[rows, np.maximum(length - 2, 0)] != 46  # a top-level domain has 2+ letters
    ok &= m[rows, np.maximum(at_pos - 1, 0)] != 46
    ok &= ~np.isin(m[rows, np.minimum(at_pos + 1, width - 1)], (45, 46))
    return ok


def _hash_text(values: npt.NDArray[np.object_]) -> tm.U64:
    """``hash64`` of normalised addresses: at ``_EMAIL_WIDTH`` like the fast path (the
    hash depends on the width), longer ones at their own width (0 = empty)."""
    m, too_long = tm.to_matrix(values, _EMAIL_WIDTH)
    h = tm.hash64(m)
    if too_long.any():
        rows = np.flatnonzero(too_long)
        lm, _ = tm.to_matrix(values[rows], 256)
        h[rows] = tm.hash64(lm)
    return h


def emails(values: pd.Series) -> I64:
    """Hash codes of lower-cased, syntax-checked e-mail addresses (-1 missing/invalid).
    Plain ASCII addresses are checked as a matrix; the rest go through email-validator."""
    return coded(*distinct(values))


def coded(codes: npt.NDArray[np.int64], arr: npt.NDArray[np.object_]) -> I64:
    """``emails`` of values already factorised."""
    m, too_long = tm.to_matrix(arr, _EMAIL_WIDTH)
    low = tm.lower_ascii(m)
    ok = _email_fast_ok(low) & ~too_long
    h = tm.hash64(low)  # the hash depends on the width: see _hash_text
    h[~ok] = 0
    slow = ~ok & (m[:, 0] != 0) | (too_long)
    if slow.any():
        idx = np.flatnonzero(slow)
        uniq = {v: _email_one(v) for v in set(arr[idx].tolist())}
        fixed = [uniq[v] for v in arr[idx].tolist()]
        h[idx] = _hash_text(np.asarray(fixed, dtype=object))
    # The code is the hash itself (63 bits): the same address gets the same code in
    # every run, so an index built once can be probed with a single new record.
    ucodes = np.where(h == 0, -1, (h >> np.uint64(1)).astype(np.int64))
    return ucodes[codes].astype(np.int64)
