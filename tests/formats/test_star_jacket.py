"""Deal jackets: what is never kept, which version is newer, and the rows they give."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from app.formats.errors import StarError
from app.formats.star.jacket import (
    credit_row,
    deal_row,
    parse_jacket,
    shopper_row,
    strip_sensitive,
)
from app.sandbox.servers.retailing_deals import bump, jacket_body, new_deal

UNIT = {"vin": "1G4AH59H45G118341", "stock_number": "N1001", "year": "2026",
        "make": "Buick", "model": "Enclave", "price": "45999.00"}  # fmt: skip
CUSTOMER = {"customer_id": "C100001", "first_name": "Ann", "last_name": "Walker",
            "email": "ann.walker@example.com", "mobile_phone": "+13135550100",
            "address_line1": "1 Main St", "city": "Detroit", "state": "MI",
            "zip": "48226"}  # fmt: skip
OWNED = {"C100001": [{"vin": "1FADP5AU6DL536022", "year": "2013", "make": "Ford",
                      "model": "C-Max"}]}  # fmt: skip


def _financed_deal(seed: int = 1) -> tuple[Any, dict[str, Any]]:
    """A finance deal (it carries an SSN and a credit report) with a trade-in."""
    for n in range(200):
        rng = random.Random(seed * 1000 + n)
        deal = new_deal(rng, "DR-1", 1, [UNIT], [CUSTOMER], OWNED, existing_share=1.0,
                        stamp="2026-05-01T10:00:00Z")  # fmt: skip
        if deal.credit is not None and deal.row.get("trade_vin"):
            bump(deal, "2026-05-01T10:00:00Z")
            return deal, jacket_body(deal, "evt-1", "2026-05-01T10:00:05Z")
    raise AssertionError("no financed deal with a trade-in")


def test_what_is_never_kept_is_taken_out_and_named_not_shown() -> None:
    deal, body = _financed_deal()
    text = json.dumps(body)
    assert deal.ssn in text and "TRADELINE" in text  # the tool sends them
    clean, removed = strip_sensitive(body)
    kept = json.dumps(clean)
    assert deal.ssn not in kept
    assert deal.ssn.replace("-", "") not in kept
    assert "TRADELINE" not in kept and "TRI-MERGE" not in kept
    assert "credit_report" not in kept and "applicant_ssn" not in kept
    assert any("snapshot_detail (a SOCIAL_SECURITY_NUMBER)" in r for r in removed)
    assert any(r.startswith("credit_authorization.credit_report") for r in removed)
    assert not any(deal.ssn in r for r in removed)  # where, never what
    # the rest is intact: the shopper, the deal, the trade-in
    assert clean["vehicle_invoice"]["vehicle_invoice_key"] == "DR-1"
    assert deal_row(parse_jacket(clean))["trade_vin"] == "1FADP5AU6DL536022"
    assert body == jacket_body(deal, "evt-1", "2026-05-01T10:00:05Z")  # input untouched


@pytest.mark.parametrize(
    ("obj", "gone"),
    [
        ({"ssn": "123456789"}, "ssn"),
        ({"Social_Security_Number": "x"}, "Social_Security_Number"),
        ({"taxId": "12-3456789"}, "taxId"),
        ({"note": "applicant 123-45-6789 ok"}, "note"),
        ({"note": "123 45 6789"}, "note"),
        ({"blob": "x" * 2001}, "blob"),
        ({"ids": [{"identifier_type": "TAX_ID_NUMBER", "value": "1"}]}, "ids[0]"),
        ({"rule": {"privacy_type": "SOCIAL_SECURITY_NUMBER", "value": "1"}}, "rule"),
        ({"creditBureauReport": {"score": 700}}, "creditBureauReport"),
    ],
)
def test_each_kind_of_sensitive_data_is_refused(obj: dict[str, Any], gone: str) -> None:
    clean, removed = strip_sensitive({"keep": "me", **obj})
    assert clean == {"keep": "me", **({"ids": []} if "ids" in obj else {})}
    assert removed and removed[0].startswith(gone)


def test_ordinary_numbers_stay() -> None:
    obj = {"zip": "48226-1234", "phone": "+13135550100", "vin": "1G4AH59H45G118341",
           "amount": "123456789.00", "mileage": "88120", "date": "2026-05-01"}  # fmt: skip
    assert strip_sensitive(obj) == (obj, [])


def test_version_order_and_shape_errors() -> None:
    def jacket(version: str, when: str) -> dict[str, Any]:
        invoice = {"vehicle_invoice_key": "DR-9", "process_date_time": when}
        if version:
            invoice["vehicle_invoice_version"] = version
        return {"vehicle_invoice": invoice}

    v2 = parse_jacket(jacket("2", "2026-05-01T10:00:00Z"))
    v10 = parse_jacket(jacket("10", "2026-05-01T09:00:00+00:00"))
    assert v10.order > v2.order  # the revision first, then the time
    later = parse_jacket(jacket("", "2026-05-01T11:00:00-01:00"))
    earlier = parse_jacket(jacket("", "2026-05-01T11:00:00Z"))
    assert later.order > earlier.order and later.stamp == "2026-05-01T12:00:00Z"
    for bad, words in (
        ([], "JSON object"),
        ({}, "no vehicle_invoice"),
        ({"vehicle_invoice": {}}, "no vehicle_invoice_key"),
        (jacket("two", "2026-05-01T10:00:00Z"), "not a number"),
        ({"vehicle_invoice": {"vehicle_invoice_key": "k"}, "credit_authorization": 3}, "credit"),
    ):
        with pytest.raises(StarError, match=words):
            parse_jacket(bad)


def test_rows_of_a_jacket() -> None:
    deal, body = _financed_deal()
    jacket = parse_jacket(strip_sensitive(body)[0])
    shopper = shopper_row(jacket)
    assert shopper["shopper_id"] == deal.shopper_id
    assert (shopper["first_name"], shopper["last_name"]) == ("Ann", "Walker")
    assert shopper["email"] == "ann.walker@example.com"
    assert shopper["mobile_phone"] == "+13135550100"
    assert (shopper["city"], shopper["state"], shopper["zip"]) == ("Detroit", "MI", "48226")
    row = deal_row(jacket)
    assert row["deal_id"] == "DR-1" and row["shopper_id"] == deal.shopper_id
    assert "customer_id" not in row
    assert row["vin"] == UNIT["vin"] and row["payment_method"] in ("FINANCE", "LEASE")
    assert row["trade_vin"] == "1FADP5AU6DL536022" and row["trade_value"]
    assert row["credit_status"] == "PENDING_EXTERNAL" and row["version"] == "1"
    credit = credit_row(jacket)
    assert credit is not None
    assert credit["credit_authorization_key"] == "DR-1-CA"
    assert credit["deal_id"] == "DR-1" and credit["shopper_id"] == deal.shopper_id
    assert credit["status"] == "PENDING_EXTERNAL" and credit["amount"]
    cash = parse_jacket({"vehicle_invoice": {"vehicle_invoice_key": "DR-2"}})
    assert credit_row(cash) is None
    assert deal_row(cash)["credit_status"] == ""
