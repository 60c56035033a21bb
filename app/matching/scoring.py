"""Score candidate pairs with the match model (``model``): the posterior probability that
two records are one person, with term-frequency adjustment.

Term frequency: agreeing on "Smith" says less than agreeing on "Wojciechowski". For an
exact first name, last name or birth date the stranger class's chance of agreeing on that
very value is the value's share of the records (as Splink does), not the field's average;
likewise the ZIP of "same ZIP" and the town of "same town". A street address held by more
records than addresses usually are (an apartment block, the dealership's own address)
counts for less in proportion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from app.matching import level_patterns
from app.matching import model as fs
from app.matching.compare import FIELD_INDEX, FIELDS, MISSING_CODED, Comparison, compare
from app.matching.normalise import Norm

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

RANDOM_PAIRS = 200_000
# A pair whose fields speak against one person by more than this factor (natural log:
# a different birth date, first name or id) is two people in a cluster check.
CONFLICT = float(np.log(16))


@dataclass
class Scored:
    a: I64
    b: I64
    cmp: Comparison
    weight: F64  # log2 posterior odds of "same person"
    score: F64  # posterior probability of "same person"
    related: F64  # posterior probability of "two people of one household"
    against: F64  # evidence against one person (natural log, <= 0)

    def __len__(self) -> int:
        return len(self.a)

    @property
    def household(self) -> Bool:
        """Pairs best explained as two members of one household."""
        return (self.related > self.score) & (self.related >= 0.5)

    @property
    def conflict(self) -> Bool:
        """Pairs that are clearly two people (see ``CONFLICT``)."""
        return (self.score < 0.5) & (self.against < -CONFLICT)


def counts(codes: npt.NDArray[np.integer]) -> F64:
    """Records holding each code (codes < 0 are missing)."""
    ok = codes >= 0
    return np.bincount(codes[ok]).astype(np.float64) if ok.any() else np.zeros(1)


def address_key(norm: Norm) -> I64:
    """One code per street address (house, street word, ZIP or else town); -1 none."""
    cached = norm.cache.get("address_key")
    if cached is None:
        ok = (norm.house >= 0) & (norm.street >= 0)
        area = np.where(norm.zip5 >= 0, norm.zip5, 100_000 + norm.city.astype(np.int64))
        with np.errstate(over="ignore"):
            key = (norm.house * 1_000_003 + norm.street) * 10_000_019 + area
        codes, _ = pd.factorize(np.where(ok, key, np.iinfo(np.int64).min))
        cached = norm.cache["address_key"] = np.where(ok, codes, -1).astype(np.int64)
    return cached  # type: ignore[return-value]


def full_names(norm: Norm) -> tuple[I64, F64]:
    """One code per (first, last) name (-1 when either is missing), and per code the
    people holding it who gave a birth date: distinct birth dates among its records.
    Records of one person mostly share a birth date, so duplicates do not make a name
    look common. People who never give one are added in ``named_people``."""
    ok = (norm.first >= 0) & (norm.last >= 0)
    with np.errstate(over="ignore"):
        key = norm.first.astype(np.int64) * (len(norm.last_vocab) + 1) + norm.last
    codes, _ = pd.factorize(np.where(ok, key, -1))
    codes = np.where(ok, codes, -1).astype(np.int64)
    n_codes = int(codes.max()) + 1 if ok.any() else 0
    has = ok & (norm.dob >= 0)
    pairs = pd.unique(codes[has] * 100_000 + norm.dob[has].astype(np.int64))
    people = np.bincount(pairs // 100_000, minlength=n_codes).astype(np.float64)
    return codes, people


def dob_less_people(model: fs.Model, norm: Norm, with_dob: F64 | None = None) -> float:
    """The share of people who give no birth date on any record: the larger of two
    estimates. From the model's m: how often two records of one person lack one on one
    side only says how often records leave it out at random; the rest of the records
    without one are such people's. That misses people whose records come from systems
    that keep no birth date (a CRM, a mailing list: there every duplicate lacks one on one
    side), so also from the names: the people with a full name (``named_people_count``)
    against those of them counted by birth date (``with_dob``, per full name)."""
    share = 0.0
    if model.missing_coded("dob") and norm.n:
        m = model.m["dob"]
        k = len(FIELDS[FIELD_INDEX["dob"]].levels)
        both_known, one_missing = float(sum(m[:k])), float(m[k])
        left_out = one_missing / max(one_missing + 2 * both_known, 1e-12)  # per record
        without = float((norm.dob < 0).mean())
        share = (without - left_out) / max(1 - left_out, 1e-12)
    if with_dob is not None:
        people = named_people_count(model, norm)[0]
        share = max(share, 1.0 - float(with_dob.sum()) / max(people, 1.0))
    return float(np.clip(share, 0.0, 1.0))


def named_people_count(model: fs.Model, norm: Norm) -> tuple[float, float]:
    """People with a full name and records per such person, counted without birth
    dates: records with a full name over one plus the duplicates each has that agree on
    it (the model's expected same-person pairs agreeing on first and last name). Records
    per person vary, so this counts somewhat too few people: it errs towards fewer
    people without a birth date, as before."""
    named = float(((norm.first >= 0) & (norm.last >= 0)).sum())
    total = norm.n * (norm.n - 1) / 2
    agreeing = model.prior * total * model.m["first"][0] * model.m["last"][0]
    per_person = 1.0 + 2.0 * agreeing / max(named, 1.0)
    return named / per_person, per_person


def named_people(model: fs.Model, norm: Norm, with_dob: F64, records: F64) -> F64:
    """People holding each full name: those counted by birth date (``with_dob``), plus
    those who never give one -- their share of the people (``dob_less_people``) of the
    name's ``records`` over records per person (at least one where the name occurs at
    all). Without them, a name whose other holders gave no birth date would look
    (nearly) unique, and two of its records (nearly) certain to be one person."""
    share = dob_less_people(model, norm, with_dob)
    per_person = named_people_count(model, norm)[1]
    return np.maximum(with_dob + share * records / per_person, 1.0)


def term_frequencies(norm: Norm) -> dict[str, F64]:
    """Per field, records holding each code (for ``score_pairs``); computed once."""
    cached = norm.cache.get("tf")
    if cached is None:
        addr = address_key(norm)
        full, people = full_names(norm)
        cached = norm.cache["tf"] = {
            "full_name": full.astype(np.float64),
            "full_name_people": people,
            "full_name_records": np.bincount(full[full >= 0], minlength=len(people)).astype(
                np.float64
            ),
            "first": counts(norm.first),
            "last": counts(norm.last),
            "dob": counts(norm.dob),
            "zip": counts(norm.zip5),
            "city": counts(norm.city),
            "address": counts(addr),
            "address_key": addr.astype(np.float64),
        }
    return cached  # type: ignore[return-value]


def estimate_u(norm: Norm, seed: int = 0) -> dict[str, list[float]]:
    """u probabilities from random record pairs of this data (Laplace-smoothed)."""
    if norm.n < 50:
        return {k: list(v) for k, v in fs.DEFAULT_U.items()}
    rng = np.random.default_rng(seed)
    k = min(RANDOM_PAIRS, norm.n * 20)
    a, b = rng.integers(0, norm.n, k), rng.integers(0, norm.n, k)
    keep = a != b
    levels = compare(norm, a[keep], b[keep]).matrix()
    out: dict[str, list[float]] = {}
    for j, f in enumerate(FIELDS):
        k = len(f.levels)
        codes = np.bincount(levels[:, j], minlength=k + 2).astype(float)
        if codes[1 : k + 1].sum() < 100:  # the field is (nearly) absent: the shipped values
            out[f.name] = list(fs.DEFAULT_U[f.name])
            continue
        # The levels, then (fields of MISSING_CODED) missing on one record and on both.
        order = [*range(1, k + 1), 0, k + 1] if f.name in MISSING_CODED else range(1, k + 1)
        got = codes[list(order)]
        got += 1
        out[f.name] = (got / got.sum()).tolist()
    out["suffix"] = suffix_u(norm)
    return out


def suffix_u(norm: Norm) -> list[float]:
    """u of the suffix levels from how often each suffix is written: two strangers' suffixes
    are independent (sampled pairs with one first name hold too few suffixes to count)."""
    codes = norm.suffix[norm.suffix >= 0]
    p = np.bincount(codes, minlength=1).astype(np.float64) / max(norm.n, 1)
    none = 1.0 - p.sum()
    same = float((p**2).sum())
    levels = [same, 2 * none * (1 - none), (1 - none) ** 2 - same, none**2]
    return np.clip(levels, 1e-9, 1).tolist()


def _pairs_sharing(codes: I64) -> float:
    """Record pairs sharing a value of ``codes`` (-1 = none)."""
    inverse, _ = pd.factorize(codes[codes >= 0])
    c = np.bincount(inverse).astype(np.float64)
    return float((c * (c - 1)).sum() / 2)


def _pairs_sharing_any(matrix: I64, missing: int) -> float:
    """Record pairs sharing any value of the rows of ``matrix`` (one count per record and
    value: a number listed twice on one record is one number)."""
    m = matrix.copy()
    for j in range(1, m.shape[1]):
        m[:, j][(m[:, :j] == m[:, j : j + 1]).any(axis=1)] = missing
    flat = m.reshape(-1)
    return _pairs_sharing(np.where(flat != missing, flat, -1).astype(np.int64))


def agree_pairs(norm: Norm) -> dict[str, float]:
    """How many record pairs agree exactly on each field of ``model.COUNTED``."""
    term_frequencies(norm)
    return {
        "first": _pairs_sharing(norm.first.astype(np.int64)),
        "last": _pairs_sharing(norm.last.astype(np.int64)),
        "email": _pairs_sharing(norm.email),
        "phone": _pairs_sharing_any(norm.phones, 0),
        "dob": _pairs_sharing(norm.dob.astype(np.int64)),
        "location": _pairs_sharing(address_key(norm)),
        "id": _pairs_sharing_any(norm.ids.astype(np.int64), -1),
    }


def fit_model(norm: Norm, cmp: Comparison) -> fs.Model:
    """Learn the model from this data when there is enough of it, else the defaults."""
    pairs = len(cmp.swapped)
    if pairs < fs.MIN_PAIRS_TO_TRAIN:
        return fs.default_model(norm.n)
    # level vectors counted a chunk of pairs at a time: a matrix of them all (and its
    # codes) was the largest thing a million-row file held
    chunks = (cmp.matrix(slice(s, s + SCORE_CHUNK)) for s in range(0, pairs, SCORE_CHUNK))
    pats, counts = level_patterns.chunked_patterns(chunks)
    return fs.train(pats, counts, estimate_u(norm), norm.n, agree_pairs(norm))


def _tf_log_u(
    norm: Norm, model: fs.Model, tf: dict[str, F64], a: I64, lv: dict, swapped: Bool
) -> F64:
    """Per pair, log u of the stranger class where a value's own frequency replaces the
    level's average (0 where no adjustment applies). The fields' adjustments add up: a
    common name at a common ZIP is common twice over."""
    out = np.zeros(len(a))
    names = np.zeros(len(a))  # first and last name's adjustments (for the full name)
    for name, codes in (("first", norm.first), ("last", norm.last), ("dob", norm.dob)):
        # A swapped name agrees on no one value: it keeps the level's average.
        sel = np.flatnonzero((lv[name] == 1) & ~swapped)
        c = tf[name]
        if not len(sel) or not len(c):
            continue
        total = max(c.sum() - 1, 1.0)
        code = codes[a[sel]]
        known = (code >= 0) & (code < len(c))
        held = np.where(known, c[np.clip(code, 0, len(c) - 1)], 2.0)
        share = np.maximum(held - 1, 1) / total  # other records with this value
        # the value's share is among records that have the field: times both having it
        known = np.log(max(model.known_share(model.u, name), 1e-300))
        adjust = np.log(share) + known - np.log(max(model.u[name][0], 1e-300))
        out[sel] += adjust
        if name != "dob":
            names[sel] += adjust
    # Names are not independent: a Vietnamese given name comes with a Vietnamese surname.
    # Where both agree, the stranger class's chance is at least that of the full name
    # (other people holding it, per the count above), not just the product of its parts.
    both = np.flatnonzero((lv["first"] == 1) & (lv["last"] == 1) & ~swapped)
    people = named_people(model, norm, tf["full_name_people"], tf["full_name_records"])
    if len(both) and len(people):
        full = tf["full_name"].astype(np.int64)[a[both]]
        known = full >= 0
        others = np.where(known, people[np.clip(full, 0, len(people) - 1)] - 1, 0.0)
        joint = np.log(np.maximum(others, 1e-12) / max(float(people.sum()), 1.0))
        joint += np.log(max(model.known_share(model.u, "first"), 1e-300))
        joint += np.log(max(model.known_share(model.u, "last"), 1e-300))
        parts = names[both] + np.log(max(model.u["first"][0], 1e-300))
        parts += np.log(max(model.u["last"][0], 1e-300))
        out[both] += np.maximum(joint - parts, 0.0)
    loc = lv["location"]
    for level, name, codes in (
        (5, "zip", norm.zip5),
        (6, "city", norm.city),
        (8, "zip", norm.zip5),
        (9, "city", norm.city),
    ):
        sel = np.flatnonzero(loc == level)
        c = tf[name]
        if not len(sel) or not len(c):
            continue
        code = codes[a[sel]]
        known = (code >= 0) & (code < len(c))
        share = np.where(known, c[np.clip(code, 0, len(c) - 1)], 1.0) / max(c.sum(), 1.0)
        # Relative to the value's average share over agreeing pairs: the level's u is a
        # part of all the pairs sharing the ZIP (or town) -- those where one record has
        # no street, or both have different streets -- which its value's share is not.
        mean = float((c**2).sum()) / max(float(c.sum()) ** 2, 1.0)
        out[sel] += np.log(np.maximum(share, 1e-12)) - np.log(max(mean, 1e-300))
    sel = np.flatnonzero(loc == 1)
    held = tf["address"]
    if len(sel) and len(held):
        key = tf["address_key"].astype(np.int64)[a[sel]]
        c = np.where((key >= 0) & (key < len(held)), held[np.clip(key, 0, len(held) - 1)], 1.0)
        typical = float((held**2).sum() / max(held.sum(), 1.0))  # a record's address, on average
        out[sel] += np.log(np.maximum(c / max(typical, 1.0), 1.0))
    return out


SCORE_CHUNK = 1_000_000  # pairs scored at once: bounds the per-pair temporaries
DENSE_FROM = 100_000  # pairs in a batch from which class logs come by a table of codes
Keep = Callable[[F64], Bool]  # which scored pairs to keep, from their scores


def _pattern_logs(model: fs.Model) -> Callable[[I64], tuple[F64, F64, F64, F64]]:
    """Per level-vector code (``level_patterns.pattern_codes``): the log prior x likelihood of
    each class and the evidence against one person, computed once per code seen. Sums
    taken field by field in the order a per-pair sum takes them: the same numbers."""
    lm_t, lh_t, lu_t = model.tables()
    priors = model.log_priors()
    speaks = []
    for j in range(len(FIELDS)):
        sp = np.minimum(lm_t[j] - lu_t[j], 0)
        sp[[0, -1]] = 0  # a missing value does not speak against one person
        speaks.append(sp)
    size = int(np.prod(level_patterns.RADIX))
    # Once a big batch comes: per code, its slot (-1 none yet) in the values per slot.
    # (Values kept per code instead would be written all over four big tables.)
    slot = np.zeros(0, dtype=np.int32)
    values: list[F64] = [np.zeros(0) for _ in range(4)]

    def sums(codes: I64) -> list[F64]:
        pats = level_patterns.decode(codes)
        out = [np.full(len(codes), p) for p in priors] + [np.zeros(len(codes))]
        for j in range(len(FIELDS)):
            col = pats[:, j]
            for acc, table in zip(out, (lm_t[j], lh_t[j], lu_t[j], speaks[j]), strict=True):
                acc += table[col]
        return out

    def logs(codes: I64) -> tuple[F64, F64, F64, F64]:
        nonlocal slot, values
        if len(codes) < DENSE_FROM:  # a few pairs: per distinct code, no table
            uniq, inverse = np.unique(codes, return_inverse=True)
            lm, lh, lr, against = (x[inverse] for x in sums(uniq))
            return lm, lh, lr, against
        if not len(slot):
            slot = np.full(size, -1, dtype=np.int32)
        seen = np.zeros(size, dtype=bool)
        seen[codes] = True
        new = np.flatnonzero(seen & (slot < 0))
        if len(new):
            slot[new] = np.arange(len(values[0]), len(values[0]) + len(new), dtype=np.int32)
            values = [np.concatenate([v, acc]) for v, acc in zip(values, sums(new), strict=True)]
        at = slot[codes]
        lm, lh, lr, against = (v[at] for v in values)
        return lm, lh, lr, against

    return logs


def score_pairs(
    norm: Norm,
    a: I64,
    b: I64,
    model: fs.Model | None = None,
    tf: dict[str, F64] | None = None,
    *,
    keep: Keep | None = None,
) -> tuple[Scored, fs.Model]:
    """Compare and score pairs (a[i], b[i]); trains the model unless one is given.
    Scored ``SCORE_CHUNK`` pairs at a time; with ``keep``, only the pairs it selects
    (by score) are returned, in their order -- the rest never take memory all at once."""
    cmp = compare(norm, a, b)
    model = model or fit_model(norm, cmp)
    tf = tf if tf is not None else term_frequencies(norm)
    logs = _pattern_logs(model)
    parts: list[tuple[I64, F64, F64, F64, F64]] = []
    for start in range(0, len(a), SCORE_CHUNK):
        rows = slice(start, start + SCORE_CHUNK)
        levels = cmp.matrix(rows)
        lm, lh, lr, against = logs(level_patterns.pattern_codes(levels))
        lv = {name: levels[:, j] for name, j in FIELD_INDEX.items()}
        lr += _tf_log_u(norm, model, tf, a[rows], lv, cmp.swapped[rows])
        post_m, post_h = fs.posteriors(lm, lh, lr)
        other = np.logaddexp(lh, lr)
        weight = (lm - other) / np.log(2)
        picked = np.arange(start, start + len(lm))
        if keep is not None:
            sel = np.flatnonzero(keep(post_m))
            picked, weight, post_m, post_h = picked[sel], weight[sel], post_m[sel], post_h[sel]
            against = against[sel]
        parts.append((picked, weight, post_m, post_h, against))
    if not parts:
        empty = np.zeros(0)
        parts.append((np.zeros(0, np.int64), empty, empty, empty, empty))
    picked, weight, post_m, post_h, against = (np.concatenate(c) for c in zip(*parts, strict=True))
    if keep is not None:
        a, b, cmp = a[picked], b[picked], cmp.subset(picked)
    return Scored(a, b, cmp, weight, post_m, post_h, against), model
