"""A resilient HTTP client shared by the REST connectors: explicit timeouts, retries with
exponential back-off and full jitter, ``Retry-After``, token refresh on 401, and a
client-side rate limit. One client per connector.

A request that is not safe to repeat (a create the server cannot recognise a second time)
is sent with ``retry_ambiguous=False``: a failure after which the server may or may not
have done it (no answer, a dropped connection, 5xx) raises ``AmbiguousRequestError``
instead of sending it again, so the caller can look for the record first."""

from __future__ import annotations

import email.utils
import logging
import random
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import httpx

from app.connectors.errors import AmbiguousRequestError, DeliveryError
from app.connectors.rest.auth import Auth

log = logging.getLogger(__name__)

RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}
# failures that happen before the request reached the server: always safe to send again
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class RateLimiter:
    """Token bucket: at most ``per_second`` requests a second on average, bursts of ``burst``."""

    def __init__(self, per_second: float, burst: int = 10) -> None:
        self.rate = per_second
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.updated = time.monotonic()
        self.lock = threading.Lock()

    def acquire(self, sleep: Callable[[float], None] = time.sleep) -> None:
        if self.rate <= 0:
            return
        while True:
            with self.lock:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                wait = max((1 - self.tokens) / self.rate, 1e-6)
            sleep(wait)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Parse ``Retry-After`` (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass
class RetryPolicy:
    max_attempts: int = 6
    base_delay_s: float = 0.2
    max_delay_s: float = 20.0
    max_retry_after_s: float = 120.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: uniform(0, min(cap, base * 2**attempt))."""
        return rng.uniform(0, min(self.max_delay_s, self.base_delay_s * (2**attempt)))


@lru_cache(maxsize=1)
def shared_tls() -> ssl.SSLContext:
    """The verifying TLS context every REST client of the process shares. Making one
    loads the CA bundle (20-150 ms): once per process, not once per connector of every
    run. (Safe to share: our clients all speak HTTP/1.1, so the ALPN list httpcore sets
    on it is always the same.)"""
    return httpx.create_ssl_context()


class ResilientClient:
    """``request()`` returns the final response (2xx or a non-retryable 4xx) or raises
    ``DeliveryError`` once retries are exhausted. Callers decide what a 4xx means."""

    def __init__(
        self,
        base_url: str,
        auth: Auth | None = None,
        *,
        timeout_s: float = 30.0,
        retry: RetryPolicy | None = None,
        rate_limit_per_s: float = 0.0,
        default_headers: dict[str, str] | None = None,
        request_id_header: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.auth = auth
        self.retry = retry or RetryPolicy()
        self.limiter = RateLimiter(rate_limit_per_s) if rate_limit_per_s > 0 else None
        self.request_id_header = request_id_header
        self.sleep = sleep
        self.rng = random.Random(seed)
        self.client = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
            headers={"User-Agent": "RooftopSync", **(default_headers or {})},
            transport=transport,
            verify=shared_tls(),
        )
        self.stats = {"requests": 0, "retries": 0, "throttled": 0, "refreshed": 0}
        # after a 429 every request of this client (on any thread) waits out its
        # Retry-After: parallel batches back off together, as one sender would
        self._quiet_until = 0.0
        self._quiet_for: int | None = None  # the thread that got the 429 sleeps on its own

    def close(self) -> None:
        self.client.close()

    def url(self, path: str) -> str:
        """What ``path`` resolves to (an absolute URL stays as it is)."""
        return path if "://" in path else f"{self.base_url}{path}"

    def request(
        self, method: str, path: str, *, retry_ambiguous: bool = True, **kwargs: Any
    ) -> httpx.Response:
        """Send with retries. ``retry_ambiguous=False``: a request the server may have
        carried out before failing is not sent again; ``AmbiguousRequestError`` says so
        (only failures where it certainly was not — no connection, 429 — are retried)."""
        base_headers = dict(kwargs.pop("headers", None) or {})
        last_problem = ""
        last_status: int | None = None
        refreshed = False
        attempt = 0
        while True:
            quiet = self._quiet_until - time.monotonic()
            if quiet > 0 and self._quiet_for != threading.get_ident():
                self.sleep(quiet)
            if self.limiter:
                self.limiter.acquire(self.sleep)
            headers = dict(base_headers)
            if self.auth is not None:
                headers.update(self.auth.headers(self.client))
            if self.request_id_header:
                headers[self.request_id_header] = str(uuid.uuid4())
            self.stats["requests"] += 1
            try:
                response = self.client.request(method, path, headers=headers, **kwargs)
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                last_problem = f"{type(exc).__name__}: {exc or 'no answer'}"
                last_status = None
                if not retry_ambiguous and not isinstance(exc, _NOT_SENT):
                    raise AmbiguousRequestError(
                        f"{method} {self.url(path)} got no clear answer ({last_problem})."
                    ) from exc
                delay = self.retry.backoff(attempt, self.rng)
            else:
                if response.status_code == 401 and self.auth is not None and not refreshed:
                    refreshed = True  # an expired token: refresh once, not counted as a failure
                    self.stats["refreshed"] += 1
                    self.auth.refresh(self.client)
                    continue
                if response.status_code not in RETRYABLE_STATUS:
                    return response
                last_problem = f"HTTP {response.status_code}"
                last_status = response.status_code
                if not retry_ambiguous and response.status_code != 429:
                    raise AmbiguousRequestError(
                        f"{method} {self.url(path)} failed with {last_problem}; the server "
                        "may or may not have done it."
                    )
                delay = self.retry.backoff(attempt, self.rng)
                if response.status_code in (429, 503):
                    self.stats["throttled"] += response.status_code == 429
                    hinted = retry_after_seconds(response.headers.get("Retry-After"))
                    if hinted is not None:
                        delay = min(hinted, self.retry.max_retry_after_s)
                    if response.status_code == 429:
                        self._quiet_until = max(self._quiet_until, time.monotonic() + delay)
                        self._quiet_for = threading.get_ident()
            attempt += 1
            if attempt >= self.retry.max_attempts:
                error = DeliveryError(
                    f"{method} {self.url(path)} failed after {attempt} attempts ({last_problem})."
                )
                error.last_status = last_status
                raise error
            self.stats["retries"] += 1
            log.info("%s %s: %s; retrying in %.2fs", method, path, last_problem, delay)
            self.sleep(delay)
