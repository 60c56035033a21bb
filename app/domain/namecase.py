"""nameparser's capitalisation of one name token, without its parse, for the tokens where
its rules come down to ``str.capitalize`` per word.

``HumanName(token).capitalize(force=True)`` costs about a millisecond; a customer extract
has a few thousand tokens like 'SMITH-JONES' or 'MÓNICA'. For a token of hyphen-joined
parts of simple cased letters (words split by an apostrophe, as in O'Brien), where no
word, part or the whole is in nameparser's vocabulary (particles, conjunctions,
suffixes, casing exceptions...) or is a roman numeral, nameparser's render
(``_render._cap_text``) writes each word capitalised (Mac/Mc names as 'McDonald')
whatever role the parse gave it. Anything else returns None and goes to nameparser.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Mapping
from functools import cache

_ROMAN = re.compile(r"(X|IX|IV|V?I{0,3})", re.IGNORECASE)  # nameparser's suffix numerals
_MAC = re.compile(r"^(ma?c)(\w{2,})", re.IGNORECASE)  # nameparser's Mac/Mc prefix


@cache
def _vocabulary() -> frozenset[str]:
    """Every word nameparser's default lexicon knows, in any role or casing map."""
    from nameparser import HumanName

    probe = HumanName("a")
    probe._resolve()  # the lexicon HumanName itself capitalises with
    lexicon = probe._lexicon
    words: set[str] = set()
    for field in dataclasses.fields(lexicon):
        value = getattr(lexicon, field.name)
        if isinstance(value, frozenset):
            words.update(w for w in value if isinstance(w, str))
        elif isinstance(value, Mapping):
            words.update(k for k in value if isinstance(k, str))
    return frozenset(words)


@cache
def _simple_letter(ch: str) -> bool:
    """A cased letter whose upper, lower and title forms are single letters."""
    return (
        unicodedata.category(ch) in ("Lu", "Ll")
        and len(ch.upper()) == len(ch.lower()) == len(ch.title()) == 1
    )


def _simple_word(part: str, vocabulary: frozenset[str]) -> bool:
    lower = part.lower()
    if part.isascii():  # ASCII letters are all simple, and NFC (the common case, in C)
        letters = part.isalpha()
    else:
        letters = all(_simple_letter(ch) for ch in part) and unicodedata.is_normalized("NFC", part)
    return bool(part) and letters and _ROMAN.fullmatch(lower) is None and lower not in vocabulary


def simple_token(token: str) -> str | None:
    """``token`` capitalised as nameparser would, or None when its rules need the parse."""
    parts = token.split("-")  # a middle part is lowered only when it is vocabulary
    vocabulary = _vocabulary()
    words = [w.split("'") for w in parts]  # nameparser's words stop at an apostrophe
    if (
        token.lower() in vocabulary
        or any(p.lower() in vocabulary for p in parts)
        or not all(_simple_word(w, vocabulary) for ws in words for w in ws)
    ):
        return None
    return "-".join("'".join(_cap(w) for w in ws) for ws in words)


def _cap(word: str) -> str:
    """nameparser's title case of a plain word: 'mcdonald' -> 'McDonald'."""
    mac = _MAC.match(word)
    if mac is None:
        return word.capitalize()
    cut = len(mac.group(1))
    return word[:cut].capitalize() + word[cut:].capitalize()
