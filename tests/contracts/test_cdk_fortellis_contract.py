"""cdk_fortellis against Prism mocks of CDK's published specs: the Fortellis repair-order
reads, the Drive repair-order writes (with service lines), Drive customers and service
vehicles — zero request violations, every expected operation seen. The Drive customer and
vehicle copies were made for a low-code gateway that moved the credentials into required
query parameters; those are patched out (we send credentials as headers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.connectors.cdk_fortellis import CdkFortellisConnector
from app.connectors.errors import ConnectorError
from app.connectors.streams import WriteRecord
from app.services.preview import preview_connector
from tests.contracts.conftest import PrismMocks
from tests.support.cli import run_cli
from tests.support.prism import PrismMock, drop_query_params

GATEWAY_PARAMS = drop_query_params("client_id", "client_secret", "subscription_id")


def json_bodies(spec: dict[str, Any]) -> dict[str, Any]:
    """drive-repair-orders-v1.yaml declares no ``consumes`` anywhere, so Prism takes every
    body as unsupported; its body parameters are JSON schemas, as CDK's API takes them."""
    spec.setdefault("consumes", ["application/json"])
    return spec


LINE = {
    "service_request": "Brakes squeal",
    "dispatch_code": "BRK",
    "estimated_duration": "1.5",
    "labor_operations": [
        {
            "op_code": "BRK01",
            "op_code_desc": "Replace front pads",
            "sold_hours": "1.2",
            "sale_amount": "150",
            "sale_override_flag": "false",
            "force_shop_charge_flag": "false",
        }
    ],
}


def _connector(apis: dict[str, str], **over: Any) -> CdkFortellisConnector:
    settings = {
        "base_url": "https://gateway.invalid",
        "auth_mode": "bearer",
        "subscription_id": "8f1e3f2a-0000-4000-8000-00000000abcd",
        "api_base_urls": apis,
        "max_attempts": 1,
        "rate_limit_per_s": 0,
        "timeout_s": 60,
        **over,
    }
    return CdkFortellisConnector(settings, {"token": "contract-test-token"})


def _quietly(call: Any, *args: Any) -> Any:
    """A call whose answer Prism makes up from examples may not satisfy our reader; the
    request it received is what is checked."""
    try:
        return call(*args)
    except ConnectorError:
        return None


def test_repair_order_reads_and_drive_writes_follow_their_specs(prism_mocks: PrismMocks) -> None:
    reads = prism_mocks("cdk/fortellis-repair-orders.yaml")
    writes = prism_mocks("cdk/drive-repair-orders-v1.yaml", patch=json_bodies)
    cdk = _connector({"repair_orders": reads.url, "repair_orders_write": writes.url})
    assert cdk.check().ok
    _quietly(preview_connector, cdk, "repair_orders", 3)
    _quietly(preview_connector, cdk, "repair_orders", 3, "2026-01-01T00:00:00Z")
    stream = cdk.streams()["repair_orders"]
    _quietly(stream.fetch, ["RO-1"])
    ro = {
        "customer_id": "C100001",
        "customer_contact_info": "555-201-3344",
        "vehicle_id": "V0000001",
        "mileage_in": "42000",
        "mileage_unit": "MI",
        "promise_at": "2026-12-24T17:00:00Z",
        "advisor_id": "SDOMBROWSKI",
        "tag_number": "T1",
        "service_lines": json.dumps([LINE]),
    }
    _quietly(stream.write, [WriteRecord("K1", "g1", ro)])
    _quietly(stream.write, [WriteRecord("K1", "g1", {"remarks": "called"}, dest_id="RO-1")])
    cdk.close()
    reads.assert_clean([("GET", "/"), ("GET", "/{repairOrderId}")])
    writes.assert_clean(
        [("POST", "/"), ("GET", "/{repairOrderId}/"), ("POST", "/{repairOrderId}/")]
    )


def _search_stream(mock: PrismMock, stream: str) -> CdkFortellisConnector:
    return _connector({stream: mock.url})


