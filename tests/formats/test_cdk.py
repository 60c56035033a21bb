"""The CDK codec: rows <-> CDK JSON round trips, bodies that validate against the specs'
schemas, ``dateTimeInterval`` and CDK's error body in plain words."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from app.formats.cdk import customers, repair_orders, vehicles
from app.formats.cdk.common import CdkFormatError, describe_error, id_from_href
from app.formats.cdk.interval import (
    IntervalError,
    date_time_interval,
    parse_interval,
    since,
)
from app.formats.dms_layout import CUSTOMERS, REPAIR_ORDERS, VEHICLES
from tests.support import cdk_specs as specs

HREFS = {
    "customer": "https://api.example.test/customer",
    "vehicle": "https://api.example.test/vehicles",
}
LINE = {
    "service_request": "Customer states brakes squeal",
    "dispatch_code": "BRK",
    "estimated_duration": "1.5",
    "labor_operations": [
        {
            "op_code": "BRK01",
            "op_code_desc": "Replace front pads",
            "sold_hours": "1.2",
            "sale_amount": 189.5,
            "sale_override_flag": "false",
            "force_shop_charge_flag": False,
            "included_parts": [
                {
                    "part_number": "P-123",
                    "part_number_description": "Brake pad set",
                    "mfr_code": "OEM",
                    "part_qty": "1",
                    "sale_amount": "79.99",
                    "fixed_sale_flag": "N",
                    "includes_core_flag": "N",
                }
            ],
        }
    ],
}
RO_ROW = {
    "customer_id": "C100001",
    "customer_contact_info": "555-201-3344",
    "vehicle_id": "V0000001",
    "dispatch_make_code": "TOY",
    "mileage_in": "30643",
    "mileage_unit": "MI",
    "tag_number": "T42",
    "promise_at": "2026-05-01T17:00:00Z",
    "advisor_id": "SDOMBROWSKI",
    "transport_type": "WAITER",
    "comments": "",
    "block_ivr": "false",
    "labor_total": "189.50",
    "parts_total": "79.99",
    "pick_up_at": "2026-05-01T08:00:00Z",
    "pick_up_address": "1 Main St",
    "service_lines": json.dumps([LINE]),
}


def test_layout_names_are_reused_where_the_meaning_matches() -> None:
    for name in ("first_name", "last_name", "middle_name", "city", "state", "zip", "email"):
        assert name in CUSTOMERS and name in customers.FIELDS
    for name in ("home_phone", "mobile_phone", "opt_in_email", "opt_in_phone", "address_line1"):
        assert name in CUSTOMERS and name in customers.FIELDS
    for name in ("vehicle_id", "customer_id", "vin", "year", "make", "model", "color"):
        assert name in VEHICLES and name in vehicles.FIELDS
    assert "mileage" in vehicles.FIELDS and "purchase_date" in vehicles.FIELDS
    for name in ("ro_number", "customer_id", "vin", "mileage_in", "status", "advisor"):
        assert name in REPAIR_ORDERS and name in repair_orders.FIELDS
    for name in ("op_codes", "labor_total", "parts_total", "total", "declined_recommendations"):
        assert name in REPAIR_ORDERS and name in repair_orders.FIELDS
    assert len(set(repair_orders.FIELDS)) == len(repair_orders.FIELDS)


# -- dateTimeInterval --------------------------------------------------------------------
def test_date_time_interval_is_iso_8601_start_slash_end_in_utc() -> None:
    documented = specs.parameters("fortellis_ro", "listRepairOrders")
    interval = next(p for p in documented if p["name"] == "dateTimeInterval")
    assert interval["required"] is True and "ISO 8601" in interval["description"]
    start = datetime(2024, 5, 1, tzinfo=UTC)
    assert (
        date_time_interval(start, datetime(2024, 5, 2, 3, 4, 5, 999, tzinfo=UTC))
        == "2024-05-01T00:00:00Z/2024-05-02T03:04:05Z"
    )
    assert (
        date_time_interval("2024-05-01T02:00:00+02:00", "2024-05-01T01:00:00Z")
        == "2024-05-01T00:00:00Z/2024-05-01T01:00:00Z"
    )
    now = datetime(2024, 5, 3, 12, tzinfo=UTC)
    assert since("2024-05-01T00:00:00Z", now) == "2024-05-01T00:00:00Z/2024-05-03T12:00:00Z"
    with pytest.raises(IntervalError, match="before it starts"):
        date_time_interval(now, start)


def test_parse_interval_reads_every_iso_form() -> None:
    start, end = datetime(2024, 5, 1, tzinfo=UTC), datetime(2024, 5, 2, tzinfo=UTC)
    assert parse_interval("2024-05-01T00:00:00Z/2024-05-02T00:00:00Z") == (start, end)
    assert parse_interval("2024-05-01T00:00:00Z/P1D") == (start, end)
    assert parse_interval("PT24H/2024-05-02T00:00:00Z") == (start, end)
    assert parse_interval("2024-05-01/2024-05-02") == (start, end)
    for bad in ("2024-05-01T00:00:00Z", "yesterday/today", "2024-05-02/2024-05-01", "P/2024-05-01"):
        with pytest.raises(IntervalError):
            parse_interval(bad)


# -- repair orders -----------------------------------------------------------------------
def test_fortellis_repair_order_reads_to_a_row_and_back() -> None:
    example = specs.load("fortellis_ro")["definitions"]["RepairOrder"]["example"]
    row = repair_orders.from_fortellis(example)
    assert row["ro_number"] == "2345678"
    assert row["created_at"] == "2020-07-15T23:44:57+00:00"  # the example's createDateTime
    assert (row["mileage_in"], row["mileage_unit"]) == ("1000", "KM")
    assert (row["advisor_id"], row["advisor"]) == ("435678", "John Smith")
    assert (row["vin"], row["op_codes"], row["total"]) == ("1J4HR58N96C336690", "GEN", "10.00")
    assert row["declined_recommendations"] == "" and row["customer_id"] == ""
    assert json.loads(row["lines"])[0]["op_code"] == "GEN"
    back = repair_orders.to_fortellis({**row, "created_at": "2020-07-15T23:44:57Z"})
    assert specs.problems(specs.definition_validator("fortellis_ro", "RepairOrder"), back) == []
    assert repair_orders.from_fortellis(back) == {**row, "created_at": "2020-07-15T23:44:57Z"}


def test_summary_of_lines_skips_declined_work_in_the_total() -> None:
    lines = [
        {"serviceOperationCode": "LOF", "approvalState": "APPROVED", "pricing": {"total": 49.9}},
        {
            "serviceOperationCode": "BRK",
            "description": "Front brake pads at 3mm",
            "approvalState": "DECLINED",
            "pricing": {"total": 300},
        },
        {"serviceOperationCode": "LOF", "approvalState": "APPROVED", "pricing": {"total": 0.1}},
    ]
    assert repair_orders.summarise(lines) == {
        "op_codes": "LOF;BRK",
        "total": "50.00",
        "declined_recommendations": "Front brake pads at 3mm",
    }


def test_repair_order_create_body_validates_against_the_drive_spec() -> None:
    body = repair_orders.create_body(RO_ROW, HREFS)
    assert specs.problems(specs.body_validator("drive_ro", "createRepairOrder"), body) == []
    assert body["customerHref"] == "https://api.example.test/customer/C100001"
    assert body["mileageIn"] == {"value": 30643, "units": "MI"}
    assert body["estimate"] == {"labor": 189.5, "parts": 79.99}
    assert body["pickUp"] == {"dateTime": "2026-05-01T08:00:00Z", "address": "1 Main St"}
    assert body["blockIVRFlag"] is False and "comments" not in body
    operation = body["serviceLineItems"][0]["laborOperations"][0]
    assert operation["soldHours"] == 1.2 and operation["saleOverrideFlag"] is False
    assert operation["includedParts"][0]["fixedSaleFlag"] is False
    assert operation["includedParts"][0]["partQty"] == 1
    assert repair_orders.missing(RO_ROW, repair_orders.CREATE_REQUIRED) == []
    assert repair_orders.missing_in_lines(RO_ROW["service_lines"]) == []


def test_repair_order_update_body_and_drive_round_trip() -> None:
    row = {**RO_ROW, "ro_number": "600001", "status": "OPEN", "comments": ""}
    body = repair_orders.update_body(row, HREFS, blanks=["comments"])
    assert specs.problems(specs.body_validator("drive_ro", "updateRepairOrder"), body) == []
    assert body["comments"] == "" and "serviceLineItems" not in body and "status" not in body
    served = repair_orders.drive_body(
        {
            **row,
            "service_lines": json.dumps([{**LINE, "service_line_id": "1", "status": "OPEN"}]),
        },
        HREFS,
    )
    served["links"] = {"self": {"href": "https://api.example.test/ro/600001"}}
    for line in served["serviceLineItems"]:  # what the server adds to what we sent
        for i, op in enumerate(line["laborOperations"], start=1):
            op["laborOperationId"] = str(i)
    validator = specs.answer_validator("drive_ro", "queryRepairOrderById", 200)
    assert specs.problems(validator, served) == []
    again = repair_orders.from_drive(served)
    assert again["customer_id"] == "C100001" and again["vehicle_id"] == "V0000001"
    assert again["status"] == "OPEN" and again["block_ivr"] == "false"
    line = repair_orders.parse_lines(again["service_lines"])[0]
    assert line["service_line_id"] == "1" and line["estimated_duration"] == "1.5"
    assert line["labor_operations"][0]["included_parts"][0]["part_qty"] == "1"
    assert repair_orders.line_from_drive(served["serviceLineItems"][0]) == line
    line_body = repair_orders.line_body(line)
    assert specs.problems(specs.body_validator("drive_ro", "addServiceLine"), line_body) == []
    assert "serviceLineId" not in line_body and "status" not in line_body


def test_bad_values_are_refused_in_words() -> None:
    with pytest.raises(CdkFormatError, match="mileage_in: 'lots' is not a number"):
        repair_orders.create_body({**RO_ROW, "mileage_in": "lots"}, HREFS)
    with pytest.raises(CdkFormatError, match="block_ivr: 'maybe' is not yes/no"):
        repair_orders.create_body({**RO_ROW, "block_ivr": "maybe"}, HREFS)
    odd = json.dumps([{**LINE, "colour": "red"}])
    with pytest.raises(CdkFormatError, match="service_lines item 1: unknown colour"):
        repair_orders.create_body({**RO_ROW, "service_lines": odd}, HREFS)
    with pytest.raises(CdkFormatError, match="no address known for customer links"):
        repair_orders.create_body(RO_ROW, {})
    thin = json.dumps([{"service_request": "Noise", "labor_operations": [{"op_code": "X"}]}])
    gaps = repair_orders.missing_in_lines(thin)
    assert "service_lines[1].dispatch_code" in gaps
    assert "service_lines[1].labor_operations[1].sold_hours" in gaps


# -- customers -----------------------------------------------------------------------
def test_customer_example_round_trips_and_write_body_validates() -> None:
    example = specs.load("customers")["definitions"]["Customer"]["example"]
    row = customers.from_cdk(example)
    assert (row["first_name"], row["last_name"], row["zip"]) == ("John", "Doe", "12234")
    assert (row["email"], row["email_type"], row["email_2"]) == (
        "john.doe@example.com",
        "HOME",
        "johndoe@example.com",
    )
    assert (row["opt_in_email"], row["opt_in_phone"], row["opt_in_mail"]) == ("N", "N", "N")
    assert row["address_line1"] == "110 The example road" and row["country"] == "US"
    assert set(row) == set(customers.FIELDS)
    served = customers.to_cdk(row)
    served["links"] = example["links"]
    assert specs.problems(specs.definition_validator("customers", "Customer"), served) == []
    assert customers.from_cdk(served) == row
    body = customers.write_body(row)
    assert specs.problems(specs.body_validator("customers", "createCustomer"), body) == []
    assert "customerId" not in body and "links" not in body
    assert body["contactMethods"]["blockEmailFlag"] is True


def test_customer_write_body_needs_nothing_but_still_validates() -> None:
    body = customers.write_body({"company_name": "ABC Corp", "email": "a@b.co", "city": ""})
    assert body == {
        "name": {"first": "", "last": "ABC Corp"},
        "contactMethods": {"email1": "a@b.co"},
        "postalAddress": {},
    }
    assert specs.problems(specs.body_validator("customers", "updateCustomer"), body) == []
    blanked = customers.write_body({"last_name": "Doe", "city": ""}, blanks=["city"])
    assert blanked["postalAddress"] == {"city": ""}
    with_opt_in = customers.write_body({"last_name": "Doe", "opt_in_email": "Y"})
    assert with_opt_in["contactMethods"] == {"blockEmailFlag": False}


# -- service vehicles ----------------------------------------------------------------------
def test_vehicle_example_round_trips_and_write_body_validates() -> None:
    example = specs.load("vehicles")["definitions"]["Vehicle"]["example"]
    row = vehicles.from_cdk(example)
    assert (row["vehicle_id"], row["vin"], row["license_plate"]) == (
        "1234ABCD",
        "5TFAW5F19EX759955",
        "1ABC123",
    )
    assert (row["make_code"], row["model_code"], row["year"], row["mileage"]) == (
        "TOY",
        "TUNDRA",
        "2014",
        "56700",
    )
    assert (row["customer_id"], row["primary_driver_id"]) == ("RGHH6755", "AUHYG78835")
    assert row["purchase_date"] == "2019-01-01" and vehicles.missing_for_create(row) == []
    served = vehicles.to_cdk(row, HREFS)
    served["links"] = example["links"]
    assert specs.problems(specs.definition_validator("vehicles", "Vehicle"), served) == []
    assert vehicles.from_cdk(served) == row
    body = vehicles.write_body(row, HREFS)
    assert specs.problems(specs.body_validator("vehicles", "createVehicle"), body) == []
    assert body["ownerHref"] == "https://api.example.test/customer/RGHH6755"
    assert vehicles.missing_for_create({"year": "2014"}) == [
        "vin or license_plate",
        "make_code",
        "model_code",
        "status",
        "purchase_date",
        "in_service_date",
    ]


def test_links_become_ids() -> None:
    assert id_from_href("https://api.fortellis.io/cdkdrive/crm/v1/customers/AB%2012/") == "AB 12"
    assert id_from_href("/vehicles/V1?x=1") == "V1"
    assert id_from_href("") == "" and id_from_href(None) == ""


# -- errors --------------------------------------------------------------------------------
def test_cdk_error_bodies_in_plain_words() -> None:
    example = specs.load("vehicles")["definitions"]["ErrorResponse"]["example"]
    assert (
        describe_error(example, 400)
        == 'Bad Request - Missing "vehicleId" path parameter. (HTTP 400)'
    )
    assert describe_error({"code": 4031, "message": "no\n subscription"}, 403) == (
        "no subscription (CDK code 4031, HTTP 403)"
    )
    assert describe_error({"error": "invalid_client"}, 401) == "invalid_client (HTTP 401)"
    assert describe_error("<html>Bad gateway</html>", 502) == "<html>Bad gateway</html> (HTTP 502)"
    assert describe_error(None, 504) == "HTTP 504"
