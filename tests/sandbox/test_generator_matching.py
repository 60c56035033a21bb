"""The generator's duplicates: truth table, duplicate shares, households, real-world noise."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from app.sandbox.generator import Dataset, build_dataset
from app.sandbox.generator.nicknames import NICKNAMES, are_nickname_pair

N = 3_000


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return build_dataset(N, seed=21)


@pytest.fixture(scope="module")
def pairs(ds: Dataset) -> pd.DataFrame:
    """Every pair of records (DMS-DMS and DMS-CRM) that are the same person."""
    truth = ds["truth"]
    cust = ds["dms_customers"].rename(columns={"customer_id": "record_id", "zip": "postal"})
    crm = ds["crm_contacts"].rename(
        columns={"contact_id": "record_id", "postal_code": "postal", "mobile": "mobile_phone"}
    )
    cols = ["record_id", "first_name", "last_name", "email", "mobile_phone", "postal"]
    recs = pd.concat([cust[cols].assign(system="dms"), crm[cols].assign(system="crm")])
    recs = recs.merge(truth[["record_id", "person_id"]], on="record_id")
    rows = []
    for _, group in recs.groupby("person_id"):
        if len(group) > 1:
            for a, b in itertools.combinations(group.to_dict("records"), 2):
                rows.append(
                    {**{f"a_{k}": v for k, v in a.items()}, **{f"b_{k}": v for k, v in b.items()}}
                )
    return pd.DataFrame(rows)


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())[-10:]


def _one_edit(a: str, b: str) -> bool:
    """True if a and b differ by one substitution, deletion, insertion or transposition."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def test_truth_lists_every_record_exactly_once(ds: Dataset) -> None:
    truth = ds["truth"]
    assert truth["person_id"].str.fullmatch(r"P\d{7}").all()
    for system, table, key in (
        ("dms", "dms_customers", "customer_id"),
        ("crm", "crm_contacts", "contact_id"),
        ("marketing", "marketing_contacts", "subscriber_id"),
    ):
        ids = truth.loc[truth["system"] == system, "record_id"]
        assert ids.is_unique
        assert sorted(ids) == sorted(ds[table][key]), system
    assert len(truth) == len(ds["dms_customers"]) + len(ds["crm_contacts"]) + len(
        ds["marketing_contacts"]
    )


def test_duplicate_shares_are_plausible(ds: Dataset) -> None:
    truth = ds["truth"]
    dms = truth[truth["system"] == "dms"]
    per_person = dms.groupby("person_id").size()
    dup_share = (per_person > 1).mean()
    assert 0.04 < dup_share < 0.08
    assert (per_person == 3).sum() > 0 and per_person.max() == 3
    crm_people = set(truth.loc[truth["system"] == "crm", "person_id"])
    in_crm = per_person.index.isin(list(crm_people)).mean()
    assert 0.5 < in_crm < 0.7
    crm_only = crm_people - set(per_person.index)
    assert 0.15 * len(per_person) < len(crm_only) < 0.35 * len(per_person)
    mkt = truth[truth["system"] == "marketing"]
    assert mkt["person_id"].is_unique and len(mkt) > 0.2 * len(per_person)


def test_households_share_phone_and_address_but_are_different_people(ds: Dataset) -> None:
    cust = ds["dms_customers"].merge(ds["truth"], left_on="customer_id", right_on="record_id")
    cust = cust[(cust["home_phone"] != "") & (cust["customer_type"] == "INDIVIDUAL")]
    cust = cust.assign(phone=cust["home_phone"].map(_digits))
    groups = cust.groupby("phone")["person_id"].nunique()
    shared = groups[groups > 1].index
    assert len(shared) > 0.03 * N
    households = cust[cust["phone"].isin(shared)]
    checked = 0
    for _, group in households.groupby("phone"):
        people = group.drop_duplicates("person_id")
        if len(people) < 2:
            continue
        a, b = people.iloc[0], people.iloc[1]
        if a["address_line1"].upper() != b["address_line1"].upper():
            continue  # one of them was recorded after moving
        checked += 1
        assert a["first_name"].strip().upper() != b["first_name"].strip().upper() or (
            a["birth_date"] != b["birth_date"]
        )
        if a["birth_date"] and b["birth_date"]:
            assert a["birth_date"] != b["birth_date"]
    assert checked > 0.02 * N


