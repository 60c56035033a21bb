"""Person names for matching: folded to lower-case ASCII, parsed, with a phonetic key.

Work happens once per distinct value (a 400,000-row file has a few thousand distinct
first names), so plain Python is fine here.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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


def first_token(text: str) -> str:
    """Given name for matching: 'Mr John A' -> 'john' (titles and initials after it dropped)."""
    tokens = [t for t in fold(text).split() if t not in _TITLES]
    return tokens[0] if tokens else ""


def last_name(text: str) -> str:
    """Family name for matching: 'Moore-Powell Jr.' -> 'moore powell'."""
    tokens = [t for t in fold(text).split() if t not in _SUFFIXES]
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
