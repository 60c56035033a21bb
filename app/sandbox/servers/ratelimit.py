"""A token bucket per API key, like the rate limits of cloud CRMs and marketing tools."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class TokenBucketLimiter:
    """``rps`` tokens per second refill a bucket of ``capacity``; a request takes one.

    ``acquire`` answers 0 when the request may pass, else the whole seconds to wait
    (at least 1), which is what goes into ``Retry-After``.
    """

    MAX_KEYS = 10_000  # bounded: forget idle keys rather than grow forever

    def __init__(
        self, rps: float, capacity: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}
        self.rps = rps
        self.capacity = capacity
        self.limited = 0

    def configure(self, rps: float, capacity: float) -> None:
        with self._lock:
            self.rps = rps
            self.capacity = capacity
            self._buckets.clear()

    @property
    def enabled(self) -> bool:
        return self.rps > 0

    def acquire(self, key: str) -> int:
        if not self.enabled:
            return 0
        now = self._clock()
        capacity = max(self.capacity, 1.0)
        with self._lock:
            tokens, last = self._buckets.get(key, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * self.rps)
            if tokens >= 1.0:
                self._store(key, tokens - 1.0, now)
                return 0
            self._store(key, tokens, now)
            self.limited += 1
            return max(1, math.ceil((1.0 - tokens) / self.rps))

    def _store(self, key: str, tokens: float, now: float) -> None:
        if key not in self._buckets and len(self._buckets) >= self.MAX_KEYS:
            self._buckets.clear()
        self._buckets[key] = (tokens, now)