def test_drive_customers_follow_their_spec(prism_mocks: PrismMocks) -> None:
    mock = prism_mocks("cdk/drive-customers.swagger.json", patch=GATEWAY_PARAMS)
    cdk = _search_stream(mock, "customers")
    stream = cdk.streams()["customers"]
    _quietly(stream.fetch, ["C100001"])
    _quietly(lambda: stream.search(email="ada.lovelace@example.com"))  # type: ignore[attr-defined]
    payload = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "mobile_phone": "512-555-0199",
        "city": "Austin",
        "state": "TX",
        "zip": "78701",
    }
    _quietly(stream.write, [WriteRecord("K-a", "g-a", payload)])
    _quietly(stream.write, [WriteRecord("K-a", "g-a", {"city": "Dallas"}, dest_id="C100001")])
    cdk.close()
    mock.assert_clean(
        [("GET", "/"), ("GET", "/{customerId}/"), ("POST", "/"), ("POST", "/{customerId}/")]
    )


def test_drive_service_vehicles_follow_their_spec(prism_mocks: PrismMocks) -> None:
    mock = prism_mocks("cdk/drive-service-vehicles.swagger.json", patch=GATEWAY_PARAMS)
    cdk = _search_stream(mock, "service_vehicles")
    stream = cdk.streams()["service_vehicles"]
    _quietly(stream.fetch, ["V0000001"])
    _quietly(lambda: stream.search(vin="5TFAW5F19EX759955"))  # type: ignore[attr-defined]
    payload = {"vin": "5TFAW5F19EX759955", "license_plate": "1ABC123", "make_code": "TOY",
               "make": "Toyota", "model_code": "TUNDRA", "model": "Tundra", "year": "2014",
               "status": "USED", "purchase_date": "2019-01-01", "in_service_date": "2014-01-01",
               "customer_id": "C100001"}  # fmt: skip
    _quietly(stream.write, [WriteRecord("K-v", "g-v", payload)])
    _quietly(stream.write, [WriteRecord("K-v", "g-v", {"mileage": "60000"}, dest_id="V1")])
    cdk.close()
    mock.assert_clean(
        [("GET", "/"), ("GET", "/{vehicleId}/"), ("POST", "/"), ("POST", "/{vehicleId}/")]
    )


def test_test_connection_and_preview_from_the_command_line(
    prism_mocks: PrismMocks, tmp_path: Path
) -> None:
    """As a new user would: a bearer-token cdk_fortellis profile aimed at a mock of the
    Fortellis repair-order spec; test it, preview repair orders changed since a date."""
    mock = prism_mocks("cdk/fortellis-repair-orders.yaml")
    document = {
        "format": "rooftop-sync/profiles",
        "version": 1,
        "profiles": [
            {
                "name": "Store CDK",
                "kind": "cdk_fortellis",
                "settings": {
                    "base_url": "https://api.fortellis.io",
                    "auth_mode": "bearer",
                    "subscription_id": "8f1e3f2a-0000-4000-8000-00000000abcd",
                    "api_base_urls": {"repair_orders": mock.url},
                },
                "secrets": {"token": "contract-test-token"},
            }
        ],
    }
    path = tmp_path / "cdk.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    data = str(tmp_path / "data")
    assert run_cli("--data-dir", data, "profiles", "import", str(path)).returncode == 0
    tested = run_cli("--data-dir", data, "profiles", "test", "Store CDK")
    assert tested.returncode == 0 and tested.stdout.startswith("OK:"), tested.stdout + tested.stderr
    shown = run_cli("--data-dir", data, "profiles", "preview", "Store CDK", "repair_orders",
                    "--since", "2026-01-01T00:00:00Z", "--limit", "5", "--json")  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    rows = [json.loads(line) for line in shown.stdout.splitlines()]
    assert rows and all("ro_number" in r for r in rows)
    mock.assert_clean([("GET", "/")])
