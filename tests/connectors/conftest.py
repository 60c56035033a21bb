"""One set of simulated servers (DMS, CRM + SMTP inbox, website, marketing) on 127.0.0.1
for every connector test module, started once per session from a small data set.

Tests that change server state (faults, records) restore the faults they set and never
rely on record counts they did not take themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers

CUSTOMERS = 120
SEED = 11


@pytest.fixture(scope="session")
def dataset() -> Any:
    return build_dataset(CUSTOMERS, seed=SEED)


@pytest.fixture(scope="session")
def sandbox(dataset: Any) -> Iterator[SandboxServers]:
    with SandboxServers(dataset, seed=SEED) as servers:
        yield servers


@pytest.fixture
def calm(sandbox: SandboxServers) -> Iterator[SandboxServers]:
    """The sandbox with no faults before and after the test."""
    sandbox.set_faults("")
    yield sandbox
    sandbox.set_faults("")
