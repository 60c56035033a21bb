"""The Elead codec: rows <-> Elead JSON for customers and opportunities, bodies that
validate against the published specs' schemas (formats included), the sub-operations'
bodies, and Elead's error body in plain words."""

from __future__ import annotations

import json

import pytest

from app.connectors.crm_rest_specs import CONTACT_COLUMNS, LEAD_COLUMNS
from app.formats.dms_layout import CUSTOMERS
from app.formats.elead import customers, opportunities
from app.formats.elead.common import EleadFormatError, describe_error, instant, is_uuid
from tests.support import elead_specs as specs

CUSTOMER_ID = "5e324ef1-be4e-46d7-a77e-0c96d4c17295"
OPPORTUNITY_ID = "5030b3a4-214e-4b72-a64a-f958e31cf219"
SALESPERSON_ID = "f4aefbbe-de90-4f88-9f28-ba5a949c143f"
ROW = {
    "customer_type": "INDIVIDUAL",
    "name_prefix": "Mrs.",
    "first_name": "Euphegenia",
    "middle_name": "Robin",
    "last_name": "Doubtfire",
    "birth_date": "1951-07-21",
    "email": "e.doubtfire@example.com",
    "email_type": "personal",
    "email_2": "work@example.com",
    "email_opt_out": "false",
    "mobile_phone": "(555) 555-1234",
    "home_phone": "(555) 555-5678",
    "sms_opt_out": "true",
    "address_line1": "799 E DRAGRAM",
    "address_line2": "SUITE 5A",
    "city": "TUCSON",
    "state": "AZ",
    "zip": "85705",
    "mail_opt_out": "false",
}


def valid(name: str, definition: str, body: object) -> list[str]:
    return specs.problems(specs.definition_validator(name, definition), body)


# -- customers ----------------------------------------------------------------------------
def test_row_names_are_our_layouts_where_the_meaning_matches() -> None:
    for name in ("first_name", "middle_name", "last_name", "company_name", "address_line1",
                 "address_line2", "city", "state", "zip", "home_phone", "work_phone",
                 "mobile_phone", "email", "birth_date", "customer_type"):  # fmt: skip
        assert name in CUSTOMERS and name in customers.FIELDS, name
    for name in ("email_opt_out", "sms_opt_out"):
        assert name in CONTACT_COLUMNS and name in customers.FIELDS
    for name in ("source", "status", "salesperson", "vehicle_of_interest_vin",
                 "vehicle_of_interest", "comments"):  # fmt: skip
        assert name in LEAD_COLUMNS and name in opportunities.FIELDS


def test_a_new_customer_is_a_valid_customer_request() -> None:
    body = customers.create_body(ROW)
    assert valid("customers", "CustomerRequest", body) == []
    assert body["title"] == "Mrs" and body["birthday"] == "1951-07-21T00:00:00Z"
    assert body["isBusiness"] is False
    assert [(e["address"], e["emailType"], e["isPreferred"]) for e in body["emails"]] == [
        ("e.doubtfire@example.com", "Personal", True),
        ("work@example.com", "Alternate", False),
    ]
    assert {p["phoneType"]: p["number"] for p in body["phones"]} == {
        "Cellular": "(555) 555-1234",
        "Home": "(555) 555-5678",
    }
    assert all(p["doNotText"] and not p["doNotCall"] for p in body["phones"])
    assert body["address"]["zip"] == "85705" and body["address"]["doNotMail"] is False
    back = customers.from_elead({"id": CUSTOMER_ID, **body})
    for column, value in ROW.items():
        expected = {"name_prefix": "Mrs", "email_type": "Personal"}.get(column, value)
        assert back[column] == expected, column
    assert back["customer_id"] == CUSTOMER_ID and back["phone_opt_out"] == "false"


