"""Fixtures for matching: a small labelled demo dataset."""

from __future__ import annotations

import pytest

from app.sandbox.generator import Dataset, build_dataset


@pytest.fixture(scope="session")
def small_ds() -> Dataset:
    return build_dataset(1_500, seed=5)
