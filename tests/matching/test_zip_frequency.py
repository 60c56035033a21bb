"""Term frequency of a shared ZIP or town counts against the level's own average: "same
ZIP, no street on one" is a small part of all pairs sharing a ZIP, so a ZIP of average
frequency leaves that level's u as learned (measured against the share of all pairs
sharing the ZIP, it made such pairs look 4x more common among strangers and cost a
third of our generator's recall lost in scoring)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.matching import model as fs
from app.matching import roles
from app.matching.compare import FIELDS, compare
from app.matching.normalise import normalise
from app.matching.scoring import _tf_log_u, term_frequencies

LOCATION = {lv: i for i, lv in enumerate(next(f for f in FIELDS if f.name == "location").levels, 1)}


STREETS = ("Elm", "Oak", "Birch", "Cedar", "Maple", "Walnut", "Spruce", "Willow")


def _norm(zip_counts: dict[str, int]):  # type: ignore[no-untyped-def]
    rows = []
    for z, k in zip_counts.items():
        for i in range(k):  # every other record has no street (a mailing list's)
            street = f"{i + 1} {STREETS[i % len(STREETS)]} St" if i % 2 == 0 else ""
            rows.append({"first_name": f"Ann{i}", "last_name": "Ode", "street": street, "zip": z})
    df = pd.DataFrame(rows)
    return normalise(roles.role_frame(df, roles.resolve(list(df.columns), {})))


def _adjustment(zip_counts: dict[str, int], a: int, b: int) -> tuple[str, float]:
    norm = _norm(zip_counts)
    x, y = np.array([a]), np.array([b])
    cmp = compare(norm, x, y)
    lv = {f.name: cmp.levels[f.name] for f in FIELDS}
    lv["first"] = lv["last"] = np.zeros(1, np.int8)  # location only
    model = fs.default_model(norm.n)
    out = _tf_log_u(norm, model, term_frequencies(norm), x, lv, np.zeros(1, bool))
    return {v: k for k, v in LOCATION.items()}[int(lv["location"][0])], float(out[0])


def test_a_zip_of_average_frequency_keeps_the_levels_u() -> None:
    even = {"48084": 10, "48085": 10, "48086": 10, "48087": 10}
    level, adj = _adjustment(even, 0, 1)  # one with a street, one without, one ZIP
    assert level == "same ZIP, no street on one"
    assert abs(adj) < 1e-9
    level, adj = _adjustment(even, 0, 2)  # both with another street
    assert level == "same ZIP"
    assert abs(adj) < 1e-9


def test_a_common_zip_counts_for_less_and_a_rare_one_for_more() -> None:
    skewed = {"48084": 30, "48085": 10, "48086": 10}
    _, common = _adjustment(skewed, 0, 1)
    _, rare = _adjustment(skewed, 30, 31)
    # Shares 0.6 and 0.2 against a mean of 0.44 (sum of squared shares).
    assert np.isclose(common, np.log(0.6 / 0.44))
    assert np.isclose(rare, np.log(0.2 / 0.44))
