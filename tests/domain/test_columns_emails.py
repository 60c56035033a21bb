"""The vectorised e-mail check decides exactly the plainly written addresses the fast
regex accepts, and the e-mail transform gives the per-value answer for every value."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pandas as pd
import pytest

from app.domain import fastpaths
from app.domain.columns import emails as email_kernel
from app.mapping.transforms_contact import email

AWKWARD = "ab0-_.+@ A\x00é"

HAND_PICKED = [
    "", "a", "@", "a@b", "a@b.co", "a@b.c", "a@x.c", "a@x.c0m", "a@x.com", "bob@mail.com",
    "a..b@x.com", ".a@x.com", "a.@x.com", "a@.x.com", "a@x..com", "a@x.com.", "@x.com",
    "a@-x.com", "a@x-.com", "a@x--y.com", "a@x-y.com", "a@x.-com", "a@x.co-m", "a@x.co1",
    "a@1.com", "a@x.1com", "a@@x.com", "a@b@x.com", "a.b.c@x.y.z.com", "-@x.com",
    "_a+b-c@x.com", "a@x_y.com", "a@x+y.com", "a+@x.com", "a@b.test", "a@b.xtest",
    "a@b.testx", "a@b.test.com", "a@test.com", "a@b.arpa", "a@b.invalid", "a@b.local",
    "a@b.localhost", "a@b.onion", "a@b.onions", "a@b.xlocal", "a@localhost", "test@b.co",
    "a@b.co\x00", "a@x.com\x00", "a\x00@x.com", "\x00a@x.com", "a@x.com\x00\x00",
    "a@x.c\x00om", "A@x.com", "a@X.com", "Bob@Mail.COM", " a@x.com", "a@x.com ",
    "A@B.TEST", "a@b.Test", "a@b.tesT", "A@B.ONION", "a@b.LocalHost", "A@B.CO", "A_B@X-Y.Z.IO",
    "a@x.C0M", "Z@x.com", "a@Z.io", "A..B@X.COM", "A@X--Y.COM", "Ǆ@x.com", "a@x.coǄ",
    "A@x.com\x00", "A@x.com ",
    "a@x.com\n", "a b@x.com", "\ta@x.com", "ünïcode@x.com", "a@münchen.de", "a@x.cöm",
    "bob@\u212aa.com", "o'neil@x.com", '"q"@x.com', "a@[127.0.0.1]", "a@x.com\x1f",
    "x" * 58 + "@x.com", "x" * 59 + "@x.com", "x" * 60 + "@x.com", "a@" + "b" * 58 + ".co",
    "a@" + "b" * 59 + ".co", "a@b." + "c" * 60, "a@b." + "c" * 58, "x" * 64 + "@x.com",
    "x" * 65 + "@x.com", "a@" + ("b" * 60 + ".") * 4 + "com", "a" * 64, "a" * 65,
]  # fmt: skip
# 64 and 65 characters long; too long, but valid once cut at 64 or at a NUL
HAND_PICKED += ["x" * 57 + "@xy.com", "x" * 58 + "@xy.com", "x" * 57 + "@xy.com\x00"]
HAND_PICKED += ["a@b.co" + "\x00" * 60, "a@b.co\x00" + "x" * 60, "x" * 56 + "@xy.com" + "m" * 9]


def _random_values(seed: int, count: int) -> list[str]:
    """Random strings over an awkward alphabet, and near-addresses with random damage."""
    rng = random.Random(seed)
    atoms = ["a", "b0", "x-y", "_", "+", "-", "9", "ab", "q--r", "z"]
    labels = ["a", "b0", "x-y", "9", "ab", "z", "mail"] * 3 + ["q--r", "-a", "a-", "a_b"]
    tlds = ["co", "com", "c", "c0m", "test", "arpa", "local", "onion", "invalid",
            "localhost", "xtest", "testx", "a-b", "io", ""] + ["com", "org", "uk"] * 5  # fmt: skip
    values = []
    for _ in range(count):
        values.append("".join(rng.choice(AWKWARD) for _ in range(rng.randint(0, 70))))
        local = ".".join(rng.choice(atoms) for _ in range(rng.randint(1, 4)))
        domain = ".".join(rng.choice(labels) for _ in range(rng.randint(1, 3)))
        v = f"{local}@{domain}.{rng.choice(tlds)}"
        if rng.random() < 0.1:
            v = v * rng.randint(2, 4)
        if rng.random() < 0.2:
            v = rng.choice([str.upper, str.title, str.capitalize, str.swapcase])(v)
        for _ in range(rng.choice([0, 0, 0, 1, 2])):
            i = rng.randint(0, len(v))
            v = v[:i] + rng.choice(AWKWARD + ".@-") + v[i + rng.randint(0, 1) :]
        values.append(v)
    return values


def _plain(v: str) -> bool:
    """A value ``decide`` may answer: ASCII, no white space or NUL, at most 64 long."""
    return v.isascii() and v == v.strip() and len(v) <= 64 and "\x00" not in v


def _check_decide(values: list[str]) -> np.ndarray:
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    out, decided = email_kernel.decide(arr)
    assert decided.dtype == bool and decided.shape == (len(values),)
    for v, o, d in zip(values, out.tolist(), decided.tolist(), strict=True):
        want = _plain(v) and fastpaths._EMAIL_SHORT.fullmatch(v.lower()) is not None
        assert d == want, repr(v)
        if d:
            assert o == v.lower() == fastpaths.email(v), repr(v)
            assert type(o) is str
        else:
            assert o is None, repr(v)
    return decided


def _check_transform(values: list[str]) -> None:
    result = email(pd.Series(values, dtype=object))
    bad = result.invalid.tolist() if result.invalid is not None else [False] * len(values)
    for v, got, b in zip(values, result.values.tolist(), bad, strict=True):
        want = fastpaths.email(v) if v else ""
        assert (got, b) == (want or "", want is None), repr(v)


def test_hand_picked_values() -> None:
    decided = _check_decide(HAND_PICKED)
    assert decided.sum() >= 20
    _check_transform(HAND_PICKED)


def test_random_values() -> None:
    values = _random_values(seed=11, count=4000)
    decided = _check_decide(values)
    assert decided.sum() > 500  # the generator makes plenty of valid addresses
    _check_transform(values)


def test_every_short_string_over_the_byte_classes() -> None:
    # one character of each class the check tells apart; every string up to 7 long
    alphabet = "a0-_.@"
    values = ["".join(p) for k in range(8) for p in itertools.product(alphabet, repeat=k)] + [
        "a@a.test",
        "a@a.aa",
        "a@a.aaa",
    ]
    decided = _check_decide(values)
    assert decided.sum() > 50


def test_batches_of_one_kind() -> None:
    for values in ([], [""], ["é@x.com"], ["é@x.com", "a@x.com"], ["a@x.com"], ["a"] * 3,
                   ["x" * 70], ["a@x.com\x00"], ["a@x.com"] * 5):  # fmt: skip
        _check_decide(values)
        _check_transform(values)


def test_batches_in_random_chunks() -> None:
    # the byte matrix is as wide as the longest value in the batch: vary it
    values = HAND_PICKED + _random_values(seed=12, count=500)
    rng = random.Random(3)
    for _ in range(30):
        _check_decide(rng.sample(values, rng.randint(1, 40)))


def test_values_checked_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(email_kernel, "_CHUNK", 7)  # chunks of differing widths and kinds
    values = HAND_PICKED + _random_values(seed=13, count=300)
    assert _check_decide(values).sum() > 50
    _check_transform(values)
