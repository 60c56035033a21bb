"""Person names for matching: folded to lower-case ASCII, parsed, with a phonetic key.

Work happens once per distinct value (a 400,000-row file has a few thousand distinct
first names), so plain Python is fine here.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from nameparser import HumanName

_NON_LETTER = re.compile(r"[^a-z ]+")
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "rev", "sir", "mx"})
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "v", "esq", "md", "phd", "dds"})


@lru_cache(maxsize=100_000)
def fold(text: str) -> str:
    """'  José-María O'Brien ' -> 'jose maria obrien' (accents dropped, apostrophes joined)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = ascii_text.lower().replace("'", "").replace("`", "")
    return " ".join(_NON_LETTER.sub(" ", ascii_text).split())


# A digit inside a name is a misread letter (scanned forms, OCR): 'R0ss', 'Wi1son'.
_DIGIT_LETTERS = str.maketrans("013458", "oleasb")
_DIGIT_IN_WORD = re.compile(r"(?<=[^\W\d_])[013458]+|[013458]+(?=[^\W\d_])")
_ORDINAL = re.compile(r"\b\d+(?:st|nd|rd|th)\b", re.IGNORECASE)


def letters_for_digits(text: str) -> str:
    """'T0ny' -> 'Tony', 'R0SS' -> 'ROSS'; ordinals ('2nd') and lone numbers stay."""
    if not any(c.isdigit() for c in text) or _ORDINAL.search(text):
        return text
    return _DIGIT_IN_WORD.sub(lambda m: m.group(0).translate(_DIGIT_LETTERS), text)


# "first.last", "first_last", "first-last", a number or a tag after it.
_EMAIL_NAME = re.compile(r"^([a-z]{2,})[._-]([a-z]{2,})[0-9_]*$")


def name_from_email(address: str) -> tuple[str, str]:
    """(first, last) an e-mail address spells: 'melissa.williams88@yahoo.com' ->
    ('melissa', 'williams'); ('', '') for any other form ('jsmith@', 'jose421@')."""
    local, at, _ = address.strip().lower().partition("@")
    found = _EMAIL_NAME.match(local) if at else None
    return (found.group(1), found.group(2)) if found else ("", "")


def first_token(text: str) -> str:
    """Given name for matching: 'Mr John A' -> 'john' (titles and initials after it dropped)."""
    if text.isascii() and text.isalpha():  # one plain word, most names: what fold makes
        low = text.lower()
        return "" if low in _TITLES else low
    tokens = [t for t in fold(letters_for_digits(text)).split() if t not in _TITLES]
    return tokens[0] if tokens else ""


def last_name(text: str) -> str:
    """Family name for matching: 'Moore-Powell Jr.' -> 'moore powell'."""
    if text.isascii() and text.isalpha():  # one plain word, most names: what fold makes
        low = text.lower()
        return "" if low in _SUFFIXES else low
    tokens = [t for t in fold(letters_for_digits(text)).split() if t not in _SUFFIXES]
    return " ".join(tokens)


@lru_cache(maxsize=100_000)
def split_full(text: str) -> tuple[str, str]:
    """(first, last) of a full name with nameparser: 'Smith, John A.' -> ('john', 'smith')."""
    name = HumanName(text)
    first = first_token(str(name.first or ""))
    last = last_name(str(name.last or ""))
    if not last and first:
        return "", first
    return first, last


# Generation suffixes, as nameparser reads them, with their spellings folded to one.
# "V" and "I" are left out: in a name field they are far more often a middle initial.
GENERATIONS: dict[str, str] = {
    "jr": "jr", "jnr": "jr", "junior": "jr",
    "sr": "sr", "snr": "sr", "senior": "sr",
    "ii": "ii", "2nd": "ii", "iii": "iii", "3rd": "iii", "iv": "iv", "4th": "iv",
}  # fmt: skip
_GEN_TOKEN = re.compile(r"[^a-z0-9]+")


def _generation_token(text: str) -> str:
    """The generation a bare suffix value stands for ('Jr.' -> 'jr', 'III' -> 'iii')."""
    words = [w for w in _GEN_TOKEN.split(fold(text)) if w]
    for w in reversed(words):
        if w in GENERATIONS:
            return GENERATIONS[w]
    return ""


def has_generation(text: str) -> bool:
    """Whether a name value holds a word that may be a generation suffix (a cheap test
    before nameparser reads it)."""
    return any(w in GENERATIONS for w in _GEN_TOKEN.split(fold(text)) if w)


# A word ``fold`` may turn into a generation suffix, in ASCII text: its letters in a
# row, an apostrophe or backtick between them at most (``fold`` drops those; it keeps no
# digit, so '2nd' never is one), any case.
_MAY_BE_GENERATION = re.compile(
    "|".join("['`]*".join(w) for w in sorted({w for w in GENERATIONS if w.isalpha()})),
    re.IGNORECASE,
)


def has_generation_each(values: list[str]) -> npt.NDArray[np.bool_]:
    """``has_generation`` of each value: only those one search over all of them (their
    text joined) finds a possible suffix in, or that are not ASCII, are read one by one."""
    out = np.zeros(len(values), dtype=bool)
    joined = "\x00".join(values)
    if not values or joined.count("\x00") != len(values) - 1:  # a NUL inside: one by one
        out[:] = [has_generation(v) for v in values]
        return out
    ends = np.cumsum(np.fromiter(map(len, values), dtype=np.int64, count=len(values)) + 1)
    hits = [m.start() for m in _MAY_BE_GENERATION.finditer(joined)]
    maybe = np.zeros(len(values), dtype=bool)
    maybe[np.searchsorted(ends, np.asarray(hits, dtype=np.int64), side="right")] = True
    if not joined.isascii():  # NFKD may make letters of others ('Ⅱ' -> 'II')
        maybe |= np.fromiter((not v.isascii() for v in values), dtype=bool, count=len(values))
    rows = np.flatnonzero(maybe)
    out[rows] = [has_generation(values[i]) for i in rows.tolist()]
    return out


@lru_cache(maxsize=100_000)
def generation(first: str, last: str = "", suffix: str = "") -> str:
    """The generation suffix of a name -- 'jr', 'sr', 'ii', 'iii', 'iv' or '' -- from a
    suffix column when there is one, else as nameparser reads the name: ('John',
    'Smith Jr.') -> 'jr', ('John Jr', 'Smith') -> 'jr', ('Smith, John III', '') -> 'iii',
    ('John V', 'Smith') -> ''. Separate name fields are handed to nameparser as
    "last, first", so it knows which word is the surname."""
    if suffix.strip():
        return _generation_token(suffix)
    if not has_generation(f"{first} {last}"):
        return ""
    text = f"{last}, {first}" if first.strip() and last.strip() else f"{first}{last}"
    return _generation_token(str(HumanName(text).suffix or ""))


_SOUNDEX = str.maketrans("bfpvcgjkqsxzdtlmnr", "111122222222334556")


@lru_cache(maxsize=100_000)
def soundex(name: str) -> str:
    """American Soundex of a folded name ('' for none): 'robert' -> 'r163'."""
    letters = name.replace(" ", "")
    if not letters:
        return ""
    coded = letters.translate(_SOUNDEX)
    out = [letters[0]]
    prev = coded[0]
    for ch, raw in zip(coded[1:], letters[1:], strict=True):
        if ch.isdigit() and ch != prev:
            out.append(ch)
        if raw not in "hw":
            prev = ch
    return ("".join(out) + "000")[:4]
