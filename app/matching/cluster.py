"""Clusters: connected components of auto-links, guarded against chaining.

A weak record can join two different people (the shared family phone on a record with
no name). Inside each component of three or more records every pair is checked; when
two members are clearly different people (household names, different birth dates), the
component is rebuilt greedily from its strongest links. A union that would put such a
pair together is refused -- unless, given each pair's weight of evidence, the pairs
across the two groups say "one person" on balance: one badly corrupted record (another
birth date and first name) among five good ones of a person still joins them, through
its links to the other four.

Summed pair by pair, the balance counts one disagreement many times over: a mailing-list
copy with its own e-mail and only a ZIP, linked to a person's DMS record at that ZIP,
"conflicts" with the person's CRM record at a newer address -- a difference the DMS record
already shows. So a refused union gets a second look: the two groups compared as one
record each, per field the best agreement any pair across them shows (``group_weight``).

The duplicate queue's candidates are clusters too: components of the auto-link and
review pairs left after the pairs an admin marked "not a duplicate" (``kept_rows``,
``candidate_clusters``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
ConflictFn = Callable[[I64, I64], npt.NDArray[np.bool_]]
# (conflict, weight[, household[, fields]]) per pair: clearly two people, log2 odds of one
# person, of the chance of two people the share that is two people of one household, and
# per field (columns) the level's log2 m/u, NaN where a record lacks the field.
EvidenceFn = Callable[[I64, I64], tuple[npt.NDArray[np.bool_], F64] | tuple[Any, ...]]
# A pair's weight counts up to this many bits in a group's balance: no one pair (a
# placeholder birth date, one exact e-mail) decides for a whole group.
BALANCE_CAP = 30.0
# A conflicting pair that a household explains counts at least this much against
# (2^10 : 1): a conflict whose own weight is near 0 (twins, a Jr. without his birth date)
# is not outvoted by a few weak links. The floor is scaled by the share of the pair's
# "two people" probability that is "two people of one home" (``EvidenceFn``'s third
# array): a conflict that only strangers explain -- a corrupted copy in a file without
# households (FEBRL3) -- counts at its own weight. (Measured on the bench: a flat 10 cut
# 37 true pairs of FEBRL3 and nothing else there; 0 everywhere lost precision on both
# generators.)
CONFLICT_BITS = 10.0
# The groups compared as one record each must say "one person" at these odds (32 : 1) to
# outvote the pairs' balance, and only where no conflicting pair across them is mostly
# explained as two people of one household (twins, a father and son at one address stay
# with the balance). Measured on the bench: at 0 bits both generators lost precision
# (ours 0.9989 -> 0.9974); at 5 ours kept 0.9987 and gained 0.0025 recall.
GROUP_BITS = 5.0
GROUP_HOME = 0.25
# That margin was measured on the two generators, which both have households. The model
# says how many household pairs it expects per same-person pair (ours 0.17-0.21, outside
# 1.6-1.9, FEBRL 0.002-0.01): at this share or more the margin is whole; below it, it
# shrinks in proportion, so in a file with next to no households -- where the usual
# conflict is a corrupted copy of one person -- groups that say "one person" on balance
# are joined (FEBRL3: 87 components split at 5 bits; at 0 none was joined wrongly, and
# recall went 0.989 -> 0.995).
HOUSEHOLDS_FOR_FULL_MARGIN = 0.1


def group_bits(households_per_person: float) -> float:
    """The odds (log2) two groups compared as one record must show to be joined across a
    conflict, given the household pairs the model expects per same-person pair."""
    share = max(households_per_person, 0.0) / HOUSEHOLDS_FOR_FULL_MARGIN
    return GROUP_BITS * min(1.0, share)


def components(n: int, a: I64, b: I64) -> I64:
    """Component label (smallest member index) of each of ``n`` records."""
    label = np.arange(n, dtype=np.int64)
    if not len(a):
        return label
    while True:
        low = np.minimum(label[a], label[b])
        before = label.copy()
        np.minimum.at(label, a, low)
        np.minimum.at(label, b, low)
        label = label[label]  # pointer jumping
        while True:
            nxt = label[label]
            if np.array_equal(nxt, label):
                break
            label = nxt
        if np.array_equal(label, before):
            return label


def _find(parent: dict[int, int], x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def member_pairs(members: I64, starts: I64, ends: I64) -> tuple[I64, I64]:
    """Every pair of members inside each run ``members[starts[k]:ends[k]]``, vectorised:
    the member at position i of its run pairs with positions i+1 .. end-1."""
    size = np.repeat(ends - starts, ends - starts)
    pos = np.arange(len(members)) - np.repeat(starts, ends - starts)
    count = size - 1 - pos
    first = np.repeat(np.arange(len(members)), count)
    offset = np.arange(len(first)) - np.repeat(np.cumsum(count) - count, count)
    return members[first], members[first + 1 + offset]


def group_weight(pair_w: F64, fields: F64) -> float:
    """log2 odds of one person for two groups compared as one record each, from the pairs
    across them (``pair_w`` their weights, ``fields`` their per-field log2 m/u, NaN where
    a record lacks the field): the strongest pair's weight, each field raised to the best
    agreement any pair across shows (an e-mail one record of the group shares) -- or,
    where that pair lacks the field, lowered to it (every member that has one disagrees)."""
    best = int(np.argmax(pair_w))
    known = ~np.isnan(fields)
    top = np.where(known, fields, -np.inf).max(axis=0)
    top = np.where(known.any(axis=0), top, 0.0)
    own = np.nan_to_num(fields[best], nan=0.0)
    return min(float(pair_w[best]), BALANCE_CAP) + float((top - own).sum())


def guarded_clusters(
    n: int,
    a: I64,
    b: I64,
    weight: npt.NDArray[np.float64],
    conflict: ConflictFn,
    *,
    evidence: EvidenceFn | None = None,
    margin: float = GROUP_BITS,
) -> tuple[I64, int]:
    """(labels, components split): components of the links (a, b), split where they
    would hold a conflicting pair. With ``evidence`` (conflicts and pair weights from one
    scoring), a union holding a conflicting pair is still made when the weights of all
    pairs across the two groups (each capped at ``BALANCE_CAP`` bits, a conflict counting
    at least ``CONFLICT_BITS`` against) sum above 0 -- or, with per-field evidence, when
    the groups compared as one record each (``group_weight``) pass ``margin`` bits
    (``group_bits``) and no conflict across them is mostly a household's."""
    label = components(n, a, b)
    sizes = np.bincount(label, minlength=n)
    big = np.flatnonzero(sizes >= 3)
    if not len(big):
        return label, 0
    members = np.flatnonzero(np.isin(label, big))
    order = np.argsort(label[members], kind="stable")
    members = members[order]
    lab = label[members]
    starts = np.flatnonzero(np.r_[True, lab[1:] != lab[:-1]])
    ends = np.r_[starts[1:], len(lab)]
    all_a, all_b = member_pairs(members, starts, ends)
    pair_w: F64 | None = None
    home: F64 | None = None
    fields: F64 | None = None
    if evidence is not None:
        bad, pair_w, *rest = evidence(all_a, all_b)
        home = rest[0] if rest else None
        fields = rest[1] if len(rest) > 1 else None
    else:
        bad = conflict(all_a, all_b)
    if not bad.any():
        return label, 0
    bad_pairs = {(int(x), int(y)) for x, y in zip(all_a[bad], all_b[bad], strict=True)}
    balance: dict[tuple[int, int], float] = {}
    row: dict[tuple[int, int], int] = {}  # a pair's row in all_a / all_b
    if pair_w is not None:
        in_split = np.isin(label[all_a], label[all_a[bad]])
        w = np.clip(pair_w[in_split], -BALANCE_CAP, BALANCE_CAP)
        floor = CONFLICT_BITS * (home[in_split] if home is not None else 1.0)
        w = np.where(bad[in_split], np.minimum(w, -floor), w)
        keys = list(zip(all_a[in_split].tolist(), all_b[in_split].tolist(), strict=True))
        balance = dict(zip(keys, w.tolist(), strict=True))
        row = dict(zip(keys, np.flatnonzero(in_split).tolist(), strict=True))

    def joins(cross: list[tuple[int, int]]) -> bool:
        """Whether a union holding a conflicting pair is made anyway."""
        if pair_w is None:
            return False
        if sum(balance.get(p, 0.0) for p in cross) > 0:
            return True
        if fields is None:
            return False
        rows = np.array([row[p] for p in cross])
        if home is not None and (home[rows][bad[rows]] >= GROUP_HOME).any():
            return False
        return group_weight(pair_w[rows], fields[rows]) > margin

    split_labels = set(label[all_a[bad]].tolist())
    edge_in = np.isin(label[a], list(split_labels))
    ea, eb, ew = a[edge_in], b[edge_in], weight[edge_in]
    parent: dict[int, int] = {}
    groups: dict[int, set[int]] = {}
    for x in np.unique(np.concatenate([ea, eb])).tolist():
        parent[x] = x
        groups[x] = {x}
    for k in np.argsort(-ew, kind="stable").tolist():
        ra, rb = _find(parent, int(ea[k])), _find(parent, int(eb[k]))
        if ra == rb:
            continue
        cross = [(min(x, y), max(x, y)) for x in groups[ra] for y in groups[rb]]
        if any(p in bad_pairs for p in cross) and not joins(cross):
            continue
        parent[rb] = ra
        groups[ra] |= groups.pop(rb)
    label = label.copy()
    for root, g in groups.items():
        low = min(g)
        label[list(g)] = low
        del root
    return label, len(split_labels)