def test_the_spec_examples_read_as_rows() -> None:
    row = customers.from_elead(specs.example("customers", "Customer"))
    assert (row["customer_id"], row["first_name"], row["last_name"]) == (
        CUSTOMER_ID, "Euphegenia", "Doubtfire",
    )  # fmt: skip
    assert (row["email"], row["email_2"], row["email_2_type"]) == (
        "personalEmail@sample.com", "workEmail@sample.com", "Work",
    )  # fmt: skip
    assert (row["mobile_phone"], row["work_phone"], row["sms_opt_out"]) == (
        "(555) 555-1234", "(555) 555-5678", "true",
    )  # fmt: skip
    assert (row["birth_date"], row["zip"], row["county"]) == ("1951-07-21", "85705", "PIMA")
    found = specs.example("customers", "SearchCustomersResponse")["items"][0]
    assert customers.from_elead(found)["email"] == "richard.belding@bayside.edu"


def test_an_update_keeps_what_the_row_cannot_say() -> None:
    current = {
        "id": CUSTOMER_ID,
        "firstName": "Ann",
        "lastName": "Walker",
        "emails": [
            {"address": "old@example.com", "emailType": "Work", "isPreferred": False},
            {"address": "ann@example.com", "emailType": "Personal", "isPreferred": True},
            {"address": "third@example.com", "emailType": "Alternate"},
        ],
        "phones": [
            {
                "number": "555-201-0000",
                "phoneType": "Home",
                "preferredTimeToContact": "Evening",
                "doNotCall": False,
            }
        ],
        "links": [{"href": "x", "rel": "self", "method": "GET", "title": "t"}],
    }
    unchanged = customers.update_body(current, {})
    assert unchanged == customers.request_of(current) and "id" not in unchanged
    body = customers.update_body(
        current,
        {
            "email": "ann.walker@example.com",
            "mobile_phone": "555-201-1111",
            "phone_opt_out": "true",
            "city": "Austin",
            "nickname": "",
        },
    )
    assert valid("customers", "CustomerRequest", body) == []
    assert [e["address"] for e in body["emails"]] == [
        "old@example.com", "ann.walker@example.com", "third@example.com",
    ]  # fmt: skip
    home = body["phones"][0]
    assert home["preferredTimeToContact"] == "Evening" and home["doNotCall"] is True
    assert body["phones"][1]["phoneType"] == "Cellular" and body["phones"][1]["doNotCall"]
    assert body["address"] == {"city": "Austin", "zip": ""} and "nickname" not in body
    cleared = customers.update_body(current, {"email": "", "first_name": ""})
    assert [e["address"] for e in cleared["emails"]] == ["old@example.com", "third@example.com"]
    assert cleared["firstName"] == ""
    assert customers.from_elead(cleared)["email"] == "old@example.com"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"name_prefix": "Prof"}, "no title 'Prof'"),
        ({"birth_date": "21/07/1951"}, "birth_date"),
        ({"email_type": "Home"}, "email_type: 'Home' is not one of"),
        ({"email_opt_out": "maybe"}, "email_opt_out"),
        ({"customer_type": "FLEET"}, "INDIVIDUAL or BUSINESS"),
        ({"customer_id": CUSTOMER_ID}, "not writable"),
    ],
)
def test_values_elead_cannot_take_are_refused(changes: dict[str, str], words: str) -> None:
    with pytest.raises(EleadFormatError, match=words):
        customers.update_body({}, changes)


def test_search_body_and_owned_vehicles() -> None:
    body = customers.search_body({"email": "a@b.com", "last_name": "Walker", "phone": ""})
    assert body == {"emailAddress": "a@b.com", "lastName": "Walker"}
    assert valid("customers", "SearchCustomersRequest", body) == []
    with pytest.raises(EleadFormatError, match="not by city"):
        customers.search_body({"city": "Austin"})
    one = specs.example("customers", "CustomerVehicleCollection")
    rows = customers.vehicles_from_elead(one)
    assert [(r["vin"], r["year"], r["make"], r["mileage"]) for r in rows] == [
        ("1C6SRFFT5KN600223", "2019", "RAM", "33530"),
    ]
    listed = customers.vehicles_from_elead({"items": [one, {**one, "vin": "X2"}]})
    assert [r["vin"] for r in listed] == ["1C6SRFFT5KN600223", "X2"]
    assert customers.vehicles_from_elead({}) == [] and customers.owned_vehicles_text({}) == ""
    assert json.loads(customers.owned_vehicles_text([one]))[0]["model"] == "1500"


