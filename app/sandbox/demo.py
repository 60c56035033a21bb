"""Set up (or refresh) the demo dealership's connections and flows in a data folder,
pointing at the simulated servers that are running right now."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.sandbox.demo_flows import demo_flows
from app.services.profiles import ProfileInfo, ProfileService
from app.store import Store
from app.store.errors import NotFoundError
from app.sync.flows import FlowService

DEMO_SEED = 42
DEMO_CUSTOMERS = 2_000

DMS = "Demo DMS (Fortellis)"
CRM = "Demo CRM"
WEBSITE = "Demo website feed receiver"
MARKETING = "Demo marketing platform"


@dataclass
class DemoInstall:
    profiles: dict[str, ProfileInfo] = field(default_factory=dict)
    flows: list[str] = field(default_factory=list)


def _profile_specs(
    servers: dict[str, Any],
) -> list[tuple[str, str, dict[str, Any], dict[str, str]]]:
    dms, crm = servers["dms"], servers["crm"]
    web, mkt = servers["website"], servers["marketing"]
    return [
        (
            DMS,
            "dms_rest",
            {
                "base_url": dms["url"],
                "token_url": dms["url"] + dms["credentials"]["token_path"],
                "client_id": dms["credentials"]["client_id"],
                "subscription_id": dms["credentials"]["subscription_id"],
                "rate_limit_per_s": 50,  # the simulated DMS has no server-side limit
            },
            {"client_secret": dms["credentials"]["client_secret"]},
        ),
        (
            CRM,
            "crm_rest",
            {"base_url": crm["url"], "auth_mode": "api_key"},
            {"api_key": crm["credentials"]["api_key"]},
        ),
        (
            WEBSITE,
            "http_api",
            {"base_url": web["url"], "health_path": "/listings", "api_key_header": "X-API-Key"},
            {"api_key": web["credentials"]["api_key"]},
        ),
        (
            MARKETING,
            "http_api",
            {"base_url": mkt["url"], "health_path": "/lists", "api_key_header": "X-API-Key"},
            {"api_key": mkt["credentials"]["api_key"]},
        ),
    ]


def install_demo(store: Store, port_payload: dict[str, Any]) -> DemoInstall:
    """Create or update the demo profiles (secrets into the keyring) and demo flows."""
    profiles = ProfileService(store)
    result = DemoInstall()
    for name, kind, settings, secret_values in _profile_specs(port_payload["servers"]):
        try:
            existing = profiles.get_by_name(name)
        except NotFoundError:
            result.profiles[name] = profiles.create(
                name, kind, settings, secret_values, is_demo=True
            )
            continue
        result.profiles[name] = profiles.update(
            existing.id, settings=settings, secret_values=dict(secret_values)
        )
    flows = FlowService(store)
    for definition in demo_flows(result.profiles[DMS].id, result.profiles[CRM].id):
        result.flows.append(flows.upsert(definition, comment="demo mapping").slug)
    return result
