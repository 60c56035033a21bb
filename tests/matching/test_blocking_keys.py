"""Blocking finds the pairs that share no exact name: first and last name swapped *and*
mistyped, a mistyped name with the birth date and house number, an address whose ZIP and
town were both mistyped, both names mistyped with only the birth date and town in common,
a mistyped first name and ZIP with only the surname and town in common."""

from __future__ import annotations

import numpy as np
import pandas as pd

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


def test_swapped_and_mistyped_names_with_one_birth_date() -> None:
    # FEBRL3: "sean shepherd" / "shepherd sea", ZIP and street mistyped
    x = {"first_name": "sean", "last_name": "shepherd", "dob": "1956-10-05",
         "street": "7 beazley crescent", "city": "broadford", "zip": "4067"}  # fmt: skip
    y = {"first_name": "shepherd", "last_name": "sea", "dob": "1956-10-05",
         "street": "", "city": "bradford", "zip": "4076"}  # fmt: skip
    assert _pair_found(x, y)


def test_mistyped_names_with_birth_date_and_house_number() -> None:
    x = {"first_name": "nathan", "last_name": "priest", "dob": "1916-05-03",
         "street": "363 banks street", "city": "malvern east", "zip": "4570"}  # fmt: skip
    y = {"first_name": "", "last_name": "prise", "dob": "1916-05-03",
         "street": "363 banks xtreet", "city": "malverneast", "zip": "4579"}  # fmt: skip
    assert _pair_found(x, y)


def test_same_address_with_town_and_zip_mistyped() -> None:
    x = {"first_name": "james", "last_name": "sebregts", "dob": "1915-11-02",
         "street": "30 holden crescent", "city": "rochester", "zip": "3300"}  # fmt: skip
    y = {"first_name": "sebretgs", "last_name": "james", "dob": "1904-04-04",
         "street": "30 holden crescent", "city": "ngunawal", "zip": "3303"}  # fmt: skip
    assert _pair_found(x, y)


def test_mistyped_names_and_zip_with_birth_date_and_town() -> None:
    # FEBRL3 rec-1345: both names mistyped, ZIP digits swapped, no street on one
    x = {"first_name": "chelsea", "last_name": "meadows", "dob": "1965-11-03",
         "street": "86 st francis village", "city": "surfers paradise", "zip": "7325"}  # fmt: skip
    y = {"first_name": "cehlea", "last_name": "meaows", "dob": "1965-11-03",
         "street": "", "city": "surfers paradise", "zip": "7352"}  # fmt: skip
    assert _pair_found(x, y)


def test_mistyped_first_name_and_zip_with_surname_and_town() -> None:
    # FEBRL3 rec-905: first name and ZIP mistyped, the birth date unreadable on one
    x = {"first_name": "kylie", "last_name": "koziol", "dob": "1932-07-09",
         "street": "16 wolff crescent", "city": "kurrajong heights", "zip": "3135"}  # fmt: skip
    y = {"first_name": "kylvie", "last_name": "koziol", "dob": "",
         "street": "16 wolffcrescent", "city": "kurrajong heights", "zip": "3153"}  # fmt: skip
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
