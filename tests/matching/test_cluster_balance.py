"""The cluster guard weighs a conflict against the group's other links: one corrupted
record of a person with several good ones joins them; a weak chain over a conflict (twins,
a Jr. without his birth date) does not."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from app.matching.cluster import GROUP_BITS, group_bits, guarded_clusters

I64 = npt.NDArray[np.int64]


def _evidence(weights: dict[tuple[int, int], float], bad: set[tuple[int, int]]):  # type: ignore[no-untyped-def]
    def fn(x: I64, y: I64) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
        keys = [(min(p, q), max(p, q)) for p, q in zip(x.tolist(), y.tolist(), strict=True)]
        return (
            np.array([k in bad for k in keys], dtype=bool),
            np.array([weights.get(k, -20.0) for k in keys]),
        )

    return fn


def _run(links: dict[tuple[int, int], float], others: dict[tuple[int, int], float], bad):  # type: ignore[no-untyped-def]
    a = np.array([k[0] for k in links], dtype=np.int64)
    b = np.array([k[1] for k in links], dtype=np.int64)
    w = np.array(list(links.values()))
    fn = _evidence({**links, **others}, bad)
    n = int(max(b.max(), max(k[1] for k in others))) + 1
    old, _ = guarded_clusters(n, a, b, w, lambda x, y: fn(x, y)[0])
    new, split = guarded_clusters(n, a, b, w, lambda x, y: fn(x, y)[0], evidence=fn)
    return old, new, split


def test_a_corrupted_record_joins_a_person_through_its_other_links() -> None:
    # Records 0-3: one person, strongly linked. Record 4: the same person with another
    # birth date and a mistyped first name: linked to 1, 2, 3, in conflict with 0.
    links = {(i, j): 20.0 for i in range(4) for j in range(i + 1, 4)}
    links.update({(1, 4): 15.0, (2, 4): 15.0, (3, 4): 15.0})
    others = {(0, 4): -25.0}
    old, new, split = _run(links, others, {(0, 4)})
    assert len(set(old.tolist())) == 2  # the old guard cut the person in two
    assert split == 1
    assert len(set(new.tolist())) == 1


def test_a_weak_link_over_a_conflict_is_still_cut() -> None:
    # Twins 0 and 2 (a conflict of weight near 0), joined through record 1, weakly.
    links = {(0, 1): 8.0, (1, 2): 5.0}
    others = {(0, 2): -0.5}
    _, new, split = _run(links, others, {(0, 2)})
    assert split == 1
    assert new[0] == new[1] != new[2]


def test_a_conflict_only_strangers_explain_counts_at_its_own_weight() -> None:
    """Three records linked in a chain, the ends in conflict with a weight near 0. When
    a household could explain the conflict (twins), the chain is cut; when only strangers
    could (a corrupted copy in a file without households), the links outweigh it."""
    links = {(0, 1): 8.0, (1, 2): 5.0}
    weights = {**links, (0, 2): -0.5}
    a, b, w = np.array([0, 1]), np.array([1, 2]), np.array([8.0, 5.0])

    def fn(home: float):  # type: ignore[no-untyped-def]
        def inner(x: I64, y: I64):  # type: ignore[no-untyped-def]
            keys = [(min(p, q), max(p, q)) for p, q in zip(x.tolist(), y.tolist(), strict=True)]
            bad = np.array([k == (0, 2) for k in keys], dtype=bool)
            return bad, np.array([weights[k] for k in keys]), np.full(len(keys), home)

        return inner

    twins, _ = guarded_clusters(3, a, b, w, lambda x, y: fn(1.0)(x, y)[0], evidence=fn(1.0))
    copy, _ = guarded_clusters(3, a, b, w, lambda x, y: fn(0.0)(x, y)[0], evidence=fn(0.0))
    assert twins[0] == twins[1] != twins[2]
    assert copy[0] == copy[1] == copy[2]


def _chain(  # type: ignore[no-untyped-def]
    fields: dict[tuple[int, int], list[float]],
    home: float = 0.0,
    link: float = 6.0,
    margin: float = GROUP_BITS,
):
    """Records 0 and 1: one person (CRM and DMS, same e-mail, another address on each).
    Record 2: a mailing-list copy with its own e-mail and only a ZIP, linked to 0 by name
    and ZIP (``link`` bits); "in conflict" with 1 (another e-mail, another place) -- which
    0 already shows. Columns of ``fields``: e-mail, location, birth date (log2 m/u, NaN:
    not on a record)."""
    weights = {(0, 1): 20.0, (0, 2): link, (1, 2): -9.0}
    a, b, w = np.array([0, 0]), np.array([1, 2]), np.array([20.0, link])

    def fn(x: I64, y: I64):  # type: ignore[no-untyped-def]
        keys = [(min(p, q), max(p, q)) for p, q in zip(x.tolist(), y.tolist(), strict=True)]
        return (
            np.array([k == (1, 2) for k in keys], dtype=bool),
            np.array([weights[k] for k in keys]),
            np.full(len(keys), home),
            np.array([fields[k] for k in keys], dtype=np.float64),
        )

    label, _ = guarded_clusters(3, a, b, w, lambda x, y: fn(x, y)[0], evidence=fn, margin=margin)
    return label


NAN = float("nan")


def test_a_disagreement_the_group_already_shows_does_not_split_it() -> None:
    # e-mail: 0-1 same, 2 differs from both; location: 2's ZIP is 0's, 1 lives elsewhere.
    fields = {(0, 1): [12.0, -3.6, NAN], (0, 2): [-3.6, 3.0, NAN], (1, 2): [-3.6, -3.6, NAN]}
    label = _chain(fields)
    assert label[0] == label[1] == label[2]


def test_a_disagreement_the_link_did_not_see_still_splits() -> None:
    # As above, but 1 and 2 give two different birth dates (0 gives none): no group
    # comparison makes that one person.
    fields = {(0, 1): [12.0, -3.6, NAN], (0, 2): [-3.6, 3.0, NAN], (1, 2): [-3.6, -3.6, -14.0]}
    label = _chain(fields)
    assert label[0] == label[1] != label[2]


def test_a_household_conflict_keeps_the_pairs_balance() -> None:
    fields = {(0, 1): [12.0, -3.6, NAN], (0, 2): [-3.6, 3.0, NAN], (1, 2): [-3.6, -3.6, NAN]}
    label = _chain(fields, home=0.9)
    assert label[0] == label[1] != label[2]


def _weak_copy(margin: float):  # type: ignore[no-untyped-def]
    """``_chain`` with the copy linked to 0 at 3 bits (8 : 1): compared as one record the
    groups say 3 bits, between no margin and the whole one."""
    fields = {(0, 1): [12.0, 3.0, NAN], (0, 2): [1.0, 1.0, NAN], (1, 2): [-3.6, -3.6, NAN]}
    return _chain(fields, link=3.0, margin=margin)


def test_the_groups_margin_follows_the_households_the_model_expects() -> None:
    """Where the model expects households (both generators: 0.17-1.9 household pairs per
    same-person pair) two groups need 32 : 1 to be joined across a conflict; where it
    expects next to none (FEBRL: 0.002-0.01), "one person" on balance is enough."""
    assert group_bits(0.17) == group_bits(1.9) == GROUP_BITS
    assert group_bits(0.0) == 0.0
    assert 0.0 < group_bits(0.002) < group_bits(0.01) < group_bits(0.05) < GROUP_BITS
    with_homes = _weak_copy(group_bits(0.17))
    assert with_homes[0] == with_homes[1] != with_homes[2]
    without = _weak_copy(group_bits(0.002))
    assert without[0] == without[1] == without[2]
