import pandas as pd
import pytest

from app.mapping import Mapping, Step, apply_mapping
from app.mapping.apply import MappingError, missing_sources
from app.mapping.model import Rule, rule


def _df(**cols: list[str]) -> pd.DataFrame:
    return pd.DataFrame(cols)


def test_chain_and_row_errors_do_not_fail_the_batch() -> None:
    df = _df(
        CUST_NO=["C1", "C2", "C3"],
        PH=["(313) 204-0142", "12", ""],
        EM=["Bob@X.com", "bad@", ""],
    )
    m = Mapping(
        (
            rule("id", "CUST_NO"),
            rule("phone", "PH", steps=[Step("phone_e164")]),
            rule("email", "EM", steps=[Step("trim"), Step("email")]),
        )
    )
    result = apply_mapping(df, m, "CUST_NO")
    assert result.frame["phone"].tolist() == ["+13132040142", "", ""]
    assert result.frame["email"].tolist() == ["bob@x.com", "", ""]
    assert [(e.row_key, e.field, e.value) for e in result.errors] == [
        ("C2", "phone", "12"),
        ("C2", "email", "bad@"),
    ]
    assert result.errors[0].reason == "not a valid phone number"


def test_combiners_constants_lookup_and_booleans() -> None:
    df = _df(K=["1", "2"], A=["12 Main St", "9 Elm"], B=["Apt 4", ""], T=["F", "L"], Y=["Y", "n"])
    m = Mapping(
        (
            rule("street", "A", "B", steps=[Step("concat", {"separator": ", "})]),
            rule("first", "B", "A", steps=[Step("coalesce")]),
            rule("source", steps=[Step("constant", {"value": "DMS"})]),
            rule("type", "T", steps=[Step("lookup", {"table": {"F": "Finance", "C": "Cash"}})]),
            rule("opt_out", "Y", steps=[Step("boolean", {"negate": True})]),
        )
    )
    r = apply_mapping(df, m, "K")
    assert r.frame["street"].tolist() == ["12 Main St, Apt 4", "9 Elm"]
    assert r.frame["first"].tolist() == ["Apt 4", "9 Elm"]
    assert r.frame["source"].tolist() == ["DMS", "DMS"]
    assert r.frame["type"].tolist() == ["Finance", ""]
    assert [(e.row_key, e.reason) for e in r.errors] == [("2", "no translation for this value")]
    assert r.frame["opt_out"].tolist() == ["false", "true"]


def test_dates_numbers_and_vins() -> None:
    df = _df(
        K=["1", "2"],
        D=["03/15/2024", "31/15/2024"],
        N=["$10,499.50", "ten"],
        V=["1g4ah59h45g118341", "X"],
    )
    m = Mapping(
        (
            rule("d", "D", steps=[Step("date", {"input_format": "%m/%d/%Y"})]),
            rule("n", "N", steps=[Step("number", {"decimals": 2})]),
            rule("v", "V", steps=[Step("vin")]),
        )
    )
    r = apply_mapping(df, m, "K")
    assert r.frame.loc[0].tolist() == ["2024-03-15", "10499.50", "1G4AH59H45G118341"]
    assert {e.field for e in r.errors} == {"d", "n", "v"}


def test_missing_source_field_stops_with_a_clear_error() -> None:
    m = Mapping((rule("phone", "HOME_PH"),))
    assert missing_sources(m, ["CUST_NO"]) == ["HOME_PH"]
    with pytest.raises(MappingError, match="no longer has the field"):
        apply_mapping(_df(CUST_NO=["1"]), m, "CUST_NO")


def test_unknown_transform_is_a_mapping_error() -> None:
    with pytest.raises(MappingError, match="unknown transform 'shout'"):
        apply_mapping(_df(K=["1"]), Mapping((Rule("x", ("K",), (Step("shout"),)),)), "K")


def test_json_round_trip() -> None:
    m = Mapping((rule("a", "B", "C", steps=[Step("concat", {"separator": "-"})], required=True),))
    assert Mapping.from_json(m.to_json()) == m


def test_many_high_cardinality_sources_are_combined_exactly() -> None:
    n = 50_000  # 5 sources x 45,000 distinct values: more combinations than int64 holds
    cols = {c: ["" if i % 10 == 0 else f"{c}{i}" for i in range(n)] for c in "ABCDE"}
    df = _df(K=[str(i) for i in range(n)], **cols)
    m = Mapping((rule("all", *"ABCDE", steps=[Step("concat", {"separator": "-"})]),))
    got = apply_mapping(df, m, "K").frame["all"].tolist()
    assert got == ["" if i % 10 == 0 else "-".join(f"{c}{i}" for c in "ABCDE") for i in range(n)]


def test_row_errors_from_unique_and_repeated_columns() -> None:
    n = 3000  # dates all different (rows used as is), phones repeating (distinct pass)
    dates = [f"2024-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z" for i in range(n)]
    dates[1234] = "2024-02-30T00:00:00Z"
    phones = ["(313) 204-0142", "(248) 555-0199", "n/a"] * (n // 3)
    df = _df(K=[f"C{i}" for i in range(n)], D=dates, P=phones, Q=["x"] * n)
    m = Mapping(
        (
            rule("d", "D", steps=[Step("date")]),
            rule("p", "P", steps=[Step("phone_e164")]),
            rule(
                "dp",
                "D",
                "Q",
                steps=[Step("concat"), Step("regex_replace", {"pattern": "^2024-02.*"})],
            ),
        )
    )
    r = apply_mapping(df, m, "K")
    d_errors = [(e.row_key, e.value, e.reason) for e in r.errors if e.field == "d"]
    assert d_errors == [
        ("C1234", "2024-02-30T00:00:00Z", "not a date in the format ISO 8601 (2024-03-15)")
    ]
    p_errors = [(e.row_key, e.value) for e in r.errors if e.field == "p"]
    assert p_errors == [(f"C{i}", "n/a") for i in range(2, n, 3)]
    assert r.frame["d"].iloc[0] == "2024-01-01" and r.frame["d"].iloc[1234] == ""
    assert r.frame["p"].tolist()[:3] == ["+13132040142", "+12485550199", ""]
    assert r.frame["dp"].iloc[1234] == "" and r.frame["dp"].iloc[0] == dates[0] + " x"
