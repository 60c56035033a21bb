"""Setting the demo dealership up in a data folder: its connections (one CRM reached over
Elead and its generic API as the same records, the marketing platform over Klaviyo) and
its flows, also over a data folder from before."""

from __future__ import annotations

from typing import Any

from app.sandbox.demo import install_demo
from app.sandbox.demo_names import CRM, CRM_ELEAD, LEGACY_MARKETING, MARKETING
from app.sandbox.demo_session import RUN_ORDER
from app.sandbox.servers.credentials import demo_credentials
from app.services.flows import FlowService
from app.services.profiles import ProfileService
from app.store import Store


def _payload() -> dict[str, Any]:
    credentials = demo_credentials(42)
    return {
        "servers": {
            name: {"url": f"http://127.0.0.1:{9000 + n}", "credentials": credentials[name]}
            for n, name in enumerate(("dms", "crm", "website", "marketing"))
        }
    }


def test_the_crm_is_one_system_over_two_apis_and_marketing_is_klaviyo(store: Store) -> None:
    profiles = ProfileService(store)
    # a data folder from before: the marketing platform only answered a connection test
    profiles.create(
        LEGACY_MARKETING,
        "http_api",
        {"base_url": "http://127.0.0.1:9003", "health_path": "/lists"},
        {"api_key": "mkt_old"},
        is_demo=True,
    )
    installed = install_demo(store, _payload())
    names = {p.name: p for p in profiles.list()}
    assert LEGACY_MARKETING not in names
    assert (names[CRM_ELEAD].kind, names[CRM].kind, names[MARKETING].kind) == (
        "elead_crm",
        "crm_rest",
        "klaviyo",
    )
    # what is written over the generic API belongs to the customers made over Elead
    assert profiles.identity_system(names[CRM]) == names[CRM_ELEAD].uid
    assert (
        names[CRM_ELEAD].settings["subscription_id"]
        == _payload()["servers"]["crm"]["credentials"]["elead_subscription_id"]
    )
    # every flow the demo runs (this port file has no lead mailbox: no inbox flows)
    expected = sorted(slug for slug in RUN_ORDER if not slug.startswith("leads-inbox-"))
    assert "consent-marketing-to-crm" in expected and sorted(installed.flows) == expected
    assert sorted(f.slug for f in FlowService(store).list()) == expected
    # installing again changes nothing in what exists
    again = install_demo(store, _payload())
    assert sorted(again.flows) == expected and len(profiles.list()) == len(names)
