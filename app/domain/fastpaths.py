"""Exact shortcuts for the two slowest validators on the common case.

``phonenumbers`` spends ~150 µs and ``email-validator`` ~60 µs per value; a 100,000-row
extract has ~100,000 distinct phones and e-mails. For values in the everyday shapes
((313) 555-0142, bob@mail.com) we answer with the libraries' own rules, precompiled:

* phones: the NANP region and validity rules from phonenumbers' metadata (the same
  patterns ``is_valid_number`` walks through, in the same order);
* e-mails: a strict ASCII subset of what email-validator accepts.

Anything else falls through to the library. tests/mapping/test_fastpaths.py compares the
two on thousands of values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE
from phonenumbers.phonemetadata import PhoneMetadata

from app.domain import normalise, regex_tail

_TYPES = (
    "premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan",
    "voicemail", "fixed_line", "mobile",
)  # fmt: skip
_NANP_SHAPE = re.compile(
    r"\s*(?:\+?1[\s.\-]?)?(?:\(([2-9]\d\d)\)|([2-9]\d\d))[\s.\-]?(\d{3})[\s.\-]?(\d{4})\s*",
    re.ASCII,  # \d: ASCII digits only (a fullwidth '３' would land in the E.164 text as is)
)


def _nanp_rules() -> Iterator[tuple[re.Pattern[str] | None, str]]:
    """(leading-digits pattern or None, region) per NANP region, in the order
    phonenumbers resolves a +1 number's region; built lazily, since most numbers are
    settled by the first (US) rule and each region costs a metadata load."""
    for region in COUNTRY_CODE_TO_REGION_CODE[1]:
        if _nanp_valid_source(region) is not None:
            yield _nanp_leading(region), region


@cache
def _nanp_leading(region: str) -> re.Pattern[str] | None:
    meta = PhoneMetadata.metadata_for_region(region)
    return re.compile(meta.leading_digits) if meta and meta.leading_digits else None


@cache
def _nanp_types(region: str) -> tuple[str, tuple[str, ...]] | None:
    """The region's general shape and the patterns of its number types (10 digits)."""
    meta = PhoneMetadata.metadata_for_region(region)
    if meta is None:
        return None
    patterns = []
    for kind in _TYPES:
        desc = getattr(meta, kind)
        if desc is None or desc.national_number_pattern is None:
            continue
        if desc.possible_length and 10 not in desc.possible_length:
            continue
        patterns.append(f"(?:{desc.national_number_pattern})")
    general = meta.general_desc.national_number_pattern if meta.general_desc else None
    return None if general is None else (general, tuple(patterns))


def _validity(general: str, patterns: tuple[str, ...] | list[str]) -> str:
    """A number of one of these types, within the general shape."""
    return f"(?=(?:{general})$)(?:{'|'.join(patterns) or '(?!)'})$"


def _nanp_valid_source(region: str) -> str | None:
    """The region's validity pattern (its number types, within its general shape)."""
    types = _nanp_types(region)
    return None if types is None else _validity(*types)


@cache
def _nanp_valid(region: str) -> re.Pattern[str]:
    """Compiled only when a number reaches the region: a compile costs ~4 ms, and a number
    no region claims would otherwise compile all 25 (~0.1 s on the first odd number)."""
    return re.compile(_nanp_valid_source(region) or "(?!)")


@lru_cache(maxsize=300_000)
def phone_e164(value: str, region: str = "US") -> str | None:
    """Same answer as ``normalise.phone_e164``; fast for NANP numbers typed the usual way."""
    m = _NANP_SHAPE.fullmatch(value) if region in ("US", "CA") else None
    if m is None:
        return normalise.phone_e164(value, region)
    digits = (m.group(1) or m.group(2)) + m.group(3) + m.group(4)
    return f"+1{digits}" if nanp_valid(digits) else None


