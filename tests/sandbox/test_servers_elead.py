"""The simulated CRM's Elead routes: customers and opportunities over the CRM's own
contacts and leads, Elead's headers, the 7-day reach of searchDelta, the sub-operations,
Elead-shaped errors and faults; answers validate against the published specs' schemas."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.sandbox.servers import SandboxServers
from tests.support import elead_specs as specs
from tests.support.sandbox import export
from tests.support.sandbox_api import client

CUSTOMERS = specs.base_path("customers")
OPPORTUNITIES = specs.base_path("opportunities")


def crm_headers(servers: SandboxServers, request_id: str = "req-1") -> dict[str, str]:
    info = servers.servers["crm"]
    creds = info.credentials
    with client() as c:
        r = c.post(
            f"{info.url}{creds['token_path']}",
            data={"grant_type": "client_credentials"},
            auth=(creds["client_id"], creds["client_secret"]),
        )
    r.raise_for_status()
    return {
        "Authorization": f"Bearer {r.json()['access_token']}",
        "Subscription-Id": creds["elead_subscription_id"],
        "Request-Id": request_id,
    }


def api(servers: SandboxServers) -> tuple[httpx.Client, dict[str, str]]:
    c = client()
    c.base_url = httpx.URL(servers.servers["crm"].url)
    return c, crm_headers(servers)


def valid(name: str, operation_id: str, status: int, response: httpx.Response) -> Any:
    assert response.status_code == status, response.text
    if status == 204:
        return None
    body = response.json()
    problems = specs.problems(specs.answer_validator(name, operation_id, status), body)
    assert problems == [], problems
    return body


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_every_call_needs_a_token_the_subscription_and_a_request_id(
    servers: SandboxServers,
) -> None:
    c, headers = api(servers)
    with c:
        path = f"{OPPORTUNITIES}/searchDelta"
        params = {"dateFrom": ago(days=1)}
        valid(
            "opportunities",
            "Opportunities_SearchDelta",
            200,
            c.get(path, params=params, headers=headers),
        )
        no_token = {k: v for k, v in headers.items() if k != "Authorization"}
        valid(
            "opportunities",
            "Opportunities_SearchDelta",
            401,
            c.get(path, params=params, headers=no_token),
        )
        other = {**headers, "Subscription-Id": "someone-else"}
        refused = valid(
            "opportunities",
            "Opportunities_SearchDelta",
            403,
            c.get(path, params=params, headers=other),
        )
        assert "Subscription-Id" in refused["message"]
        no_id = {k: v for k, v in headers.items() if k != "Request-Id"}
        missing = valid(
            "opportunities",
            "Opportunities_SearchDelta",
            400,
            c.get(path, params=params, headers=no_id),
        )
        assert "Request-Id" in missing["message"]
        api_key = {"X-API-Key": servers.servers["crm"].credentials["api_key"]}
        assert c.get(path, params=params, headers={**no_token, **api_key}).status_code == 401


def test_customers_are_the_crm_contacts(servers: SandboxServers) -> None:
    c, headers = api(servers)
    contacts = sorted(export(servers, "crm", "contacts"), key=lambda r: r["contact_id"])
    with c:
        first = valid(
            "customers",
            "Customers_SearchCustomers",
            200,
            c.post(f"{CUSTOMERS}/search", params={"pageSize": 4}, json={}, headers=headers),
        )
        assert first["totalItems"] == len(contacts) and first["pageSize"] == 4
        assert [i["lastName"] for i in first["items"]] == [r["last_name"] for r in contacts[:4]]
        assert {link["rel"] for link in first["links"]} == {"first", "last", "next"}
        last = c.post(
            f"{CUSTOMERS}/search",
            params={"page": first["totalPages"], "pageSize": 4},
            json={},
            headers=headers,
        ).json()
        assert "next" not in {link["rel"] for link in last["links"]}
        someone = contacts[3]
        found = valid(
            "customers",
            "Customers_SearchCustomers",
            200,
            c.post(
                f"{CUSTOMERS}/search",
                json={"emailAddress": someone["email"].upper()},
                headers=headers,
            ),
        )
        assert [i["lastName"] for i in found["items"]] == [someone["last_name"]]
        ident = found["items"][0]["id"]
        one = valid(
            "customers",
            "Customers_GetCustomer",
            200,
            c.get(f"{CUSTOMERS}/{ident}", headers=headers),
        )
        assert one["emails"][0]["address"] == someone["email"]
        none = c.get(f"{CUSTOMERS}/{'0' * 8}-0000-0000-0000-{'0' * 12}", headers=headers)
        valid("customers", "Customers_GetCustomer", 404, none)
        # a change through the CRM's own routes shows in Elead, and the other way round
        crm_key = {"X-API-Key": servers.servers["crm"].credentials["api_key"]}
        patched = c.patch(
            f"/contacts/{someone['contact_id']}",
            json={"mobile": "313-555-0142", "sms_opt_out": "true"},
            headers=crm_key,
        )
        assert patched.status_code == 200, patched.text
        again = c.get(f"{CUSTOMERS}/{ident}", headers=headers).json()
        mobile = [p for p in again["phones"] if p["phoneType"] == "Cellular"]
        assert mobile[0]["number"] == "313-555-0142" and mobile[0]["doNotText"] is True
        body = {k: v for k, v in again.items() if k not in ("id", "links")}
        body.update(middleName="Q", title="Dr", birthday="1970-01-02T00:00:00Z")
        body["address"] = {
            "addressLine1": "9 Elm St",
            "city": "Flint",
            "state": "MI",
            "zip": "48502",
            "county": "Genesee",
        }
        updated = valid(
            "customers",
            "Customers_UpdateCustomer",
            200,
            c.post(f"{CUSTOMERS}/{ident}", json=body, headers=headers),
        )
        assert (updated["middleName"], updated["address"]["county"]) == ("Q", "Genesee")
        crm = {r["contact_id"]: r for r in export(servers, "crm", "contacts")}[
            someone["contact_id"]
        ]
        assert (crm["street"], crm["postal_code"]) == ("9 Elm St", "48502")


def test_create_customer_and_owned_vehicles(servers: SandboxServers) -> None:
    c, headers = api(servers)
    new = {
        "isBusiness": False,
        "title": "Ms",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "emails": [
            {
                "address": "ada@example.com",
                "emailType": "Personal",
                "isPreferred": True,
                "doNotEmail": True,
            }
        ],
        "phones": [
            {"number": "(313) 555-0199", "phoneType": "Work", "preferredTimeToContact": "Day"}
        ],
    }
    with c:
        made = valid(
            "customers",
            "Customers_CreateCustomer",
            200,
            c.post(f"{CUSTOMERS}/", json=new, headers=headers),
        )
        assert made["title"] == "Ms" and made["phones"][0]["phoneType"] == "Work"
        crm = [r for r in export(servers, "crm", "contacts") if r["email"] == "ada@example.com"]
        assert len(crm) == 1 and crm[0]["phone"] == "(313) 555-0199"
        assert crm[0]["email_opt_out"] == "true"
        for wrong in (
            {"lastName": ""},
            {"emails": [{"address": "x@example.com"}]},
            {"title": "Mrs."},
            {"birthday": "1970-01-02"},
        ):
            refused = c.post(f"{CUSTOMERS}/", json={**new, **wrong}, headers=headers)
            valid("customers", "Customers_CreateCustomer", 400, refused)
        empty = valid(
            "customers",
            "Customers_GetCustomerOwnedVehicles",
            200,
            c.get(f"{CUSTOMERS}/{made['id']}/ownedVehicles", headers=headers),
        )
        assert empty == {"items": []}
        crm_key = {"X-API-Key": servers.servers["crm"].credentials["api_key"]}
        deal = {
            "external_id": "D-1",
            "contact_id": crm[0]["contact_id"],
            "status": "Sold",
            "vin": "1C6SRFFT5KN600223",
            "vehicle_description": "2019 RAM 1500 Big Horn",
            "deal_date": "2025-06-01",
        }
        upserted = c.post("/deals/batch-upsert", json={"records": [deal]}, headers=crm_key)
        assert upserted.json()["summary"] == {"created": 1}, upserted.text
        owned = valid(
            "customers",
            "Customers_GetCustomerOwnedVehicles",
            200,
            c.get(f"{CUSTOMERS}/{made['id']}/ownedVehicles", headers=headers),
        )
        assert (owned["vin"], owned["year"], owned["make"], owned["model"]) == (
            "1C6SRFFT5KN600223",
            2019,
            "RAM",
            "1500 Big Horn",
        )
        assert owned["vehicleOwner"]["customerId"] == made["id"] and len(owned["items"]) == 1


def test_opportunity_reads_reach_back_seven_days_and_search_by_range(
    servers: SandboxServers,
) -> None:
    c, headers = api(servers)
    leads = export(servers, "crm", "leads")
    with c:
        old = c.get(
            f"{OPPORTUNITIES}/searchDelta", params={"dateFrom": ago(days=8)}, headers=headers
        )
        refused = valid("opportunities", "Opportunities_SearchDelta", 400, old)
        assert "7 days" in refused["message"]
        no_date = c.get(f"{OPPORTUNITIES}/searchDelta", headers=headers)
        valid("opportunities", "Opportunities_SearchDelta", 400, no_date)
        stamps = sorted(r["updated_at"] for r in leads)
        params = {"dateFrom": stamps[1], "dateTo": stamps[-2], "pageSize": 2}
        page = valid(
            "opportunities",
            "Opportunities_Search",
            200,
            c.get(f"{OPPORTUNITIES}/search", params=params, headers=headers),
        )
        inside = [r for r in leads if stamps[1] <= r["updated_at"] <= stamps[-2]]
        assert page["totalItems"] == len(inside) and len(page["items"]) == 2
        first = page["items"][0]
        lead = min(inside, key=lambda r: (r["updated_at"], r["lead_id"]))
        assert (first["source"], first["status"], first["dateIn"]) == (
            lead["source"],
            lead["status"],
            lead["created_at"],
        )
        assert first["upType"] == "Internet"  # the CRM's "Website" source
        backwards = {"dateFrom": stamps[-1], "dateTo": stamps[0]}
        assert (
            c.get(f"{OPPORTUNITIES}/search", params=backwards, headers=headers).status_code == 400
        )


def test_opportunity_create_and_sub_operations(servers: SandboxServers) -> None:
    c, headers = api(servers)
    crm_key = {"X-API-Key": servers.servers["crm"].credentials["api_key"]}
    contact = export(servers, "crm", "contacts")[2]
    with c:
        # a lead with a salesperson, so that there is one to reassign to
        seed = c.post(
            "/leads",
            json={
                "contact_id": contact["contact_id"],
                "source": "Phone",
                "salesperson": "Marcus Bell",
            },
            headers=crm_key,
        )
        assert seed.status_code == 201, seed.text
        customer = c.post(
            f"{CUSTOMERS}/search", json={"emailAddress": contact["email"]}, headers=headers
        ).json()["items"][0]["id"]
        body = {
            "customerId": customer,
            "dateIn": "2026-05-04T10:39:51Z",
            "source": "Website",
            "subSource": "Chat",
            "status": "New",
            "upType": "Internet",
            "comments": "Wants a test drive",
            "soughtVehicles": [
                {
                    "isNew": True,
                    "isPrimary": True,
                    "yearFrom": 2026,
                    "yearTo": 2026,
                    "make": "Toyota",
                    "model": "RAV4",
                }
            ],
            "tradeIns": [
                {"year": 2015, "make": "Honda", "model": "Civic", "estimatedMileage": 98000}
            ],
        }
        made = valid(
            "opportunities",
            "Opportunities_CreateOpportunity",
            200,
            c.post(f"{OPPORTUNITIES}/", json=body, headers=headers),
        )
        opportunity = made["opportunity"]
        ident = opportunity["id"]
        assert made["isDuplicate"] is False and opportunity["customer"]["id"] == customer
        assert opportunity["soughtVehicles"][0]["make"] == "Toyota"
        assert opportunity["tradeIns"][0]["estimatedMileage"] == 98000
        # one id space: the opportunity's id is the CRM lead's id
        lead = {r["lead_id"]: r for r in export(servers, "crm", "leads")}[ident]
        assert (lead["contact_id"], lead["source"], lead["comments"]) == (
            contact["contact_id"],
            "Website",
            "Wants a test drive",
        )
        assert (lead["vehicle_of_interest"], lead["created_at"]) == (
            "2026 Toyota RAV4",
            "2026-05-04T10:39:51Z",
        )
        for wrong in (
            {"upType": "Fax"},
            {"customerId": "K000001"},
            {"status": "Dreaming"},
            {"comments": "x" * 1501},
        ):
            refused = c.post(f"{OPPORTUNITIES}/", json={**body, **wrong}, headers=headers)
            valid("opportunities", "Opportunities_CreateOpportunity", 400, refused)
        # sub-operations
        noted = c.post(
            f"{OPPORTUNITIES}/comment",
            json={"opportunityId": ident, "comment": "Called back"},
            headers=headers,
        )
        valid("opportunities", "Opportunities_AddComment", 204, noted)
        trade = valid(
            "opportunities",
            "Opportunities_AddTradeIn",
            200,
            c.post(
                f"{OPPORTUNITIES}/tradein",
                json={"opportunityId": ident, "vin": "4A32B2FF0CE049620", "year": 2012},
                headers=headers,
            ),
        )
        sought = valid(
            "opportunities",
            "Opportunities_AddVehicleSought",
            200,
            c.post(
                f"{OPPORTUNITIES}/vehicleSought",
                json={"opportunityId": ident, "isNew": False, "isPrimary": False, "make": "Ford"},
                headers=headers,
            ),
        )
        marcus = next(
            o["salesTeam"][0]["id"]
            for o in c.get(
                f"{OPPORTUNITIES}/searchDelta", params={"dateFrom": ago(hours=1)}, headers=headers
            ).json()["items"]
            if o["salesTeam"]
        )
        moved = c.post(
            f"{OPPORTUNITIES}/reassignPrimarySalesperson",
            json={"opportunityId": ident, "salesPersonId": marcus},
            headers=headers,
        )
        valid("opportunities", "Opportunities_ReassignPrimarySalesPerson", 204, moved)
        delta = valid(
            "opportunities",
            "Opportunities_SearchDelta",
            200,
            c.get(
                f"{OPPORTUNITIES}/searchDelta", params={"dateFrom": ago(minutes=5)}, headers=headers
            ),
        )
        mine = next(o for o in delta["items"] if o["id"] == ident)
        assert [t["vin"] for t in mine["tradeIns"] if "vin" in t] == ["4A32B2FF0CE049620"]
        assert [v.get("make") for v in mine["soughtVehicles"]] == ["Toyota", "Ford"]
        assert mine["salesTeam"][0]["firstName"] == "Marcus"
        lead = {r["lead_id"]: r for r in export(servers, "crm", "leads")}[lead["lead_id"]]
        assert lead["comments"] == "Wants a test drive\nCalled back"
        assert lead["salesperson"] == "Marcus Bell"
        for path in (f"tradein/{trade['id']}", f"vehicleSought/{sought['id']}"):
            gone = c.delete(f"{OPPORTUNITIES}/{path}", headers=headers)
            valid("opportunities", "Opportunities_DeleteTradeIn", 204, gone)
            again = c.delete(f"{OPPORTUNITIES}/{path}", headers=headers)
            valid("opportunities", "Opportunities_DeleteTradeIn", 404, again)
        unknown = {"opportunityId": customer, "comment": "x"}
        valid(
            "opportunities",
            "Opportunities_AddComment",
            404,
            c.post(f"{OPPORTUNITIES}/comment", json=unknown, headers=headers),
        )


@pytest.mark.parametrize("fault", ["error_rate=1", "rate_limit_rate=1"])
def test_faults_on_elead_routes_answer_in_eleads_words(servers: SandboxServers, fault: str) -> None:
    c, headers = api(servers)
    servers.set_faults(f"crm:{fault}")
    try:
        with c:
            r = c.get(
                f"{OPPORTUNITIES}/searchDelta", params={"dateFrom": ago(days=1)}, headers=headers
            )
    finally:
        servers.set_faults("")
    assert r.status_code in (429, 500, 502, 503, 504), r.text
    body = r.json()
    problems = specs.problems(specs.definition_validator("opportunities", "Error"), body)
    assert problems == [] and body["code"] and body["referenceId"]
    if r.status_code == 429:
        assert float(r.headers["Retry-After"]) >= 0
