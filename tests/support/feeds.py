"""The feed tests' demo dealership: the whole demo inventory (about 130 units from 20,000
customers), one set of simulated servers for the session, and a store with the demo
connections and feeds (``feeds_dataset``, ``feeds_sandbox`` and ``demo_store`` fixtures);
what the website lists per channel; and an available unit no other test has used yet.

Tests that sell units pick their own VINs (``available_vin``) and never rely on counts
they did not take themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.sandbox.demo import install_demo
from app.sandbox.demo_feeds import install_demo_feeds
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.store import Store

CUSTOMERS = 20_000
SEED = 7
_taken: set[str] = set()


@pytest.fixture(scope="session")
def feeds_dataset() -> Any:
    return build_dataset(CUSTOMERS, seed=SEED)


@pytest.fixture(scope="session")
def feeds_sandbox(feeds_dataset: Any) -> Iterator[SandboxServers]:
    with SandboxServers(feeds_dataset, seed=SEED) as servers:
        yield servers


@pytest.fixture
def demo_store(store: Store, feeds_sandbox: SandboxServers) -> Store:
    payload = feeds_sandbox.port_file_payload()
    install_demo(store, payload)
    install_demo_feeds(store, payload)
    return store


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
