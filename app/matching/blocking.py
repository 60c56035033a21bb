"""Blocking: which record pairs are worth comparing at all.

Several cheap passes, each pairing records that share a key; the union is the candidate
set. Inside a key group records are sorted (by a secondary key) and each is paired with
its next ``window - 1`` neighbours, so a small group is compared all-pairs and a huge one
(a common surname in one ZIP) stays linear: this is the sorted-neighbourhood method.
"""

from __future__ import annotations

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


PASSES: tuple[Pass, ...] = (
    Pass("email", 12),
    Pass("phone", 12),
    Pass("id", 12),
    Pass("first name + birth date", 8),
    Pass("last name sound + birth date", 8),
    Pass("either name sound + birth date", 6),
    Pass("birth date + house number", 6),
    Pass("birth date + ZIP", 8),
    Pass("house + street + ZIP", 10),
    Pass("house + street + town", 10),
    Pass("house + street + first name", 6),
    Pass("house + street", 6),
    Pass("house number + ZIP", 4),
    Pass("last name sound + ZIP", 4),
    Pass("first name + ZIP", 4),
    Pass("first + last name + town", 6),
    Pass("first + last name", 3),
    Pass("first/last swapped", 6),
)


def _combine(*parts: npt.NDArray[np.integer[Any]]) -> I64:
    """One int64 key of several codes (-1 when any part is missing)."""
    out = np.zeros(len(parts[0]), dtype=np.int64)
    missing = np.zeros(len(parts[0]), dtype=bool)
    with np.errstate(over="ignore"):
        for p in parts:
            out = out * _MIX + p.astype(np.int64) + 1
            missing |= p < 0
    out = np.abs(out)
    out[missing] = -1
    return out


def _group_order(key: I64, secondary: I64) -> I64:
    """Order that puts equal keys together, sorted by ``secondary`` inside each group.
    Groups may come in any order, so the key is replaced by its dense code (hashing, not
    sorting) and one argsort of (code, secondary) packed in an int64 beats a lexsort."""
    code, uniq = pd.factorize(key)
    sec = secondary - secondary.min() if len(secondary) else secondary
    if len(uniq) < 2**30 and (not len(sec) or int(sec.max()) < 2**33):
        return np.argsort((code.astype(np.int64) << 33) | sec, kind="stable")
    return np.lexsort((secondary, key))


def neighbour_pairs(key: I64, rec: I64, secondary: I64, window: int) -> tuple[I64, I64]:
    """Pairs of records sharing ``key`` within ``window`` after sorting by ``secondary``."""
    ok = key >= 0
    key, rec, secondary = key[ok], rec[ok], secondary[ok]
    order = _group_order(key, secondary)
    k, r = key[order], rec[order]
    out_a: list[I64] = []
    out_b: list[I64] = []
    for d in range(1, window):
        same = k[:-d] == k[d:]
        if not same.any():
            break
        a, b = r[:-d][same], r[d:][same]
        diff = a != b
        out_a.append(np.minimum(a, b)[diff])
        out_b.append(np.maximum(a, b)[diff])
    if not out_a:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(out_a), np.concatenate(out_b)


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
    hit = np.isin(reverse, straight[straight >= 0]) & both
    want = np.isin(straight, reverse[hit]) & both
    keys = np.concatenate([np.where(want, straight, -1), np.where(hit, reverse, -1)])
    return keys, np.concatenate([rec, rec])


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


def _either_sound_keys(norm: Norm) -> tuple[I64, I64, I64]:
    """(key, record, secondary) with two rows per record: the sound of its first name
    and of its surname, each with the birth date. Two records of one person whose names
    are swapped and mistyped ("Sean Shepherd" / "Shepherd Sea", no exact name in common)
    share the surname's. (With the ZIP instead of the birth date this pass cost 13 %
    more candidate pairs on our generator for 0.15 % more true pairs on FEBRL3.)"""
    rec = np.arange(norm.n, dtype=np.int64)
    first, last = first_sound(norm), norm.last_sdx.astype(np.int64)
    by_first, by_last = _combine(first, norm.dob), _combine(last, norm.dob)
    by_first[first == last] = -1  # one key, not two
    keys = np.concatenate([by_first, by_last])
    return keys, np.concatenate([rec, rec]), np.concatenate([last, first])


def _multi(matrix: npt.NDArray[np.integer[Any]], missing: int) -> tuple[I64, I64]:
    """(key, record) with one row per value of a multi-value field (phones, ids)."""
    k = matrix.shape[1]
    flat = matrix.reshape(-1).astype(np.int64)
    rec = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), k)
    return np.where(flat != missing, flat, -1), rec


def pass_keys(norm: Norm) -> list[tuple[Pass, I64, I64, I64]]:
    """(pass, key, record, secondary) per pass; phones and ids give one row per value."""
    rec = np.arange(norm.n, dtype=np.int64)
    zip5 = norm.zip5.astype(np.int64)
    first, last = norm.first_canon, norm.last_sdx
    house, street, city, dob = norm.house, norm.street, norm.city, norm.dob
    p = dict(zip([q.name for q in PASSES], PASSES, strict=True))
    out: list[tuple[Pass, I64, I64, I64]] = [(p["email"], norm.email, rec, zip5)]
    for name, matrix, missing in (("phone", norm.phones, 0), ("id", norm.ids, -1)):
        key, who = _multi(matrix, missing)
        out.append((p[name], key, who, zip5[who]))
    by_last = last.astype(np.int64)
    by_first = first.astype(np.int64)
    by_dob = dob.astype(np.int64)
    out += [
        (p["first name + birth date"], _combine(first, dob), rec, by_last),
        (p["last name sound + birth date"], _combine(last, dob), rec, by_first),
        (p["either name sound + birth date"], *_either_sound_keys(norm)),
        (p["birth date + house number"], _combine(dob, house), rec, zip5),
        (p["birth date + ZIP"], _combine(dob, norm.zip5), rec, by_last),
        (p["house + street + ZIP"], _combine(house, street, norm.zip5), rec, by_last),
        (p["house + street + town"], _combine(house, street, city), rec, by_last),
        (p["house + street + first name"], _combine(house, street, first), rec, by_last),
        (p["house + street"], _combine(house, street), rec, by_last * 100_000 + zip5),
        (p["house number + ZIP"], _combine(house, norm.zip5), rec, by_last),
        (p["last name sound + ZIP"], _combine(last, norm.zip5), rec, by_first),
        (p["first name + ZIP"], _combine(first, norm.zip5), rec, by_last),
        (p["first + last name + town"], _combine(first, last, city), rec, by_dob),
        (p["first + last name"], _combine(first, last), rec, by_dob * 100_000 + zip5),
    ]
    keys, who = _swapped_keys(norm)
    out.append((p["first/last swapped"], keys, who, zip5[who]))
    return out


def unique_sorted(values: I64) -> I64:
    """Sorted distinct values (sort + diff: faster than numpy's hash-based unique here)."""
    values = np.sort(values, kind="stable" if len(values) < 1000 else "quicksort")
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
        a, b = neighbour_pairs(key, rec, sec, spec.window)
        per_pass[spec.name] = len(a)
        codes.append(a * n + b)
    allc = unique_sorted(np.concatenate(codes)) if codes else np.zeros(0, np.int64)
    return Candidates(allc // n, allc % n, per_pass)
