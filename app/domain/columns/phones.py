"""Phone numbers of a column as E.164, exact to ``fastpaths.phone_e164`` (itself tested
against phonenumbers): ``e164`` reads US/Canadian numbers typed in the everyday shapes
all at once, ``normalised`` asks the per-value function about the rest.

A value written exactly as one of ``TEMPLATES`` (area code not starting 0 or 1) is
read as its 10 digits; validity comes from ``fastpaths.nanp_valid``, asked once per
distinct leading-digits prefix that decides it. Every other value is left to the
per-value path.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache

import numpy as np

from app.domain import fastpaths
from app.domain.columns import packed
from app.domain.columns.distinct import completed

TEMPLATES = (
    "(###) ###-####", "(###)###-####", "(###) ### ####", "(###) ###.####", "###-###-####",
    "###.###.####", "### ### ####", "###-#######", "##########", "1##########",
    "+1##########", "+1 ###-###-####", "+1 (###) ###-####", "+1 ### ### ####",
    "1-###-###-####", "+1-###-###-####", "1 (###) ###-####", "1 ###-###-####",
    "1.###.###.####", "+1.###.###.####", "+1 ###.###.####",
)  # fmt: skip


@cache
def _by_width() -> dict[int, list[tuple[str, list[int], list[int], int]]]:
    """Templates grouped by length, each with the columns of its last 10 digits, the
    columns of its punctuation and its digit columns as bits (``packed.digit_bits``)."""
    out: dict[int, list[tuple[str, list[int], list[int], int]]] = defaultdict(list)
    for t in TEMPLATES:
        cols = [i for i, ch in enumerate(t) if ch == packed.DIGIT][-10:]
        marks = [i for i, ch in enumerate(t) if ch != packed.DIGIT]
        bits = sum(1 << i for i, ch in enumerate(t) if ch == packed.DIGIT or ch.isdigit())
        out[len(t)].append((t, cols, marks, bits))
    return dict(out)


# Main-rule answers per deciding prefix (0 not asked yet, 1 valid, 2 not), kept across
# calls: a dealership's home, work and mobile numbers share area codes and exchanges. A
# table, so the look-up of every number is one numpy gather.
_MAX_TABLE_DIGITS = 7
_PREFIX_STATE: dict[re.Pattern[str], np.ndarray] = {}  # main-rule part -> table


def _main_rule_ok(prefix: np.ndarray, pattern: re.Pattern[str], k: int) -> np.ndarray:
    """A main-rule part's answer for each k-digit prefix (the rest of the number is free)."""
    table = _PREFIX_STATE.get(pattern)
    if table is None:
        table = _PREFIX_STATE[pattern] = np.zeros(10**k, dtype=np.int8)
    state = table[prefix]
    unknown = state == 0
    if unknown.any():
        asked = np.unique(prefix[unknown])
        pad = "0" * (10 - k)
        table[asked] = [1 if pattern.match(f"{p:0{k}d}{pad}") else 2 for p in asked.tolist()]
        state = table[prefix]
    ok: np.ndarray = state == 1
    return ok


def _valid(prefix6: np.ndarray, last4: np.ndarray) -> np.ndarray:
    """``nanp_valid`` per number (given as its first 6 and last 4 digits): the main
    country's rule, part by part, once per deciding prefix, then all rules for the few
    it rejects."""
    ok = np.zeros(len(prefix6), dtype=bool)
    rules = fastpaths.nanp_main_rules() or ()
    main_asked = bool(rules) and all(k <= _MAX_TABLE_DIGITS for _, k in rules)
    if main_asked:
        for pattern, k in rules:
            rest = np.flatnonzero(~ok)
            if not len(rest):
                break
            if k <= 6:
                prefix = prefix6[rest] // 10 ** (6 - k)
            else:
                prefix = prefix6[rest] * 10 ** (k - 6) + last4[rest] // 10 ** (10 - k)
            ok[rest] = _main_rule_ok(prefix, pattern, k)
    rest = np.flatnonzero(~ok)
    if len(rest):
        numbers = (prefix6[rest] * 10_000 + last4[rest]).tolist()
        ok[rest] = [fastpaths.nanp_valid(f"{d:010d}", main_asked) for d in numbers]
    return ok


def _read(values: np.ndarray, region: str) -> tuple[np.ndarray, np.ndarray]:
    """(rows decided here: valid numbers in a template, their '+1' and 10 digits as an
    ASCII matrix); anything else goes to the per-value path for its answer."""
    n = len(values)
    if region not in ("US", "CA") or not n:
        return np.zeros(0, dtype=np.intp), np.zeros((0, 12), dtype=np.uint8)
    decided = np.zeros(n, dtype=bool)
    column = packed.Packed(values)
    answer = np.empty((n, 12), dtype=np.uint8)  # '+1' and the 10 digits, as ASCII
    answer[:, 0], answer[:, 1] = ord("+"), ord("1")
    for width, templates in _by_width().items():
        rows = np.flatnonzero(column.lengths == width)
        if not len(rows):
            continue
        mat = column.matrix(rows, width)
        shape = packed.digit_bits(mat)  # one pass tells every template's digits apart
        for template, cols, marks, bits in templates:
            fit = shape == bits
            if not fit.any():
                continue
            for m in marks:
                fit &= mat[:, m] == ord(template[m])
            fit &= mat[:, cols[0]] >= ord("2")
            if not fit.any():
                continue
            at = rows[fit]
            answer[at, 2:] = (mat if fit.all() else mat[fit])[:, cols]
            decided[at] = True
    found = np.flatnonzero(decided)
    digits = answer[found, 2:]
    ok = _valid(packed.number(digits, 0, 6), packed.number(digits, 6, 10))
    good = found[ok]
    return good, answer[good]


def e164(values: np.ndarray, region: str) -> tuple[np.ndarray, np.ndarray]:
    """'+1NXXNXXXXXX' per value (object array of str) and the mask decided here (valid
    numbers only: anything else goes to the per-value path for its answer)."""
    out = np.empty(len(values), dtype=object)
    decided = np.zeros(len(values), dtype=bool)
    rows, answer = _read(values, region)
    out[rows] = packed.texts(answer)
    decided[rows] = True
    return out, decided


def normalised(values: np.ndarray, region: str = "US") -> np.ndarray:
    """``fastpaths.phone_e164`` of every value (object array of str; None: not valid)."""
    return completed(e164(values, region), values, lambda v: fastpaths.phone_e164(v, region))


def _as_int(e164_text: str | None) -> int:
    digits = e164_text[1:] if e164_text and e164_text.startswith("+") else ""
    return int(digits) if digits.isdigit() else 0


def numbers(values: np.ndarray, region: str = "US") -> np.ndarray:
    """``fastpaths.phone_e164`` of every value as an integer (the E.164 digits:
    '+13135550142' -> 13135550142; 0: not valid), int64."""
    out = np.zeros(len(values), dtype=np.int64)
    decided = np.zeros(len(values), dtype=bool)
    rows, answer = _read(values, region)
    out[rows] = packed.number(answer, 1, 12)
    decided[rows] = True
    rest = np.flatnonzero(~decided)
    if len(rest):
        out[rest] = [_as_int(fastpaths.phone_e164(v, region)) for v in values[rest].tolist()]
    return out