def test_nickname_noise(pairs: pd.DataFrame) -> None:
    nick = [
        are_nickname_pair(a, b)
        for a, b in zip(pairs["a_first_name"], pairs["b_first_name"], strict=True)
    ]
    assert sum(nick) >= 20
    assert len(NICKNAMES) >= 60


def test_typo_noise(pairs: pd.DataFrame) -> None:
    typo = [
        _one_edit(a.strip().lower(), b.strip().lower())
        for a, b in zip(pairs["a_last_name"], pairs["b_last_name"], strict=True)
    ]
    assert sum(typo) >= 15


def test_transposed_phone_noise(pairs: pd.DataFrame) -> None:
    count = 0
    for a, b in zip(pairs["a_mobile_phone"], pairs["b_mobile_phone"], strict=True):
        da, db = _digits(a), _digits(b)
        if len(da) == len(db) == 10 and da != db and sorted(da) == sorted(db):
            diff = [i for i in range(10) if da[i] != db[i]]
            count += len(diff) == 2 and diff[1] == diff[0] + 1
    assert count >= 5


def test_married_name_case_and_zip_noise(pairs: pd.DataFrame) -> None:
    same_email = (pairs["a_email"] == pairs["b_email"]) & (pairs["a_email"] != "")
    married = same_email & (
        pairs["a_last_name"].str.strip().str.upper() != pairs["b_last_name"].str.strip().str.upper()
    )
    assert married.sum() >= 5
    case = (pairs["a_first_name"] != pairs["b_first_name"]) & (
        pairs["a_first_name"].str.strip().str.upper()
        == pairs["b_first_name"].str.strip().str.upper()
    )
    assert case.sum() >= 20
    spaces = pairs["b_first_name"].str.startswith(" ") | pairs["b_last_name"].str.endswith(" ")
    assert spaces.sum() >= 5
    zip_variant = (pairs["a_postal"] != pairs["b_postal"]) & (
        pairs["a_postal"].str[:5] == pairs["b_postal"].str[:5]
    )
    assert zip_variant.sum() >= 20
    missing_email = (pairs["a_email"] == "") != (pairs["b_email"] == "")
    assert missing_email.sum() >= 20


def test_middle_initial_toggles_between_duplicates(ds: Dataset) -> None:
    cust = ds["dms_customers"].merge(ds["truth"], left_on="customer_id", right_on="record_id")
    dup = cust[cust.duplicated("person_id", keep=False)]
    toggled = dup.groupby("person_id")["middle_name"].agg(
        lambda s: bool((s == "").any() and (s != "").any())
    )
    assert toggled.sum() >= 10


def test_names_keep_accents_and_apostrophes(ds: Dataset) -> None:
    names = pd.concat([ds["dms_customers"]["first_name"], ds["dms_customers"]["last_name"]])
    assert names.str.contains("[éñáíóúü]", regex=True).sum() > 20
    assert names.str.contains("'", regex=False).sum() > 5
    assert names.str.contains("-", regex=False).sum() > 5
    # Everything the DMS holds fits its cp1252 extract.
    assert all(n.encode("cp1252") for n in names if n)


def test_a_changed_email_is_never_another_persons(ds: Dataset) -> None:
    # A person who changes e-mail gets a new mailbox; sharing a stranger's address would
    # make duplicates no matcher could tell from different people.
    truth = ds["truth"].set_index(["system", "record_id"])["person_id"]
    rows = []
    for system, table, key in (
        ("dms", "dms_customers", "customer_id"),
        ("crm", "crm_contacts", "contact_id"),
        ("marketing", "marketing_contacts", "subscriber_id"),
    ):
        df = ds[table]
        people = [truth[(system, r)] for r in df[key]]
        rows.append(pd.DataFrame({"email": df["email"].str.strip().str.lower(), "p": people}))
    emails = pd.concat(rows)
    emails = emails[emails["email"] != ""]
    assert emails.groupby("email")["p"].nunique().max() == 1
    changed = emails.groupby("p")["email"].nunique()
    assert (changed > 1).sum() > 20  # the noise still changes some addresses
