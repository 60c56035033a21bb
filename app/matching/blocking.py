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
    Pass("last name sound + ZIP", 3),
    Pass("house + street + ZIP", 10),
    Pass("first/last swapped", 6),
    Pass("first name + birth date", 8),
    Pass("first + last name", 2),
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


def pass_keys(norm: Norm) -> list[tuple[Pass, I64, I64, I64]]:
    """(pass, key, record, secondary) per pass; phones give one row per number."""
    n = norm.n
    rec = np.arange(n, dtype=np.int64)
    zip5 = norm.zip5.astype(np.int64)
    out: list[tuple[Pass, I64, I64, I64]] = []
    email, phone, lastzip, addr, swapped, fdob, names = PASSES
    out.append((email, norm.email, rec, zip5))
    k = norm.phones.shape[1]
    ph = norm.phones.reshape(-1)
    out.append((phone, np.where(ph > 0, ph, -1), np.repeat(rec, k), np.repeat(zip5, k)))
    out.append(
        (lastzip, _combine(norm.last_sdx, norm.zip5), rec, norm.first_canon.astype(np.int64))
    )
    out.append(
        (addr, _combine(norm.house, norm.street, norm.zip5), rec, norm.last_sdx.astype(np.int64))
    )
    # Swapped names: key on the unordered pair {first, last} in one shared vocabulary.
    joint, _ = pd.factorize(pd.Series(norm.first_vocab + norm.last_vocab, dtype=object))
    joint = np.append(joint, -1)
    fj = joint[np.where(norm.first >= 0, norm.first, len(joint) - 1)]
    lj = joint[np.where(norm.last >= 0, norm.last + len(norm.first_vocab), len(joint) - 1)]
    both = (fj >= 0) & (lj >= 0) & (fj != lj)
    straight = np.where(both, _combine(fj, lj), -1)
    reverse = np.where(both, _combine(lj, fj), -1)
    # Only records whose reversed name is someone's straight name take part.
    hit = np.isin(reverse, straight[straight >= 0]) & both
    want = np.isin(straight, reverse[hit]) & both
    keys = np.concatenate([np.where(want, straight, -1), np.where(hit, reverse, -1)])
    out.append((swapped, keys, np.concatenate([rec, rec]), np.concatenate([zip5, zip5])))
    out.append((fdob, _combine(norm.first_canon, norm.dob), rec, norm.last_sdx.astype(np.int64)))
    out.append(
        (
            names,
            _combine(norm.first_canon, norm.last_sdx),
            rec,
            norm.dob.astype(np.int64) * 100_000 + zip5,
        )
    )
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
