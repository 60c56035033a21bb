"""Auto-map suggestions, schema drift and readable diffs / mapping files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from app.mapping import diff, drift, mapping_file
from app.mapping.apply import MappingError, apply_mapping
from app.mapping.automap import suggest
from app.mapping.model import Mapping, Rule, Step, rule
from app.sandbox.demo_flows import CUSTOMERS


def test_automap_dms_extract_to_camel_case_crm() -> None:
    sources = ["CUST_NO", "FNAME", "LAST_NAME", "HOME_PH", "CELL_PH", "BUS_PH", "EMAIL_ADDR",
               "ADDR1", "CITY", "ST", "ZIP", "OPT_IN_EMAIL", "FAX"]  # fmt: skip
    targets = ["external_id", "firstName", "lastName", "phone", "mobilePhone", "email",
               "street", "city", "state", "postalCode", "email_opt_out", "notes"]  # fmt: skip
    got = {s.target: s for s in suggest(sources, targets)}
    assert {t: got[t].source for t in got} == {
        "external_id": "CUST_NO",
        "firstName": "FNAME",
        "lastName": "LAST_NAME",
        "phone": "HOME_PH",
        "mobilePhone": "CELL_PH",
        "email": "EMAIL_ADDR",
        "street": "ADDR1",
        "city": "CITY",
        "state": "ST",
        "postalCode": "ZIP",
        "email_opt_out": "OPT_IN_EMAIL",
    }
    assert "notes" not in got  # nothing plausible: no suggestion rather than a bad one
    assert [s.name for s in got["mobilePhone"].steps] == ["phone_e164"]
    assert [s.name for s in got["postalCode"].steps] == ["zip5"]
    assert got["email_opt_out"].steps == (Step("boolean", {"negate": True}),)
    assert got["city"].confidence == 1.0 and got["firstName"].confidence == 0.95
    # already mapped targets and their sources are left alone
    again = suggest(sources, targets, already={"phone": "BUS_PH"})
    assert all(s.target != "phone" and s.source != "BUS_PH" for s in again)


def test_automap_name_similarity_without_synonyms() -> None:
    got = suggest(["vehicle_color", "odometer"], ["vehicleColour", "price"])
    assert [(s.source, s.target) for s in got] == [("vehicle_color", "vehicleColour")]
    assert 0.6 <= got[0].confidence < 0.95


def _frame(**cols: list[str]) -> pd.DataFrame:
    return pd.DataFrame(cols, dtype=object)


def test_drift_rename_found_by_name_and_values() -> None:
    n = 30
    old = _frame(customer_id=[f"C{i}" for i in range(n)], zip=["48067"] * n, city=["Troy"] * n)
    new = _frame(customer_id=[f"C{i}" for i in range(n)], postal_zip=["48067"] * n,
                 city=["Troy"] * n, loyalty=["Gold"] * n)  # fmt: skip
    decl = [("customer_id", "string", True)]
    d = drift.compare(drift.snapshot_of(decl, old), drift.snapshot_of(decl, new))
    removed = d.of("removed")
    assert [(c.field, c.suggestion) for c in removed] == [("zip", "postal_zip")]
    assert {c.field for c in d.of("added")} == {"postal_zip", "loyalty"}
    stop = drift.blocking(CUSTOMERS, d)
    assert [c.field for c in stop] == ["zip"]
    message = drift.blocking_message(stop)
    assert "'zip'" in message and "renamed to 'postal_zip'" in message and "no record" in message


def test_drift_emptied_column_and_type_change() -> None:
    n = 25
    base = drift.snapshot_of([("zip", "string", False), ("year", "string", False)],
                             _frame(zip=["48067"] * n, year=["2020"] * n))  # fmt: skip
    now = drift.snapshot_of([("zip", "string", False), ("year", "integer", False)],
                            _frame(zip=[""] * n, year=["2020"] * n))  # fmt: skip
    d = drift.compare(base, now)
    assert [(c.field, c.change) for c in d.changes] == [
        ("zip", "emptied"),
        ("year", "type_changed"),
    ]
    assert "empty in all 25 records" in d.changes[0].detail
    # too few records say nothing
    small = drift.snapshot_of([("zip", "string", False)], _frame(zip=[""] * 5))
    assert not drift.compare(base, small).of("emptied")


def test_apply_names_missing_field_and_suggests_rename() -> None:
    m = Mapping((rule("postal_code", "zip"),))
    with pytest.raises(MappingError) as err:
        apply_mapping(_frame(customer_id=["1"], zip_code=["48067"]), m, "customer_id")
    assert "'zip' (renamed to 'zip_code'?)" in str(err.value)


def test_readable_diff_rule_by_rule() -> None:
    old = Mapping((rule("email", "EMAIL", steps=[Step("email")]), rule("fax", "FAX")))
    new = Mapping(
        (
            rule("email", "EMAIL_ADDR", steps=[Step("email")]),
            rule("phone", "HOME_PH", steps=[Step("phone_e164")], required=True),
        )
    )
    lines = diff.describe(old, new)
    assert lines == [
        "~ email ← EMAIL: E-mail (check and clean)\n"
        "    now email ← EMAIL_ADDR: E-mail (check and clean)",
        "+ phone ← HOME_PH: Phone → E.164 (required)",
        "− fax ← FAX",
    ]
    assert diff.describe(new, new) == []
    lookup = Step("lookup", {"table": {"F": "Finance"}, "default": "Other"})
    assert diff.step_text(lookup) == "Translate codes (lookup table) (1 codes, default 'Other')"


def test_mapping_file_round_trip_and_problems(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    mapping_file.write(path, mapping_file.to_json(CUSTOMERS, flow_name="Customers"))
    parsed = mapping_file.read(path)
    assert parsed.problems == [] and parsed.mapping == CUSTOMERS
    assert json.loads(path.read_text())["format"] == "rooftop-sync/mapping-file"

    path.write_text('{"format": "something-else"}')
    assert "format marker" in mapping_file.read(path).problems[0]
    path.write_text("{not json")
    assert "not valid JSON" in mapping_file.read(path).problems[0]
    bad = mapping_file.to_json(
        Mapping(
            (
                Rule("a", ("x",), (Step("shout"),)),
                Rule("a", ("y",)),
                Rule("b", ("z",), (Step("regex_replace", {"pattern": "("}),)),
            )
        )
    )
    bad["mapping"]["rules"].append({"sources": []})
    mapping_file.write(path, bad)
    problems = mapping_file.read(path).problems
    assert any("'shout' is not a transform" in p for p in problems)
    assert any("mapped twice" in p for p in problems)
    assert any("not a valid pattern" in p for p in problems)
    assert any("Rule 4 is not in the expected shape" in p for p in problems)
