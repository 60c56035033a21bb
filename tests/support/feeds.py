"""What the feed tests read back from the simulated servers: the website's listings per
channel, and an available unit of the demo inventory no other test has used yet."""

from __future__ import annotations

import httpx

from app.sandbox.servers import SandboxServers

_taken: set[str] = set()


def listings(sandbox: SandboxServers, channel: str, vin: str = "") -> list[dict[str, str]]:
    web = sandbox.servers["website"]
    params = {"channel": channel, **({"vin": vin} if vin else {})}
    response = httpx.get(
        f"{web.url}/listings",
        params=params,
        headers={"X-API-Key": web.credentials["api_key"]},
        timeout=10,
        trust_env=False,
    )
    response.raise_for_status()
    items = response.json()["items"]
    assert isinstance(items, list)
    return items


def available_vin(sandbox: SandboxServers) -> str:
    """An AVAILABLE unit no other test has used yet."""
    for unit in sandbox.app("dms").store.all("inventory"):
        if unit["status"] == "AVAILABLE" and unit["vin"] not in _taken and unit["price"]:
            _taken.add(unit["vin"])
            return str(unit["vin"])
    raise AssertionError("the demo inventory ran out of available units")
