"""The learned model's evidence: names that travel together, and what a duplicate's
e-mail looks like counted on pairs that share something else."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from app.matching import level_patterns, roles
from app.matching import model as fs
from app.matching.compare import FIELD_INDEX, FIELDS
from app.matching.normalise import normalise
from app.matching.scoring import full_names, score_pairs


def _norm(rows: list[dict[str, str]]):  # type: ignore[no-untyped-def]
    df = pd.DataFrame(rows).fillna("")
    return normalise(roles.role_frame(df, roles.resolve(list(df.columns), {})))


def _people(first: str, last: str, k: int, start: int) -> list[dict[str, str]]:
    return [
        {
            "first_name": first if first else f"Given{start + i}",
            "last_name": last if last else f"Family{start + i}",
            "street": f"{start + i} Oak St",
            "zip": f"{10000 + start + i}",
            "dob": str(np.datetime64("1950-01-01") + start + i),
        }
        for i in range(k)
    ]


def _probe_weight(rows: list[dict[str, str]]) -> float:
    """log2 odds of one person for two records "Anh Nguyen", no birth date, different
    addresses, added to ``rows``."""
    probes = [
        {"first_name": "Anh", "last_name": "Nguyen", "street": "1 Elm St", "zip": "20001"},
        {"first_name": "Anh", "last_name": "Nguyen", "street": "9 Ash St", "zip": "30001"},
    ]
    norm = _norm(rows + probes)
    n = norm.n
    a, b = np.array([n - 2]), np.array([n - 1])
    scored, _ = score_pairs(norm, a, b, fs.default_model(n))
    return float(scored.weight[0])


def test_a_full_name_many_people_share_counts_as_common() -> None:
    # Same counts of "Anh" and of "Nguyen" in both files; only in the first do they go
    # together (a name pool where that full name is common).
    # (In a file of a few hundred rows, where half the people are called Anh, the parts
    # alone already say the name is common: 2,000 others with their own names.)
    others = _people("", "", 2_000, 1_000)
    together = _people("Anh", "Nguyen", 40, 0) + _people("Anh", "", 10, 100)
    together += _people("", "Nguyen", 10, 200) + others
    apart = _people("Anh", "", 50, 300) + _people("", "Nguyen", 50, 400) + others
    # Where 40 other people hold the full name, a stranger shares it far more often than
    # the product of its parts' shares says: the pair is worth 16x less.
    assert _probe_weight(together) < _probe_weight(apart) - 4


def test_full_name_people_are_counted_by_birth_date() -> None:
    rows = _people("Anh", "Nguyen", 3, 0)
    rows += [dict(rows[0]), dict(rows[0])]  # one person's duplicates
    rows += [{**rows[0], "dob": ""}]  # and one without a birth date
    codes, people = full_names(_norm(rows))
    assert len(set(codes.tolist())) == 1
    assert people[codes[0]] == 3


def test_an_anchor_fields_m_comes_from_pairs_sharing_another_anchor() -> None:
    n = 4_000
    levels = np.zeros((n, len(FIELDS)), dtype=np.int8)
    e, p, f = FIELD_INDEX["email"], FIELD_INDEX["phone"], FIELD_INDEX["first"]
    levels[:2_000, e] = 1  # share an e-mail
    levels[1_000:3_000, p] = 1  # share a phone
    pats, counts = level_patterns.patterns(levels)  # the model counts level vectors, not pairs
    got = fs._anchors(pats, counts)
    assert (got["email"] == (pats[:, p] == 1)).all()  # e-mail's m: pairs sharing a phone
    assert (got["phone"] == (pats[:, e] == 1)).all()
    assert (got["first"] == (pats[:, e] == 1)).all()  # others: e-mail (phone: households)
    assert "id" in got  # id's m: pairs sharing an e-mail
    assert counts[got["email"]].sum() == 2_000  # the pairs behind them
    levels[:, f] = 1
    few = level_patterns.patterns(levels[:500])
    assert fs._anchors(*few) == {}  # too few anchored pairs: all pairs


def test_a_model_saved_before_a_level_existed_loads_that_field_as_shipped() -> None:
    saved = json.loads(fs.Model(fs.DEFAULT_M, fs.DEFAULT_H, fs.DEFAULT_U, 1e-4, 1e-5).to_json())
    saved["m"]["location"] = saved["m"]["location"][:-1]  # one level fewer, as before
    loaded = fs.Model.from_json(json.dumps(saved))
    assert loaded.m["location"] == fs.DEFAULT_M["location"]
    assert (
        len(loaded.tables()[0][FIELD_INDEX["location"]])
        == len(FIELDS[FIELD_INDEX["location"]].levels) + 2
    )
