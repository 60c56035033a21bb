"""Survivorship: DMS wins the address, CRM wins lead fields, opt-outs always win, most
recent otherwise, admin overrides."""

from __future__ import annotations

from app.matching.survivorship import SourceRecord, canonical, propose


def _records() -> list[SourceRecord]:
    dms = canonical({
        "customer_id": "C1", "first_name": "ROBERT", "last_name": "SMITH",
        "address_line1": "1 Main St",
        "city": "Troy", "state": "MI", "zip": "48084", "home_phone": "313-555-1234",
        "email": "bob@old.com", "birth_date": "1970-01-02", "opt_in_email": "N", "opt_in_sms": "Y",
    })  # fmt: skip
    crm = canonical({
        "contact_id": "K1", "first_name": "Bob", "last_name": "Smith", "email": "bob@new.com",
        "mobile": "248-555-9999", "street": "9 Elm Rd", "city": "Novi", "state": "MI",
        "postal_code": "48375", "email_opt_out": "false", "sms_opt_out": "false",
        "lead_status": "Contacted", "lead_source": "Website",
    })  # fmt: skip
    return [
        SourceRecord("1", "dms", "DMS", "C1", dms, "2020-01-01T00:00:00Z"),
        SourceRecord("2", "crm", "CRM", "K1", crm, "2024-01-01T00:00:00Z"),
    ]


def test_canonical_fields_from_dms_and_crm_columns() -> None:
    dms, crm = (r.fields for r in _records())
    assert dms["street"] == "1 Main St" and dms["dob"] == "1970-01-02"
    assert dms["email_opt_out"] == "true"  # opt_in_email = N
    assert crm["mobile"] == "248-555-9999" and crm["zip"] == "48375"


def test_rules() -> None:
    g = propose(_records())
    # kept as stored, not re-cased to "1 MAIN ST" (issue 23: the Keeps column showed
    # "1093 SPRING DR" for "1093 Spring Dr")
    assert g.fields["street"].value == "1 Main St" and g.fields["street"].source == "1"
    assert g.fields["city"].value == "Troy"  # the address moves as one block
    assert g.fields["lead_status"].value == "Contacted" and g.fields["lead_status"].source == "2"
    assert g.fields["email_opt_out"].value == "true"  # consent withdrawn in the DMS wins
    assert g.fields["email"].value == "bob@new.com"  # most recent
    assert g.fields["first_name"].value == "Bob"


def test_override_per_field_but_never_resurrect_consent() -> None:
    g = propose(_records(), {"email": "1", "email_opt_out": "2", "first_name": "1"})
    assert (
        g.fields["email"].value == "bob@old.com" and g.fields["email"].rule == "chosen by the admin"
    )
    assert g.fields["first_name"].value == "ROBERT"  # the admin's pick stays as typed
    assert g.fields["email_opt_out"].value == "true"
