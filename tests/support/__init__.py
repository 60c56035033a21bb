"""Helpers shared by tests of several packages: test modules import them from here, never
from another package's conftest or test module. Modules that define fixtures for several
packages are registered once, in ``pytest_plugins`` of the root ``tests/conftest.py``."""
