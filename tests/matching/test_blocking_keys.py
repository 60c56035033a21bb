"""Blocking finds the pairs that share no exact name: first and last name swapped *and*
mistyped, a mistyped name with the birth date and house number, an address whose ZIP and
town were both mistyped, both names mistyped with only the birth date and town in common,
a mistyped first name and ZIP with only the surname and town in common."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.matching import blocking, roles
from app.matching.normalise import normalise


def _filler(n: int) -> list[dict[str, str]]:
    return [
        {
            "first_name": f"Name{i % 17}",
            "last_name": f"Family{i}",
            "dob": f"19{50 + i % 40}-0{1 + i % 9}-1{i % 9}",
            "street": f"{i + 1} Main St",
            "city": "Broadford",
            "zip": f"{3000 + i}",
        }
        for i in range(60)
    ]


def _candidates(rows: list[dict[str, str]]) -> set[tuple[int, int]]:
    df = pd.DataFrame(rows)
    norm = normalise(roles.role_frame(df, roles.resolve(list(df.columns), {})))
    cand = blocking.candidates(norm)
    return set(zip(cand.a.tolist(), cand.b.tolist(), strict=True))


def _pair_found(x: dict[str, str], y: dict[str, str]) -> bool:
    rows = _filler(60)
    k = len(rows)
    return (k, k + 1) in _candidates([*rows, x, y])


def _person(first: str, last: str, dob: str, street: str, city: str, zip5: str) -> dict[str, str]:
    return {"first_name": first, "last_name": last, "dob": dob, "street": street,
            "city": city, "zip": zip5}  # fmt: skip


# Pairs of one person (most from FEBRL3) that share no exact name, ZIP or street.
MISTYPED_PAIRS = [
    pytest.param(  # "sean shepherd" / "shepherd sea", ZIP and street mistyped
        _person("sean", "shepherd", "1956-10-05", "7 beazley crescent", "broadford", "4067"),
        _person("shepherd", "sea", "1956-10-05", "", "bradford", "4076"),
        id="swapped and mistyped names with one birth date",
    ),
    pytest.param(
        _person("nathan", "priest", "1916-05-03", "363 banks street", "malvern east", "4570"),
        _person("", "prise", "1916-05-03", "363 banks xtreet", "malverneast", "4579"),
        id="mistyped names with birth date and house number",
    ),
    pytest.param(
        _person("james", "sebregts", "1915-11-02", "30 holden crescent", "rochester", "3300"),
        _person("sebretgs", "james", "1904-04-04", "30 holden crescent", "ngunawal", "3303"),
        id="same address with town and ZIP mistyped",
    ),
    pytest.param(  # rec-1345: ZIP digits swapped, no street on one
        _person(
            "chelsea", "meadows", "1965-11-03", "86 st francis village", "surfers paradise", "7325"
        ),
        _person("cehlea", "meaows", "1965-11-03", "", "surfers paradise", "7352"),
        id="both names and ZIP mistyped, birth date and town in common",
    ),
    pytest.param(  # rec-905: the birth date unreadable on one
        _person("kylie", "koziol", "1932-07-09", "16 wolff crescent", "kurrajong heights", "3135"),
        _person("kylvie", "koziol", "", "16 wolffcrescent", "kurrajong heights", "3153"),
        id="first name and ZIP mistyped, surname and town in common",
    ),
]


@pytest.mark.parametrize(("x", "y"), MISTYPED_PAIRS)
def test_pairs_of_one_person_without_a_shared_exact_name_are_proposed(
    x: dict[str, str], y: dict[str, str]
) -> None:
    assert _pair_found(x, y)


def test_a_pass_with_a_largest_group_skips_larger_groups() -> None:
    """The "last name sound + town" pass pairs only small groups: a common surname in a
    town is left to the passes with a ZIP, a birth date or a house (a window over hundreds of
    Smiths in one town would pair arbitrary neighbours)."""
    by_town = next(p for p in blocking.PASSES if p.name == "last name sound + town")
    assert by_town.largest
    key = np.array([7] * (by_town.largest + 1) + [9, 9], dtype=np.int64)
    rec = np.arange(len(key), dtype=np.int64)
    n = len(key)
    codes = blocking._pair_codes(key, rec, rec, by_town.window, n, by_town.largest)
    pairs = set(np.concatenate(codes).tolist()) if codes else set()
    assert pairs == {(n - 2) * n + (n - 1)}  # only the group of two


def test_candidate_count_stays_linear() -> None:
    """Every pass pairs a record with a bounded number of neighbours."""
    one = {"first_name": "John", "last_name": "Smith", "dob": "1970-01-01",
           "street": "1 Main St", "city": "Troy", "zip": "48084"}  # fmt: skip
    rows = [dict(one) for _ in range(400)]
    bound = sum(p.window - 1 for p in blocking.PASSES) * 2 * len(rows)
    assert len(_candidates(rows)) <= bound
