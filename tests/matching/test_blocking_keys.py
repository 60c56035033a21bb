"""Blocking finds the pairs that share no exact name: first and last name swapped *and*
mistyped, a mistyped name with the birth date and house number, an address whose ZIP and
town were both mistyped."""

from __future__ import annotations

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


def test_candidate_count_stays_linear() -> None:
    """Every pass pairs a record with a bounded number of neighbours."""
    one = {"first_name": "John", "last_name": "Smith", "dob": "1970-01-01",
           "street": "1 Main St", "city": "Troy", "zip": "48084"}  # fmt: skip
    rows = [dict(one) for _ in range(400)]
    bound = sum(p.window - 1 for p in blocking.PASSES) * 2 * len(rows)
    assert len(_candidates(rows)) <= bound
