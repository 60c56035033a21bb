"""Blocking: which record pairs are worth comparing at all.

Several cheap passes, each pairing records that share a key; the union is the candidate
set. Inside a key group records are sorted (by a secondary key) and each is paired with
its next ``window - 1`` neighbours, so a small group is compared all-pairs and a huge one
(a common surname in one ZIP) stays linear: this is the sorted-neighbourhood method.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from app.matching import names
from app.matching.normalise import Norm

I64 = npt.NDArray[np.int64]
_MIX = np.int64(1_000_003)


@dataclass(frozen=True)
class Pass:
    name: str
    window: int
    largest: int = 0  # groups larger than this give no pairs (0: no limit)


PASSES: tuple[Pass, ...] = (
    Pass("email", 12),
    Pass("phone", 12),
    Pass("id", 12),
    Pass("first name + birth date", 8),
    Pass("last name sound + birth date", 8),
    Pass("either name sound + birth date", 6),
    Pass("birth date + house number", 6),
    Pass("birth date + ZIP", 8),
    Pass("birth date + town", 6),
    Pass("house + street + ZIP", 10),
    Pass("house + street + town", 10),
    Pass("house + street + first name", 6),
    Pass("house + street", 6),
    Pass("house number + ZIP", 4),
    Pass("last name sound + ZIP", 4),
    Pass("last name sound + town", 6, largest=12),
    Pass("first name + ZIP", 4),
    Pass("first + last name + town", 6),
    Pass("first + last name", 3),
    Pass("first/last swapped", 6),
)


def _combine(*parts: npt.NDArray[np.integer[Any]]) -> I64:
    """One int64 key of several codes (-1 when any part is missing)."""
    return _finish(*_start(*parts))


def _start(*parts: npt.NDArray[np.integer[Any]]) -> tuple[I64, npt.NDArray[np.bool_]]:
    """(the key before its sign is dropped, missing): ``_combine`` in two halves so passes
    sharing leading parts share their work (``_more`` adds parts)."""
    out = parts[0].astype(np.int64)
    out += 1
    return _more(out, parts[0] < 0, *parts[1:], copy=False)


def _more(
    out: I64,
    missing: npt.NDArray[np.bool_],
    *parts: npt.NDArray[np.integer[Any]],
    copy: bool = True,
) -> tuple[I64, npt.NDArray[np.bool_]]:
    """``out * _MIX + part + 1`` for each part, in place (wrapping like the plain
    expression) unless ``copy``."""
    if copy:
        out, missing = out.copy(), missing.copy()
    with np.errstate(over="ignore"):
        for p in parts:
            out *= _MIX
            out += p
            out += 1
            missing |= p < 0
    return out, missing


def _finish(raw: I64, missing: npt.NDArray[np.bool_]) -> I64:
    out = np.abs(raw)
    out[missing] = -1
    return out


def _by_code_then(code: I64, codes: int, secondary: I64) -> I64:
    """Stable order of (``code``, ``secondary``): ties keep their position. One argsort
    of the two packed in an int64 beats a lexsort."""
    sec = secondary - secondary.min() if len(secondary) else secondary
    if codes < 2**30 and (not len(sec) or int(sec.max()) < 2**33):
        return np.argsort((code.astype(np.int64) << 33) | sec, kind="stable")
    return np.lexsort((secondary, code))


def _window_order(code: I64, size: I64, secondary: I64, window: int) -> tuple[I64, I64]:
    """(order, left) for the records of groups of three or more (``code``: dense group
    codes, ``size``: each record's group size): their positions, equal codes together,
    and for each how many of its group follow it.

    The neighbours of sorting every group by (secondary, position), at a fraction of the
    cost: a group of at most ``window`` records pairs all its members whatever their order,
    so it only needs to be contiguous (one unstable sort of (code, position) packed in an
    int64: the values are unique, so the order is exact); only the larger groups are
    sorted by (secondary, position)."""
    small = np.flatnonzero((size > 2) & (size <= window))
    big = np.flatnonzero(size > window)
    shift = max(len(code) - 1, 1).bit_length()
    packed = (code[small].astype(np.int64) << shift) | small
    packed.sort()
    packed &= (1 << shift) - 1
    order = np.concatenate([packed, big[_by_code_then(code[big], len(code), secondary[big])]])
    del packed
    if not len(order):
        return order, order
    k = code[order]
    starts = np.flatnonzero(np.concatenate([[True], k[1:] != k[:-1]]))
    ends = np.append(starts[1:], len(k))
    left = np.repeat(ends, ends - starts) - np.arange(1, len(k) + 1)
    return order, left


def neighbour_pairs(key: I64, rec: I64, secondary: I64, window: int) -> tuple[I64, I64]:
    """Pairs of records sharing ``key`` within ``window`` after sorting by ``secondary``
    (inside a group: by secondary, then by position). Pairs come in no particular order."""
    n = int(rec.max()) + 1 if len(rec) else 1
    codes = np.concatenate([np.zeros(0, np.int64), *_pair_codes(key, rec, secondary, window, n)])
    return np.divmod(codes, n)


def _pair_codes(
    key: I64, rec: I64, secondary: I64, window: int, n: int, largest: int = 0
) -> list[I64]:
    """``neighbour_pairs`` as codes ``a * n + b`` (a < b < n), in chunks: the caller joins
    every pass's chunks once (each join is a fresh copy of the largest arrays here).
    ``largest``: only groups of at most that many records give pairs."""
    ok = key >= 0
    if largest:
        code, _ = pd.factorize(key)
        ok &= np.bincount(code)[code] <= largest
    if not ok.all():
        key, rec, secondary = key[ok], rec[ok], secondary[ok]
    out: list[I64] = []

    def emit(a: I64, b: I64) -> None:  # a, b: fresh arrays, reused
        diff = a != b
        lo = np.minimum(a, b)
        np.maximum(a, b, out=a)
        lo *= n
        lo += a
        out.append(lo[diff])

    code, _ = pd.factorize(key)  # dense, numbered in order of first appearance
    size = np.bincount(code)[code] if len(code) else code
    # A group of two (most groups) is its one pair, found without sorting: the first
    # occurrences are where the running maximum of the codes rises, one per code.
    first = np.ones(len(code), dtype=bool)
    if len(code):
        np.greater(code[1:], np.maximum.accumulate(code)[:-1], out=first[1:])
    second = np.flatnonzero((size == 2) & ~first)
    emit(rec[np.flatnonzero(first)[code[second]]], rec[second])
    del first, second
    order, left = _window_order(code, size, secondary, window)
    r = rec[order]
    at = np.flatnonzero(left > 0)
    for d in range(1, window):
        if d > 1:  # the positions whose group still has a member d places on
            at = at[left[at] >= d]
        if not len(at):
            break
        emit(r[at], r[at + d])
    return out


def _swapped_keys(norm: Norm) -> tuple[I64, I64]:
    """Keys on the unordered pair {first, last} in one shared vocabulary, for records whose
    reversed name is someone's straight name (keys, record of each key)."""
    rec = np.arange(norm.n, dtype=np.int64)
    joint, _ = pd.factorize(pd.Series(norm.first_vocab + norm.last_vocab, dtype=object))
    joint = np.append(joint, -1)
    fj = joint[np.where(norm.first >= 0, norm.first, len(joint) - 1)]
    lj = joint[np.where(norm.last >= 0, norm.last + len(norm.first_vocab), len(joint) - 1)]
    both = (fj >= 0) & (lj >= 0) & (fj != lj)
    straight = np.where(both, _combine(fj, lj), -1)
    reverse = np.where(both, _combine(lj, fj), -1)
    hit = _member(reverse, straight[straight >= 0]) & both
    want = _member(straight, reverse[hit]) & both
    keys = np.concatenate([np.where(want, straight, -1), np.where(hit, reverse, -1)])
    ok = keys >= 0  # only the few records with a swapped twin: later steps skip the rest
    return keys[ok], np.concatenate([rec, rec])[ok]


def _member(values: I64, among: I64) -> npt.NDArray[np.bool_]:
    """``np.isin(values, among)`` by hashing (pandas' table) instead of sorting both."""
    if not len(values) or not len(among):
        return np.zeros(len(values), dtype=bool)
    return pd.Index(values, copy=False).isin(among)


def first_sound(norm: Norm) -> I64:
    """Soundex code of each record's first name, in the last names' Soundex vocabulary
    (so a first name and a surname that sound alike get one code); -1 missing."""
    cached = norm.cache.get("first_sdx")
    if cached is None:
        vocab = {w: i for i, w in enumerate(norm.sdx_vocab)}
        extra: dict[str, int] = {}
        codes = []
        for word in norm.first_vocab:
            sdx = names.soundex(word)
            if not sdx:
                codes.append(-1)
                continue
            code = vocab.get(sdx)
            if code is None:
                code = extra.setdefault(sdx, len(vocab) + len(extra))
            codes.append(code)
        lookup = np.asarray([*codes, -1], dtype=np.int64)
        cached = norm.cache["first_sdx"] = lookup[np.where(norm.first >= 0, norm.first, -1)]
    return cached  # type: ignore[return-value]


def _either_sound_keys(norm: Norm, by_last: I64 | None = None) -> tuple[I64, I64, I64]:
    """(key, record, secondary) with two rows per record: the sound of its first name
    and of its surname, each with the birth date. Two records of one person whose names
    are swapped and mistyped ("Sean Shepherd" / "Shepherd Sea", no exact name in common)
    share the surname's. (With the ZIP instead of the birth date this pass cost 13 %
    more candidate pairs on our generator for 0.15 % more true pairs on FEBRL3.)"""
    rec = np.arange(norm.n, dtype=np.int64)
    first, last = first_sound(norm), norm.last_sdx.astype(np.int64)
    by_first = _combine(first, norm.dob)
    if by_last is None:  # the "last name sound + birth date" key
        by_last = _combine(last, norm.dob)
    by_first[first == last] = -1  # one key, not two
    keys = np.concatenate([by_first, by_last])
    return keys, np.concatenate([rec, rec]), np.concatenate([last, first])


def _multi(matrix: npt.NDArray[np.integer[Any]], missing: int) -> tuple[I64, I64]:
    """(key, record) with one row per value of a multi-value field (phones, ids)."""
    k = matrix.shape[1]
    flat = matrix.reshape(-1).astype(np.int64)
    at = np.flatnonzero((flat != missing) & (flat >= 0))  # later steps skip the rest
    return flat[at], at // max(k, 1)


def pass_keys(norm: Norm) -> Iterator[tuple[Pass, I64, I64, I64]]:
    """(pass, key, record, secondary) per pass, in ``PASSES`` order; phones and ids give one
    row per value. Made one pass at a time, so only the current pass's arrays are alive."""
    rec = np.arange(norm.n, dtype=np.int64)
    zip5 = norm.zip5.astype(np.int64)
    first, last = norm.first_canon, norm.last_sdx
    house, street, city, dob = norm.house, norm.street, norm.city, norm.dob
    p = dict(zip([q.name for q in PASSES], PASSES, strict=True))
    yield p["email"], norm.email, rec, zip5
    for name, matrix, missing in (("phone", norm.phones, 0), ("id", norm.ids, -1)):
        key, who = _multi(matrix, missing)
        yield p[name], key, who, zip5[who]
    by_last = last.astype(np.int64)
    by_first = first.astype(np.int64)
    by_dob = dob.astype(np.int64)
    yield p["first name + birth date"], _combine(first, dob), rec, by_last
    last_dob = _combine(last, dob)  # shared with the next pass
    yield p["last name sound + birth date"], last_dob, rec, by_first
    yield p["either name sound + birth date"], *_either_sound_keys(norm, last_dob)
    del last_dob
    yield p["birth date + house number"], _combine(dob, house), rec, zip5
    yield p["birth date + ZIP"], _combine(dob, norm.zip5), rec, by_last
    yield p["birth date + town"], _combine(dob, city), rec, by_last
    house_street = _start(house, street)  # the leading parts of the next four keys
    yield p["house + street + ZIP"], _finish(*_more(*house_street, norm.zip5)), rec, by_last
    yield p["house + street + town"], _finish(*_more(*house_street, city)), rec, by_last
    yield p["house + street + first name"], _finish(*_more(*house_street, first)), rec, by_last
    yield p["house + street"], _finish(*house_street), rec, by_last * 100_000 + zip5
    del house_street
    yield p["house number + ZIP"], _combine(house, norm.zip5), rec, by_last
    yield p["last name sound + ZIP"], _combine(last, norm.zip5), rec, by_first
    yield p["last name sound + town"], _combine(last, city), rec, by_first
    yield p["first name + ZIP"], _combine(first, norm.zip5), rec, by_last
    first_last = _start(first, last)
    yield p["first + last name + town"], _finish(*_more(*first_last, city)), rec, by_dob
    yield p["first + last name"], _finish(*first_last), rec, by_dob * 100_000 + zip5
    del first_last
    keys, who = _swapped_keys(norm)
    yield p["first/last swapped"], keys, who, zip5[who]


def _distinct_sorted(values: I64) -> I64:
    """The first of each run of equal values of sorted ``values``."""
    if len(values) == 0:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


@dataclass
class Candidates:
    a: I64
    b: I64
    per_pass: dict[str, int]


def candidates(norm: Norm) -> Candidates:
    """The union of every pass's pairs (a < b, unique)."""
    n = max(norm.n, 1)
    codes: list[I64] = []
    per_pass: dict[str, int] = {}
    for spec, key, rec, sec in pass_keys(norm):
        found = _pair_codes(key, rec, sec, spec.window, n, spec.largest)
        per_pass[spec.name] = sum(len(c) for c in found)
        codes += found
        del key, rec, sec, found
    allc = np.concatenate(codes)
    codes.clear()
    allc.sort()  # in place: no second copy of the largest array here
    allc = _distinct_sorted(allc)
    a, b = np.divmod(allc, n)
    return Candidates(a, b, per_pass)
