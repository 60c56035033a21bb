"""Every transform of the library, with good and bad values."""

from __future__ import annotations

import pandas as pd
import pytest

from app.mapping.catalog import CATALOG, validate_rule, validate_step
from app.mapping.model import Rule, Step
from app.mapping.transforms import COMBINERS, TRANSFORMS


def run(name: str, values: list[str], **params: object) -> tuple[list[str], list[bool], str]:
    out = TRANSFORMS[name](pd.Series(values, dtype=object), **params)
    bad = out.invalid.tolist() if out.invalid is not None else [False] * len(values)
    return out.values.tolist(), bad, out.reason


def combine(name: str, rows: list[list[str]], **params: object) -> list[str]:
    frame = pd.DataFrame(rows, columns=[f"c{i}" for i in range(len(rows[0]))], dtype=object)
    return COMBINERS[name](frame, **params).values.tolist()


def test_text_transforms() -> None:
    assert run("trim", ["  Bob ", "", "x"])[0] == ["Bob", "", "x"]
    assert run("collapse_spaces", [" 12  Main\tSt ", "ok", ""])[0] == ["12 Main St", "ok", ""]
    assert run("upper", ["mi", ""])[0] == ["MI", ""]
    assert run("lower", ["Bob@X.COM"])[0] == ["bob@x.com"]
    assert run("title", ["ROYAL OAK", "ann arbor"])[0] == ["Royal Oak", "Ann Arbor"]
    assert run("name_case", ["o'brien", "MCDONALD"])[0] == ["O'Brien", "McDonald"]
    assert run("regex_replace", ["RO 123", "RO9"], pattern=r"\D", replacement="")[0] == [
        "123",
        "9",
    ]
    assert run("truncate", ["abcdef", "ab"], length=3)[0] == ["abc", "ab"]
    assert run("split_name", ["Dr. Mary Ann Smith Jr."], part="first")[0] == ["Mary"]
    assert run("split_name", ["Dr. Mary Ann Smith Jr."], part="last")[0] == ["Smith"]
    assert run("split_name", [""], part="last")[0] == [""]


def test_phone_email_zip_vin_good_and_bad() -> None:
    values, bad, reason = run("phone_e164", ["(313) 204-0142", "12", "", "+44 20 7946 0958"])
    assert values == ["+13132040142", "", "", "+442079460958"]
    assert bad == [False, True, False, False] and reason == "not a valid phone number"
    values, bad, _ = run("phone_e164", ["(613) 555-0199", "6135550199"], region="CA")
    assert bad == [True, True] or values[1].startswith("+1")
    values, bad, _ = run("email", [" Bob@Mail.COM ", "bad@", "a@b.test", ""])
    assert values == ["bob@mail.com", "", "", ""] and bad == [False, True, True, False]
    assert run("zip5", ["48067-1234", "4806", "480671234"])[0] == ["48067", "", "48067"]
    assert run("zip5", ["4806"])[1] == [True]
    assert run("zip_plus4", ["480671234", "48067", "ABCDE"])[:2] == (
        ["48067-1234", "48067", ""],
        [False, False, True],
    )
    values, bad, _ = run("vin", ["1g4ah59h45g118341", "1G4AH59H45G118342", "SHORT", ""])
    assert values == ["1G4AH59H45G118341", "", "", ""] and bad == [False, True, True, False]


def test_dates_numbers_booleans() -> None:
    values, bad, reason = run("date", ["03/15/2024", "31/15/2024", ""], input_format="%m/%d/%Y")
    assert values == ["2024-03-15", "", ""] and bad == [False, True, False]
    assert "%m/%d/%Y" in reason
    assert run("date", ["2024-03-15T10:20:30Z"], output="datetime")[0] == ["2024-03-15T10:20:30Z"]
    assert run("date", ["2024-03-15"], output="datetime")[0] == ["2024-03-15T00:00:00"]
    assert run("date", ["not a date"])[1] == [True]
    values, bad, _ = run("number", ["$10,499.50", "(12.00)", "ten", "", "1234567"])
    assert values == ["10499.5", "-12", "", "", "1234567"] and bad == [
        False,
        False,
        True,
        False,
        False,
    ]
    assert run("number", ["10499.5"], decimals=2)[0] == ["10499.50"]
    values, bad, _ = run("boolean", ["Y", "n", "1", "0", "maybe", ""])
    assert values == ["true", "false", "true", "false", "", ""]
    assert bad == [False, False, False, False, True, False]
    assert run("boolean", ["Y", "N"], negate=True)[0] == ["false", "true"]


