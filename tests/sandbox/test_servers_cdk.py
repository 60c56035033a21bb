"""The simulated DMS's CDK routes: Fortellis repair-order reads, CDK Drive repair orders,
customers and service vehicles over the DMS's own records; answers validate against the
specs' schemas."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from app.sandbox.servers import SandboxServers
from tests.support import cdk_specs as specs
from tests.support.sandbox_api import client, dms_headers

RO = specs.base_path("fortellis_ro")
DRIVE = specs.base_path("drive_ro")
CUSTOMERS = specs.base_path("customers")
VEHICLES = specs.base_path("vehicles")
WHOLE_MONTH = "2024-03-01T00:00:00Z/2024-04-01T00:00:00Z"
LINE = {
    "serviceRequest": "Brakes squeal",
    "dispatchCode": "BRK",
    "estimatedDuration": 1.5,
    "laborOperations": [
        {
            "opCode": "BRK01",
            "opCodeDesc": "Replace front pads",
            "soldHours": 1.2,
            "saleAmount": 150,
            "saleOverrideFlag": False,
            "forceShopChargeFlag": False,
            "includedParts": [
                {
                    "partNumber": "P-1",
                    "partNumberDescription": "Pad set",
                    "mfrCode": "OEM",
                    "partQty": 2,
                    "saleAmount": 40,
                    "fixedSaleFlag": False,
                    "includesCoreFlag": False,
                }
            ],
        }
    ],
}


def valid(name: str, operation_id: str, status: int, response: httpx.Response) -> Any:
    assert response.status_code == status, response.text
    body = response.json()
    problems = specs.problems(specs.answer_validator(name, operation_id, status), body)
    assert problems == [], problems
    return body


def api(servers: SandboxServers) -> tuple[httpx.Client, dict[str, str]]:
    c = client()
    c.base_url = httpx.URL(servers.servers["dms"].url)
    return c, dms_headers(servers, "cdk-req-1")


def test_repair_order_list_needs_the_interval_and_the_fortellis_headers(
    servers: SandboxServers,
) -> None:
    c, headers = api(servers)
    with c:
        missing = c.get(f"{RO}/", headers=headers)
        assert missing.status_code == 400 and "dateTimeInterval" in missing.json()["message"]
        valid("fortellis_ro", "listRepairOrders", 400, missing)
        bad = c.get(f"{RO}/", params={"dateTimeInterval": "last week"}, headers=headers)
        assert bad.status_code == 400
        no_id = {k: v for k, v in headers.items() if k != "Request-Id"}
        assert (
            c.get(f"{RO}/", params={"dateTimeInterval": WHOLE_MONTH}, headers=no_id).status_code
            == 400
        )
        other = {**headers, "Subscription-Id": "someone-else"}
        refused = c.get(f"{RO}/", params={"dateTimeInterval": WHOLE_MONTH}, headers=other)
        valid("fortellis_ro", "listRepairOrders", 403, refused)
        ok = c.get(f"{RO}/", params={"dateTimeInterval": WHOLE_MONTH}, headers=headers)
        assert ok.headers["Request-Id"] == "cdk-req-1"
        body = valid("fortellis_ro", "listRepairOrders", 200, ok)
        assert body["totalItems"] == 6
        assert all("serviceLines" not in item for item in body["items"])  # Prefer: minimal


def test_repair_orders_page_by_links_within_the_interval(servers: SandboxServers) -> None:
    c, headers = api(servers)
    seen: list[str] = []
    with c:
        # fake ROs changed on 2024-03-04, -05 and -06: the interval keeps the first two days
        params = {"dateTimeInterval": "2024-03-04T00:00:00Z/P1DT23H", "pageSize": 3}
        url: str | None = f"{RO}/"
        full = {**headers, "Prefer": "return=representation"}
        while url:
            page = c.get(url, params=params, headers=full)
            body = valid("fortellis_ro", "listRepairOrders", 200, page)
            seen += [item["repairOrderId"] for item in body["items"]]
            assert all(item["serviceLines"] for item in body["items"])
            url, params = body["links"].get("nextPage", {}).get("href"), None
        assert sorted(seen) == ["R9000", "R9001", "R9003", "R9004"]
        one = c.get(f"{RO}/R9000", headers=full)
        item = valid("fortellis_ro", "retrieveRepairOrder", 200, one)
        assert [line["serviceOperationCode"] for line in item["serviceLines"]] == ["OP1", "OP2"]
        assert item["serviceLines"][0]["pricing"] == {"total": 99.95, "currencyCode": "USD"}
        valid("fortellis_ro", "retrieveRepairOrder", 404, c.get(f"{RO}/NOPE", headers=headers))


def test_drive_repair_order_create_update_and_service_lines(servers: SandboxServers) -> None:
    c, headers = api(servers)
    url = servers.servers["dms"].url
    with c:
        vehicle = c.get(f"{VEHICLES}/V1/", headers=headers).json()
        create = {
            "customerHref": f"{url}{CUSTOMERS}/C100002",
            "customerContactInfo": "555-010-0001",
            "vehicleHref": vehicle["links"]["self"]["href"],
            "mileageIn": {"value": 42000, "units": "MI"},
            "promiseDateTime": "2024-03-30T17:00:00Z",
            "serviceAdvisorId": "SDOMBROWSKI",
            "tagNum": "T7",
            "comments": "waiting",
            "serviceLineItems": [LINE],
        }
        assert specs.problems(specs.body_validator("drive_ro", "createRepairOrder"), create) == []
        lacking = {k: v for k, v in create.items() if k != "tagNum"}
        refused = c.post(f"{DRIVE}/", json=lacking, headers=headers)
        assert refused.status_code == 400 and "tagNum" in refused.json()["message"]
        made = c.post(f"{DRIVE}/", json=create, headers=headers)
        ro = valid("drive_ro", "createRepairOrder", 201, made)
        number = ro["repairOrderId"]
        assert ro["tagNum"] == "T7" and ro["status"] == {"code": "OPEN"}
        assert ro["serviceLineItems"][0]["laborOperations"][0]["opCode"] == "BRK01"
        # the same record through the DMS's own route
        own = c.get(f"/repair-orders/{number}", headers=headers).json()
        assert (own["customerId"], own["vin"], own["advisor"]) == (
            "C100002",
            vehicle["identification"]["vin"],
            "Steve Dombrowski",
        )
        assert (own["laborTotal"], own["partsTotal"], own["opCodes"]) == (
            "150.00",
            "80.00",
            "BRK01",
        )
        path = f"{DRIVE}/{number}/"
        got = c.get(path, headers=headers)
        valid("drive_ro", "queryRepairOrderById", 200, got)
        update = {k: v for k, v in create.items() if k != "serviceLineItems"}
        update["remarks"] = "customer called"
        assert c.post(path, json=update, headers=headers).status_code == 428
        stale = c.post(path, json=update, headers={**headers, "If-Match": '"old"'})
        assert stale.status_code == 412
        done = c.post(path, json=update, headers={**headers, "If-Match": got.headers["ETag"]})
        assert valid("drive_ro", "updateRepairOrder", 200, done)["remarks"] == "customer called"
        assert done.headers["ETag"] != got.headers["ETag"]
        # service lines
        etag = done.headers["ETag"]
        second = {**LINE, "serviceRequest": "Oil change", "laborOperations": [
            {**LINE["laborOperations"][0], "opCode": "LOF", "includedParts": [], "saleAmount": 60}
        ]}  # fmt: skip
        added = c.post(f"{path}service-lines", json=second, headers={**headers, "If-Match": etag})
        line = valid("drive_ro", "addServiceLine", 201, added)
        line_path = f"{path}service-lines/{line['serviceLineId']}/"
        read = c.get(line_path, headers=headers)
        assert valid("drive_ro", "queryServiceLineById", 200, read) == line
        changed = {**second, "estimatedDuration": 0.5}
        stale_line = c.post(line_path, json=changed, headers={**headers, "If-Match": etag})
        assert stale_line.status_code == 412
        moved = c.post(
            line_path, json=changed, headers={**headers, "If-Match": read.headers["ETag"]}
        )
        assert valid("drive_ro", "updateServiceLine", 200, moved)["estimatedDuration"] == 0.5
        assert moved.json()["serviceLineId"] == line["serviceLineId"]
        own = c.get(f"/repair-orders/{number}", headers=headers).json()
        assert own["opCodes"] == "BRK01;LOF" and own["laborTotal"] == "210.00"
        gone = c.delete(line_path, headers={**headers, "If-Match": moved.headers["ETag"]})
        assert gone.status_code == 204
        assert c.get(line_path, headers=headers).status_code == 404
        listed = c.get(f"{DRIVE}/", params={"serviceAdvisorId": "SDOMBROWSKI"}, headers=headers)
        items = valid("drive_ro", "queryRepairOrders", 200, listed)["items"]
        assert [i["repairOrderId"] for i in items] == [number]
        # the read API shows it as changed now, with its creation time
        fortellis = c.get(f"{RO}/{number}", headers={**headers, "Prefer": "return=representation"})
        item = valid("fortellis_ro", "retrieveRepairOrder", 200, fortellis)
        assert item["createdDateTime"] and item["advisor"]["advisorId"] == "SDOMBROWSKI"
        assert [s["description"] for s in item["serviceLines"]] == ["Brakes squeal"]


def test_customers_search_create_update(servers: SandboxServers) -> None:
    c, headers = api(servers)
    with c:
        assert c.get(f"{CUSTOMERS}/", headers=headers).status_code == 400
        by_mail = c.get(f"{CUSTOMERS}/", params={"email": "PERSON3@example.com"}, headers=headers)
        items = valid("customers", "queryCustomers", 200, by_mail)["items"]
        assert [i["customerId"] for i in items] == ["C100004"]
        by_phone = c.get(f"{CUSTOMERS}/", params={"phone": "(555) 010-0003"}, headers=headers)
        assert [i["customerId"] for i in by_phone.json()["items"]] == ["C100004"]
        by_name = c.get(f"{CUSTOMERS}/", params={"name": "first3 last3"}, headers=headers)
        assert [i["customerId"] for i in by_name.json()["items"]] == ["C100004"]
        new = {
            "name": {"first": "Ada", "last": "Lovelace", "suffix": "PhD"},
            "contactMethods": {"email1": "ada@example.com", "pager": "5550001111"},
            "postalAddress": {"street": "1 Analytical Way", "city": "Austin", "state": "TX"},
        }
        assert (
            c.post(f"{CUSTOMERS}/", json={**new, "postalAddress": "x"}, headers=headers).status_code
            == 400
        )
        bad = {**new, "contactMethods": {"email1": "not-an-email"}}
        assert c.post(f"{CUSTOMERS}/", json=bad, headers=headers).status_code == 400
        made = c.post(f"{CUSTOMERS}/", json=new, headers=headers)
        body = valid("customers", "createCustomer", 201, made)
        ident = body["customerId"]
        assert body["name"]["suffix"] == "PhD" and body["contactMethods"]["pager"] == "5550001111"
        own = c.get(f"/customers/{ident}", headers=headers).json()
        assert (own["lastName"], own["email"], own["addressLine1"]) == (
            "Lovelace",
            "ada@example.com",
            "1 Analytical Way",
        )
        path = f"{CUSTOMERS}/{ident}/"
        got = c.get(path, headers=headers)
        valid("customers", "queryCustomerById", 200, got)
        changed = {**new, "postalAddress": {**new["postalAddress"], "city": "Dallas"}}
        assert c.post(path, json=changed, headers=headers).status_code == 428
        done = c.post(path, json=changed, headers={**headers, "If-Match": got.headers["ETag"]})
        assert valid("customers", "updateCustomer", 200, done)["postalAddress"]["city"] == "Dallas"
        again = c.post(path, json=changed, headers={**headers, "If-Match": got.headers["ETag"]})
        assert again.status_code == 412
        assert c.get(f"/customers/{ident}", headers=headers).json()["city"] == "Dallas"


def test_vehicles_search_create_update(servers: SandboxServers) -> None:
    c, headers = api(servers)
    url = servers.servers["dms"].url
    with c:
        assert c.get(f"{VEHICLES}/", headers=headers).status_code == 400
        new = {
            "identification": {"vin": "5TFAW5F19EX759955", "licensePlateNum": "1ABC123"},
            "specification": {
                "makeCode": "TOY",
                "make": "Toyota",
                "modelCode": "TUNDRA",
                "modelYear": 2014,
            },
            "status": "USED",
            "mileage": {"value": 56700, "units": "MI"},
            "dates": {"delivered": "2019-01-01", "inService": "2014-01-01"},
            "ownerHref": f"{url}{CUSTOMERS}/C100001",
        }
        orphan = {**new, "ownerHref": f"{url}{CUSTOMERS}/NOBODY"}
        assert c.post(f"{VEHICLES}/", json=orphan, headers=headers).status_code == 400
        made = c.post(f"{VEHICLES}/", json=new, headers=headers)
        body = valid("vehicles", "createVehicle", 201, made)
        ident = body["vehicleId"]
        own = c.get(f"/vehicles/{ident}", headers=headers).json()  # the DMS's own route
        assert (own["vin"], own["make"], own["year"], own["customerId"]) == (
            "5TFAW5F19EX759955",
            "Toyota",
            "2014",
            "C100001",
        )
        for query in ({"vin": "5tfaw5f19ex759955"}, {"licensePlateNum": "1abc123"}):
            found = c.get(f"{VEHICLES}/", params=query, headers=headers)
            assert [
                i["vehicleId"] for i in valid("vehicles", "queryVehicles", 200, found)["items"]
            ] == [ident]
        mine = c.get(f"{VEHICLES}/", params={"customerId": "C100001"}, headers=headers).json()
        assert ident in {i["vehicleId"] for i in mine["items"]}
        path = f"{VEHICLES}/{ident}/"
        got = c.get(path, headers=headers)
        assert (
            valid("vehicles", "queryVehicleById", 200, got)["identification"]["licensePlateNum"]
            == "1ABC123"
        )
        changed = {**new, "mileage": {"value": 60000, "units": "MI"}}
        done = c.post(path, json=changed, headers={**headers, "If-Match": got.headers["ETag"]})
        assert valid("vehicles", "updateVehicle", 200, done)["mileage"]["value"] == 60000
        stale = c.post(path, json=changed, headers={**headers, "If-Match": got.headers["ETag"]})
        assert stale.status_code == 412
        assert c.get(f"/vehicles/{ident}", headers=headers).json()["mileage"] == "60000"


@pytest.mark.parametrize("path", [f"{CUSTOMERS}/C100001/", f"{VEHICLES}/V1/", f"{DRIVE}/R9000/"])
def test_faults_apply_to_the_cdk_routes(servers: SandboxServers, path: str) -> None:
    c, headers = api(servers)
    with c:
        servers.set_faults("dms:error_rate=1")
        try:
            assert c.get(path, headers=headers).status_code in (500, 502, 503)
        finally:
            servers.set_faults("")
        assert c.get(path, headers=headers).status_code == 200
        assert json.loads(c.get(path, headers=headers).text)
