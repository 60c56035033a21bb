"""The matching normalisers (column kernels over distinct values) give each value exactly
its per-value answer: ``phone_one``, ``zip_one``, ``dob_one`` and the hash of
``fastpaths.email``; on seeded random values and named awkward ones."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd

from app.domain import fastpaths
from app.matching import emails as match_emails
from app.matching import normalise as mn
from tests.domain.test_columns_kernels import (
    DATES,
    EMAILS,
    PHONES,
    ZIPS,
    _damage,
    _email_values,
    _phone_values,
)


def _series(values: list[str]) -> pd.Series:
    return pd.Series([*values, None, np.nan], dtype=object)


def test_phones_are_phone_one() -> None:
    values = PHONES + _phone_values(seed=40, count=2000)
    got = mn.phones(_series(values)).tolist()
    assert got == [mn.phone_one(v) for v in values] + [0, 0]
    assert mn.phone_one("1-800-FLOWERS") == 18003569377  # vanity letters are digits


def test_emails_are_the_hash_of_fastpaths_email() -> None:
    values = EMAILS + _email_values(seed=41, count=2000)
    want = match_emails.hashed(np.array([fastpaths.email(v) for v in values], dtype=object))
    got = mn.emails(_series(values)).tolist()
    assert got == [*want.tolist(), -1, -1]
    assert got[EMAILS.index("Bob@Mail.COM")] == got[0] >= 0
    assert got[EMAILS.index('"john doe"@mail.com')] == -1  # email-validator: no quoted parts


def test_zips_are_zip_one() -> None:
    rng = random.Random(42)
    values = [*ZIPS, "4820", " 4820 ", "٤٨٢٠"]
    for _ in range(2000):
        v = "".join(rng.choice("0123456789") for _ in range(rng.choice([4, 5, 9])))
        values.append(_damage(rng, v) if rng.random() < 0.3 else v)
    got = mn.zips(_series(values)).tolist()
    assert got == [mn.zip_one(v) for v in values] + [-1, -1]
    assert mn.zip_one("4820") == 4820 and mn.zip_one("48201-1234") == 48201


def test_birth_dates_are_dob_one() -> None:
    rng = random.Random(43)
    values = [*DATES, "1985-03-12 00:00:00", "1985-03-12T00:00:00Z", "03/12/1985", "19850312",
              "12-Mar-1985", "Mar 12 1985", "1899-12-31", "2999-01-01", "1985-3-12"]  # fmt: skip
    shapes = ["%Y-%m-%d", "%m/%d/%Y", "%Y%m%d", "%Y-%d-%m", "%d/%m/%Y", "%Y-%m-%d 00:00:00"]
    for _ in range(2000):
        y, m, d = rng.randint(1850, 2100), rng.randint(0, 13), rng.randint(0, 32)
        v = rng.choice(shapes).replace("%Y", f"{y:04d}").replace("%m", f"{m:02d}")
        v = v.replace("%d", f"{d:02d}")
        values.append(_damage(rng, v) if rng.random() < 0.2 else v)
    got = mn.dobs(_series(values)).tolist()
    assert got == [mn.dob_one(v) for v in values] + [-1, -1]
    assert mn.dob_one("1985-03-12 00:00:00") == mn.dob_one("1985-03-12") > 0
