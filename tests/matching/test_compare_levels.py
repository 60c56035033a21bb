"""Comparison levels that tell a typo from another name, and a missing street from
another street: a duplicate is one or two typed characters off, two relatives' names
merely look alike; a record without a street in the same ZIP is not a neighbour."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.matching import explain, roles
from app.matching.compare import FIELDS, compare
from app.matching.normalise import normalise
from app.matching.pipeline import match_frame

FIRST = dict(enumerate(FIELDS[0].levels, start=1))
LOCATION = dict(enumerate(next(f for f in FIELDS if f.name == "location").levels, start=1))


def _levels(x: dict[str, str], y: dict[str, str]) -> dict[str, str]:
    df = pd.DataFrame([x, y])
    norm = normalise(roles.role_frame(df, roles.resolve(list(df.columns), {})))
    cmp = compare(norm, np.array([0]), np.array([1]))
    return {
        "first": FIRST.get(int(cmp.levels["first"][0]), "missing"),
        "location": LOCATION.get(int(cmp.levels["location"][0]), "missing"),
    }


@pytest.mark.parametrize(
    ("a", "b", "want"),
    [
        ("Kevin", "Kcvin", "one typo"),
        ("Andrew", "Aridrew", "two typos"),  # "n" read as "ri"
        ("Denise", "Daniel", "similar"),  # three edits: another name that looks alike
        ("Amy", "Ann", "different"),  # two of three letters: another name
        ("J", "John", "initial"),
        ("Bob", "Robert", "nickname"),
    ],
)
def test_first_name_levels(a: str, b: str, want: str) -> None:
    x = {"first_name": a, "last_name": "Okafor", "email": "a@x.com"}
    y = {"first_name": b, "last_name": "Okafor", "email": "b@x.com"}
    assert _levels(x, y)["first"] == want


def test_a_missing_street_in_one_zip_is_its_own_level() -> None:
    home = {"first_name": "Ann", "last_name": "Okafor", "zip": "48084", "city": "Troy"}
    with_street = {**home, "street": "12 Elm St"}
    other_street = {**home, "street": "40 Oak Ave"}
    assert _levels(with_street, home)["location"] == "same ZIP, no street on one"
    assert _levels(with_street, other_street)["location"] == "same ZIP"
    no_zip = {**home, "zip": ""}
    assert _levels({**with_street, "zip": ""}, no_zip)["location"] == (
        "same town, no street on one"
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # FEBRL's second line (a property's name) before the street, or left off
        ("5 Beaurepaire Crescent Pine Hill", "5 Pine Hill Beaurepaire Crescent"),
        ("5 Beaurepaire Crescent Pine Hill", "5 Pine Hill"),
        ("31 Julius Street Appleglen", "31 Applgelen Julius Street"),
    ],
)
def test_address_lines_in_another_order_are_one_address(a: str, b: str) -> None:
    home = {"first_name": "Emily", "last_name": "Green", "zip": "2290", "city": "Mount Colah"}
    x, y = {**home, "street": a}, {**home, "street": b}
    assert _levels(x, y)["location"] == "same address, lines in another order"
    # the words alone, at another house, are no address
    other_house = {**home, "street": b.replace(b.split()[0], "77", 1)}
    assert _levels(x, other_house)["location"] == "same ZIP"


def test_a_unit_written_before_the_street_is_the_same_address() -> None:
    home = {"first_name": "Ann", "last_name": "Okafor", "zip": "48084", "city": "Troy"}
    x = {**home, "street": "Apt 4 123 Main St"}
    y = {**home, "street": "123 Main Street Apt 4"}
    assert _levels(x, y)["location"] == "same address"


def test_lines_in_another_order_link_one_person_and_say_why() -> None:
    home = {"first_name": "Hayden", "last_name": "Paine", "zip": "5118", "dob": "1904-03-21"}
    rows = [
        {**home, "city": "Richardson", "street": "77 Neales Street Tara Hills"},
        {**home, "city": "Richardson", "street": "77 Tara Hills Neales Street"},
        {**home, "first_name": "Juliana", "last_name": "Clarke", "dob": "1997-03-30",
         "city": "Holsworthy", "zip": "4067", "street": "24 Jondol Place"},
    ]  # fmt: skip
    df = pd.DataFrame(rows)
    result = match_frame(roles.role_frame(df, roles.resolve(list(df.columns), {})))
    assert result.labels[0] == result.labels[1] != result.labels[2]
    s = result.pairs
    row = np.flatnonzero((s.a == 0) & (s.b == 1))
    assert "same street address, its lines in another order" in explain.reasons(s, row)[0]
