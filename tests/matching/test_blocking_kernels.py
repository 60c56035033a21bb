"""The faster blocking kernels give exactly what the plain ones they replaced gave (the
references below are those, verbatim): same keys, same multiset of pairs per pass, same
union -- on edge cases (empty, one group, missing and negative keys, duplicate records,
ties, a secondary too wide to pack) and on random data."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from app.matching import blocking, roles
from app.matching.normalise import normalise

I64 = npt.NDArray[np.int64]


def ref_combine(*parts: npt.NDArray[np.integer[Any]]) -> I64:
    out = np.zeros(len(parts[0]), dtype=np.int64)
    missing = np.zeros(len(parts[0]), dtype=bool)
    with np.errstate(over="ignore"):
        for p in parts:
            out = out * np.int64(1_000_003) + p.astype(np.int64) + 1
            missing |= p < 0
    out = np.abs(out)
    out[missing] = -1
    return out


def ref_group_order(key: I64, secondary: I64) -> I64:
    code, uniq = pd.factorize(key)
    sec = secondary - secondary.min() if len(secondary) else secondary
    if len(uniq) < 2**30 and (not len(sec) or int(sec.max()) < 2**33):
        return np.argsort((code.astype(np.int64) << 33) | sec, kind="stable")
    return np.lexsort((secondary, key))


def ref_neighbour_pairs(key: I64, rec: I64, secondary: I64, window: int) -> tuple[I64, I64]:
    ok = key >= 0
    key, rec, secondary = key[ok], rec[ok], secondary[ok]
    order = ref_group_order(key, secondary)
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


def _multiset(a: I64, b: I64) -> list[tuple[int, int]]:
    return sorted(zip(a.tolist(), b.tolist(), strict=True))


def _same_pairs(key: Any, rec: Any, sec: Any, window: int) -> None:
    key, rec, sec = (np.asarray(x, dtype=np.int64) for x in (key, rec, sec))
    got = blocking.neighbour_pairs(key, rec, sec, window)
    want = ref_neighbour_pairs(key, rec, sec, window)
    assert got[0].dtype == np.int64 and got[1].dtype == np.int64
    assert _multiset(*got) == _multiset(*want)


@pytest.mark.parametrize(
    ("key", "sec"),
    [
        ([], []),  # empty
        ([-1, -1, -1], [0, 1, 2]),  # all missing
        ([5], [0]),  # one record
        ([7, 7], [3, 1]),  # one group of two
        ([7] * 6, [5, 4, 3, 2, 1, 0]),  # one group, exactly the window
        ([7] * 7, [0, 0, 1, 1, 0, 0, 2]),  # one group, one over the window, ties
        ([7] * 40, list(range(40, 0, -1))),  # one large group
        ([3, -1, 3, -5, 3, 9, 9, -1, 3], [1, 0, 1, 0, 0, 2, 2, 0, 1]),  # negative keys
        ([2**62, 2**62, 0, 0, 2**62], [0, 1, 2, 3, 4]),  # extreme key values
        ([1] * 9, [2**40, 0, 2**40, 5, -(2**40), 7, 1, 1, 0]),  # secondary too wide to pack
    ],
)
def test_edge_cases_match_the_plain_kernel(key: list[int], sec: list[int]) -> None:
    for window in (3, 4, 6, 12):
        _same_pairs(key, np.arange(len(key)), sec, window)


def test_duplicate_records_inside_a_group() -> None:
    # one record under one key twice (two equal phone numbers, both name sounds alike)
    key = [4, 4, 4, 8, 8, 4, 8]
    rec = [0, 0, 1, 2, 2, 3, 5]
    for window in (3, 6):
        _same_pairs(key, rec, [0, 0, 1, 1, 0, 2, 0], window)


def test_random_keys_match_the_plain_kernel() -> None:
    rng = np.random.default_rng(26)
    for _ in range(60):
        n = int(rng.integers(0, 400))
        key = rng.integers(-3, int(rng.integers(1, 120)), n)
        rec = rng.integers(0, max(n // 2, 1), n)  # records repeat, as with multi-value keys
        sec = rng.integers(0, int(rng.choice([3, 1000, 2**34])), n)
        _same_pairs(key, rec, sec, int(rng.choice([3, 4, 6, 8, 12])))


def test_combine_in_halves_equals_the_plain_combine() -> None:
    rng = np.random.default_rng(7)
    for _ in range(100):
        n = int(rng.integers(0, 60))
        parts = [
            rng.integers(-2, int(rng.choice([5, 2**31 - 1])), n).astype(np.int32)
            if rng.random() < 0.5
            else rng.integers(-2, 2**62, n)  # wraps around, like house numbers may
            for _ in range(int(rng.integers(1, 4)))
        ]
        want = ref_combine(*parts)
        assert np.array_equal(blocking._combine(*parts), want)
        head = blocking._start(*parts[:1])
        assert np.array_equal(blocking._finish(*blocking._more(*head, *parts[1:])), want)
        assert np.array_equal(blocking._finish(*head), ref_combine(parts[0]))  # not changed


@pytest.mark.parametrize(
    ("values", "among"),
    [
        ([], []),
        ([1, 2], []),
        ([], [1]),
        ([-1, 0, 5, 5, 2**62], [5, 5, -1, 7]),
        ([3, 3, 3], [3]),
    ],
)
def test_member_is_isin(values: list[int], among: list[int]) -> None:
    v, a = np.asarray(values, dtype=np.int64), np.asarray(among, dtype=np.int64)
    got = blocking._member(v, a)
    assert got.dtype == bool and np.array_equal(got, np.isin(v, a))


def test_member_is_isin_on_random_values() -> None:
    rng = np.random.default_rng(3)
    for _ in range(30):
        v = rng.integers(-5, 300, int(rng.integers(0, 500)))
        a = rng.integers(-5, 300, int(rng.integers(0, 200)))
        assert np.array_equal(blocking._member(v, a), np.isin(v, a))


def _people(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    firsts = ["ann", "bob", "cy", "di", "ed", "smith", "jones", ""]
    lasts = ["smith", "jones", "ann", "lee", "bob", ""]
    pick = rng.integers
    return pd.DataFrame(
        {
            "first_name": [firsts[i] for i in pick(0, len(firsts), n)],
            "last_name": [lasts[i] for i in pick(0, len(lasts), n)],
            "dob": [f"19{50 + i % 30}-0{1 + i % 3}-1{i % 2}" for i in pick(0, 40, n)],
            "street": [f"{i % 9} Main St" if i % 5 else "" for i in pick(0, 30, n)],
            "city": [["a", "b", ""][i] for i in pick(0, 3, n)],
            "zip": [f"{3000 + i}" for i in pick(0, 4, n)],
            "email": [f"p{i}@x.org" if i % 3 else "" for i in pick(0, 60, n)],
            "phone": [f"555-01{i:02d}" if i % 2 else "" for i in pick(0, 40, n)],
        }
    )


@pytest.mark.parametrize("n", [0, 1, 2, 300])
def test_candidates_equal_the_plain_union(n: int) -> None:
    df = _people(n, n)
    norm = normalise(roles.role_frame(df, roles.resolve(list(df.columns), {})))
    got = blocking.candidates(norm)
    codes, per_pass = [], {}
    m = max(norm.n, 1)
    for spec, key, rec, sec in blocking.pass_keys(norm):
        if spec.largest:  # only groups of at most ``largest`` records
            counts = pd.Series(key).map(pd.Series(key).value_counts()).to_numpy()
            key = np.where(counts <= spec.largest, key, -1)
        a, b = ref_neighbour_pairs(key, rec, sec, spec.window)
        per_pass[spec.name] = len(a)
        codes.append(a * m + b)
    allc = np.unique(np.concatenate(codes))
    assert got.per_pass == per_pass
    assert np.array_equal(got.a, allc // m) and np.array_equal(got.b, allc % m)
    assert [spec.name for spec, *_ in blocking.pass_keys(norm)] == [p.name for p in blocking.PASSES]
