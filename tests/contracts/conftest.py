"""Contract tests: connectors against Stoplight Prism mocks of the vendors' published specs
(``tests/contracts/specs``). Every test here is marked ``contract`` (``-m contract``).

Prism is not optional: when it is missing the fixture fails with "run scripts/setup.sh"
instead of skipping, so CI (which runs setup.sh) can never pass by running nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.prism import CONTRACT_SPECS, PrismMock, SpecPatch

HERE = Path(__file__).parent


@pytest.hookimpl(tryfirst=True)  # before -m selects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.contract)


class PrismMocks:
    """Starts a Prism mock per (spec, dynamic, patch) the first time a test asks for it and
    keeps it for the module; every call starts a fresh log window (``reset()``), so a test
    sees only its own requests."""

    def __init__(self) -> None:
        self._mocks: dict[tuple[Path, bool, SpecPatch | None], PrismMock] = {}

    def __call__(
        self, spec: str | Path, *, dynamic: bool = False, patch: SpecPatch | None = None
    ) -> PrismMock:
        path = Path(spec) if Path(spec).is_absolute() else CONTRACT_SPECS / spec
        key = (path, dynamic, patch)
        mock = self._mocks.get(key)
        if mock is None:
            mock = PrismMock(path, dynamic=dynamic, patch=patch)
            mock.start()
            self._mocks[key] = mock
        else:
            mock.reset()
        return mock

    def stop_all(self) -> None:
        for mock in self._mocks.values():
            mock.stop()
        self._mocks.clear()


@pytest.fixture(scope="module")
def prism_mocks() -> Iterator[PrismMocks]:
    """``prism_mocks("star/customer.yaml")`` → a running ``PrismMock`` (path relative to
    tests/contracts/specs, or absolute); ``dynamic=True`` for ``-d``, ``patch=`` to change
    the spec first (e.g. ``drop_query_params(...)``). Pass the same patch object each
    time to share the mock."""
    mocks = PrismMocks()
    try:
        yield mocks
    finally:
        mocks.stop_all()
