"""Field comparisons of candidate pairs, as small integer *levels* (0 = cannot compare):
names (``name_compare``), e-mail, phones, birth date, location, ids and the generation
suffix.

String similarity (rapidfuzz Jaro-Winkler) is computed once per distinct pair of values
(``process.cpdist`` over unique code pairs, all cores), then spread back to the pairs.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import OSA

from app.matching.name_compare import (
    crossed_names,
    first_name_pairs,
    initial_match,
    nickname_pairs,
    pair_sim,
    per_word,
    swapped_names,
    token_overlap,
)
from app.matching.normalise import Norm

I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Field:
    name: str
    levels: tuple[str, ...]  # level 1.. (0 is "missing on one side")


FIELDS: tuple[Field, ...] = (
    # Typos by edit distance (one typed or misread character, two), apart from names
    # that merely look alike ("Rachael" / "Michael"): two people's names are often
    # similar, rarely one edit apart.
    Field(
        "first",
        ("same", "nickname", "one typo", "initial", "two typos", "similar", "different"),
    ),
    Field("last", ("same", "close", "similar", "different")),
    Field("email", ("same", "different")),
    Field("phone", ("same", "one digit off", "different")),
    Field("dob", ("same", "close", "different")),
    # Where they live, as one comparison: an address, its street, ZIP and town are nested
    # (two people at one address share its ZIP), so they are not independent evidence.
    Field(
        "location",
        (
            "same address",
            "similar address",
            "same street",
            "same address in another town",
            "same ZIP",
            "same town",
            "different",
            # No street address on one record: sharing the ZIP or town then says
            # nothing against one home (two relatives, one without a street, are not
            # "neighbours").
            "same ZIP, no street on one",
            "same town, no street on one",
            # The house and a street word shared, the two address lines in another order
            # (or one missing): its own level, as strangers share such words more often.
            "same address, lines in another order",
        ),
    ),
    Field("id", ("same", "one character off", "different")),
    # A written generation suffix: a Jr. and a Sr. are two people with one name and home.
    # Level 0 when the first names differ (see _compare).
    Field("suffix", ("same", "on one record only", "different", "neither written")),
)
FIELD_INDEX = {f.name: i for i, f in enumerate(FIELDS)}


# Fields whose absence is told apart in ``Comparison.matrix``: missing on one record
# (level 0) or on both (code ``len(levels) + 1``). Which records lack a value is itself
# evidence: a person who never gives a birth date gives none on any record, so two
# records of one person lack it together far more often than two strangers' records do,
# and one of them only less often. E-mail and phone are left out: whether a record has
# them depends mostly on the system it comes from (a marketing list keeps e-mails, a
# service desk phones), which the model does not see -- counted, a file merged from
# several systems would learn which systems a person's records come from.
MISSING_CODED = ("first", "last", "dob", "location", "id")


def both_missing_code(f: Field) -> int:
    return len(f.levels) + 1


@dataclass
class Comparison:
    """Levels per field (int8 arrays aligned with the pairs) and name similarities;
    ``both_missing`` marks, per field of ``MISSING_CODED``, pairs where neither record has
    the field (those are level 0 in ``levels``)."""

    levels: dict[str, I8]
    first_sim: F32
    last_sim: F32
    swapped: npt.NDArray[np.bool_]
    both_missing: dict[str, npt.NDArray[np.bool_]] = field(default_factory=dict)

    def matrix(self, rows: slice | None = None) -> npt.NDArray[np.int8]:
        """Levels per pair and field, with "missing on both" coded apart (see above);
        of the pairs ``rows`` (default all)."""
        rows = rows if rows is not None else slice(None)
        out = np.stack([self.levels[f.name][rows] for f in FIELDS], axis=1)
        for j, f in enumerate(FIELDS):
            both = self.both_missing.get(f.name)
            if both is not None:
                out[both[rows], j] = both_missing_code(f)
        return out

    def subset(self, rows: npt.NDArray[np.int64]) -> Comparison:
        """The comparison of the pairs ``rows`` only."""
        return Comparison(
            {k: v[rows] for k, v in self.levels.items()},
            self.first_sim[rows],
            self.last_sim[rows],
            self.swapped[rows],
            {k: v[rows] for k, v in self.both_missing.items()},
        )


_OFF_BY_ONE = np.array(
    sorted(
        {d * 10**k for d in range(1, 10) for k in range(15)}
        | {9 * d * 10**k for d in range(1, 10) for k in range(15)}
    ),
    dtype=np.int64,
)


def _one_digit_off(pa: I64, pb: I64) -> npt.NDArray[np.bool_]:
    """Numbers differing by one wrong digit (d x 10^k) or two swapped neighbouring digits
    ((x - y) x 9 x 10^k)."""
    diff = np.abs(pa - pb)
    # A sorted look-up: np.isin would sort the differences with the 270 values each time.
    at = np.minimum(np.searchsorted(_OFF_BY_ONE, diff), len(_OFF_BY_ONE) - 1)
    return (pa > 0) & (pb > 0) & (_OFF_BY_ONE[at] == diff)


def first_known(matrix: np.ndarray, least: int) -> np.ndarray:
    """Per row of a (pairs, k) matrix, its first value >= ``least`` (a known phone or id),
    else its last value (which is then below ``least``): so the row has a known value
    exactly when the result is >= ``least``. Column by column: the same as picking by
    ``argmax(matrix >= least, axis=1)``, without a 2-D reduction over narrow rows."""
    out = matrix[:, -1].copy()
    for j in range(matrix.shape[1] - 2, -1, -1):
        col = matrix[:, j]
        out = np.where(col >= least, col, out)
    return out


_DAYS_1900_TO_1970 = 25_567


def _ymd(days: npt.NDArray[np.int64]) -> tuple[I64, I64, I64]:
    """Civil (year, month, day) of days since 1900-01-01 (Howard Hinnant's algorithm)."""
    z = days - _DAYS_1900_TO_1970 + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    return yoe + era * 400 + (m <= 2), m, d


def dob_close(da: npt.NDArray[np.int32], db: npt.NDArray[np.int32]) -> npt.NDArray[np.bool_]:
    """Same birth date but for day/month swapped or one part mistyped."""
    ya, ma, dda = _ymd(da.astype(np.int64))
    yb, mb, ddb = _ymd(db.astype(np.int64))
    same = (ya == yb).astype(int) + (ma == mb).astype(int) + (dda == ddb).astype(int)
    swapped = (ya == yb) & (ma == ddb) & (dda == mb)
    return (same == 2) | swapped


CHUNK = 400_000  # pairs compared at once: bounds the gathered fields' memory
SPLIT_FROM = 100_000  # pairs worth two threads (the random pairs u is learned from, 200,000)
COMPARED = (
    "first", "last", "email", "phones", "house", "street", "street_others", "zip5", "city", "dob",
    "ids", "suffix",
)  # fmt: skip


def compare(norm: Norm, a: I64, b: I64) -> Comparison:
    """Levels of each field for the pairs (a[i], b[i]), in chunks of ``CHUNK`` pairs
    compared on two threads (the work is numpy and rapidfuzz, which release the GIL)."""
    if len(a) <= SPLIT_FROM:
        return _compare(norm, a, b)
    size = min(CHUNK, -(-len(a) // 2))  # at least two chunks: both threads busy
    starts = range(0, len(a), size)
    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = list(pool.map(lambda i: _compare(norm, a[i : i + size], b[i : i + size]), starts))
    return Comparison(
        {f.name: np.concatenate([p.levels[f.name] for p in parts]) for f in FIELDS},
        np.concatenate([p.first_sim for p in parts]),
        np.concatenate([p.last_sim for p in parts]),
        np.concatenate([p.swapped for p in parts]),
        {k: np.concatenate([p.both_missing[k] for p in parts]) for k in parts[0].both_missing},
    )


def _compare(norm: Norm, a: I64, b: I64) -> Comparison:
    A, B = norm.take(a, COMPARED), norm.take(b, COMPARED)
    levels: dict[str, I8] = {}

    # Names, with a check for first and last swapped between the two records.
    first_sim, edits = first_name_pairs(A["first"], B["first"], norm.first_vocab)
    last_sim = pair_sim(A["last"], B["last"], norm.last_vocab)
    swapped = swapped_names(norm, A, B)
    nick = nickname_pairs(A["first"], B["first"], norm.first_vocab)
    initial = initial_match(A["first"], B["first"], norm.first_vocab)
    missing_f = (A["first"] < 0) | (B["first"] < 0)
    first = np.select(
        [
            missing_f,
            A["first"] == B["first"],
            nick,
            edits <= 1,
            initial,
            edits == 2,
            first_sim >= 0.8,
        ],
        [0, 1, 2, 3, 4, 5, 6],
        7,
    ).astype(np.int8)
    missing_l = (A["last"] < 0) | (B["last"] < 0)
    # A married or hyphenated name keeps one part: "moore powell" vs "moore".
    part = token_overlap(A["last"], B["last"], norm.last_vocab, last_sim)
    last = np.select(
        [missing_l, A["last"] == B["last"], last_sim >= 0.92, (last_sim >= 0.8) | part],
        [0, 1, 2, 3],
        4,
    ).astype(np.int8)
    first[swapped], last[swapped] = 1, 1
    crossed = crossed_names(norm, A, B, first, last, swapped)
    swapped = swapped.copy()
    if len(crossed[0]):
        rows, cf, cl = crossed
        first[rows], last[rows], swapped[rows] = cf, cl, True
    levels["first"], levels["last"] = first, last

    ea, eb = A["email"], B["email"]
    levels["email"] = np.select([(ea < 0) | (eb < 0), ea == eb], [0, 1], 2).astype(np.int8)

    pa, pb = A["phones"], B["phones"]
    prim_a, prim_b = first_known(pa, 1), first_known(pb, 1)
    has_a, has_b = prim_a > 0, prim_b > 0
    shared = np.zeros(len(a), dtype=bool)
    for i in range(pa.shape[1]):
        for j in range(pb.shape[1]):
            shared |= (pa[:, i] > 0) & (pa[:, i] == pb[:, j])
    # One digit off: primary (first known) numbers only; it is weak evidence anyway.
    close = np.zeros(len(a), dtype=bool)
    rows = np.flatnonzero(has_a & has_b & ~shared)
    if len(rows):
        close[rows] = _one_digit_off(prim_a[rows], prim_b[rows])
    levels["phone"] = np.select([~has_a | ~has_b, shared, close], [0, 1, 2], 3).astype(np.int8)

    da, db = A["dob"], B["dob"]
    dob = np.select([(da < 0) | (db < 0), da == db], [0, 1], 3).astype(np.int8)
    differ = np.flatnonzero(dob == 3)
    dob[differ[dob_close(da[differ], db[differ])]] = 2
    levels["dob"] = dob

    levels["location"] = _location(norm, A, B)
    levels["id"] = _ids(norm, A["ids"], B["ids"])
    # The suffix is compared only between records with one given name: what tells a
    # Jr. from his father is the suffix *given* the same name and home. Elsewhere (a
    # mother and her son, a Jr. and his sister) it adds nothing the first name has not
    # said, and counting it there would teach the household class that a suffix on one
    # record only is what households look like.
    # "Neither written" is a level, not a gap: among records of one name and home, a
    # suffix on one of them is rare for one person and common for a father and son.
    xa, xb = A["suffix"], B["suffix"]
    one_name = (first >= 1) & (first <= 3)
    levels["suffix"] = np.select(
        [~one_name, (xa < 0) & (xb < 0), xa == xb, (xa < 0) | (xb < 0)], [0, 4, 1, 2], 3
    ).astype(np.int8)
    none_a, none_b = _absent(A), _absent(B)
    both = {k: none_a[k] & none_b[k] for k in MISSING_CODED}
    return Comparison(levels, first_sim, last_sim, swapped, both)


def _absent(R: dict[str, np.ndarray]) -> dict[str, npt.NDArray[np.bool_]]:
    """Per field of ``MISSING_CODED``, the records that have no value for it at all."""
    return {
        "first": R["first"] < 0,
        "last": R["last"] < 0,
        "dob": R["dob"] < 0,
        "location": (R["zip5"] < 0) & (R["city"] < 0) & (R["street"] < 0) & (R["house"] < 0),
        "id": np.asarray(~(R["ids"] >= 0).any(axis=1), dtype=bool),
    }


def _location(norm: Norm, A: dict[str, np.ndarray], B: dict[str, np.ndarray]) -> I8:
    """Levels of ``location``: the street address within the same area (same ZIP or town,
    or neither known; its two lines in either order), then the ZIP, then the town."""
    za, zb, ca, cb = A["zip5"], B["zip5"], A["city"], B["city"]
    ha, hb, sa, sb = A["house"], B["house"], A["street"], B["street"]
    zip_known, city_known = (za >= 0) & (zb >= 0), (ca >= 0) & (cb >= 0)
    same_zip, same_city = zip_known & (za == zb), city_known & (ca == cb)
    other_area = ~same_zip & ~same_city & (zip_known | city_known)
    streets = (sa >= 0) & (sb >= 0)
    same_street = streets & (sa == sb)
    sim = np.zeros(len(za), dtype=bool)
    rows = np.flatnonzero(streets & (sa != sb) & (ha >= 0) & (ha == hb))
    if len(rows):
        sim[rows] = pair_sim(sa[rows], sb[rows], norm.street_vocab) >= 0.88
    house = (ha >= 0) & (ha == hb)
    # The two address lines in the other order: one's street word among the other's words.
    lines = np.zeros(len(za), dtype=bool)
    rows = np.flatnonzero(streets & house & ~same_street & ~sim)
    if len(rows):
        oa, ob = A["street_others"][rows], B["street_others"][rows]
        lines[rows] = (ob == sa[rows, None]).any(axis=1) | (oa == sb[rows, None]).any(axis=1)
    address = house & (same_street | sim | lines)
    no_street = ~(streets & (ha >= 0) & (hb >= 0))
    return np.select(
        [
            address & same_street & ~other_area,
            lines & ~other_area,
            address & ~other_area,
            same_street & ~other_area & (same_zip | same_city),
            address & other_area,
            same_zip & no_street,
            same_city & no_street,
            same_zip,
            same_city,
            zip_known | city_known | ~no_street,
        ],
        [1, 10, 2, 3, 4, 8, 9, 5, 6, 7],
        0,
    ).astype(np.int8)


def _ids(norm: Norm, ia: npt.NDArray[np.int32], ib: npt.NDArray[np.int32]) -> I8:
    """Levels of ``id``: any identifier shared, else the first ones one character off."""
    first_a, first_b = first_known(ia, 0), first_known(ib, 0)
    has_a, has_b = first_a >= 0, first_b >= 0
    shared = np.zeros(len(ia), dtype=bool)
    for i in range(ia.shape[1]):
        for j in range(ib.shape[1]):
            shared |= (ia[:, i] >= 0) & (ia[:, i] == ib[:, j])
    close = np.zeros(len(ia), dtype=bool)
    rows = np.flatnonzero(has_a & has_b & ~shared)
    if len(rows):
        close[rows] = _one_edit(first_a[rows], first_b[rows], norm.id_vocab)
    return np.select([~has_a | ~has_b, shared, close], [0, 1, 2], 3).astype(np.int8)


def _one_edit(
    a: npt.NDArray[np.int32], b: npt.NDArray[np.int32], vocab: list[str]
) -> npt.NDArray[np.bool_]:
    """Identifiers one typed character apart (one changed, added, dropped or two
    neighbours swapped), computed once per distinct pair."""
    v = max(len(vocab), 1)
    key = np.minimum(a, b).astype(np.int64) * v + np.maximum(a, b)
    inverse, uniq = pd.factorize(key)
    words = per_word(vocab, "words", lambda v: np.asarray(v, dtype=object))
    qa, qb = words[uniq // v].tolist(), words[uniq % v].tolist()
    dist = process.cpdist(qa, qb, scorer=OSA.distance, workers=1)
    return np.asarray(dist <= 1)[inverse]
