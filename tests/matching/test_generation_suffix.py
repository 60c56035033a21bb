"""A written generation suffix (Jr., Sr., II, III) read with nameparser and weighed as
evidence: a father and son with one name and home, one birth date missing, stay apart when
a record says "Jr"; one person whose records carry the same suffix still links."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.matching import explain, names, roles
from app.matching.compare import FIELD_INDEX
from app.matching.model import Model, default_model
from app.matching.normalise import GENERATION_CODES, normalise
from app.matching.pipeline import MatchResult, match_frame


@pytest.mark.parametrize(
    ("first", "last", "suffix", "want"),
    [
        ("John", "Smith Jr.", "", "jr"),
        ("JOHN JR", "SMITH", "", "jr"),
        ("Smith, John III", "", "", "iii"),
        ("John", "Smith", " Sr.", "sr"),
        ("John", "Smith", "Junior", "jr"),
        ("John", "Smith II", "", "ii"),
        ("John V", "Smith", "", ""),  # a middle initial, not "the fifth"
        ("John", "Smith", "", ""),
        ("John", "Smith", "MD", ""),  # not a generation
    ],
)
def test_generation_is_read_from_the_name_or_its_own_column(
    first: str, last: str, suffix: str, want: str
) -> None:
    assert names.generation(first, last, suffix) == want


def test_suffix_role_and_full_names_are_read() -> None:
    df = pd.DataFrame(
        {
            "Name": ["Smith, John Jr.", "John Smith", "Mary Smith"],
            "Suffix": ["", "Sr", ""],
            "Email": ["a@x.com", "b@x.com", "c@x.com"],
        }
    )
    found = roles.resolve(list(df.columns), {})
    assert found["suffix"] == ["Suffix"]
    norm = normalise(roles.role_frame(df, found))
    assert norm.suffix.tolist() == [GENERATION_CODES["jr"], GENERATION_CODES["sr"], -1]
    assert norm.first_vocab[norm.first[0]] == "john"
    assert norm.last_vocab[norm.last[0]] == "smith"


def _households(n: int, seed: int = 3) -> list[dict[str, str]]:
    """Filler people (one record each, some with a second clean record) so the file has
    names, birth dates and addresses to learn frequencies from."""
    rng = np.random.default_rng(seed)
    firsts = ["Ann", "Bob", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jade", "Kurt"]
    lasts = ["Novak", "Perez", "Quinn", "Reyes", "Stone", "Tran", "Ueda", "Vance", "Wolfe"]
    rows = []
    for i in range(n):
        rows.append(
            {
                "first_name": firsts[int(rng.integers(len(firsts)))],
                "last_name": f"{lasts[int(rng.integers(len(lasts)))]}{i % 37}",
                "dob": f"19{int(rng.integers(40, 99))}-0{int(rng.integers(1, 9))}-1{i % 9}",
                "street": f"{100 + i} Oak St",
                "city": "Troy",
                "zip": f"{48000 + i % 90}",
            }
        )
    return rows


def _match(rows: list[dict[str, str]]) -> MatchResult:
    df = pd.DataFrame(rows).fillna("")
    return match_frame(roles.role_frame(df, roles.resolve(list(df.columns), {})))


HOME = {"street": "12 Elm St", "city": "Troy", "zip": "48084"}


def test_a_jr_and_his_father_are_not_auto_linked() -> None:
    rows = _households(300)
    k = len(rows)
    rows += [
        # father and son, one name and home; the son's birth date on one record only
        {**HOME, "first_name": "Walter", "last_name": "Okafor Jr.", "dob": "1979-11-20"},
        {**HOME, "first_name": "Walter", "last_name": "Okafor", "dob": ""},
        # Jr. and Sr. both written: two people
        {**HOME, "first_name": "Brian", "last_name": "Adeyemi Jr", "dob": ""},
        {**HOME, "first_name": "Brian", "last_name": "Adeyemi Sr", "dob": ""},
    ]
    result = _match(rows)
    labels = result.labels
    assert labels[k] != labels[k + 1]
    assert labels[k + 2] != labels[k + 3]
    per = result.per_record()
    assert per.loc[k + 2, "match_band"] != "auto"
    s = result.pairs
    row = np.flatnonzero((s.a == k + 2) & (s.b == k + 3))
    assert "different Jr./Sr." in explain.reasons(s, row)[0]


def test_one_person_with_the_same_suffix_still_links() -> None:
    rows = _households(300)
    k = len(rows)
    rows += [
        {**HOME, "first_name": "Walter", "last_name": "Okafor Jr.", "dob": "1979-11-20"},
        {**HOME, "first_name": "WALTER JR", "last_name": "OKAFOR", "dob": "11/20/1979"},
    ]
    result = _match(rows)
    assert result.labels[k] == result.labels[k + 1]
    s = result.pairs
    row = np.flatnonzero((s.a == k) & (s.b == k + 1))
    assert s.cmp.levels["suffix"][row].tolist() == [1]


def test_suffixes_tell_a_person_from_a_household_member() -> None:
    """Against the household class (where a Jr. and his father are): a different
    suffix is strong evidence of two people, a suffix on one record only (between
    records of one given name) fair evidence; the same suffix evidence of one."""
    model: Model = default_model(10_000)
    lm, lh, _ = model.tables()
    j = FIELD_INDEX["suffix"]
    ratio = (lm[j] - lh[j]) / np.log(2)  # log2(m / h) per level, 0 = not compared
    assert ratio[3] < -5
    assert ratio[2] < -3
    assert ratio[1] > 1
    assert abs(ratio[0]) < 1e-12
