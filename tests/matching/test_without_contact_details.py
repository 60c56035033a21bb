"""Files without e-mail or phone: name, birth date and address carry a pair to auto-link
when the learned model says so; people of one household (same address and surname, a
different first name or birth date: spouses, a Jr. and a Sr., twins) are not linked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.matching import roles
from app.matching.evaluate import pairwise
from app.matching.pipeline import MatchResult, match_frame
from app.sandbox.generator import Dataset


@pytest.fixture(scope="module")
def no_contact(small_ds: Dataset) -> tuple[MatchResult, np.ndarray]:
    """The demo's three customer tables with their e-mail and phone columns left out."""
    truth = small_ds["truth"].set_index(["system", "record_id"])["person_id"]
    frames, people = [], []
    for system, table, key in (
        ("dms", "dms_customers", "customer_id"),
        ("crm", "crm_contacts", "contact_id"),
        ("marketing", "marketing_contacts", "subscriber_id"),
    ):
        df = small_ds[table]
        found = roles.resolve(list(df.columns), {})
        found = {r: c for r, c in found.items() if r not in ("email", "phone")}
        frames.append(roles.role_frame(df, found))
        people += [truth[(system, r)] for r in df[key]]
    person = pd.factorize(pd.Series(people))[0]
    return match_frame(pd.concat(frames, ignore_index=True)), person


def test_name_dob_and_address_pairs_auto_link(no_contact) -> None:  # type: ignore[no-untyped-def]
    result, person = no_contact
    s = result.pairs
    lv = s.cmp.levels
    assert (lv["email"] == 0).all() and (lv["phone"] == 0).all()
    strong = (lv["dob"] == 1) & (lv["location"] == 1) & np.isin(lv["first"], [1, 2])
    assert strong.sum() > 20
    assert (result.bands[strong] == 2).all()
    q = pairwise(result.labels, person)
    assert q.precision >= 0.95 and q.recall >= 0.8
    assert result.review_share() < 0.05


def test_household_pairs_are_not_auto_linked(no_contact) -> None:  # type: ignore[no-untyped-def]
    result, person = no_contact
    s = result.pairs
    lv = s.cmp.levels
    home = (lv["location"] == 1) & (lv["last"] == 1) & ((lv["first"] == 7) | (lv["dob"] == 3))
    others = home & (person[s.a] != person[s.b])
    assert others.sum() > 100
    assert (result.bands[others] == 2).mean() < 0.01


def test_jr_sr_and_twins_stay_apart() -> None:
    base = {"last_name": "Okafor", "street": "12 Elm St", "city": "Troy", "zip": "48084"}
    rows = [
        {**base, "first_name": "John", "dob": "1950-03-04"},  # Sr.
        {**base, "first_name": "John", "dob": "1979-11-20"},  # Jr.
        {**base, "first_name": "Amy", "dob": "2001-06-15"},  # twins
        {**base, "first_name": "Ann", "dob": "2001-06-15"},
        {**base, "first_name": "Johnny", "dob": "1950-03-04", "street": "12 ELM STREET"},
    ]
    df = pd.DataFrame(rows)
    result = match_frame(roles.role_frame(df, roles.resolve(list(df.columns), {})))
    labels = result.labels.tolist()
    assert labels[0] == labels[4]  # Johnny is the Sr. (same birth date and address)
    assert len({labels[0], labels[1], labels[2], labels[3]}) == 4
    per = result.per_record()
    assert per.loc[1, "match_band"] != "auto" and per.loc[2, "match_band"] != "auto"
