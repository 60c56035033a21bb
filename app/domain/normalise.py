"""Normalisers built on the field's libraries. Each returns the normalised text, or None
when the value is not valid (callers decide whether that is an error)."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from nameparser import HumanName
from vininfo import Vin

from app.domain import namecase


@lru_cache(maxsize=200_000)
def phone_e164(value: str, region: str = "US") -> str | None:
    """'(313) 555-0142' -> '+13135550142'; None when it is not a possible number."""
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed) or not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=200_000)
def email(value: str) -> str | None:
    """Lower-cased, syntax-checked address (no DNS look-up: we work offline)."""
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        return None
    return str(result.normalized).lower()


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def zip5(value: str) -> str | None:
    digits = _digits(value)
    if len(digits) in (5, 9) and len(value.strip()) <= 10:
        return digits[:5]
    return None


def zip_plus4(value: str) -> str | None:
    digits = _digits(value)
    if len(digits) == 9 and len(value.strip()) <= 10:
        return f"{digits[:5]}-{digits[5:]}"
    if len(digits) == 5 and len(value.strip()) <= 10:
        return digits
    return None


@lru_cache(maxsize=50_000)
def vin(value: str) -> str | None:
    """Upper-cased VIN if it has 17 allowed characters and a correct check digit."""
    candidate = value.strip().upper()
    if len(candidate) != 17 or any(ch in "IOQ" for ch in candidate) or not candidate.isalnum():
        return None
    try:
        ok = Vin(candidate).verify_checksum()
    except (ValueError, KeyError, IndexError):
        return None
    return candidate if ok else None


_PLAIN_WORD = frozenset("abcdefghijklmnopqrstuvwxyz")


@lru_cache(maxsize=100_000)  # 'Inc.', 'LLC', '&', 'Sons' recur across company names
def _cap_word(word: str) -> str:
    core = word.strip(',.;:()"')
    if not core:
        return word
    lower = core.lower()
    if set(lower) <= _PLAIN_WORD and not lower.startswith(("mc", "mac")):
        cased = lower.capitalize()  # the common case, without nameparser's parse cost
    elif (quick := namecase.simple_token(core)) is not None:
        cased = quick  # what nameparser gives, by its own rules (tests/domain pins it)
    else:
        cased = _parsed_case(core)
    start = word.index(core)
    return word[:start] + cased + word[start + len(core) :]


@lru_cache(maxsize=50_000)
def _parsed_case(core: str) -> str:
    """``core`` capitalised by nameparser (a token repeats across many names)."""
    name = HumanName(core)
    name.capitalize(force=True)
    cased = str(name)
    # nameparser may reorder or drop pieces of odd tokens; then only the case changes
    if cased.casefold() != core.casefold():
        cased = core[:1].upper() + core[1:].lower()
    return cased


@lru_cache(maxsize=200_000)
def title_case(value: str) -> str:
    """Name-aware capitalisation that changes only the case, never the punctuation:
    "o'brien-smith" -> "O'Brien-Smith", 'MCDONALD' -> 'McDonald',
    'GARCIA CONSTRUCTION, LLC' -> 'Garcia Construction, Llc'."""
    return " ".join(_cap_word(w) for w in value.split(" "))


def title_cases(values: list[str]) -> list[str]:
    """``title_case`` of each value. A name of ASCII letters and spaces with no Mc/Mac in
    it is ``str.title`` by ``title_case``'s own rules, so it skips the per-word pass: a
    first run over an extract's few thousand distinct names would spend ~0.1 s there."""
    return [
        v.title()
        if v.isascii()
        and (low := v.lower()).replace(" ", "").isalpha()
        and "mc" not in low
        and "mac" not in low
        else title_case(v)
        for v in values
    ]


@lru_cache(maxsize=200_000)
def name_part(value: str, part: str) -> str:
    """One part (first, middle, last, title, suffix) of a full name."""
    return str(getattr(HumanName(value), part, "") or "")
