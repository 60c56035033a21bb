"""A running demo dealership with its profiles and flows installed, for the mapping
editor and drift tests; and a customers flow to the CRM's generic REST contacts (the
demo's own goes to Elead) for tests about an upsert destination."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from app.mapping.model import Mapping
from app.sandbox.demo import install_demo
from app.sandbox.demo_flows import GENERIC_CUSTOMERS
from app.sandbox.demo_names import CRM, DMS_STAR
from app.sandbox.servers import SandboxServers
from app.services.flows import FlowDefinition, FlowService
from app.services.profiles import ProfileService
from app.store import Store


@contextmanager
def demo_dealership(store: Store, dataset: Any, seed: int = 5) -> Iterator[SandboxServers]:
    """Sandbox servers on 127.0.0.1 with the demo profiles and flows installed."""
    with SandboxServers(dataset, seed=seed) as servers:
        install_demo(store, servers.port_file_payload())
        yield servers


GENERIC_FLOW = "customers-dms-to-generic-crm"


def add_generic_customers_flow(
    store: Store, mapping: Mapping = GENERIC_CUSTOMERS, schedule: dict[str, Any] | None = None
) -> str:
    """STAR customers -> the demo CRM's generic contacts (next to the demo's own flows)."""
    profiles = ProfileService(store)
    FlowService(store).upsert(
        FlowDefinition(
            GENERIC_FLOW,
            "Customers: DMS → CRM (generic REST)",
            profiles.get_by_name(DMS_STAR).id,
            "customers",
            profiles.get_by_name(CRM).id,
            "contacts",
            mapping,
            schedule=schedule or {},
        )
    )
    return GENERIC_FLOW
