"""A customers flow between two in-memory systems (``tests.support.memory_connector``):
its mapping, source rows for it, and the ``world`` and ``memory_flow`` fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.mapping.model import Mapping, Step, rule
from app.services.flows import FlowDefinition, FlowService
from app.services.profiles import ProfileService
from app.store import Store
from tests.support.memory_connector import World

CUSTOMER_MAPPING = Mapping(
    (
        rule("external_id", "customer_id", required=True),
        rule("first_name", "first_name", steps=[Step("trim"), Step("name_case")]),
        rule("last_name", "last_name", steps=[Step("trim"), Step("name_case")], required=True),
        rule("email", "email", steps=[Step("email")]),
        rule("phone", "mobile_phone", steps=[Step("phone_e164")]),
    )
)


def customer(n: int, updated: str = "2026-01-01T00:00:00Z", **over: str) -> dict[str, str]:
    row = {
        "customer_id": f"C{n:05d}",
        "first_name": f"first{n}",
        "last_name": f"last{n}",
        "email": f"person{n}@example.com",
        "mobile_phone": f"(313) 555-{n % 10000:04d}",
        "updated_at": updated,
    }
    row.update(over)
    return row


@pytest.fixture
def world() -> Iterator[type[World]]:
    """The in-memory systems, empty before and after the test."""
    World.reset()
    yield World
    World.reset()


@pytest.fixture
def memory_flow(store: Store, world: type[World]) -> str:
    """Memory DMS -> memory CRM customers flow on ``store``; its slug."""
    profiles = ProfileService(store)
    src = profiles.create("Memory DMS", "test_memory", {"name": "dms"})
    dst = profiles.create("Memory CRM", "test_memory", {"name": "crm"})
    FlowService(store).upsert(
        FlowDefinition(
            slug="customers-test",
            name="Customers (test)",
            source_profile_id=src.id,
            source_stream="customers",
            dest_profile_id=dst.id,
            dest_stream="contacts",
            mapping=CUSTOMER_MAPPING,
            ownership={"email": "destination"},
        )
    )
    return "customers-test"