@dataclass(frozen=True)
class CandidateCluster:
    """One duplicate candidate: the records its kept pairs join, and how sure it is."""

    records: list[int]  # record indices, ascending
    pairs: list[int]  # rows of the scored pairs, in pair order
    kept: list[int]  # each pair's position in the kept rows (indexes per-kept-pair data)
    band: str  # "review" when any pair is in the review band, else "auto"
    score: float
    best: int  # position in ``pairs`` of the pair that sets ``score``


def kept_rows(
    bands: npt.NDArray[np.int8],
    a: I64,
    b: I64,
    keys: Sequence[str],
    decided: Collection[tuple[str, str]],
) -> I64:
    """Rows of the auto-link and review pairs, less those ``decided`` (pairs of record
    ``keys``, in either order) an admin marked not a duplicate."""
    keep = bands >= 1
    if decided:
        pair_keys = [(keys[i], keys[j]) for i, j in zip(a.tolist(), b.tolist(), strict=True)]
        not_dup = np.array([p in decided or (p[1], p[0]) in decided for p in pair_keys], dtype=bool)
        keep &= ~not_dup
    return np.flatnonzero(keep)


def candidate_clusters(
    n: int,
    a: I64,
    b: I64,
    score: npt.NDArray[np.float64],
    bands: npt.NDArray[np.int8],
    rows: I64,
) -> list[CandidateCluster]:
    """The clusters the pair ``rows`` make among ``n`` records, in the order of each
    cluster's first pair."""
    label = components(n, a[rows], b[rows])
    by_comp: dict[int, list[int]] = {}
    for k, r in enumerate(rows.tolist()):
        by_comp.setdefault(int(label[a[r]]), []).append(k)
    out = []
    for kept in by_comp.values():
        prs = rows[kept]
        pair_bands = bands[prs]
        review = bool((pair_bands == 1).any())
        # A review cluster is as certain as its best uncertain link.
        pool = np.flatnonzero(pair_bands == 1) if review else np.arange(len(prs))
        best = int(pool[np.argmax(score[prs][pool])])
        out.append(
            CandidateCluster(
                records=sorted(set(a[prs].tolist()) | set(b[prs].tolist())),
                pairs=prs.tolist(),
                kept=kept,
                band="review" if review else "auto",
                score=float(score[prs][best]),
                best=best,
            )
        )
    return out
