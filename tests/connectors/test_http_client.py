"""ResilientClient: exact retry sequences with MockTransport, then the real thing against
the simulated DMS with faults switched on."""

from __future__ import annotations

import email.utils
import ssl
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.connectors.errors import AuthError, DeliveryError
from app.connectors.rest import client as http_module
from app.connectors.rest.auth import ApiKeyAuth, OAuth2ClientCredentials
from app.connectors.rest.client import (
    RateLimiter,
    ResilientClient,
    RetryPolicy,
    retry_after_seconds,
)
from app.sandbox.servers import SandboxServers
from tests.support.http_script import Script, client_for


def test_server_errors_are_retried_with_jittered_exponential_backoff() -> None:
    script = Script(
        [httpx.Response(503), httpx.Response(502), httpx.Response(500), httpx.Response(200)]
    )
    sleeps: list[float] = []
    client = client_for(script, sleeps, request_id_header="Request-Id")
    assert client.request("GET", "/x").status_code == 200
    assert len(script.requests) == 4 and len(sleeps) == 3
    for attempt, delay in enumerate(sleeps):
        assert 0 <= delay <= 0.5 * 2**attempt  # full jitter under the doubling cap
    ids = {r.headers["Request-Id"] for r in script.requests}
    assert len(ids) == 4  # a fresh Request-Id per attempt
    assert client.stats["retries"] == 3


def test_client_errors_are_returned_at_once() -> None:
    script = Script([httpx.Response(422, json={"message": "bad"})])
    sleeps: list[float] = []
    assert client_for(script, sleeps).request("POST", "/x", json={}).status_code == 422
    assert len(script.requests) == 1 and sleeps == []


def test_retry_after_in_seconds_is_honoured_and_capped() -> None:
    script = Script(
        [
            httpx.Response(429, headers={"Retry-After": "3"}),
            httpx.Response(429, headers={"Retry-After": "9999"}),
            httpx.Response(200),
        ]
    )
    sleeps: list[float] = []
    client = client_for(script, sleeps)
    client.retry.max_retry_after_s = 60
    assert client.request("GET", "/x").status_code == 200
    assert sleeps == [3.0, 60.0]
    assert client.stats["throttled"] == 2


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)
    stamp = email.utils.format_datetime(now + timedelta(seconds=42), usegmt=True)
    assert retry_after_seconds(stamp, now) == 42.0
    assert retry_after_seconds(email.utils.format_datetime(now - timedelta(seconds=5)), now) == 0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
    later = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    script = Script([httpx.Response(429, headers={"Retry-After": later}), httpx.Response(200)])
    sleeps: list[float] = []
    assert client_for(script, sleeps).request("GET", "/x").status_code == 200
    assert len(sleeps) == 1 and 25 <= sleeps[0] <= 30


class CountingAuth:
    def __init__(self) -> None:
        self.token = "t0"
        self.refreshes = 0

    def headers(self, client: httpx.Client) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def refresh(self, client: httpx.Client) -> None:
        self.refreshes += 1
        self.token = f"t{self.refreshes}"


def test_401_refreshes_the_token_once_then_gives_the_answer_back() -> None:
    auth = CountingAuth()
    script = Script([httpx.Response(401), httpx.Response(200)])
    sleeps: list[float] = []
    assert client_for(script, sleeps, auth=auth).request("GET", "/x").status_code == 200
    assert auth.refreshes == 1 and sleeps == []
    assert [r.headers["Authorization"] for r in script.requests] == ["Bearer t0", "Bearer t1"]
    stubborn = Script([httpx.Response(401)])
    auth2 = CountingAuth()
    assert client_for(stubborn, [], auth=auth2).request("GET", "/x").status_code == 401
    assert auth2.refreshes == 1 and len(stubborn.requests) == 2


def test_oauth2_tokens_are_cached_and_renewed_after_a_401() -> None:
    issued: list[str] = []
    valid: set[str] = set()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/token":
            assert request.headers["Authorization"].startswith("Basic ")
            issued.append(f"tok{len(issued)}")
            valid.clear()
            valid.add(issued[-1])
            return httpx.Response(200, json={"access_token": issued[-1], "expires_in": 3600})
        token = request.headers["Authorization"].removeprefix("Bearer ")
        return httpx.Response(200 if token in valid else 401)

    auth = OAuth2ClientCredentials("https://api.test/oauth2/token", "id", "secret")
    client = ResilientClient("https://api.test", auth, transport=httpx.MockTransport(handler))
    for _ in range(3):
        assert client.request("GET", "/x").status_code == 200
    assert issued == ["tok0"]
    valid.clear()  # the server forgets the token (restart, revocation)
    assert client.request("GET", "/x").status_code == 200
    assert issued == ["tok0", "tok1"] and client.stats["refreshed"] == 1


def test_api_key_rejection_is_an_auth_error() -> None:
    script = Script([httpx.Response(401)])
    with pytest.raises(AuthError, match="rejected the API key"):
        client_for(script, [], auth=ApiKeyAuth("k")).request("GET", "/x")


