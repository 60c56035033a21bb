"""US street addresses, standardised the USPS way (Publication 28 abbreviations).

Bulk matching standardises hundreds of thousands of addresses, and usaddress-scourgify's
full parser costs ~0.6 ms per address (minutes per run), so the bulk path is a vectorised
standardiser driven by scourgify's own USPS tables (street types, directionals, unit
designators). ``standardise_one`` runs scourgify's parser for a single address (golden
records, the merge screen) and falls back to the vectorised form when it cannot parse.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt
import pandas as pd
from scourgify import address_constants as usps
from scourgify import normalize_address_record
from scourgify.exceptions import AddressNormalizationError

from app.domain.columns import packed, tokens

_SUFFIX = {k.upper(): v.upper() for k, v in usps.STREET_TYPE_ABBREVIATIONS.items()}
_DIRECTION = {k: v for k, v in usps.DIRECTIONAL_REPLACEMENTS.items()}
_DIRECTION.update({v: v for v in usps.DIRECTIONAL_REPLACEMENTS.values()})
_UNIT = {k.upper(): v.upper() for k, v in usps.OCCUPANCY_TYPE_ABBREVIATIONS.items()}
_UNIT.update({v: v for v in list(_UNIT.values())})
_UNIT.update({"#": "#", "NO": "#", "NUMBER": "#", "SUITE": "STE", "APARTMENT": "APT"})

_PUNCT = re.compile(r"[^A-Z0-9# ]+")
_HOUSE = re.compile(r"^\d+[A-Z]?(?:-\d+)?$")


def _parse(text: str) -> tuple[str, str, str, str]:
    """'2006 W PROSPECT LANE APT 4' -> ('2006 W PROSPECT LN APT 4', '2006', 'PROSPECT', '4')."""
    tokens = text.replace("#", " # ").split()
    unit = utype = ""
    if len(tokens) >= 3 and tokens[-2] in _UNIT:
        utype, unit = _UNIT[tokens[-2]], tokens[-1]
        tokens = tokens[:-2]
    house = tokens[0] if tokens and _HOUSE.match(tokens[0]) else ""
    rest = tokens[1:] if house else tokens
    rest = [_DIRECTION.get(t, t) if i in (0, len(rest) - 1) else t for i, t in enumerate(rest)]
    # Only the last street-type word is the suffix ("PARK" in "PARK AVE" is the name).
    suffix_at = -1
    for i in range(len(rest) - 1, 0, -1):
        if rest[i] in _SUFFIX:
            rest[i] = _SUFFIX[rest[i]]
            suffix_at = i
            break
        if rest[i] not in _DIRECTION:
            break
    core = [
        t
        for i, t in enumerate(rest)
        if i != suffix_at and not (t in _DIRECTION and i in (0, len(rest) - 1))
    ] or rest
    unit_txt = f"{utype} {unit}" if unit else ""
    street = " ".join(x for x in (house, " ".join(rest), unit_txt) if x)
    return street, house, " ".join(core), unit


_DIRECTIONS = np.array(
    [
        tokens.pack(d)
        for d in (*usps.DIRECTIONAL_REPLACEMENTS, *usps.DIRECTIONAL_REPLACEMENTS.values())
    ],
    dtype=np.int64,
)
# Words that say nothing of where: directions and unit designators. Street types stay:
# USPS counts "PARK", "HILL" and "PINE" among them, which in a line name a place.
_UNITS = np.unique(np.array([tokens.pack(w) for w in (*_UNIT, *_UNIT.values())]))
_NOT_A_NAME = np.union1d(_UNITS, _DIRECTIONS)
OTHER_WORDS = 3  # words of the street line after the first, kept for a swapped line order
_TOKENS = 3 + OTHER_WORDS + 2  # house, a directional, the word, the others, two to skip


def keys(streets: pd.Series) -> pd.DataFrame:
    """Vectorised matching keys: ``house`` number (-1 none) and ``word``, the first word of
    the street name after any directional, packed (``tokens.pack``; 0 none); ``other1`` ..
    the next words of the line (not a direction, unit designator or number), so
    "5 PINE HILL BEAUREPAIRE CRES" and "5 BEAUREPAIRE CRES PINE HILL" -- the two address
    lines in either order -- can be told to be one street."""
    values = streets.fillna("").astype(str).to_numpy(dtype=object)
    # in slices: a million streets as a character matrix would be ~200 MB at once
    parts = [_keys(values[i : i + _SLICE]) for i in range(0, len(values), _SLICE)]
    return pd.concat(parts or [_keys(values)], ignore_index=True)


_SLICE = 65_536


def _keys(values: npt.NDArray[np.object_]) -> pd.DataFrame:
    m, _ = packed.to_matrix(values, 48)
    codes, lens = tokens.token_codes(m, _TOKENS)
    # The unit first ("APT 4 123 MAIN ST": the lines the other way round): from the house on.
    lead = np.isin(codes[:, 0], _UNITS) & _as_number(codes[:, 2])[0]
    if lead.any():
        codes[lead, :-2], codes[lead, -2:] = codes[lead, 2:], 0
        lens[lead, :-2], lens[lead, -2:] = lens[lead, 2:], 0
    # A house number is an all-digit first token.
    digits_only, house = _as_number(codes[:, 0])
    is_house = digits_only & (lens[:, 0] <= 7)
    house = np.where(is_house, house, -1)
    after = np.where(is_house[:, None], codes[:, 1:], codes[:, :-1])
    skip = np.isin(after[:, 0], _DIRECTIONS) & (after[:, 1] > 0)
    word = np.where(skip, after[:, 1], after[:, 0])
    rest = np.where(skip[:, None], after[:, 2:], after[:, 1:-1])
    named = (rest > 0) & ~np.isin(rest, _NOT_A_NAME) & ~_as_number(rest)[0]
    # the named words moved to the front, in their order
    order = np.argsort(~named, axis=1, kind="stable")
    others = np.where(
        np.take_along_axis(named, order, axis=1), np.take_along_axis(rest, order, axis=1), 0
    )
    out = {"house": house, "word": np.where(is_house, word, 0)}
    for i in range(OTHER_WORDS):
        out[f"other{i + 1}"] = np.where(is_house, others[:, i], 0)
    return pd.DataFrame(out)


def _as_number(
    codes: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    """(made of digits only, the number they write) of packed tokens (digits pack to
    27..36 per character; 0, no token, is no number)."""
    value = codes.copy()
    digits = value > 0
    number = np.zeros(value.shape, dtype=np.int64)
    place = np.ones(value.shape, dtype=np.int64)
    for _ in range(12):
        r = value % 37
        digits &= (value == 0) | (r >= 27)
        number += np.where(value > 0, (r - 27) * place, 0)
        place = np.where(value > 0, place * 10, place)
        value //= 37
    return digits, number


def standardise(streets: pd.Series) -> pd.DataFrame:
    """Vectorised: columns ``street`` (standard text), ``house``, ``core`` (street name
    without type/direction), ``unit``. Parses each distinct value once."""
    codes, uniques = pd.factorize(streets.fillna("").astype(str), sort=False)
    up = pd.Series(uniques, dtype=object).str.upper().str.replace(_PUNCT, " ", regex=True)
    parsed = [_parse(t) for t in up.tolist()]
    table = pd.DataFrame(parsed, columns=["street", "house", "core", "unit"], dtype=object)
    if not len(table):
        table = pd.DataFrame({c: pd.Series([""], dtype=object) for c in table.columns})
        codes = codes * 0
    return table.iloc[codes].reset_index(drop=True)


def standardise_one(street: str, city: str = "", state: str = "", zip_code: str = "") -> str:
    """One address line through usaddress-scourgify (USPS standard); the vectorised form
    when scourgify cannot parse it (PO boxes without a city, rural routes, free text)."""
    if not street.strip():
        return ""
    record = {
        "address_line_1": street,
        "address_line_2": None,
        "city": city or None,
        "state": state or None,
        "postal_code": zip_code or None,
    }
    try:
        parsed = normalize_address_record(record)
    except (AddressNormalizationError, ValueError, TypeError, KeyError, IndexError):
        return str(standardise(pd.Series([street]))["street"].iloc[0])
    line1 = parsed.get("address_line_1") or ""
    line2 = parsed.get("address_line_2") or ""
    return f"{line1} {line2}".strip()
