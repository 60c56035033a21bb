"""The dedupe command's malloc setting is harmless wherever it runs."""

from __future__ import annotations

import sys

import pytest

from app.cli import dedupe_cmd


def test_two_malloc_arenas_runs_anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    dedupe_cmd._two_malloc_arenas()  # this platform (Linux: glibc's mallopt)
    monkeypatch.setattr(sys, "platform", "win32")
    dedupe_cmd._two_malloc_arenas()  # elsewhere: nothing to do
