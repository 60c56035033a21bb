"""A running demo dealership with its profiles and flows installed, for the mapping
editor and drift tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from app.sandbox.demo import install_demo
from app.sandbox.servers import SandboxServers
from app.store import Store


@contextmanager
def demo_dealership(store: Store, dataset: Any, seed: int = 5) -> Iterator[SandboxServers]:
    """Sandbox servers on 127.0.0.1 with the demo profiles and six demo flows installed."""
    with SandboxServers(dataset, seed=seed) as servers:
        install_demo(store, servers.port_file_payload())
        yield servers
