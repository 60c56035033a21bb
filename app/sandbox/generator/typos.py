"""String-level errors people make when typing names, addresses and phone numbers.

These run in Python, but only over the few percent of rows that get each error.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from app.sandbox.generator.fmt import Obj
from app.sandbox.generator.nicknames import NICKNAMES
from app.sandbox.generator.places import SUFFIX_LONG

# QWERTY neighbours: substitutions hit an adjacent key, as real typos do.
_NEIGHBOURS = {
    "a": "qwsz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc",
    "g": "ftyhbv", "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop",
    "m": "njk", "n": "bhjm", "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz",
    "t": "rfgy", "u": "yhji", "v": "cfgb", "w": "qase", "x": "zsdc", "y": "tghu", "z": "asx",
}  # fmt: skip


def typo(word: str, r: float, r2: float) -> str:
    """One substitution, deletion, transposition or doubled letter (``r``, ``r2`` in [0, 1))."""
    letters = [i for i, ch in enumerate(word) if ch.isalpha()]
    if len(letters) < 3:
        return word
    # Never touch the first letter: people rarely get that wrong, and blocking keys use it.
    pos = letters[1 + int(r2 * (len(letters) - 1))]
    ch = word[pos]
    if r < 0.4:
        options = _NEIGHBOURS.get(ch.lower(), "e")
        new = options[int(r2 * 997) % len(options)]
        new = new.upper() if ch.isupper() else new
        return word[:pos] + new + word[pos + 1 :]
    if r < 0.65:
        return word[:pos] + word[pos + 1 :]
    if r < 0.9 and pos + 1 < len(word) and word[pos + 1] != ch:
        return word[:pos] + word[pos + 1] + ch + word[pos + 2 :]
    return word[:pos] + ch + word[pos:]


def typos(words: Obj, rng: np.random.Generator) -> Obj:
    """Apply :func:`typo` to each word."""
    r, r2 = rng.random(len(words)), rng.random(len(words))
    out = np.empty(len(words), dtype=object)
    out[:] = [typo(w, a, b) for w, a, b in zip(words, r.tolist(), r2.tolist(), strict=True)]
    return out


def nicknames(first: Obj, rng: np.random.Generator) -> tuple[Obj, np.ndarray]:
    """Replace given names that have a nickname; returns (names, changed mask)."""
    out = first.copy()
    changed = np.zeros(len(first), dtype=bool)
    picks = rng.random(len(first)).tolist()
    for i, (name, r) in enumerate(zip(first, picks, strict=True)):
        nicks = NICKNAMES.get(name)
        if nicks:
            out[i] = nicks[int(r * len(nicks))]
            changed[i] = True
    return out, changed


def fold_accents(words: Obj) -> tuple[Obj, np.ndarray]:
    """Drop diacritics the way US keyboards and old DMS screens do ("Muñoz" -> "Munoz")."""
    out = words.copy()
    changed = np.zeros(len(words), dtype=bool)
    for i, w in enumerate(words):
        if not w.isascii():
            out[i] = unicodedata.normalize("NFKD", w).encode("ascii", "ignore").decode()
            changed[i] = True
    return out, changed


def case_noise(words: Obj, style: np.ndarray) -> Obj:
    """0 UPPER, 1 lower, 2 UPPER with stray spaces, 3 lower with stray spaces."""
    out = np.empty(len(words), dtype=object)
    out[:] = [
        (w.upper() if s in (0, 2) else w.lower()) if s < 2 else
        ("  " + w.upper() + " " if s == 2 else " " + w.lower() + "  ")
        for w, s in zip(words, style.tolist(), strict=True)
    ]  # fmt: skip
    return out


def address_variant(line1: str, line2: str, r: float) -> tuple[str, str]:
    """Spell the same address differently: long suffix, upper case, or unit on line 1."""
    if r < 0.45:
        parts = line1.split(" ")
        parts[-1] = SUFFIX_LONG.get(parts[-1], parts[-1])
        return " ".join(parts), line2
    if r < 0.7:
        return line1.upper(), line2.upper()
    if line2:
        return f"{line1} {line2}", ""
    return line1.replace(" ", "  ", 1), line2


def transpose_digits(phones: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Swap two adjacent, different digits among the last six of each 10-digit phone.

    Positions 4-9 keep the area code and the exchange's first digit intact, so the
    result is still a valid NANP number, just the wrong one.
    """
    n = len(phones)
    rows = np.arange(n)
    digits = (phones[:, None] // 10 ** np.arange(9, -1, -1)[None, :]) % 10
    start = rng.integers(0, 5, n)
    out = phones.copy()
    for attempt in range(5):
        p = 4 + (start + attempt) % 5
        a, b = digits[rows, p], digits[rows, p + 1]
        todo = (out == phones) & (a != b)
        w_a, w_b = 10 ** (9 - p), 10 ** (8 - p)
        out = np.where(todo, out + (b - a) * w_a + (a - b) * w_b, out)
    return out
