"""The simulated DMS in STAR REST: auth, required headers, list/paging/filter, get, create,
update per domain, every answer valid against the spec, one truth with the Fortellis-style
routes, and fault injection."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.formats import star
from app.sandbox.servers import SandboxServers
from tests.support.sandbox_api import client, dms_headers, dms_token
from tests.support.star_specs import operation_response_errors, schema_errors, star_spec

DOMAINS = list(star.DOMAINS)


def _spec(domain: str) -> str:
    return star.domain(domain).spec_file.removesuffix(".yaml")


def _item_path(domain: str) -> str:
    d = star.domain(domain)
    return next(p for p in star_spec(_spec(domain))["paths"] if p.startswith(d.collection + "/{"))


class Star:
    """A STAR client of the sandbox DMS (bearer token, every STAR header)."""

    def __init__(self, servers: SandboxServers) -> None:
        info = servers.servers["dms"]
        self.servers = servers
        self.dms_url = info.url
        self.base = info.url + info.credentials["star_base_path"]
        self.api_key = info.credentials["star_api_key"]
        self.token = dms_token(info.url, info.credentials)
        self.http = client(timeout=10)

    def headers(self, **extra: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token}",
            **star.star_headers(transaction_id="tx-1", correlation_id=str(uuid.uuid4())),
            **extra,
        }

    def url(self, domain: str, key: str = "") -> str:
        return f"{self.base}{star.domain(domain).collection}" + (f"/{key}" if key else "")

    def get(self, domain: str, key: str = "", **params: Any) -> httpx.Response:
        return self.http.get(self.url(domain, key), params=params, headers=self.headers())

    def send(
        self, method: str, domain: str, body: Any, key: str = "", **headers: str
    ) -> httpx.Response:
        return self.http.request(
            method, self.url(domain, key), json=body, headers=self.headers(**headers)
        )

    def all_keys(self, domain: str, limit: int = 7) -> list[str]:
        d = star.domain(domain)
        keys: list[str] = []
        offset = 0
        while True:
            body = self.get(domain, limit=limit, offset=offset).json()
            keys += [star.flatten(domain, r)[d.key_field] for r in body["data"]]
            offset += limit
            if not body["has_more"]:
                return keys


@pytest.fixture
def api(servers: SandboxServers) -> Iterator[Star]:
    s = Star(servers)
    yield s
    s.http.close()


def assert_valid(domain: str, method: str, path: str, response: httpx.Response) -> None:
    errors = operation_response_errors(
        _spec(domain), path, method, response.status_code, response.json()
    )
    assert errors == [], (domain, method, response.status_code, errors[:5])


def assert_star_error(response: httpx.Response, status: int, words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert schema_errors("customer", "ErrorDetail", body) == [], body
    assert words in body["message"], body
    return body


NEW_ROWS: dict[str, dict[str, str]] = {
    "customers": {
        "customer_key": "CRM-K000077",
        "customer_type": "INDIVIDUAL",
        "first_name": "Zoë",
        "last_name": "Ångström",
        "email": "zoe@example.com",
        "mobile_phone": "214-555-0199",
        "city": "Plano",
        "state": "TX",
        "zip": "75024",
        "opt_in_email": "Y",
    },
    "inventory_vehicles": {
        "inventory_vehicle_key": "1FT8W3BT6SEC12345",
        "vin": "1FT8W3BT6SEC12345",
        "stock_number": "F12345",
        "condition": "NEW",
        "year": "2026",
        "make": "Ford",
        "model": "F-350",
        "price": "71995.00",
        "status": "AVAILABLE",
    },
    "service_vehicles": {
        "service_vehicle_key": "GARAGE-1",
        "customer_id": "C100002",
        "vin": "5TFHY5F13KX799310",
        "year": "2019",
        "make": "Toyota",
        "model": "Tundra",
        "mileage": "61200",
        "purchase_date": "2019-06-15",
    },
    "appointments": {
        "dealer_id": "ROOFTOP-DEMO",
        "appointment_type": "SERVICE",
        "scheduled_at": "2024-04-02T15:30:00Z",
        "service_requested": "Brake noise",
        "customer_id": "C100003",
        "first_name": "First2",
        "last_name": "Last2",
        "vin": "5TFHY5F13KX799310",
    },
    "vehicle_invoices": {
        "vehicle_invoice_key": "INV-2024-0001",
        "invoice_type": "VEHICLE_SALE",
        "status": "PENDING_APPROVAL",
        "customer_id": "C100004",
        "vin": "1HGCM8263AA00000B",
        "salesperson": "Pat Kim",
        "deal_date": "2024-04-01",
        "sale_price": "25500.00",
    },
    "credit_authorizations": {
        "credit_authorization_key": "CA-KEY-1",
        "status": "AUTHORIZED",
        "auth_type": "STANDARD_AUTH",
        "customer_id": "C100005",
        "lender": "Ally Financial",
        "deal_number": "D7001",
        "amount": "20000.00",
        "currency_code": "USD",
        "auth_code": "AUTH123456",
    },
}
CHANGES: dict[str, dict[str, str]] = {
    "customers": {"email": "changed@example.com", "city": "Frisco"},
    "inventory_vehicles": {"price": "19999.00", "status": "RESERVED"},
    "service_vehicles": {"mileage": "70000", "color": "Red"},
    "appointments": {"scheduled_at": "2024-04-03T16:00:00Z", "advisor": "Sam Lee"},
    "vehicle_invoices": {"status": "ISSUED", "salesperson": "Lee Ray"},
    "credit_authorizations": {"status": "CAPTURED", "amount": "19500.00"},
}


def _create(api: Star, domain: str, **headers: str) -> httpx.Response:
    return api.send("POST", domain, star.unflatten(domain, NEW_ROWS[domain]), **headers)


# --- auth and headers ----------------------------------------------------------------
def test_auth_bearer_or_api_key(api: Star) -> None:
    headers = {k: v for k, v in api.headers().items() if k != "Authorization"}
    url = api.url("customers")
    assert_star_error(api.http.get(url, headers=headers), 401, "bearer")
    wrong = api.http.get(url, headers={**headers, "X-API-KEY": "nope"})
    assert_star_error(wrong, 401, "X-API-KEY")
    ok = api.http.get(url, headers={**headers, "X-API-KEY": api.api_key})
    assert ok.status_code == 200
    assert ok.headers["Transaction-ID"] == "tx-1"
    assert api.http.get(url, headers={**headers, "Authorization": "Bearer x"}).status_code == 401
    # the Fortellis routes still want their own headers; STAR needs no Subscription-Id
    assert api.http.get(f"{api.dms_url}/customers", headers=api.headers()).status_code == 403


@pytest.mark.parametrize(
    ("domain", "method", "header"),
    [
        ("customers", "GET", "Preference-Applied"),
        ("customers", "POST", "Transaction-ID"),
        ("inventory_vehicles", "GET", "Correlation-ID"),
        ("service_vehicles", "PATCH", "Source-System"),
        ("vehicle_invoices", "GET", "Standards-Version"),
        ("credit_authorizations", "POST", "Org-Version"),
    ],
)
def test_missing_required_header_is_a_star_400(
    api: Star, domain: str, method: str, header: str
) -> None:
    headers = {k: v for k, v in api.headers().items() if k != header}
    key = "" if method != "PATCH" else "V0"
    body = None if method == "GET" else {}
    r = api.http.request(method, api.url(domain, key), json=body, headers=headers)
    error = assert_star_error(r, 400, f"{header} header is required")
    assert error["details"][0]["field"] == header
    assert error["category"] == "VALIDATION"


def test_headers_the_spec_does_not_require_are_not_checked(api: Star) -> None:
    bare = {"Authorization": f"Bearer {api.token}"}
    assert api.http.get(api.url("appointments"), headers=bare).status_code == 200
    no_source = {k: v for k, v in api.headers().items() if k != "Source-System"}
    assert api.http.get(api.url("inventory_vehicles"), headers=no_source).status_code == 200
    bad = api.headers(**{"Correlation-ID": "not-a-uuid"})
    r = api.http.get(api.url("customers"), headers=bad)
    assert_star_error(r, 400, "Correlation-ID header must be a UUID")


# --- reads -----------------------------------------------------------------------------
COUNTS = {
    "customers": 25,
    "inventory_vehicles": 12,
    "service_vehicles": 8,
    "appointments": 3,
    "vehicle_invoices": 4,
}


@pytest.mark.parametrize("domain", DOMAINS)
def test_list_pages_to_the_end_and_is_valid(api: Star, domain: str) -> None:
    d = star.domain(domain)
    if domain == "credit_authorizations":
        for n in range(5):
            row = {**NEW_ROWS[domain], "credit_authorization_key": f"CA-{n}"}
            assert api.send("POST", domain, star.unflatten(domain, row)).status_code == 201
    expected = COUNTS.get(domain, 5)
    first = api.get(domain, limit=2)
    assert first.status_code == 200
    assert_valid(domain, "get", d.collection, first)
    body = first.json()
    assert (len(body["data"]), body["has_more"], body["total_count"]) == (2, True, expected)
    keys = api.all_keys(domain, limit=2)
    assert len(keys) == expected == len(set(keys))
    rows = [star.flatten(domain, r) for r in api.get(domain).json()["data"]]
    stamps = [(r["updated_at"], r[d.id_field]) for r in rows]
    assert stamps == sorted(stamps)
    for key in keys[:3]:
        one = api.get(domain, key)
        assert one.status_code == 200, one.text
        assert_valid(domain, "get", _item_path(domain), one)
        assert one.headers["ETag"] and one.headers["Last-Modified"]
        assert star.flatten(domain, star.read_single(domain, one.json()))[d.key_field] == key


@pytest.mark.parametrize("domain", DOMAINS)
def test_limit_offset_bounds_and_unknown_key(api: Star, domain: str) -> None:
    d = star.domain(domain)
    assert_star_error(api.get(domain, limit=d.limit_max + 1), 400, "limit must be 1 to")
    assert_star_error(api.get(domain, limit=0), 400, "limit must be 1 to")
    assert_star_error(api.get(domain, offset=-1), 400, "offset must be 0 or more")
    assert_star_error(api.get(domain, offset="x"), 400, "offset must be a whole number")
    assert api.get(domain, limit=d.limit_max).status_code == 200
    assert api.get(domain, offset=500).json()["data"] == []
    missing = api.get(domain, "NOPE-404")
    assert_star_error(missing, 404, "NOPE-404")


def test_default_limit_is_100(api: Star) -> None:
    assert len(api.get("customers").json()["data"]) == 25
    body = api.get("customers", limit=100).json()
    assert body["has_more"] is False


def test_filter_sdate_edate_is_inclusive_on_updated_at(api: Star) -> None:
    # fake customers: updated_at = 2024-03-(1 + i % 9) at hour i % 3
    body = api.get("customers", filter="sdate:2024-03-08,edate:2024-03-08").json()
    rows = [star.flatten("customers", r) for r in body["data"]]
    assert {r["updated_at"][:10] for r in rows} == {"2024-03-08"}
    assert body["total_count"] == len(rows) == 2  # customers 7 and 16
    since = api.get("customers", filter=star.sdate_edate_filter("2024-03-08T23:00:00Z")).json()
    assert since["total_count"] == 4  # the 8th and the 9th
    until = api.get("customers", filter="edate:2024-03-01").json()
    assert {star.flatten("customers", r)["updated_at"][:10] for r in until["data"]} == {
        "2024-03-01"
    }
    bad = api.get("customers", filter="since:yesterday")
    error = assert_star_error(bad, 400, "not understood")
    assert error["details"][0]["field"] == "filter"


def test_appointments_cursor_and_from_to(api: Star) -> None:
    first = api.get("appointments", limit=2).json()
    assert first["has_more"] is True and first["next_cursor"]
    rest = api.get("appointments", limit=2, cursor=first["next_cursor"]).json()
    assert rest["has_more"] is False and "next_cursor" not in rest
    ids = [r["appointment_id"] for r in first["data"] + rest["data"]]
    assert sorted(ids) == ["A300", "A301", "A302"]
    window = api.get(
        "appointments", **{"from": "2024-03-21T00:00:00Z", "to": "2024-03-21T23:59:59Z"}
    )
    assert [r["appointment_id"] for r in window.json()["data"]] == ["A301"]
    booked = api.get("appointments", appointment_status="BOOKED").json()
    assert booked["total_count"] == 3
    assert_star_error(api.get("appointments", cursor="garbage!"), 400, "cursor")
    view = api.get("appointments", "A300")
    assert_valid("appointments", "get", "/appointments/{appointment_key}", view)
    row = star.flatten("appointments", view.json()["data"])
    assert (row["first_name"], row["last_name"], row["status"]) == ("First0", "Last0", "BOOKED")
    assert row["scheduled_end"] == "2024-03-20T10:00:00Z"


# --- writes ----------------------------------------------------------------------------
@pytest.mark.parametrize("domain", DOMAINS)
def test_create_get_and_replay(api: Star, domain: str) -> None:
    d = star.domain(domain)
    created = _create(api, domain, **{"Idempotency-Key": "idem-1"})
    assert created.status_code == 201, created.text
    assert_valid(domain, "post", d.collection, created)
    row = star.flatten(domain, star.read_single(domain, created.json()))
    key = row[d.key_field]
    assert created.headers["Location"].endswith(f"{d.collection}/{key}")
    for name, value in NEW_ROWS[domain].items():
        if domain == "customers" and name == d.key_field:  # the DMS numbers its customers
            assert row[name] == row[d.id_field], name
            continue
        assert row[name] == value, name
    assert row[d.id_field]
    got = api.get(domain, key)
    assert star.flatten(domain, star.read_single(domain, got.json())) == row
    replay = _create(api, domain, **{"Idempotency-Key": "idem-1"})
    assert replay.status_code == 201
    assert (
        star.flatten(domain, star.read_single(domain, replay.json()))[d.id_field] == row[d.id_field]
    )
    total = api.get(domain).json()["total_count"]
    assert total == COUNTS.get(domain, 0) + 1
    if d.key_field in d.required_create:  # a client-chosen key is unique
        again = _create(api, domain)
        assert_star_error(again, 409, "already exists")


@pytest.mark.parametrize("domain", DOMAINS)
def test_patch_and_put(api: Star, domain: str) -> None:
    d = star.domain(domain)
    created = _create(api, domain)
    assert created.status_code == 201, created.text
    before = star.flatten(domain, star.read_single(domain, created.json()))
    key = before[d.key_field]
    patch = star.unflatten(domain, CHANGES[domain], star.UPDATE)
    r = api.send("PATCH", domain, patch, key)
    assert r.status_code == 200, r.text
    assert_valid(domain, "patch", _item_path(domain), r)
    after = star.flatten(domain, star.read_single(domain, r.json()))
    for name, value in CHANGES[domain].items():
        assert after[name] == value, name
    untouched = set(NEW_ROWS[domain]) - set(CHANGES[domain]) - {d.key_field}
    untouched &= set(d.writable(star.UPDATE))
    assert {n: after[n] for n in untouched} == {n: before[n] for n in untouched}
    assert after["updated_at"] >= before["updated_at"]
    stale = api.send("PATCH", domain, patch, key, **{"If-Match": '"not-the-etag"'})
    assert_star_error(stale, 412, "changed since you read it")
    # PUT replaces: what is not sent is cleared (the DMS keeps what it cannot clear)
    full = {**NEW_ROWS[domain], **CHANGES[domain]}
    put = api.send("PUT", domain, star.unflatten(domain, full, star.UPDATE), key)
    assert put.status_code == 200, put.text
    assert_valid(domain, "put", _item_path(domain), put)


def test_put_clears_fields_not_sent(api: Star) -> None:
    key = "C100001"
    body = star.unflatten("customers", {"first_name": "Only", "last_name": "Name"}, "update")
    r = api.send("PUT", "customers", body, key)
    row = star.flatten("customers", r.json())
    assert (row["first_name"], row["last_name"], row["email"], row["zip"]) == (
        "Only",
        "Name",
        "",
        "",
    )


def test_write_validation_errors_name_the_star_field(api: Star) -> None:
    bad = star.unflatten("customers", {"email": "not-an-email"}, "update")
    error = assert_star_error(api.send("PATCH", "customers", bad, "C100001"), 422, "email")
    assert error["details"][0]["field"].endswith(
        "communication_channels[communication_channel_type=EMAIL].value"
    )
    status = star.unflatten("vehicle_invoices", {"status": "DISPUTED"}, "update")
    assert_star_error(api.send("PATCH", "vehicle_invoices", status, "D7000"), 422, "DISPUTED")
    nobody = {**NEW_ROWS["appointments"], "customer_id": "C999999"}
    r = api.send("POST", "appointments", star.unflatten("appointments", nobody))
    assert_star_error(r, 422, "no DMS customer 'C999999'")
    r = api.http.post(api.url("customers"), content=b"{nope", headers=api.headers())
    assert_star_error(r, 400, "not valid JSON")
    no_key = star.unflatten("customers", {"customer_key": "x"})
    del no_key["customer_key"]
    assert_star_error(api.send("POST", "customers", no_key), 422, "customer_key: required")
    clear = {"scheduled_start": None}
    assert_star_error(api.send("PATCH", "appointments", clear, "A300"), 422, "cannot be emptied")


# --- one truth with the Fortellis-style routes --------------------------------------------
def test_a_change_in_either_dialect_is_seen_in_the_other(
    api: Star, servers: SandboxServers
) -> None:
    fortellis = dms_headers(servers)
    url = api.dms_url
    got = api.http.get(f"{url}/customers/C100003", headers=fortellis)
    changed = api.http.patch(
        f"{url}/customers/C100003",
        json={"email": "via.fortellis@example.com"},
        headers={**fortellis, "If-Match": got.headers["ETag"]},
    )
    assert changed.status_code == 200
    row = star.flatten("customers", api.get("customers", "C100003").json())
    assert row["email"] == "via.fortellis@example.com"
    assert row["updated_at"] == changed.json()["updatedAt"]
    # and back: STAR PATCH, Fortellis GET (the ETag moved with it)
    patch = star.unflatten("customers", {"mobile_phone": "469-555-0142"}, "update")
    assert api.send("PATCH", "customers", patch, "C100003").status_code == 200
    after = api.http.get(f"{url}/customers/C100003", headers=fortellis)
    assert after.json()["mobilePhone"] == "469-555-0142"
    assert after.headers["ETag"] != got.headers["ETag"]
    # a deal booked through STAR moves its stock unit, as a Fortellis PATCH would
    deal = api.http.get(f"{url}/deals/D7001", headers=fortellis).json()
    booked = star.unflatten("vehicle_invoices", {"status": "ISSUED"}, "update")
    assert api.send("PATCH", "vehicle_invoices", booked, "D7001").status_code == 200
    assert api.http.get(f"{url}/deals/D7001", headers=fortellis).json()["status"] == "BOOKED"
    unit = api.get("inventory_vehicles", deal["vin"]).json()
    assert star.flatten("inventory_vehicles", unit)["status"] == "SOLD"
    # a customer created through STAR is a DMS customer, with the next DMS number
    created = _create(api, "customers")
    new = star.flatten("customers", created.json())
    # the DMS's number is its key in every read (a deal names its customer by it), not
    # the key its creator sent
    assert new["customer_id"] == new["customer_key"] == "C100026"
    assert created.headers["Location"].endswith("/customers/C100026")
    listed = [star.flatten("customers", c) for c in api.get("customers").json()["data"]]
    assert {"C100026"} == {c["customer_key"] for c in listed if c["email"] == "zoe@example.com"}
    dms = api.http.get(f"{url}/customers/C100026", headers=fortellis).json()
    assert (dms["firstName"], dms["lastName"], dms["optInEmail"]) == ("Zoë", "Ångström", "Y")
    assert api.get("customers", "C100026").status_code == 200  # by DMS id
    by_key = api.get("customers", "CRM-K000077")  # by the creator's key, it is found
    assert star.flatten("customers", by_key.json())["customer_key"] == "C100026"


def test_credit_authorizations_are_exported(api: Star, servers: SandboxServers) -> None:
    assert _create(api, "credit_authorizations").status_code == 201
    stats = api.http.get(f"{api.dms_url}/_sandbox/stats").json()
    assert stats["counts"]["credit_authorizations"] == 1
    exported = api.http.get(f"{api.dms_url}/_sandbox/export/credit_authorizations").json()
    assert exported[0]["credit_authorization_id"] == "CA100000"
    assert api.http.post(f"{api.dms_url}/_sandbox/reset").status_code == 200
    assert api.get("credit_authorizations").json()["total_count"] == 0


# --- faults ------------------------------------------------------------------------------
def test_faults_apply_to_star_routes(api: Star, servers: SandboxServers) -> None:
    servers.set_faults("error_rate=1")
    r = api.get("customers")
    assert r.status_code in (500, 502, 503)
    assert_star_error(r, r.status_code, "simulated server fault")
    assert r.json()["category"] == "INFRASTRUCTURE"
    servers.set_faults("rate_limit_rate=1,burst=0,retry_after_s=2")
    limited = api.get("inventory_vehicles")
    assert_star_error(limited, 429, "too many requests")
    assert limited.headers["Retry-After"] == "2"
    servers.set_faults("drop_rate=1")
    with pytest.raises(httpx.TransportError):
        api.get("appointments")
    servers.set_faults("timeout_rate=1,timeout_s=3")
    with pytest.raises(httpx.TimeoutException):
        api.http.get(api.url("vehicle_invoices"), headers=api.headers(), timeout=0.5)
    servers.set_faults("")
    assert api.get("customers").status_code == 200
    stats = api.http.get(f"{api.dms_url}/_sandbox/stats").json()
    assert stats["requests"]["by_route"]["GET /v1/v1_0_0/customers"]["200"] >= 1