# -- opportunities ------------------------------------------------------------------------
def test_the_spec_example_opportunity_reads_as_a_row() -> None:
    row = opportunities.from_elead(specs.example("opportunities", "Opportunity"))
    assert row["opportunity_id"] == OPPORTUNITY_ID
    assert row["customer_id"] == "89b07974-eb5b-441e-a7f8-d364a81430bc"
    assert (row["source"], row["status"], row["sub_status"], row["up_type"]) == (
        "Source 1", "Status 1", "SubStatus 1", "Internet",
    )  # fmt: skip
    assert (row["salesperson"], row["salesperson_id"]) == ("Zack Morris", SALESPERSON_ID)
    assert row["vehicle_of_interest"] == "2019-2021 Make 1 Model 1 Trim 1"
    assert (row["vehicle_of_interest_vin"], row["vehicle_of_interest_new"]) == (
        "1GJGG25U441140658", "true",
    )  # fmt: skip
    team = json.loads(row["sales_team"])
    assert [t["position_code"] for t in team] == ["PositionCode1", "PositionCode2"]
    assert json.loads(row["trade_ins"])[0]["estimated_mileage"] == "100000"
    assert row["comments"] == "" and row["date_in"] == "2020-05-04T10:39:51.402Z"


def test_a_new_opportunity_is_a_valid_create_request() -> None:
    row = {
        "customer_id": "89B07974-EB5B-441E-A7F8-D364A81430BC",
        "date_in": "2026-05-04T10:39:51Z",
        "source": "Website",
        "sub_source": "Chat",
        "status": "New",
        "up_type": "internet",
        "comments": "Wants a test drive on Saturday",
        "vehicles_sought": json.dumps(
            [
                {
                    "is_new": "true",
                    "year_from": "2024",
                    "year_to": "2025",
                    "make": "Toyota",
                    "model": "RAV4",
                    "price_to": "38000.50",
                },
                {"is_new": False, "make": "Honda", "model": "CR-V"},
            ]
        ),
        "trade_ins": json.dumps(
            [{"year": "2015", "make": "Honda", "model": "Civic", "estimated_mileage": "98000"}]
        ),
    }
    body = opportunities.create_body(row)
    assert valid("opportunities", "CreateOpportunityRequest", body) == []
    assert body["customerId"] == "89b07974-eb5b-441e-a7f8-d364a81430bc"
    assert body["upType"] == "Internet" and body["dateIn"] == "2026-05-04T10:39:51Z"
    assert [(v["isPrimary"], v["isNew"]) for v in body["soughtVehicles"]] == [
        (True, True), (False, False),
    ]  # fmt: skip
    assert body["soughtVehicles"][0]["priceTo"] == 38000.5
    assert body["tradeIns"] == [
        {"year": 2015, "make": "Honda", "model": "Civic", "estimatedMileage": 98000}
    ]
    short = opportunities.create_body(
        {
            "customer_id": CUSTOMER_ID,
            "source": "Walk-in",
            "vehicle_of_interest": "2021 Toyota Tacoma",
            "vehicle_of_interest_vin": "3TMCZ5AN1MM400001",
            "vehicle_of_interest_new": "false",
        }
    )
    assert valid("opportunities", "CreateOpportunityRequest", short) == []
    assert short["upType"] == "Unknown"
    assert short["soughtVehicles"] == [
        {
            "isNew": False,
            "isPrimary": True,
            "vin": "3TMCZ5AN1MM400001",
            "yearFrom": 2021,
            "yearTo": 2021,
            "make": "Toyota",
            "model": "Tacoma",
        }
    ]


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ({"source": "Web"}, "customer_id is required"),
        ({"customer_id": "K000001", "source": "Web"}, "not an Elead id"),
        ({"customer_id": CUSTOMER_ID}, "source is required"),
        ({"customer_id": CUSTOMER_ID, "source": "W", "up_type": "Fax"}, "up_type"),
        ({"customer_id": CUSTOMER_ID, "source": "W", "comments": "x" * 1501}, "1500"),
        ({"customer_id": CUSTOMER_ID, "source": "W", "vehicle_of_interest": "2021 Kia Rio"},
         "vehicle_of_interest_new is required"),
        ({"customer_id": CUSTOMER_ID, "source": "W", "vehicles_sought": '[{"make": "Kia"}]'},
         "is_new is required"),
        ({"customer_id": CUSTOMER_ID, "source": "W", "trade_ins": '[{"colour": "red"}]'},
         "unknown colour"),
        ({"customer_id": CUSTOMER_ID, "source": "W", "trade_ins": "{not json"}, "JSON"),
        ({"customer_id": CUSTOMER_ID, "source": "W", "date_in": "yesterday"}, "date_in"),
        ({"customer_id": CUSTOMER_ID, "source": "W", "stage": "x"}, "not a column"),
    ],
)  # fmt: skip
def test_opportunities_elead_cannot_create_are_refused(row: dict[str, str], words: str) -> None:
    with pytest.raises(EleadFormatError, match=words):
        opportunities.create_body(row)