def test_lookup_default_constant() -> None:
    table = {"F": "Finance", "C": "Cash"}
    values, bad, reason = run("lookup", ["f", "C", "L", ""], table=table)
    assert values == ["Finance", "Cash", "", ""] and bad == [False, False, True, False]
    assert reason == "no translation for this value"
    assert run("lookup", ["L"], table=table, default="Other")[0] == ["Other"]
    assert run("lookup", ["f"], table=table, case_sensitive=True)[1] == [True]
    assert run("default", ["", "  ", "x"], value="CRM")[0] == ["CRM", "CRM", "x"]
    assert run("constant", ["a", ""], value="DMS")[0] == ["DMS", "DMS"]


def test_combiners() -> None:
    assert combine(
        "concat", [["12 Main St", "Apt 4"], ["9 Elm", ""], ["", ""]], separator=", "
    ) == [
        "12 Main St, Apt 4",
        "9 Elm",
        "",
    ]
    assert combine("coalesce", [["", "313"], ["248", "313"], ["", ""]]) == ["313", "248", ""]
    assert combine("join_name", [["Mary", "Ann", "Smith"], ["Bob", "", "Jones"]]) == [
        "Mary Ann Smith",
        "Bob Jones",
    ]
    assert combine("join_name", [["Mary", "Smith"]], style="last, first") == ["Smith, Mary"]


def test_catalog_describes_every_transform_and_checks_settings() -> None:
    assert set(CATALOG) == set(TRANSFORMS) | set(COMBINERS)
    for spec in CATALOG.values():
        assert spec.label and spec.description
        for p in spec.params:
            assert p.type in (
                "text",
                "integer",
                "boolean",
                "choice",
                "regex",
                "table",
                "date_format",
            )
    assert validate_step(Step("regex_replace", {"pattern": "("}))[0].startswith("Find and replace")
    assert "'Table' is required." in validate_step(Step("lookup", {"table": {}}))[0]
    assert validate_step(Step("truncate", {"length": "ten"})) == [
        "Cut to length: 'Length' must be a whole number."
    ]
    assert validate_step(Step("date", {"input_format": "mm/dd"}))
    assert validate_step(Step("shout")) == ["'shout' is not a transform this version knows."]
    assert validate_step(Step("phone_e164", {"region": "US"})) == []
    problems = validate_rule(Rule("x", ("a",), (Step("concat"),)))
    assert any("must be the first step of a rule with two or more sources" in p for p in problems)


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_every_transform_keeps_the_index_and_length(name: str) -> None:
    s = pd.Series(["a", "", "B"], index=[7, 8, 9], dtype=object)
    params = {k: v for k, v in CATALOG[name].defaults().items()}
    if name == "lookup":
        params = {"table": {"A": "x"}, "default": "?"}
    if name == "regex_replace":
        params = {"pattern": "a", "replacement": "b"}
    if name == "truncate":
        params = {"length": 1}
    if name in ("default", "constant"):
        params = {"value": "v"}
    out = TRANSFORMS[name](s, **params)
    assert out.values.index.tolist() == [7, 8, 9]
    assert out.invalid is None or out.invalid.index.tolist() == [7, 8, 9]


def test_zip_fast_shapes_agree_with_the_per_value_rules() -> None:
    import random

    from app.domain import normalise
    from app.mapping.transforms_contact import zip5, zip_plus4

    rng = random.Random(2)
    values = ["48201", "48201-1234", "482011234", "4820", "48201-123", "48201 1234", " 48201",
              "４８２０１", "48201²", "SW1A 1AA", "48201-12345", "", "482O1",
              "48201--1234"]  # fmt: skip
    for _ in range(2000):
        digits = "".join(rng.choice("0123456789-") for _ in range(rng.randint(4, 11)))
        values.append(digits)
    s = pd.Series(values, dtype=object)
    for fn, ref in ((zip5, normalise.zip5), (zip_plus4, normalise.zip_plus4)):
        result = fn(s)
        bad = result.invalid.tolist() if result.invalid is not None else [False] * len(values)
        for v, got, b in zip(values, result.values.tolist(), bad, strict=True):
            want = ref(v) if v else ""
            assert (got, b) == (want or "", want is None), v


def test_join_name_matches_joining_the_non_empty_parts() -> None:
    import itertools

    parts = ["", " ", "Mary", " Ann ", "O'Neil"]
    rows = [list(r) for r in itertools.product(parts, repeat=3)]
    for style in ("first last", "last, first"):
        got = combine("join_name", rows, style=style)
        for row, value in zip(rows, got, strict=True):
            p = [x.strip() for x in row]
            if style == "first last":
                want = " ".join(x for x in p if x)
            else:
                rest = " ".join(x for x in p[:-1] if x)
                want = f"{p[-1]}, {rest}" if p[-1] and rest else p[-1] or rest
            assert value == want, (row, style)
