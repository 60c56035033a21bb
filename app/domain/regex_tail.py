"""How many trailing characters a digits-only regex leaves unconstrained.

If every way through a pattern ends with ``k`` single ``\\d`` items, then for digit
strings of one length whether it matches depends only on all but the last ``k`` digits.
fastpaths uses that to check phone validity once per number *prefix* instead of once per
number. Anything this walk does not understand counts as constraining (0), which only
costs speed, never correctness.
"""

from __future__ import annotations

from re import _constants as c  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

_ANY_DIGIT = [(c.CATEGORY, c.CATEGORY_DIGIT)]
_REPEATS = (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", c.MAX_REPEAT))


def _is_any_digit(item: tuple[Any, Any]) -> bool:
    op, av = item
    return bool(op is c.IN and list(av) == _ANY_DIGIT)


def _tail(items: list[tuple[Any, Any]]) -> tuple[int, bool]:
    """(free trailing digits in every path, whether the whole sequence is free digits)."""
    n = 0
    for op, av in reversed(items):
        if op is c.AT and av is c.AT_END:
            if n:  # '$' before free digits would constrain them; only a final one is ok
                return n, False
            continue
        if _is_any_digit((op, av)):
            n += 1
            continue
        if op in _REPEATS:
            lo, hi, sub = av
            body = list(sub)
            if len(body) == 1 and _is_any_digit(body[0]):
                n += lo
                if lo == hi:
                    continue
            return n, False
        if op is c.SUBPATTERN:
            t, whole = _tail(list(av[-1]))
            n += t
            if whole:
                continue
            return n, False
        if op is c.BRANCH:
            tails = [_tail(list(b)) for b in av[1]]
            low = min(t for t, _ in tails)
            if all(whole and t == low for t, whole in tails):
                n += low
                continue
            return n + low, False
        return n, False
    return n, True


def _looks_around(node: Any) -> bool:
    """Whether a parsed (sub)pattern holds an assertion or a conditional anywhere: those
    can constrain characters after them, so the walk above must not be trusted."""
    if isinstance(node, (list, tuple)) or hasattr(node, "data"):
        for item in getattr(node, "data", node):
            if any(item is op for op in (c.ASSERT, c.ASSERT_NOT, c.GROUPREF_EXISTS)):
                return True  # identity: opcodes are ints that equal ordinary numbers
            nested = isinstance(item, (list, tuple)) or hasattr(item, "data")
            if nested and _looks_around(item):
                return True
    return False


def free_tail(pattern: str) -> int:
    """Trailing characters of a match that can be any ASCII digit (see module doc)."""
    items = list(_parser.parse(pattern))
    tails = []
    while items and items[0][0] is c.ASSERT and items[0][1][0] == 1:  # opening lookahead
        ahead = list(items[0][1][1])
        if _looks_around(ahead):
            return 0
        tails.append(_tail(ahead)[0])
        items = items[1:]
    if _looks_around(items):
        return 0
    tails.append(_tail(items)[0])
    return min(tails)


def max_width(pattern: str) -> int:
    """The longest text a pattern can match (for prefix patterns used with ``match``)."""
    return int(_parser.parse(pattern).getwidth()[1])
