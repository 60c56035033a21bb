"""Shared fixtures: a fresh data folder and store per test and the real keyring.

Fixtures that tests of several packages use live in ``tests.support`` modules and are
registered here, once, with ``pytest_plugins`` (pytest reads it only in this conftest).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from app import secrets
from app.paths import AppPaths
from app.store import Store, open_store

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Helpers in tests.support assert too: let pytest explain their failures like a test's.
pytest.register_assert_rewrite("tests.support")

pytest_plugins = [
    "tests.support.fake_api",
    "tests.support.feeds",
    "tests.support.matching",
    "tests.support.memory_flow",
    "tests.support.synclog",
]


@pytest.fixture(scope="session", autouse=True)
def _require_real_keyring() -> None:
    """The suite proves secrets go to a real Secret Service; say how to get one if absent."""
    name = secrets.backend_name(keyring.get_keyring())
    if "SecretService" not in name and "WinVault" not in name and "macOS" not in name:
        pytest.exit(
            f"Tests need a real keyring but the backend is {name}. Run them with "
            "`bash scripts/test.sh` (it starts gnome-keyring under dbus-run-session).",
            returncode=3,
        )


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return AppPaths(tmp_path / "data").ensure()


@pytest.fixture
def store(paths: AppPaths) -> Iterator[Store]:
    s = open_store(paths)
    yield s
    s.dispose()