def test_sub_operation_bodies_follow_the_spec() -> None:
    checks = {
        "Opportunities_AddComment": opportunities.comment_body(OPPORTUNITY_ID, " Called back "),
        "Opportunities_AddTradeIn": opportunities.trade_in_body(
            {
                "opportunity_id": OPPORTUNITY_ID,
                "vin": "4A32B2FF0CE049620",
                "year": "2015",
                "estimated_mileage": "100000",
                "trade_in_id": "",
            }
        ),
        "Opportunities_AddVehicleSought": opportunities.vehicle_sought_body(
            {
                "opportunity_id": OPPORTUNITY_ID,
                "is_new": "true",
                "make": "Ford",
                "max_mileage": "1000",
            }
        ),
        "Opportunities_ReassignPrimarySalesPerson": opportunities.reassign_body(
            OPPORTUNITY_ID, SALESPERSON_ID
        ),
    }
    for operation_id, body in checks.items():
        assert specs.problems(specs.body_validator("opportunities", operation_id), body) == []
    assert checks["Opportunities_AddComment"]["comment"] == "Called back"
    assert checks["Opportunities_AddVehicleSought"]["isPrimary"] is False
    with pytest.raises(EleadFormatError, match="no text"):
        opportunities.comment_body(OPPORTUNITY_ID, "  ")
    with pytest.raises(EleadFormatError, match="salesperson_id"):
        opportunities.reassign_body(OPPORTUNITY_ID, "Marcus Bell")


# -- common -------------------------------------------------------------------------------
def test_error_bodies_in_plain_words() -> None:
    body = specs.example("customers", "Error")
    assert describe_error(body, 400) == (
        "Example of an error message. (Elead ExampleErrorCode, HTTP 400, "
        "reference 9e88d251-9b50-3dfb-00ef-00c5009b003d)"
    )
    assert describe_error({"code": "404", "message": "no such customer"}, 404) == (
        "no such customer (HTTP 404)"
    )
    assert describe_error("Gateway timeout", 504) == "Gateway timeout (HTTP 504)"
    assert describe_error(None, 500) == "HTTP 500"
    assert valid("customers", "Error", body) == []


def test_instants_and_ids() -> None:
    assert instant("2026-05-04", "d") == "2026-05-04T00:00:00Z"
    assert instant("2026-05-04T12:00:00+02:00", "d") == "2026-05-04T10:00:00Z"
    assert is_uuid(CUSTOMER_ID) and not is_uuid("K000001") and not is_uuid(None)
