"""Normalisers: phones, e-mails, names, addresses, ZIPs and birth dates, including the
bad values real exports hold. The vectorised fast paths must agree with the field's
libraries (app.domain.normalise)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.domain import normalise as dn
from app.matching import address, names, nicknames
from app.matching import normalise as mn
from app.matching.normalise import normalise
from app.sandbox.generator import Dataset


def test_phones_us_formats_foreign_numbers_and_garbage() -> None:
    values = pd.Series(
        [
            "(313) 555-0142",
            "313.555.0142",
            "+1 313 555 0142",
            "1-313-555-0142",
            "+44 20 7946 0958",
            "011 44 20 7946 0958",
            "12",
            "",
            None,
            "call me",
            "999-999-9999",
            "313-555-0142 x12",
            "(123) 456-7890",
        ]
    )
    got = mn.phones(values).tolist()
    assert got[:4] == [13135550142] * 4
    assert got[4] == 442079460958  # a UK number keeps its country code
    assert got[6:10] == [0, 0, 0, 0]  # too short, empty, missing, words
    assert got[10] == 0  # not a valid North American number
    assert got[11] == 13135550142  # the extension is not part of the number
    assert got[12] == 0  # area codes never start with 1


def test_phone_fast_path_agrees_with_phonenumbers(small_ds: Dataset) -> None:
    raw = pd.concat([small_ds["dms_customers"]["home_phone"], small_ds["crm_contacts"]["mobile"]])
    raw = raw[raw != ""].head(400)
    fast = mn.phones(raw.reset_index(drop=True)).tolist()
    slow = [int(p[1:]) if (p := dn.phone_e164(v)) else 0 for v in raw]
    assert fast == slow


def test_emails_case_spaces_and_invalid_values() -> None:
    values = pd.Series(
        [
            "John.Smith@Gmail.com",
            " john.smith@gmail.com ",
            "JOHN.SMITH@GMAIL.COM",
            "bad@",
            "a..b@x.com",
            "no-at-sign.com",
            "",
            None,
            "x@localhost",
            "josé@correo.es",
            "first.last+tag@sub.domain.co.uk",
        ]
    )
    got = mn.emails(values).tolist()
    assert got[0] == got[1] == got[2] >= 0
    assert got[3:9] == [-1] * 6
    assert got[9] >= 0  # internationalised addresses go through email-validator
    assert got[10] >= 0 and got[10] != got[0]
    assert dn.email("josé@correo.es") is not None


def test_names_fold_accents_titles_and_suffixes() -> None:
    assert names.fold("  José-María O'Brien ") == "jose maria obrien"
    assert names.first_token("Mr John A") == "john"
    assert names.last_name("Moore-Powell Jr.") == "moore powell"
    assert names.split_full("Smith, John A.") == ("john", "smith")
    assert names.soundex("robert") == names.soundex("rupert") == "r163"


def test_nickname_table_has_60_pairs_and_is_symmetric() -> None:
    assert nicknames.pair_count() >= 60
    for a, b in (
        ("bob", "robert"),
        ("liz", "elizabeth"),
        ("bill", "william"),
        ("peggy", "margaret"),
    ):
        assert nicknames.equivalent(a, b) and nicknames.equivalent(b, a)
    assert not nicknames.equivalent("bob", "bill")
    assert not nicknames.equivalent("", "robert")


def test_addresses_keys_and_unparseable_lines() -> None:
    keys = address.keys(
        pd.Series(
            [
                "3090 Telegraph Rd",
                "3090 TELEGRAPH ROAD",
                "2006 W. Prospect Lane Apt 4",
                "PO Box 12",
                "",
                None,
                "Rural Route 2",
                "12 North Park Avenue #5",
            ]
        )
    )
    assert keys["house"].tolist()[:3] == [3090, 3090, 2006]
    assert keys["word"][0] == keys["word"][1]  # suffix spelled out or not, same key
    assert address.keys(pd.Series(["Prospect"]))["word"][0] == 0
    assert keys["house"].tolist()[3:7] == [-1, -1, -1, -1]  # no house number: no key
    assert address.standardise_one("2006 W Prospect Lane Apt 4", "Detroit", "MI", "48201") == (
        "2006 W PROSPECT LN APT 4"
    )
    # scourgify cannot parse a PO box without a city; the fallback still answers
    assert address.standardise_one("PO Box 12") == "PO BOX 12"


def test_normalise_frame_handles_blank_and_odd_rows() -> None:
    frame = pd.DataFrame(
        {
            "first_name": ["Bob", "", "ROBERT", "?"],
            "last_name": ["Smith", "", "SMITH", "!!"],
            "email": ["bob@x.com", "", "BOB@X.COM", "not an email"],
            "phone": ["313-555-0142", "", "3135550142", "5"],
            "street": ["1 Main St", "", "1 MAIN STREET", "??"],
            "zip": ["48084", "", "48084-1234", "ABCDE"],
            "dob": ["1970-01-02", "", "01/02/1970", "31/31/1999"],
        }
    )
    n = normalise(frame)
    assert n.n == 4
    assert n.first_canon[0] == n.first_canon[2]  # Bob = Robert
    assert n.email[0] == n.email[2] and n.email[1] == -1 and n.email[3] == -1
    assert n.phones[0, 0] == n.phones[2, 0] == 13135550142 and n.phones[3, 0] == 0
    assert n.zip5.tolist() == [48084, -1, 48084, -1]
    assert n.dob[0] == n.dob[2] >= 0 and n.dob[3] == -1
    assert n.first[1] == -1 and n.last[1] == -1
    assert np.array_equal(n.house[[0, 2]], [1, 1])


def test_placeholder_email_and_phone_identify_nobody() -> None:
    n = mn.MAX_HOLDERS + 5
    frame = pd.DataFrame(
        {
            "first_name": [f"P{i}" for i in range(n)] + ["Ann", "Ann"],
            "email": ["none@none.com"] * n + ["ann@x.org", "ANN@x.org"],
            "phone": ["(313) 555-0100"] * n + ["313-555-0142", "3135550142"],
        }
    )
    norm = normalise(frame)
    assert (norm.email[:n] == -1).all() and (norm.phones[:n] == 0).all()
    assert norm.email[n] == norm.email[n + 1] >= 0
    assert norm.phones[n, 0] == norm.phones[n + 1, 0] > 0


def test_a_record_without_a_name_takes_the_one_its_email_spells() -> None:
    assert names.name_from_email("Melissa.Williams88@yahoo.com") == ("melissa", "williams")
    assert names.name_from_email("aaron_muller_6297665@yahoo.com") == ("aaron", "muller")
    for other in ("jsmith@aol.com", "jose421@x.com", "a.b@x.com", "no-at-sign.here"):
        assert names.name_from_email(other) == ("", "")
    frame = pd.DataFrame(
        {
            "first_name": ["Melissa", "", "Ann"],
            "last_name": ["Williams", "", ""],
            "email": ["mw@x.com", "melissa.williams88@yahoo.com", "carl.jones@x.com"],
            "zip": ["48340", "48340", "48340"],
        }
    )
    norm = normalise(frame)
    assert norm.first[0] == norm.first[1] and norm.last[0] == norm.last[1]
    assert norm.first_vocab[norm.first[2]] == "ann" and norm.last[2] < 0  # has a name: kept
