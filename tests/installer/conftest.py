"""Fixtures for the packaging tests: the ``installer`` marker and a makensis to compile with."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "installer: compiles the Windows installer script with makensis (NSIS)"
    )


def _apt_install_nsis() -> str | None:
    """Install Debian's nsis when we may (root with apt-get), as scripts/setup.sh would."""
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "nsis"],
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "nsis"],
    ):
        done = subprocess.run(cmd, env=env, capture_output=True, check=False, timeout=600)
        if done.returncode == 0 and cmd[1] == "install":
            break
    return shutil.which("makensis")


@pytest.fixture(scope="session")
def makensis() -> str:
    found = shutil.which("makensis") or _apt_install_nsis()
    if not found:
        pytest.skip("makensis (NSIS) is not installed and could not be installed here")
    return found
