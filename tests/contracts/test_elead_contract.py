"""elead_crm against Prism mocks of Elead's two published specs, with the low-code
gateway's credential query parameters (client_id, client_secret, subscription_id) patched
out: credentials go as headers. Test connection, previews (with and without a time),
fetch, search, and every write operation through the connector — zero request
violations, every expected operation seen — and the new-user path from the command line.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.connectors.elead_crm import EleadCrmConnector
from app.connectors.elead_crm_customers import CustomerStream
from app.connectors.elead_crm_opportunities import OpportunityStream
from app.connectors.errors import NotFilterableError
from app.connectors.streams import WriteAction, WriteRecord
from app.services.preview import preview_connector
from tests.contracts.conftest import PrismMocks
from tests.support.cli import run_cli
from tests.support.elead_specs import CREDENTIAL_QUERY, path_of
from tests.support.prism import PrismMock, drop_query_params

GATEWAY_QUERY = drop_query_params(*CREDENTIAL_QUERY)  # one object: the mocks are shared
SUBSCRIPTION = "0b9f1c7e-4a51-4d59-9d7c-2f1e8a6b3c10"
CUSTOMER = "5e324ef1-be4e-46d7-a77e-0c96d4c17295"
OPPORTUNITY = "5030b3a4-214e-4b72-a64a-f958e31cf219"
SALESPERSON = "f4aefbbe-de90-4f88-9f28-ba5a949c143f"


@pytest.fixture
def customers_mock(prism_mocks: PrismMocks) -> PrismMock:
    return prism_mocks(path_of("customers"), patch=GATEWAY_QUERY)


@pytest.fixture
def opportunities_mock(prism_mocks: PrismMocks) -> PrismMock:
    return prism_mocks(path_of("opportunities"), patch=GATEWAY_QUERY)


def _connector(**apis: PrismMock) -> EleadCrmConnector:
    settings = {
        "base_url": "https://gateway.invalid",
        "auth_mode": "bearer",
        "subscription_id": SUBSCRIPTION,
        "api_base_urls": {name: mock.url for name, mock in apis.items()},
        "max_attempts": 1,
        "rate_limit_per_s": 0,
        "timeout_s": 60,
    }
    return EleadCrmConnector(settings, {"token": "contract-test-token"})


def test_customers_follow_the_spec(customers_mock: PrismMock) -> None:
    elead = _connector(customers=customers_mock)
    stream = elead.streams()["customers"]
    assert isinstance(stream, CustomerStream)
    shown = preview_connector(elead, "customers", 3)
    assert shown.rows and shown.rows[0]["last_name"] == "Belding"
    with pytest.raises(NotFilterableError):
        preview_connector(elead, "customers", 3, since="2026-01-01T00:00:00Z")
    fetched = stream.fetch([CUSTOMER])
    assert json.loads(fetched.iloc[0]["owned_vehicles"])[0]["vin"] == "1C6SRFFT5KN600223"
    assert len(stream.search(email="richard.belding@bayside.edu", last_name="Belding"))
    new = {
        "name_prefix": "Ms",
        "first_name": "Ann",
        "last_name": "Walker",
        "birth_date": "1980-02-29",
        "email": "ann.walker@example.com",
        "mobile_phone": "(313) 555-0100",
        "sms_opt_out": "true",
        "address_line1": "1 Woodward Ave",
        "city": "Detroit",
        "state": "MI",
        "zip": "48226",
    }
    created = stream.write([WriteRecord("src-1", "gold-1", new)])[0]
    assert created.action is WriteAction.CREATED and created.dest_id, created.error
    changed = {"city": "Ann Arbor", "email_opt_out": "true", "work_phone": "313-555-0101"}
    updated = stream.write([WriteRecord("src-1", "gold-1", changed, dest_id=CUSTOMER)])[0]
    assert updated.action is WriteAction.UPDATED, updated.error
    elead.close()
    customers_mock.assert_clean(
        [
            ("POST", "/search"),
            ("GET", "/{customerId}"),
            ("GET", "/{customerId}/ownedVehicles"),
            ("POST", "/"),
            ("POST", "/{customerId}"),
        ]
    )


def test_opportunities_and_their_sub_operations_follow_the_spec(
    opportunities_mock: PrismMock,
) -> None:
    elead = _connector(opportunities=opportunities_mock)
    result = elead.check()
    assert result.ok and "Connected to Elead" in result.message, result.message
    streams = elead.streams()
    opportunity = streams["opportunities"]
    assert isinstance(opportunity, OpportunityStream)
    recent = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for since in (None, "2026-01-01T00:00:00Z", recent):
        shown = preview_connector(elead, "opportunities", 3, since=since)
        assert shown.rows and shown.rows[0]["opportunity_id"] == OPPORTUNITY, since
    paths = [q.path for q in opportunity.queries]
    assert paths == ["/searchDelta"]  # the last preview: within Elead's 7 days
    new = {
        "customer_id": CUSTOMER,
        "source": "Website",
        "up_type": "Internet",
        "status": "Active",
        "comments": "Asked for a test drive",
        "salesperson_id": SALESPERSON,
        "vehicle_of_interest": "2026 Toyota RAV4 XLE",
        "vehicle_of_interest_new": "true",
        "trade_ins": json.dumps([{"year": "2015", "make": "Honda", "model": "Civic"}]),
    }
    created = opportunity.write([WriteRecord("L-1", "g-1", new)])[0]
    assert created.action is WriteAction.CREATED and created.dest_id == OPPORTUNITY
    assert created.response and "salesperson_not_assigned" not in created.response
    moved = opportunity.write([WriteRecord("L-1", "g-1", new, dest_id=OPPORTUNITY)])[0]
    assert moved.action is WriteAction.UPDATED, moved.error
    trade = {"opportunity_id": OPPORTUNITY, "vin": "4A32B2FF0CE049620", "year": "2015"}
    sought = {"opportunity_id": OPPORTUNITY, "is_new": "false", "make": "Ford"}
    for name, row in (("opportunity_trade_ins", trade), ("opportunity_vehicles_sought", sought)):
        stream = streams[name]
        added = stream.write([WriteRecord("T-1", "gt-1", row)])[0]
        assert added.action is WriteAction.CREATED and added.dest_id, added.error
        replaced = stream.write([WriteRecord("T-1", "gt-1", row, dest_id=str(uuid.uuid4()))])[0]
        assert replaced.action is WriteAction.UPDATED, replaced.error
    note = {"opportunity_id": OPPORTUNITY, "comment": "Called back, coming Saturday"}
    commented = streams["opportunity_comments"].write([WriteRecord("C-1", "gc-1", note)])[0]
    assert commented.action is WriteAction.CREATED, commented.error
    elead.close()
    opportunities_mock.assert_clean(
        [
            ("GET", "/searchDelta"),
            ("GET", "/search"),
            ("POST", "/"),
            ("POST", "/reassignPrimarySalesperson"),
            ("POST", "/tradein"),
            ("DELETE", "/tradein/{tradeInId}"),
            ("POST", "/vehicleSought"),
            ("DELETE", "/vehicleSought/{vehicleSoughtId}"),
            ("POST", "/comment"),
        ]
    )


def test_test_connection_and_preview_from_the_command_line(
    opportunities_mock: PrismMock, tmp_path: Path
) -> None:
    """As a new user would: import an elead_crm profile (a bearer token, the subscription,
    the opportunities API at a mock of the patched spec), test it, preview five
    opportunities since New Year as JSON lines."""
    profile = {
        "format": "rooftop-sync/profiles",
        "version": 1,
        "profiles": [
            {
                "name": "Store Elead",
                "kind": "elead_crm",
                "settings": {
                    "base_url": "https://gateway.invalid",
                    "auth_mode": "bearer",
                    "subscription_id": SUBSCRIPTION,
                    "api_base_urls": {"opportunities": opportunities_mock.url},
                },
                "secrets": {"token": "contract-test-token"},
            }
        ],
    }
    path = tmp_path / "store.json"
    path.write_text(json.dumps(profile), encoding="utf-8")
    data = str(tmp_path / "data")
    imported = run_cli("--data-dir", data, "profiles", "import", str(path))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    tested = run_cli("--data-dir", data, "profiles", "test", "Store Elead")
    assert tested.returncode == 0 and tested.stdout.startswith("OK:"), tested.stdout
    shown = run_cli("--data-dir", data, "profiles", "preview", "Store Elead", "opportunities",
                    "--since", "2026-01-01T00:00:00Z", "--limit", "5", "--json")  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    rows = [json.loads(line) for line in shown.stdout.splitlines()]
    assert len(rows) == 5
    assert all(r["opportunity_id"] == OPPORTUNITY and r["source"] == "Source 1" for r in rows)
    assert rows[0]["sync_cursor"] <= rows[-1]["sync_cursor"]
    opportunities_mock.assert_clean([("GET", "/searchDelta"), ("GET", "/search")])
