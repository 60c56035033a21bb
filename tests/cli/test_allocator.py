"""A large dedupe asks glibc to reuse freed memory and numpy not to ask for huge pages, on
Linux only (``app.cli.allocator``)."""

from __future__ import annotations

import ctypes
import sys
from typing import Any

import numpy as np
import pytest

from app.cli import allocator


class _FakeLibc:
    def __init__(self, calls: list[tuple[int, int]]) -> None:
        self.calls = calls

    def mallopt(self, option: int, value: int) -> int:
        self.calls.append((option, value))
        return 1


def _record(monkeypatch: pytest.MonkeyPatch) -> tuple[list[tuple[int, int]], list[bool]]:
    calls: list[tuple[int, int]] = []
    huge: list[bool] = []
    monkeypatch.setattr(ctypes, "CDLL", lambda *_a, **_k: _FakeLibc(calls))
    monkeypatch.setattr(np._core.multiarray, "_set_madvise_hugepage", huge.append)
    return calls, huge


def test_linux_asks_glibc_to_reuse_memory_and_numpy_for_no_huge_pages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls, huge = _record(monkeypatch)
    monkeypatch.setattr(sys, "platform", "linux")
    allocator.reuse_memory()
    mib = 1 << 20  # option numbers from glibc's malloc.h
    assert calls == [(-8, 2), (-3, 32 * mib), (-1, 128 * mib), (-2, 64 * mib)]
    assert huge == [False]


def test_other_platforms_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    calls, huge = _record(monkeypatch)
    monkeypatch.setattr(sys, "platform", "win32")
    allocator.reuse_memory()
    assert calls == [] and huge == []


def test_a_libc_without_mallopt_is_no_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_libc(*_a: Any, **_k: Any) -> Any:
        raise OSError("no C library")

    _calls, huge = _record(monkeypatch)
    monkeypatch.setattr(ctypes, "CDLL", no_libc)
    monkeypatch.setattr(sys, "platform", "linux")
    assert allocator.reuse_memory() is None  # the OSError is swallowed
    assert huge == [False]  # numpy is still told


def test_glibc_takes_every_setting() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc's mallopt: Linux only")
    libc = ctypes.CDLL(None)
    # mallopt answers 1 when it takes a value (the same settings as a dedupe's)
    assert [libc.mallopt(o, v) for o, v in allocator.SETTINGS] == [1] * len(allocator.SETTINGS)
