"""Pre-entry check: a new lead is matched against existing customers before it is
created."""

from __future__ import annotations

import pytest

from app.matching.preentry import PreEntryIndex
from app.sandbox.generator import Dataset


@pytest.fixture(scope="module")
def index(small_ds: Dataset) -> PreEntryIndex:
    return PreEntryIndex(small_ds["dms_customers"], id_column="customer_id")


def test_finds_the_customer_behind_a_crm_copy(small_ds: Dataset, index: PreEntryIndex) -> None:
    truth = small_ds["truth"].set_index("record_id")["person_id"]
    crm = small_ds["crm_contacts"]
    hits = tried = 0
    for row in crm[crm["external_id"] != ""].head(60).to_dict("records"):
        tried += 1
        found = index.match(
            {k: v for k, v in row.items() if k not in ("contact_id", "external_id")}
        )
        if found and truth[found[0][0]] == truth[row["contact_id"]]:
            hits += 1
            _cid, score, reasons = found[0]
            assert 0 < score <= 1 and reasons
    assert hits / tried >= 0.9


def test_nickname_and_new_phone_format_still_match(small_ds: Dataset, index: PreEntryIndex) -> None:
    c = small_ds["dms_customers"]
    row = c[(c["first_name"] == "Robert") & (c["email"] != "")].iloc[0]
    lead = {
        "FirstName": "Bob",
        "LastName": row["last_name"].upper(),
        "E-mail": row["email"].upper(),
    }
    found = index.match(lead)
    assert found and found[0][0] == row["customer_id"]
    assert "nickname" in found[0][2] and "same e-mail" in found[0][2]


def test_a_stranger_or_an_empty_record_finds_nothing(index: PreEntryIndex) -> None:
    assert (
        index.match(
            {"first_name": "Zebulon", "last_name": "Quixotic", "email": "zq@nowhere.example"}
        )
        == []
    )
    assert index.match({}) == []
    assert index.match({"notes": "walk-in"}) == []
