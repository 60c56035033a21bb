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
    """One reason text per pair (``rows`` selects pairs; default all)."""
    idx = np.arange(len(scored)) if rows is None else rows
    lv = {k: v[idx] for k, v in scored.cmp.levels.items()}
    parts: list[npt.NDArray[np.object_]] = []
    first, last = lv["first"], lv["last"]
    fs, ls = scored.cmp.first_sim[idx], scored.cmp.last_sim[idx]
    swapped = scored.cmp.swapped[idx]
    name = np.full(len(idx), "", dtype=object)
    both_same = (first == 1) & (last == 1)
    name[both_same] = "same name"
    sim = (fs + ls) / 2
    fuzzy = ~both_same & (first > 0) & (last > 0)
    name[fuzzy] = [f"name {v:.2f}" for v in sim[fuzzy].tolist()]
    name[(first == 2) & (last == 1)] = "nickname, same last name"
    name[(first == 0) & (last == 1)] = "same last name"
    name[(first == 1) & (last == 4)] = "same first name, different last name"
    name[(first == 7) & ~swapped] = "different first name"
    name[swapped] = "first and last name swapped"
    parts.append(name)
    for field, labels in _LABELS.items():
        col = np.full(len(idx), "", dtype=object)
        for level, text in labels.items():
            col[lv[field] == level] = text
        absent = _MISSING.get(field)
        both = scored.cmp.both_missing.get(field)
        if absent is not None and both is not None:
            # Counted as evidence: one record without it is a little against one person,
            # neither with it a little for (a person who never gives it).
            col[(lv[field] == 0) & ~both[idx]] = absent[0]
            col[both[idx]] = absent[1]
        parts.append(col)
    related = scored.related[idx]
    note = np.full(len(idx), "", dtype=object)
    note[(related >= 0.1) & ~scored.household[idx]] = "could also be two people of one household"
    note[scored.household[idx]] = "likely family members (shared details)"
    parts.append(note)
    out = []
    for row in zip(*[p.tolist() for p in parts], strict=True):
        out.append(", ".join(x for x in row if x))
    return out
