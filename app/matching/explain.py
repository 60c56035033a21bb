"""Reasons: why a pair scored what it did, in words an admin reads at a glance."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from app.matching.scoring import Scored

_LABELS: dict[str, dict[int, str]] = {
    "email": {1: "same e-mail", 2: "different e-mail"},
    "phone": {1: "same phone", 2: "phone one digit off", 3: "different phone"},
    "dob": {1: "same birth date", 2: "birth date nearly the same", 3: "different birth date"},
    "location": {
        1: "same street address",
        2: "similar street address",
        3: "same street, other house number",
        4: "same street address in another town",
        5: "same ZIP",
        6: "same town",
        7: "lives elsewhere",
        8: "same ZIP (no street address on one)",
        9: "same town (no street address on one)",
        10: "same street address, its lines in another order",
    },
    "id": {1: "same ID number", 2: "ID number one character off", 3: "different ID number"},
    "suffix": {
        1: "same Jr./Sr.",
        2: "Jr./Sr. written on one record only",
        3: "different Jr./Sr. (a father and son?)",
    },
}


# Missing values the model counts (compare.MISSING_CODED): on one record, on neither.
_MISSING: dict[str, tuple[str, str]] = {
    "dob": ("birth date on one record only", "no birth date on either"),
}


def reasons(scored: Scored, rows: npt.NDArray[np.int64] | None = None) -> list[str]:
    """One reason text per pair (``rows`` selects pairs; default all). Each part of a
    text (the name, then one per field, then a note) is coded per pair as a number into
    that part's phrases; a text is written once per distinct combination of parts (a
    million pairs have a few thousand), then given to every pair that has it."""
    idx = np.arange(len(scored)) if rows is None else rows
    lv = {k: v[idx] for k, v in scored.cmp.levels.items()}
    parts: list[tuple[npt.NDArray[np.int64], list[str]]] = []
    first, last = lv["first"], lv["last"]
    fs, ls = scored.cmp.first_sim[idx], scored.cmp.last_sim[idx]
    swapped = scored.cmp.swapped[idx]
    phrases = [""]
    name = np.zeros(len(idx), dtype=np.int64)

    def put(mask: npt.NDArray[np.bool_], text: str) -> None:
        phrases.append(text)
        name[mask] = len(phrases) - 1

    both_same = (first == 1) & (last == 1)
    put(both_same, "same name")
    sim = (fs + ls) / 2
    fuzzy = ~both_same & (first > 0) & (last > 0)
    values, at = np.unique(sim[fuzzy], return_inverse=True)
    name[fuzzy] = len(phrases) + at.reshape(-1)
    phrases += [f"name {v:.2f}" for v in values.tolist()]
    put((first == 2) & (last == 1), "nickname, same last name")
    put((first == 0) & (last == 1), "same last name")
    put((first == 1) & (last == 4), "same first name, different last name")
    put((first == 7) & ~swapped, "different first name")
    put(swapped, "first and last name swapped")
    parts.append((name, phrases))
    for field, labels in _LABELS.items():
        col = np.zeros(len(idx), dtype=np.int64)
        words = [""]
        for level, text in labels.items():
            words.append(text)
            col[lv[field] == level] = len(words) - 1
        absent = _MISSING.get(field)
        both = scored.cmp.both_missing.get(field)
        if absent is not None and both is not None:
            # Counted as evidence: one record without it is a little against one person,
            # neither with it a little for (a person who never gives it).
            words += list(absent)
            col[(lv[field] == 0) & ~both[idx]] = len(words) - 2
            col[both[idx]] = len(words) - 1
        parts.append((col, words))
    related = scored.related[idx]
    note = np.zeros(len(idx), dtype=np.int64)
    note[(related >= 0.1) & ~scored.household[idx]] = 1
    note[scored.household[idx]] = 2
    parts.append(
        (
            note,
            [
                "",
                "could also be two people of one household",
                "likely family members (shared details)",
            ],
        )
    )
    return _texts(parts)


def _texts(parts: list[tuple[npt.NDArray[np.int64], list[str]]]) -> list[str]:
    """Per row, the non-empty phrases of its parts joined by ', ' (a part's code 0 is
    its empty phrase), each distinct combination joined once."""
    key = np.zeros(len(parts[0][0]), dtype=np.int64)
    for codes, words in parts:  # mixed radix: a few million combinations at most
        key = key * len(words) + codes
    combos, inverse = np.unique(key, return_inverse=True)
    picked: list[list[str]] = [[] for _ in range(len(combos))]
    rest = combos
    for _, words in reversed(parts):
        for i, c in enumerate((rest % len(words)).tolist()):
            picked[i].append(words[c])
        rest = rest // len(words)
    texts = np.asarray([", ".join(x for x in reversed(p) if x) for p in picked], dtype=object)
    return texts[inverse.reshape(-1)].tolist()
