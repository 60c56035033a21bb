"""Feed upload over HTTPS: the whole file in one PUT (or POST) with an API-key header.

The receiver replaces its listings with the file's valid rows in one step, so an upload
is atomic by nature. Network errors, throttling (honouring ``Retry-After``) and 5xx are
retried with growing pauses; the receiver's per-row rejections come back in the receipt.
The TLS context is built once per process: loading the CA bundle costs ~0.5 s, and the
real-time path uploads within seconds of a sale.
"""

from __future__ import annotations

import functools
import random
import ssl
import time
from typing import Any

import httpx

from app.connectors.errors import AuthError, ConnectorError, DeliveryError
from app.connectors.feed_files import DeliveryReceipt
from app.connectors.rest.client import RETRYABLE_STATUS, RetryPolicy, retry_after_seconds
from app.connectors.rest_helpers import error_text


@functools.lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def _send(
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    content: bytes | None,
    timeout_s: float,
    attempts: int,
) -> httpx.Response:
    policy, rng = RetryPolicy(max_attempts=attempts), random.Random()
    problem = ""
    with httpx.Client(timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
                      verify=_tls()) as client:  # fmt: skip
        for attempt in range(attempts):
            delay = policy.backoff(attempt, rng)
            try:
                response = client.request(method, url, headers=headers, content=content)
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                problem = f"{type(exc).__name__}: {exc or 'no answer'}"
            else:
                if response.status_code not in RETRYABLE_STATUS:
                    return response
                problem = f"HTTP {response.status_code}"
                hinted = retry_after_seconds(response.headers.get("Retry-After"))
                if hinted is not None:
                    delay = min(hinted, policy.max_retry_after_s)
            if attempt + 1 < attempts:
                time.sleep(delay)
    raise DeliveryError(f"{method} {url} failed after {attempts} attempts ({problem}).")


def upload(
    url: str,
    data: bytes,
    content_type: str,
    *,
    api_key: str,
    header: str = "X-API-Key",
    method: str = "PUT",
    timeout_s: float = 60.0,
    attempts: int = 4,
) -> DeliveryReceipt:
    response = _send(
        method,
        url,
        headers={
            header: api_key,
            "Content-Type": f"{content_type}; charset=utf-8",
            "User-Agent": "RooftopSync",
        },
        content=data,
        timeout_s=timeout_s,
        attempts=attempts,
    )
    if response.status_code in (401, 403):
        raise AuthError(
            f"The feed receiver refused the API key (HTTP {response.status_code}).",
            hint="Check the API key in the feed connection.",
        )
    if response.status_code >= 300:
        raise ConnectorError(
            f"The feed receiver refused the feed: {error_text(response)}.",
            hint="Its listings were left as they were.",
        )
    try:
        body: Any = response.json() if response.content else {}
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    accepted, rejected = body.get("accepted"), body.get("rejected")
    return DeliveryReceipt(
        url,
        len(data),
        accepted if isinstance(accepted, int) else None,
        [r for r in rejected if isinstance(r, dict)] if isinstance(rejected, list) else [],
    )


def probe(url: str, *, api_key: str, header: str, timeout_s: float) -> str:
    response = _send(
        "GET", url, headers={header: api_key}, content=None, timeout_s=timeout_s, attempts=2
    )
    if response.status_code in (401, 403):
        raise AuthError(f"The feed receiver refused the API key (HTTP {response.status_code}).")
    if response.status_code >= 500:
        raise ConnectorError(f"The feed receiver answered with an error: {error_text(response)}.")
    if response.status_code in (404, 410):
        # the server is there but the address is not: an upload would fail the same way
        raise ConnectorError(
            f"The server at {url} answered, but has no feed address there: "
            f"{error_text(response)}. Check the upload address."
        )
    return f"The feed receiver at {url} answered (HTTP {response.status_code})"