def test_delivery_error_after_max_attempts() -> None:
    script = Script([httpx.Response(503)])
    sleeps: list[float] = []
    with pytest.raises(DeliveryError, match=r"after 4 attempts \(HTTP 503\)"):
        client_for(script, sleeps, attempts=4).request("GET", "/x")
    assert len(script.requests) == 4 and len(sleeps) == 3
    down = Script([httpx.ConnectError("connection refused")])
    with pytest.raises(DeliveryError, match="ConnectError"):
        client_for(down, [], attempts=2).request("GET", "/x")
    assert len(down.requests) == 2


class FakeTime:
    """Stands in for the ``time`` module inside app.connectors.http."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        # A real clock always moves on; a float crumb of a wait must not stall this one.
        self.now += max(seconds, 1e-9)


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTime]:
    clock = FakeTime()
    monkeypatch.setattr(http_module, "time", clock)
    yield clock


def test_rate_limiter_spaces_requests_after_the_burst(fake_time: FakeTime) -> None:
    limiter = RateLimiter(per_second=10, burst=2)
    for _ in range(12):
        limiter.acquire(fake_time.sleep)
    assert fake_time.now == pytest.approx(1.0, abs=1e-5)  # 10 beyond the burst at 10/s


def test_client_applies_its_rate_limit(fake_time: FakeTime) -> None:
    script = Script([httpx.Response(200)])
    client = ResilientClient(
        "https://api.test",
        rate_limit_per_s=5,
        sleep=fake_time.sleep,
        transport=httpx.MockTransport(script),
    )
    for _ in range(20):
        client.request("GET", "/x")
    assert fake_time.now == pytest.approx((20 - 10) / 5, abs=1e-5)  # burst of 10, then 5/s


# -- against the simulated DMS ----------------------------------------------------------
def dms_client(
    sandbox: SandboxServers, sleep: Callable[[float], None], **kw: Any
) -> ResilientClient:
    info = sandbox.servers["dms"]
    creds = info.credentials
    auth = OAuth2ClientCredentials(
        f"{info.url}/oauth2/token", creds["client_id"], creds["client_secret"]
    )
    return ResilientClient(
        info.url,
        auth,
        default_headers={"Subscription-Id": creds["subscription_id"]},
        request_id_header="Request-Id",
        sleep=sleep,
        **kw,
    )


def test_real_faults_are_ridden_out(calm: SandboxServers) -> None:
    calm.set_faults(
        "dms:error_rate=0.2,dms:rate_limit_rate=0.05,dms:drop_rate=0.1,"
        "dms:timeout_rate=0.05,dms:timeout_s=1,dms:retry_after_s=2"
    )
    pauses: list[float] = []
    client = dms_client(calm, pauses.append, timeout_s=0.4, retry=RetryPolicy(max_attempts=12))
    for page in range(1, 41):
        response = client.request("GET", "/customers", params={"page": page, "pageSize": 3})
        assert response.status_code == 200
    counts = calm.app("dms").faults.snapshot()["counts"]
    assert all(counts.get(kind) for kind in ("error", "drop", "rate_limit", "timeout"))
    assert client.stats["retries"] >= counts["error"] + counts["drop"] + counts["timeout"]
    assert 2.0 in pauses  # Retry-After from the server
    client.close()


def _settled_count(servers: SandboxServers, route: str) -> int:
    """Requests the sandbox counted on ``route`` once none came in for 1.5 s: it counts a
    request after its answer is sent, and the test before holds requests for 1 s ("timeout"
    faults) that it counts when they end, after that test's client gave up on them."""

    def count() -> int:
        return sum(servers.app("dms").stats.snapshot()["by_route"].get(route, {}).values())

    last = count()
    while True:
        time.sleep(1.5)
        now = count()
        if now == last:
            return now
        last = now


def test_real_server_that_keeps_failing_ends_in_delivery_error(calm: SandboxServers) -> None:
    calm.set_faults("dms:error_rate=1")
    client = dms_client(calm, lambda _s: None, retry=RetryPolicy(max_attempts=3))
    before = _settled_count(calm, "GET /customers")
    with pytest.raises(DeliveryError, match="after 3 attempts"):
        client.request("GET", "/customers")
    client.close()
    assert _settled_count(calm, "GET /customers") - before == 3


def test_clients_share_one_verifying_tls_context(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the CA bundle is paid once per process, not per connector of every run."""
    made: list[ssl.SSLContext] = []
    real = httpx.create_ssl_context

    def counting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(http_module.httpx, "create_ssl_context", counting)
    http_module.shared_tls.cache_clear()
    try:
        first = ResilientClient("https://crm.example.test")
        second = ResilientClient("https://dms.example.test")
        assert len(made) == 1 and http_module.shared_tls() is made[0]
        assert made[0].verify_mode is ssl.CERT_REQUIRED and made[0].check_hostname
        first.close()
        second.close()
    finally:
        http_module.shared_tls.cache_clear()
