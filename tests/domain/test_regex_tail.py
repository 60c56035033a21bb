"""regex_tail's claim checked by brute force: the last free_tail(p) digits never matter."""

from __future__ import annotations

import itertools
import re

from app.domain import regex_tail

PATTERNS = (
    r"\d{4}$", r"12\d\d", r"1\d{2,3}$", r"(?:1\d|2\d\d)$", r"(?=\d{3}$)1\d\d",
    r"(?!\d*5$)\d\d\d", r"(?:(?=\d*5$)1)\d\d", r"(\d)\1\d", r"(1)?(?(1)\d|2)\d\d",
    r"(?=(?!5)\d\d)\d\d", r"(?=\d*$)\d\d", r"[2-9]\d{3}$", r"(?:12|3[45])\d\d$",
    r"(?:1(?:2\d|3[0-4])|5\d\d)\d$", r"\d\d[05]\d$", r"(?:\d\d|\d{3})$", r"\d{2,4}$",
)  # fmt: skip


def test_free_tail_is_never_wrong() -> None:
    for pattern in PATTERNS:
        rx = re.compile(pattern)
        k = regex_tail.free_tail(pattern)
        if not k:
            continue
        seen: dict[str, bool] = {}
        for digits in itertools.product("0123456789", repeat=4):
            s = "".join(digits)
            hit = rx.match(s) is not None
            assert seen.setdefault(s[: 4 - k], hit) == hit, (pattern, k, s)


def test_free_tail_finds_the_phone_shape() -> None:
    assert regex_tail.free_tail(r"(?=[2-9]\d{9}$)(?:212[2-9]\d{6}|8(?:00|88)[2-9]\d{6})$") == 6
    assert regex_tail.max_width(r"8(?:00|33)") == 3
