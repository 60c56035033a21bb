"""Fixtures for the simulated-server tests: servers on the small fake data set of
``tests.support.fake_dataset``, fresh for each test, and a webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.sandbox.servers import SandboxServers
from tests.support.fake_dataset import FakeDataset, build_fake_dataset
from tests.support.webhooks import WebhookReceiver


@pytest.fixture(scope="session")
def dataset() -> FakeDataset:
    return build_fake_dataset()


@pytest.fixture
def servers(dataset: FakeDataset) -> Iterator[SandboxServers]:
    """Fresh servers per test (state is mutated), short webhook back-off."""
    with SandboxServers(dataset, seed=7, faults="webhook_backoff_s=0.05") as running:
        yield running


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    r = WebhookReceiver()
    yield r
    r.close()
