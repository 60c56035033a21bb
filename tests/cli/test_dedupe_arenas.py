"""The dedupe command asks glibc for two malloc arenas on Linux, and nothing elsewhere."""

from __future__ import annotations

import ctypes
import sys
from typing import Any

import pytest

from app.cli import dedupe_cmd


class _FakeLibc:
    def __init__(self, calls: list[tuple[int, int]]) -> None:
        self.calls = calls

    def mallopt(self, option: int, value: int) -> int:
        self.calls.append((option, value))
        return 1


def _record_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(ctypes, "CDLL", lambda *_a, **_k: _FakeLibc(calls))
    return calls


def test_linux_asks_glibc_for_two_arenas(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _record_calls(monkeypatch)
    monkeypatch.setattr(sys, "platform", "linux")
    dedupe_cmd._two_malloc_arenas()
    assert calls == [(-8, 2)]  # M_ARENA_MAX in glibc's malloc.h


def test_other_platforms_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _record_calls(monkeypatch)
    monkeypatch.setattr(sys, "platform", "win32")
    dedupe_cmd._two_malloc_arenas()
    assert calls == []


def test_a_libc_without_mallopt_is_no_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_libc(*_a: Any, **_k: Any) -> Any:
        raise OSError("no C library")

    monkeypatch.setattr(ctypes, "CDLL", no_libc)
    monkeypatch.setattr(sys, "platform", "linux")
    assert dedupe_cmd._two_malloc_arenas() is None  # the OSError is swallowed
