"""The STAR REST codec against the published specs: flat rows <-> STAR JSON, envelopes,
the ``filter=sdate:…,edate:…`` parameter, error bodies and the required headers."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from app.formats import star
from app.formats.errors import StarError
from app.formats.star import paths
from tests.support.star_specs import example_of, schema_errors, star_spec

# Realistic rows, one per domain, every field filled (unicode where people type names).
ROWS: dict[str, dict[str, str]] = {
    "customers": {
        "customer_id": "C100042", "customer_key": "C100042", "customer_type": "INDIVIDUAL",
        "first_name": "María José", "middle_name": "Zoë", "last_name": "Núñez-O'Brien",
        "company_name": "", "address_line1": "1200 Elm St", "address_line2": "Apt 4B",
        "city": "Dallas", "state": "TX", "zip": "75201-1234", "country": "US",
        "home_phone": "214-555-0101", "work_phone": "972-555-0102",
        "mobile_phone": "469-555-0103", "email": "maria.nunez@example.com",
        "birth_date": "1984-07-09", "opt_in_email": "Y", "opt_in_sms": "N", "opt_in_phone": "Y",
        "preferred_language": "es-US", "updated_at": "2024-03-08T01:00:00Z",
    },
    "inventory_vehicles": {
        "inventory_vehicle_key": "1HGCM82633A004352", "inventory_vehicle_id": "1HGCM82633A004352",
        "vin": "1HGCM82633A004352", "stock_number": "S512", "condition": "USED", "year": "2021",
        "make": "Toyota", "model": "RAV4", "trim": "XLE", "body_style": "SUV",
        "exterior_color": "Magnetic Gray", "interior_color": "Black", "mileage": "23450",
        "msrp": "32500.00", "price": "28995.00", "special_price": "27995.00",
        "photo_urls": "https://img.example.com/1.jpg https://img.example.com/2.jpg",
        "status": "AVAILABLE", "date_in_stock": "2024-02-10", "days_in_stock": "27",
        "description": "One owner — clean history", "dealer_code": "ATL-001",
        "updated_at": "2024-03-08T09:15:00Z",
    },
    "service_vehicles": {
        "service_vehicle_key": "V100", "service_vehicle_id": "V100", "customer_id": "C100042",
        "vin": "5TFHY5F13KX799310", "year": "2019", "make": "Toyota", "model": "Tundra",
        "color": "Silver", "body_style": "Crew Cab Pickup", "license_plate": "ABC1234",
        "mileage": "61200", "mileage_date": "2024-03-01", "purchase_date": "2019-06-15",
        "condition": "USED", "dealer_code": "ATL-001", "updated_at": "2024-03-06T00:00:00Z",
    },
    "appointments": {
        "appointment_key": "A300", "appointment_id": "A300", "dealer_id": "DEMO1",
        "appointment_type": "SERVICE", "status": "BOOKED",
        "scheduled_at": "2024-03-20T09:00:00Z", "scheduled_end": "2024-03-20T10:00:00Z",
        "duration_minutes": "60", "service_requested": "Oil change; rotate tires",
        "customer_id": "C100042", "first_name": "María", "last_name": "Núñez",
        "email": "maria.nunez@example.com", "home_phone": "214-555-0101",
        "mobile_phone": "469-555-0103", "vin": "5TFHY5F13KX799310", "year": "2019",
        "make": "Toyota", "model": "Tundra", "advisor": "Sam Lee", "source": "CRM",
        "created_at": "2024-03-05T00:00:00Z", "updated_at": "2024-03-05T00:00:00Z",
    },
    "vehicle_invoices": {
        "vehicle_invoice_key": "D7000", "vehicle_invoice_id": "D7000", "deal_number": "D7000",
        "invoice_type": "VEHICLE_SALE", "status": "ISSUED", "payment_status": "PAID",
        "customer_id": "C100042", "vin": "1HGCM82633A004352", "stock_number": "S512",
        "year": "2021", "make": "Toyota", "model": "RAV4", "salesperson": "Pat Kim",
        "lender": "Ally Financial", "deal_date": "2024-03-03", "delivery_date": "2024-03-05",
        "sale_price": "28995.00", "currency_code": "USD", "version": "4",
        "payment_method": "FINANCE", "down_payment": "3000.00", "amount_financed": "26500.00",
        "term_months": "72", "monthly_payment": "441.09", "apr": "5.99", "money_factor": "0.00125",
        "residual": "15400.00", "products": "GAP=695.00; Service Contract=1995.00",
        "trade_vin": "1FADP5AU6DL536022", "trade_year": "2013", "trade_make": "Ford",
        "trade_model": "C-Max", "trade_mileage": "88120", "trade_condition": "GOOD",
        "trade_value": "6500.00", "trade_payoff": "2150.00", "trade_lienholder": "Chase Auto",
        "updated_at": "2024-03-05T14:00:00Z",
    },
    "credit_authorizations": {
        "credit_authorization_key": "CA-0001", "credit_authorization_id": "CA100001",
        "status": "AUTHORIZED", "auth_type": "STANDARD_AUTH", "customer_id": "C100042",
        "customer_name": "María Núñez", "lender": "Ally Financial", "deal_number": "D7000",
        "purchase_order_number": "PO-7000", "amount": "25000.00", "currency_code": "USD",
        "auth_number": "62", "auth_code": "AUTH123456", "pre_auth_number": "PA-2024-000123",
        "transaction_number": "22", "authorized_at": "2024-03-03T15:00:00Z",
        "program_code": "STD60", "program_name": "Standard 60 months",
        "address_verification": "VERIFIED", "updated_at": "2024-03-03T15:05:00Z",
    },
}  # fmt: skip
TARGETS = [star.RECORD, star.CREATE, star.UPDATE]


def _spec(name: str) -> str:
    return star.domain(name).spec_file.removesuffix(".yaml")


def _schema(name: str, target: str) -> str:
    d = star.domain(name)
    return {star.RECORD: d.schema, star.CREATE: d.create_schema, star.UPDATE: d.update_schema}[
        target
    ]


def test_rows_cover_every_field() -> None:
    assert set(ROWS) == set(star.DOMAINS)
    for name, row in ROWS.items():
        assert list(row) == list(star.domain(name).field_names), name


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", list(ROWS))
def test_round_trip_and_valid_against_the_spec(name: str, target: str) -> None:
    d = star.domain(name)
    row = ROWS[name]
    body = star.unflatten(name, row, target)
    assert schema_errors(_spec(name), _schema(name, target), body) == []
    back = star.flatten(name, body)
    carried = {f for f in d.writable(target)}
    assert {k: v for k, v in back.items() if k in carried} == {
        k: v for k, v in row.items() if k in carried
    }
    assert all(v == "" for k, v in back.items() if k not in carried)


@pytest.mark.parametrize("name", list(ROWS))
def test_create_body_is_the_default_and_round_trips_whole(name: str) -> None:
    row = {k: v for k, v in ROWS[name].items() if k in star.domain(name).writable(star.CREATE)}
    assert star.flatten(name, star.unflatten(name, row)) == {
        f: row.get(f, "") for f in star.domain(name).field_names
    }


@pytest.mark.parametrize("name", list(ROWS))
def test_each_field_alone_is_valid(name: str) -> None:
    """Only what we have is sent, and any single field makes a valid update body."""
    d = star.domain(name)
    for f in d.writable(star.UPDATE):
        if not ROWS[name][f]:
            continue
        body = star.unflatten(name, {f: ROWS[name][f]}, star.UPDATE)
        assert body, f
        assert schema_errors(_spec(name), d.update_schema, body) == [], f
        assert star.flatten(name, body)[f] == ROWS[name][f]
    assert star.unflatten(name, {}, star.UPDATE) in ({}, {"customer": _EMPTY_SNAPSHOT})


_EMPTY_SNAPSHOT = {"name": {"first_name": "", "last_name": ""}, "contact_method": []}


def test_update_bodies_carry_no_ids_or_read_only_fields() -> None:
    for name, row in ROWS.items():
        d = star.domain(name)
        props = set(star_spec(_spec(name))["components"]["schemas"][d.update_schema]["properties"])
        body = star.unflatten(name, row, star.UPDATE)
        assert set(body) <= props, (name, set(body) - props)
        assert d.key_field not in body and d.id_field not in body


def test_business_customer_and_nested_choices() -> None:
    row = {
        "customer_key": "K-9",
        "customer_type": "BUSINESS",
        "company_name": "Acme Fleet LLC",
        "address_line1": "9 Industrial Way",
        "work_phone": "555-010-0009",
    }
    body = star.unflatten("customers", row)
    party = body["party_references"][0]
    assert party["party_type"] == "CUSTOMER" and party["org_indicator"] is True
    assert party["address_references"][0]["address_types"] == ["BUSINESS"]
    assert party["communication_channels"] == [
        {"communication_channel_type": "PHONE", "label": "Work", "value": "555-010-0009"}
    ]
    assert schema_errors("customer", "CustomerCreate", body) == []


def test_phones_and_addresses_are_picked_by_their_type_codes() -> None:
    record = {
        "party_references": [
            {"party_type": "DEALER", "party_name": "Northside Chevrolet"},
            {
                "party_type": "CUSTOMER",
                "individual_name": {"given_name": "Ann", "family_name": "Lee"},
                "address_references": [
                    {"address_types": ["BILLING"], "city": "Billing Town"},
                    {"address_types": ["SHIPPING", "RESIDENCE"], "city": "Home Town"},
                ],
                "communication_channels": [
                    {"communication_channel_type": "EMAIL", "value": "old@example.com"},
                    {
                        "communication_channel_type": "EMAIL",
                        "value": "new@example.com",
                        "preferred_indicator": True,
                    },
                    {"communication_channel_type": "PHONE", "label": "office", "value": "1"},
                    {"communication_channel_type": "VOICE", "value": "2"},
                    {"communication_channel_type": "SMS", "value": "3"},
                    {"communication_channel_type": "FAX", "value": "4"},
                ],
            },
        ]
    }
    row = star.flatten("customers", record)
    assert (row["first_name"], row["last_name"], row["company_name"]) == ("Ann", "Lee", "")
    assert row["city"] == "Home Town"
    assert (row["work_phone"], row["home_phone"], row["mobile_phone"]) == ("1", "2", "3")
    assert row["email"] == "new@example.com"


# --- the spec's own examples -----------------------------------------------------------
EXPECTED_FROM_EXAMPLES = {
    "customers": {"first_name": "Alice", "last_name": "Smith", "city": "Atlanta", "zip": "30303"},
    "inventory_vehicles": {"vin": "1FT8W3BT6SEC12345", "stock_number": "F12345", "year": "2026"},
    "service_vehicles": {"vin": "1FT8W3BT6SEC12345", "make": "Ford", "mileage": "100000"},
    "appointments": {"first_name": "John", "last_name": "Doe", "appointment_type": "SERVICE"},
    "vehicle_invoices": {"invoice_type": "INVOICE", "updated_at": "2026-08-06T15:24:16Z"},
    "credit_authorizations": {"auth_code": "AUTH123456", "updated_at": "2026-07-30T19:20:48Z"},
}


@pytest.mark.parametrize("name", list(ROWS))
def test_flatten_reads_objects_built_from_the_spec_examples(name: str) -> None:
    d = star.domain(name)
    for schema in (d.schema, d.create_schema, d.update_schema):
        example = example_of(_spec(name), schema)
        row = star.flatten(name, example)
        assert set(row) == set(d.field_names)
        assert all(isinstance(v, str) for v in row.values())
    row = star.flatten(name, example_of(_spec(name), d.schema))
    for field, value in EXPECTED_FROM_EXAMPLES[name].items():
        assert row[field] == value, field


# --- hostile and odd input -------------------------------------------------------------
@pytest.mark.parametrize("bad", [None, "customer", 42, ["a"], b"{}"])
def test_flatten_refuses_non_objects_readably(bad: Any) -> None:
    with pytest.raises(StarError, match="must be a JSON object"):
        star.flatten("customers", bad)


def test_unknown_domain_and_target() -> None:
    with pytest.raises(StarError, match=r"Unknown STAR domain 'leads'.*customers"):
        star.flatten("leads", {})
    with pytest.raises(StarError, match="Unknown STAR body"):
        star.unflatten("customers", {}, "delete")
    with pytest.raises(StarError, match="mapping"):
        star.unflatten("customers", ["x"])  # type: ignore[arg-type]


ODD_RECORDS: list[Any] = [
    {"party_references": "nope"},
    {"party_references": [None, 5, "x", {"individual_name": ["Ann"]}]},
    {"party_references": [{"communication_channels": {"value": "x"}}]},
    {"party_references": [{"address_references": [[], {"address_types": "HOME"}]}]},
    {"authorization_levels": [{"auth_codes": "EMAIL", "authorized_indicator": "maybe"}]},
    {"customer_id": {"nested": 1}, "customer_key": ["k"], "identifiers": None},
    {"vehicle_medias": [None, {"media_href": 5}], "inventory_status_types": "AVAILABLE"},
    {"vehicle_price_summaries": [{"price": {"price_types": "MSRP"}}], "odometer": 12},
    {"customer": {"name": None, "contact_method": [{"contact_type": None}]}, "audit": "x"},
]


@pytest.mark.parametrize("name", list(ROWS))
@pytest.mark.parametrize("record", ODD_RECORDS)
def test_odd_shapes_read_as_empty_not_crash(name: str, record: Any) -> None:
    row = star.flatten(name, record)
    assert set(row) == set(star.domain(name).field_names)
    assert all(isinstance(v, str) for v in row.values())


def test_wrong_types_become_text() -> None:
    row = star.flatten(
        "inventory_vehicles",
        {
            "inventory_vehicle_key": 123,
            "inventory_days": 4.0,
            "vehicle_notes": True,
            "odometer": {"value": 1.5e300},
            "vehicle_identifier": {"model_year": float("nan"), "vin": "  spaced  "},
            "vehicle_medias": [{"media_href": 5}, {"media_href": "https://x/1.jpg"}],
        },
    )
    assert row["inventory_vehicle_key"] == "123"
    assert row["days_in_stock"] == "4"
    assert row["description"] == "true"
    assert row["mileage"] == repr(1.5e300)
    assert row["year"] == ""
    assert row["vin"] == "  spaced  "
    assert row["photo_urls"] == "5 https://x/1.jpg"


def test_timestamps_are_normalised_to_utc_and_garbage_kept() -> None:
    record = {"party_references": [{"occurrence_date_time": "2024-03-08T03:00:00+02:00"}]}
    assert star.flatten("customers", record)["updated_at"] == "2024-03-08T01:00:00Z"
    record = {"party_references": [{"occurrence_date_time": "last tuesday"}]}
    assert star.flatten("customers", record)["updated_at"] == "last tuesday"


@pytest.mark.parametrize(
    ("name", "row", "words"),
    [
        ("appointments", {"duration_minutes": "an hour"}, "duration_minutes: 'an hour'"),
        ("customers", {"opt_in_email": "sometimes"}, "opt_in_email: 'sometimes' is not Y/N"),
        ("customers", {"customer_type": "ALIEN"}, "INDIVIDUAL or BUSINESS"),
        ("customers", {"birth_date": "1984-07-09"}, "customer_key is required"),
        ("inventory_vehicles", {"date_in_stock": "31/12/2024"}, "date_in_stock: '31/12/2024'"),
        ("service_vehicles", {"mileage_date": "soon"}, "mileage_date"),
        ("credit_authorizations", {"authorized_at": "noon"}, "authorized_at: 'noon'"),
        ("appointments", {"dealer_id": "D"}, "appointment_type, scheduled_at, last_name are"),
    ],
)
def test_unflatten_says_which_field_is_wrong(name: str, row: dict[str, str], words: str) -> None:
    target = star.UPDATE if "required" not in words and " are" not in words else star.CREATE
    with pytest.raises(StarError, match=words):
        star.unflatten(name, {**_keys(name), **row} if target == star.UPDATE else row, target)


def _keys(name: str) -> dict[str, str]:
    d = star.domain(name)
    return {d.key_field: ROWS[name][d.key_field]}


def test_unflatten_skips_empty_and_missing_values() -> None:
    row: dict[str, Any] = {
        "customer_key": "K1",
        "first_name": None,
        "last_name": math.nan,
        "email": "   ",
        "city": "Ødense",
        "mileage": 12,
    }
    body = star.unflatten("customers", row)
    assert body == {
        "customer_key": "K1",
        "party_references": [
            {
                "party_type": "CUSTOMER",
                "address_references": [{"address_types": ["HOME"], "city": "Ødense"}],
            }
        ],
    }
    assert star.unflatten("inventory_vehicles", {"mileage": 12}, star.UPDATE) == {
        "odometer": {"value": "12", "uom": "MILES"}
    }


def test_date_fields_accept_a_timestamp() -> None:
    body = star.unflatten("vehicle_invoices", {"deal_date": "2024-03-03T17:30:00-05:00"}, "update")
    assert body["invoice_date_time"] == "2024-03-03T22:30:00Z"
    assert star.flatten("vehicle_invoices", body)["deal_date"] == "2024-03-03"


def test_fields_present_sees_nulls_of_a_merge_patch() -> None:
    patch = {"party_references": [{"individual_name": {"given_name": None}, "party_name": ""}]}
    assert star.fields_present("customers", patch) == {"first_name", "company_name"}
    assert star.fields_present("customers", "x") == set()


# --- envelopes -------------------------------------------------------------------------
def test_list_and_single_envelopes() -> None:
    page = star.read_page(
        "customers", {"data": [{"customer_id": "C1"}, "junk"], "has_more": True, "total_count": 9}
    )
    assert page.records == [{"customer_id": "C1"}]
    assert (page.has_more, page.total, page.next_cursor) == (True, 9, "")
    cursor = star.read_page("appointments", {"data": [], "has_more": False, "next_cursor": "abc"})
    assert cursor.next_cursor == "abc" and cursor.total is None
    with pytest.raises(StarError, match="no 'data' array"):
        star.read_page("customers", {"items": []})
    assert star.read_single("customers", {"customer_id": "C1"}) == {"customer_id": "C1"}
    assert star.read_single("appointments", {"data": {"appointment_id": "A1"}}) == {
        "appointment_id": "A1"
    }
    assert star.wrap_single("appointments", {"a": 1}) == {"data": {"a": 1}}
    assert star.wrap_single("customers", {"a": 1}) == {"a": 1}
    with pytest.raises(StarError):
        star.read_single("appointments", {"appointment_id": "A1"})


def test_envelopes_match_the_specs() -> None:
    for name, d in star.DOMAINS.items():
        doc = star_spec(_spec(name))
        get_list = doc["paths"][d.collection]["get"]
        if d.paging == "offset":
            ref = get_list["responses"]["200"]["$ref"].split("/")[-1]
            schema = doc["components"]["responses"][ref]["content"]["application/json"]["schema"]
            props = schema["properties"]
            limit = doc["components"]["parameters"]["LimitQuery"]["schema"]["maximum"]
        else:
            ref = get_list["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
            props = doc["components"]["schemas"][ref.split("/")[-1]]["properties"]
            limit = next(p for p in get_list["parameters"] if p["name"] == "limit")["schema"][
                "maximum"
            ]
            assert d.list_envelope.next_cursor in props
        assert props[d.list_envelope.records]["items"]["$ref"].endswith("/" + d.schema)
        assert {d.list_envelope.has_more, d.list_envelope.total} <= set(props)
        assert limit == d.limit_max
        key_param = "{" + d.key_field.replace("_", "-") + "}"
        item_path = f"{d.collection}/{key_param}"
        if name == "appointments":
            item_path = f"{d.collection}/{{{d.key_field}}}"
        assert {"get", "put", "patch"} <= set(doc["paths"][item_path]), name
        assert d.patch_media_type in doc["paths"][item_path]["patch"]["requestBody"]["content"]
        servers = [s["url"] for s in doc.get("servers", [])]
        assert not servers or all(u.endswith(star.BASE_PATH) for u in servers)


# --- the filter parameter ----------------------------------------------------------------
def test_filter_format_is_the_specs_example() -> None:
    param = star_spec("customer")["components"]["parameters"]["FilterQuery"]
    assert param["schema"]["example"] == "sdate:2026-02-09,edate:2026-02-09"
    assert star.sdate_edate_filter("2026-02-09", "2026-02-09") == param["schema"]["example"]
    parsed = star.parse_filter(param["schema"]["example"])
    assert parsed == star.DateFilter(date(2026, 2, 9), date(2026, 2, 9))
    assert parsed.bounds() == ("2026-02-09T00:00:00Z", "2026-02-10T00:00:00Z")


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        (datetime(2024, 3, 8, 1, tzinfo=UTC), None, "sdate:2024-03-08"),
        (datetime(2024, 3, 8, 23, 30), None, "sdate:2024-03-08"),  # naive = UTC
        (
            datetime(2024, 3, 8, 23, 30, tzinfo=timezone(timedelta(hours=-5))),
            None,
            "sdate:2024-03-09",
        ),
        ("2024-03-08T01:00:00Z", "2024-03-09T00:00:00Z", "sdate:2024-03-08,edate:2024-03-09"),
        ("2024-03-08", date(2024, 12, 31), "sdate:2024-03-08,edate:2024-12-31"),
        ("2024-03-08T01:00:00+02:00", None, "sdate:2024-03-07"),
    ],
)
def test_sdate_edate_filter(since: Any, until: Any, expected: str) -> None:
    text = star.sdate_edate_filter(since, until)
    assert text == expected
    assert len(text) <= 100
    assert star.parse_filter(text).sdate is not None


@pytest.mark.parametrize(
    ("since", "until", "words"),
    [
        ("yesterday", None, "since: 'yesterday'"),
        ("", None, "since"),
        ("2024-03-09", "2024-03-08", "before since"),
        ("2024-13-01", None, "not a date"),
    ],
)
def test_sdate_edate_filter_errors(since: Any, until: Any, words: str) -> None:
    with pytest.raises(StarError, match=words):
        star.sdate_edate_filter(since, until)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("sdate=2024-03-01", "not understood"),
        ("status:OPEN", "not understood"),
        ("sdate:2024-3-1", "not a YYYY-MM-DD date"),
        ("sdate:2024-03-01,sdate:2024-03-02", "given twice"),
        ("sdate:2024-03-02,edate:2024-03-01", "edate is before sdate"),
        ("sdate:2024-03-01," + "x" * 100, "longer than 100"),
    ],
)
def test_parse_filter_errors(text: str, words: str) -> None:
    with pytest.raises(StarError, match=words):
        star.parse_filter(text)


def test_parse_filter_open_ends() -> None:
    assert star.parse_filter("") == star.DateFilter()
    assert star.parse_filter(" EDATE:2024-03-01 ").bounds() == ("", "2024-03-02T00:00:00Z")


def test_from_to_params_for_appointments() -> None:
    assert star.from_to_params("2024-03-08T03:00:00+02:00") == {"from": "2024-03-08T01:00:00Z"}
    assert star.from_to_params(datetime(2024, 3, 8), "2024-03-09T00:00:00Z") == {
        "from": "2024-03-08T00:00:00Z",
        "to": "2024-03-09T00:00:00Z",
    }
    with pytest.raises(StarError, match="until"):
        star.from_to_params("2024-03-08", "later")


# --- errors --------------------------------------------------------------------------------
def test_error_detail_from_the_spec_example_in_plain_words() -> None:
    example = example_of("customer", "ErrorDetail")
    words = star.describe_error(example)
    assert words == (
        "The DMS refused the record: Personnel Record with ID PR-1234567 was not found. — "
        "payrollId: must be unique (sent '12345') (code NOT_FOUND_PR)"
    )


def test_other_error_shapes() -> None:
    problem = example_of("customer", "ProblemDetail")
    assert star.error_message(problem).startswith(
        "The export request could not be processed due to business constraints. — "
        "#/vehicle_license/plate_number: The plate number must be alphanumeric"
    )
    assert star.error_message({"code": 404, "message": "no customer with id 'X'"}) == (
        "no customer with id 'X' (code 404)"
    )
    said_twice = star.error_body(409, "deal 20139 is booked", timestamp="t", trace_id="x",
                                 field="invoice_status_type")  # fmt: skip
    assert star.error_message(said_twice) == (
        "deal 20139 is booked — invoice_status_type (code CONFLICT)"
    )  # the field's issue repeated the message: said once
    assert star.error_message("<html>Bad Gateway</html>") == "<html>Bad Gateway</html>"
    assert star.error_message(b"") == "no details given"
    assert star.error_message(None) == "no details given"
    assert star.error_message({"details": "x", "violations": [None]}) == "no message given"
    assert len(star.error_message("x" * 5000)) == 300
    assert star.describe_error({"message": "Nope"}, system="The CRM", what="the lead") == (
        "The CRM refused the lead: Nope"
    )


def test_error_body_is_a_valid_error_detail() -> None:
    for status in (400, 401, 404, 409, 422, 429, 500, 503, 418):
        body = star.error_body(
            status,
            "Transaction-ID header is required",
            timestamp="2024-03-08T01:00:00Z",
            trace_id="57c31110-859a-11ec-a8a3-0242ac120002",
            field="Transaction-ID",
            rejected_value="",
        )
        assert schema_errors("customer", "ErrorDetail", body) == [], status
    body = star.error_body(
        400, "bad", timestamp="t", trace_id="x", field="filter", rejected_value="s"
    )
    assert body["details"] == [{"field": "filter", "issue": "bad", "rejected_value": "s"}]
    assert star.error_message(body) == "bad — filter (sent 's') (code BAD_REQUEST)"


# --- headers -------------------------------------------------------------------------------
def _spec_required_headers(spec: str, path: str, method: str) -> tuple[str, ...]:
    doc = star_spec(spec)
    params = doc.get("components", {}).get("parameters", {})
    names = []
    for p in doc["paths"][path][method].get("parameters", []):
        p = params[p["$ref"].split("/")[-1]] if "$ref" in p else p
        if p.get("in") == "header" and p.get("required"):
            names.append(p["name"])
    return tuple(names)


@pytest.mark.parametrize("name", list(ROWS))
def test_required_headers_are_the_specs(name: str) -> None:
    d = star.domain(name)
    spec = _spec(name)
    item = next(p for p in star_spec(spec)["paths"] if p.startswith(d.collection + "/{"))
    for path, method in [(d.collection, "get"), (item, "get")]:
        assert set(star.required_headers(name, method)) == set(
            _spec_required_headers(spec, path, method)
        )
    for path, method in [(d.collection, "post"), (item, "put"), (item, "patch")]:
        assert set(star.required_headers(name, method)) == set(
            _spec_required_headers(spec, path, method)
        )


def test_header_problems_and_builder() -> None:
    headers = star.star_headers(
        transaction_id="t-1", correlation_id="550e8400-e29b-41d4-a716-446655440000"
    )
    for name in star.DOMAINS:
        for method in ("GET", "POST", "PATCH"):
            assert star.header_problems(name, method, headers) == []
    lower = {k.lower(): v for k, v in headers.items()}
    assert star.header_problems("customers", "get", lower) == []
    missing = {k: v for k, v in headers.items() if k != "Source-System"}
    assert star.header_problems("customers", "GET", missing) == ["Source-System header is required"]
    assert star.header_problems("inventory_vehicles", "GET", missing) == []
    bad = {
        **headers,
        "Correlation-ID": "abc",
        "Org-Version": "2026 01",
        "Source-System": "X",
        "Preference-Applied": " ",
    }
    assert star.header_problems("vehicle_invoices", "GET", bad) == [
        "Correlation-ID header must be a UUID",
        "Org-Version header must be 1-20 letters, digits, dots or dashes",
        "Preference-Applied header is required",
        "Source-System header must be 2 to 25 characters",
    ]
    assert star.header_problems("appointments", "POST", {}) == []


# --- the path language ------------------------------------------------------------------
def test_paths_get_and_put() -> None:
    body: dict[str, Any] = {}
    paths.put(body, "a[kind=X|Y;tags[]:=T].b.c[]", "v")
    assert body == {"a": [{"kind": "X", "tags": ["T"], "b": {"c": ["v"]}}]}
    assert paths.get(body, "a[kind=y|x].b.c[]") == "v"
    assert paths.get(body, "a[kind=Z].b") is None
    assert paths.get(body, "a[kind=Z;*].b") == {"c": ["v"]}
    assert paths.get(body, "a[tags[]=t].kind") == "X"
    assert paths.get(body, "a[kind!].kind") is None
    assert paths.has(body, "a[].b") and not paths.has(body, "a[].q")
    with pytest.raises(ValueError, match="bad path step"):
        paths.parse("a..b")
