"""Request counters for ``GET /_sandbox/stats``."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from typing import Any


class RequestStats:
    """Counts requests by ``METHOD /path/{template}`` and status (0 = dropped)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._total = 0
        self._by_route: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._by_status: Counter[str] = Counter()

    def record(self, method: str, template: str, status: int) -> None:
        label = str(status) if status else "dropped"
        with self._lock:
            self._total += 1
            self._by_route[f"{method} {template}"][label] += 1
            self._by_status[label] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": self._total,
                "by_status": dict(self._by_status),
                "by_route": {k: dict(v) for k, v in sorted(self._by_route.items())},
            }

    def reset(self) -> None:
        with self._lock:
            self._total = 0
            self._by_route.clear()
            self._by_status.clear()