def nanp_valid(digits: str, main_rejects: bool = False) -> bool:
    """Whether phonenumbers calls +1 ``digits`` (10 digits, NXX area code) valid.
    ``main_rejects``: the caller already knows the main rule (``nanp_main_rules``) says no."""
    for i, (leading, region) in enumerate(_nanp_rules()):
        if i == 0 and leading is None and main_rejects:
            continue
        if leading is not None:
            if leading.match(digits):
                return _nanp_valid(region).match(digits) is not None
        elif _nanp_valid(region).match(digits):
            return True
    return False


@cache
def nanp_main_rules() -> tuple[tuple[re.Pattern[str], int], ...] | None:
    """The first +1 rule (the main country's, tried on every number), split by how many
    leading digits decide it: a number is valid under it when one part matches, and a
    part's answer depends only on its first k digits (the rest are free in its pattern:
    regex_tail). The US fixed-line and mobile types are decided by 4 digits (area code
    and exchange's first digit), personal numbers by 6; asking per 4-digit prefix first
    takes ~900 pattern matches for a dealership's numbers instead of ~30,000. A number
    every part rejects needs ``nanp_valid``."""
    first = next(_nanp_rules(), None)
    if first is None or first[0] is not None:
        return None
    types = _nanp_types(first[1])
    if types is None:
        return None
    general, patterns = types
    by_digits: dict[int, list[str]] = {}
    for p in patterns:
        by_digits.setdefault(_deciding_digits(_validity(general, [p])), []).append(p)
    # a group's answer depends on no more digits than its members' (each proven apart)
    return tuple((re.compile(_validity(general, g)), k) for k, g in sorted(by_digits.items()))


@cache  # the US fixed-line and mobile patterns are the same text
def _deciding_digits(pattern: str) -> int:
    return max(10 - regex_tail.free_tail(pattern), 1)


_SPECIAL_USE = ("arpa", "invalid", "local", "localhost", "onion", "test")
_EMAIL_SHAPE = re.compile(
    r"[a-z0-9_+\-]+(?:\.[a-z0-9_+\-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)


@lru_cache(maxsize=300_000)
def email(value: str) -> str | None:
    """Same answer as ``normalise.email``; fast for plain ASCII addresses."""
    v = value.strip().lower()
    local, _, domain = v.partition("@")
    if (
        len(v) <= 254
        and len(local) <= 64
        and "--" not in domain
        and _EMAIL_SHAPE.fullmatch(v)
        and domain.rsplit(".", 1)[-1] not in _SPECIAL_USE
    ):
        return v
    return normalise.email(value)


# The same tests as ``email`` above in one regex, for checking many addresses at once.
_EMAIL_ALL = re.compile(
    r"(?=[^@]{0,64}@)(?=.{0,254}\Z)"  # local part <= 64, whole address <= 254
    + _EMAIL_SHAPE.pattern.replace("@", "@(?!.*--)", 1)
    + "".join(f"(?<!\\.{tld})" for tld in _SPECIAL_USE),
    re.DOTALL,
)


# The same for an address of at most 64 characters, where no length limit can bite: then
# "no '--' in the domain" makes a label runs of letters/digits joined by single hyphens,
# and possessive repeats are safe (each run must be followed by a separator it cannot
# contain), so there is no backtracking. Twice as fast; tests compare the two.
_EMAIL_SHORT = re.compile(
    r"[a-z0-9_+\-]++(?:\.[a-z0-9_+\-]++)*+@(?:[a-z0-9]++(?:-[a-z0-9]++)*+\.)++[a-z]{2,63}"
    + "".join(f"(?<!\\.{tld})" for tld in _SPECIAL_USE)
)


def emails(values: list[str]) -> list[str | None]:
    """``email`` of each value where the fast shape decides it, else None (not decided:
    the caller asks ``email``). The decided answers are ``email``'s own."""
    lowered = [v.strip().lower() for v in values]
    short, full = _EMAIL_SHORT.fullmatch, _EMAIL_ALL.fullmatch
    return [v if (short(v) if len(v) <= 64 else full(v)) else None for v in lowered]
