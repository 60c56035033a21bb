"""Filling the duplicate-review store from the demo's connections."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.sandbox.demo import install_demo
from app.sandbox.demo_names import CRM, CRM_ELEAD, DMS, DMS_CDK, DMS_STAR, MARKETING
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.services.matching_queue import MatchingQueue
from app.services.matching_sources import load_from_profiles
from app.services.profiles import ProfileService
from app.store import Store


@pytest.fixture(scope="module")
def servers() -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(80, seed=23), seed=23) as running:
        yield running


def test_a_system_reached_over_several_apis_is_read_once(
    store: Store, servers: SandboxServers
) -> None:
    """The DMS is reached over STAR, CDK and the generic kind with the same customers,
    the CRM over Elead and its generic API: only the connection the others name is read,
    so no customer is offered as a duplicate of itself and CDK's unreadable-as-a-whole
    customer API is not tried. Klaviyo's profiles are read too."""
    install_demo(store, servers.port_file_payload())
    steps: list[str] = []
    read = load_from_profiles(
        MatchingQueue(store), ProfileService(store), lambda text, _i, _n: steps.append(text)
    )
    contacts = len(servers.app("crm").store.contacts.rows)
    assert read[DMS_STAR] == 80 and read[CRM_ELEAD] == contacts and read[MARKETING] > 0
    assert DMS_CDK not in read and DMS not in read and CRM not in read
    assert f"skipped {DMS_CDK} (same records as {DMS_STAR})" in steps
    assert f"skipped {CRM} (same records as {CRM_ELEAD})" in steps
