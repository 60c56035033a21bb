"""Score candidate pairs: Fellegi-Sunter weights with term-frequency adjustment, the
household guard, and a probability-like score in [0, 1].

Term frequency: agreeing on "Smith" says less than agreeing on "Wojciechowski", so an
exact first name, last name or ZIP is weighted with the value's own frequency instead of
the field average (as Splink does).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from app.matching import model as fs
from app.matching.compare import FIELD_INDEX, Comparison, compare
from app.matching.normalise import Norm

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

RANDOM_PAIRS = 200_000


@dataclass
class Scored:
    a: I64
    b: I64
    cmp: Comparison
    weight: F64  # total log2 Bayes factor
    score: F64  # posterior probability of "same person"
    household: Bool  # clearly different first names: a family, never one person
    conflict: Bool  # different birth dates: never auto-linked
    weak: Bool  # no identifier beyond the name agrees

    def __len__(self) -> int:
        return len(self.a)


def frequencies(codes: npt.NDArray[np.int32]) -> F64:
    """Share of records (with a value) holding each code."""
    ok = codes >= 0
    counts = np.bincount(codes[ok]) if ok.any() else np.zeros(1)
    return np.asarray(counts / max(int(ok.sum()), 1), dtype=np.float64)


def estimate_u(norm: Norm, seed: int = 0) -> dict[str, list[float]]:
    """u probabilities from random record pairs of this data."""
    if norm.n < 50:
        return {k: list(v) for k, v in fs.DEFAULT.u.items()}
    rng = np.random.default_rng(seed)
    k = min(RANDOM_PAIRS, norm.n * 20)
    a, b = rng.integers(0, norm.n, k), rng.integers(0, norm.n, k)
    keep = a != b
    return fs.estimate_u(compare(norm, a[keep], b[keep]).matrix())


def _pairs_sharing(codes: npt.NDArray[np.int64]) -> float:
    """Record pairs sharing a value of ``codes`` (-1 = none)."""
    inverse, _ = pd.factorize(codes[codes >= 0])
    counts = np.bincount(inverse).astype(np.float64)
    return float((counts * (counts - 1)).sum() / 2)


def agree_pairs(norm: Norm) -> dict[str, float]:
    """How many record pairs agree exactly on each identifier field."""
    phones = norm.phones.copy()
    # One count per (record, number): a number listed twice on one record is one number.
    for j in range(1, phones.shape[1]):
        phones[:, j][(phones[:, :j] == phones[:, j : j + 1]).any(axis=1)] = 0
    per_rec = phones.reshape(-1)
    per_rec = np.where(per_rec > 0, per_rec, -1)
    has_addr = (norm.house >= 0) & (norm.street >= 0)
    address = np.where(has_addr, norm.house * 1_000_003 + norm.street, -1)
    return {
        "email": _pairs_sharing(norm.email),
        "phone": _pairs_sharing(per_rec),
        "address": _pairs_sharing(address),
        "dob": _pairs_sharing(norm.dob.astype(np.int64)),
    }


def fit_model(norm: Norm, cmp: Comparison) -> fs.Model:
    """Learn the model from this data when there is enough of it, else the defaults."""
    levels = cmp.matrix()
    if len(levels) < fs.MIN_PAIRS_TO_TRAIN:
        return fs.DEFAULT
    return fs.train(levels, estimate_u(norm), norm.n, agree_pairs(norm))


HOUSEHOLD_FIELDS = ("phone", "address")


def household_overlap(part: dict[str, F64], levels: npt.NDArray[np.int8]) -> F64:
    """Evidence counted twice when a pair shares a phone or an address.

    Fellegi-Sunter adds fields as if independent, but different people sharing a phone
    or an address are a household, whose members share the address, ZIP and mostly the
    surname too. Given one of them, where the two live tells a person from a household
    member apart no better than chance, either way (a moved duplicate keeps the phone,
    not the address): only the stronger of phone/address counts, the ZIP not at all, an
    agreeing surname adds nothing and a different one still counts against. Telling a
    person from a relative is left to the personal fields (first name, e-mail, DOB).
    """
    shared = np.zeros(len(levels), dtype=bool)
    for name in HOUSEHOLD_FIELDS:
        shared |= levels[:, FIELD_INDEX[name]] == 1
    out = np.zeros(len(levels))
    if not shared.any():
        return out
    rows = np.flatnonzero(shared)
    hp, ha = (part[n][rows] for n in HOUSEHOLD_FIELDS)
    # Where one lives (the weaker of phone/address, the ZIP) counts neither way; a
    # shared surname adds nothing, but a different one still counts against.
    drop = np.minimum(hp, ha) + part["zip"][rows] + np.maximum(part["last"][rows], 0)
    out[rows] = drop
    return out


def score_pairs(
    norm: Norm, a: I64, b: I64, model: fs.Model | None = None, freq: dict[str, F64] | None = None
) -> tuple[Scored, fs.Model]:
    """Compare and score pairs (a[i], b[i]); trains the model unless one is given."""
    cmp = compare(norm, a, b)
    model = model or fit_model(norm, cmp)
    levels = cmp.matrix()
    freq = freq or {
        "first": frequencies(norm.first),
        "last": frequencies(norm.last),
        "zip": frequencies(norm.zip5),
    }
    codes = {"first": norm.first, "last": norm.last, "zip": norm.zip5}
    w = model.weights()
    part = {f: w[j][levels[:, j]] for f, j in FIELD_INDEX.items()}
    for name, f in freq.items():
        sel = np.flatnonzero(levels[:, FIELD_INDEX[name]] == 1)
        if not len(sel) or not len(f):
            continue
        u1 = max(model.u[name][0], 1e-9)
        code = codes[name][a[sel]]
        # A value this data set has never seen (a probe's new word) keeps the average.
        fv = np.where((code >= 0) & (code < len(f)), f[np.clip(code, 0, len(f) - 1)], u1)
        part[name][sel] += np.log2(u1 / np.clip(fv, 1e-7, None))
    weight = np.zeros(len(levels))
    for values in part.values():
        weight += values
    weight -= household_overlap(part, levels)
    score = fs.probability(model, weight)
    first = levels[:, FIELD_INDEX["first"]]
    household = (first == 5) & ~cmp.swapped
    lv = {name: levels[:, j] for name, j in FIELD_INDEX.items()}
    conflict = lv["dob"] == 3
    strong = (lv["email"] == 1) | (lv["phone"] == 1) | (lv["dob"] == 1) | (lv["address"] == 1)
    return Scored(a, b, cmp, weight, score, household, conflict, ~strong), model
