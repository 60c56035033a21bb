"""Fault injection: spec parsing, seeded determinism, every fault kind, live changes."""

from __future__ import annotations

import time

import httpx
import pytest

from app.sandbox.servers import FaultSettings, FaultSpec, SandboxError, SandboxServers
from tests.support.fake_dataset import FakeDataset
from tests.support.sandbox_api import client, dms_headers


def test_spec_parsing_and_precedence() -> None:
    spec = FaultSpec.parse("error_rate=0.1, latency_ms=5,crm:error_rate=0.2,seed=9,crm:rps=3")
    base = FaultSettings(seed=1)
    crm = spec.settings_for("crm", base)
    dms = spec.settings_for("dms", base)
    assert (crm.error_rate, crm.rps, crm.latency_ms, crm.seed) == (0.2, 3.0, 5.0, 9)
    assert (dms.error_rate, dms.rps) == (0.1, 0.0)
    assert FaultSpec.parse('{"drop_rate": 0.5, "crm": {"burst": 2}}').settings_for(
        "crm", base
    ) == base.replace(drop_rate=0.5, burst=2)
    for bad, words in [
        ("eror_rate=0.1", "Unknown fault setting"),
        ("pos:error_rate=0.1", "Unknown server"),
        ("error_rate", "key=value"),
        ("error_rate=lots", "needs a number"),
        ("error_rate=-1", "negative"),
    ]:
        with pytest.raises(SandboxError, match=words):
            FaultSpec.parse(bad)
    with pytest.raises(SandboxError, match="add up"):
        FaultSpec.parse("error_rate=0.7,drop_rate=0.6").settings_for("dms", base)


def _statuses(s: SandboxServers, n: int) -> list[int]:
    url = s.servers["dms"].url
    headers = dms_headers(s)
    with client() as c:
        return [c.get(f"{url}/customers", headers=headers).status_code for _ in range(n)]


def test_same_seed_same_faults(dataset: FakeDataset) -> None:
    spec = "error_rate=0.3,rate_limit_rate=0.1,burst=1,retry_after_s=0"
    with SandboxServers(dataset, seed=11, faults=spec) as s:
        first = _statuses(s, 40)
        s.set_faults(spec)  # re-seeds: the same sequence meets the same faults
        assert _statuses(s, 40) == first
    with SandboxServers(dataset, seed=11, faults=spec) as s:
        assert _statuses(s, 40) == first
    with SandboxServers(dataset, seed=12, faults=spec) as s:
        assert _statuses(s, 40) != first
    assert {500, 502, 503} & set(first) and 429 in first and 200 in first


def test_error_and_rate_limit_faults(servers: SandboxServers) -> None:
    url = servers.servers["dms"].url
    headers = dms_headers(servers)
    servers.set_faults("error_rate=1")
    with client() as c:
        r = c.get(f"{url}/customers", headers=headers)
        assert r.status_code in (500, 502, 503)
        assert "simulated" in r.json()["message"]
        assert r.headers["Request-Id"] == "req-1"
        # the sandbox routes and the token endpoint are never faulted
        assert c.get(f"{url}/_sandbox/stats").status_code == 200
        assert dms_headers(servers)
        servers.set_faults("rate_limit_rate=0.2,burst=3,retry_after_s=2")
        codes = [c.get(f"{url}/customers", headers=headers) for _ in range(30)]
        statuses = [r.status_code for r in codes]
        first = statuses.index(429)
        assert statuses[first : first + 4] == [429] * 4  # the burst
        assert codes[first].headers["Retry-After"] == "2"
        stats = c.get(f"{url}/_sandbox/stats").json()
        assert stats["faults"]["counts"]["error"] == 1
        assert stats["faults"]["counts"]["rate_limit"] == statuses.count(429)
        assert stats["requests"]["by_route"]["GET /customers"]["429"] == statuses.count(429)


def test_timeout_drop_and_latency(servers: SandboxServers) -> None:
    url = servers.servers["dms"].url
    headers = dms_headers(servers)
    servers.set_faults("timeout_rate=1,timeout_s=0.6")
    with client(timeout=0.2) as c, pytest.raises(httpx.ReadTimeout):
        c.get(f"{url}/customers", headers=headers)
    with client(timeout=5) as c:
        started = time.monotonic()
        late = c.get(f"{url}/customers", headers=headers)
        assert late.status_code == 200  # held, then answered
        assert time.monotonic() - started >= 0.55
    servers.set_faults("drop_rate=1")
    with client() as c, pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        c.get(f"{url}/customers", headers=headers)
    servers.set_faults("latency_ms=250")
    with client() as c:
        started = time.monotonic()
        assert c.get(f"{url}/customers", headers=headers).status_code == 200
        assert time.monotonic() - started >= 0.24
        counts = c.get(f"{url}/_sandbox/stats").json()["faults"]["counts"]
        assert counts["latency"] == 1
        by_status = c.get(f"{url}/_sandbox/stats").json()["requests"]["by_status"]
        assert by_status["dropped"] == 1


def test_lost_answer_means_the_server_did_it(servers: SandboxServers) -> None:
    """``lost_rate``: the write happens, the answer never arrives."""
    headers = dms_headers(servers)
    url = servers.servers["dms"].url
    with client() as c:
        got = c.get(f"{url}/customers/C100001", headers=headers)
        servers.set_faults("dms:lost_rate=1")
        change = {**headers, "If-Match": got.headers["ETag"]}
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            c.patch(f"{url}/customers/C100001", json={"city": "Lostville"}, headers=change)
        servers.set_faults("")
        assert c.get(f"{url}/customers/C100001", headers=headers).json()["city"] == "Lostville"
        assert c.get(f"{url}/_sandbox/stats").json()["faults"]["counts"]["lost"] == 1
    assert FaultSpec.parse("lost_rate=0.2").settings_for("dms", FaultSettings()).lost_rate == 0.2


def test_per_server_faults_and_http_control(servers: SandboxServers) -> None:
    servers.set_faults("crm:error_rate=1")
    crm = servers.servers["crm"]
    key = {"X-API-Key": crm.credentials["api_key"]}
    with client() as c:
        assert c.get(f"{crm.url}/contacts", headers=key).status_code >= 500
        assert _statuses(servers, 3) == [200, 200, 200]
        put = c.put(f"{crm.url}/_sandbox/faults", content="error_rate=0")
        assert put.status_code == 200
        assert put.json()["settings"]["error_rate"] == 0
        assert c.get(f"{crm.url}/contacts", headers=key).status_code == 200
        as_json = c.put(f"{crm.url}/_sandbox/faults", json={"spec": {"rate_limit_rate": 1}})
        assert as_json.json()["settings"]["rate_limit_rate"] == 1
        assert c.get(f"{crm.url}/contacts", headers=key).status_code == 429
        bad = c.put(f"{crm.url}/_sandbox/faults", content="nonsense=1")
        assert bad.status_code == 400
        assert "Unknown fault setting" in bad.json()["message"]
        assert c.get(f"{crm.url}/_sandbox/faults").json()["settings"]["rate_limit_rate"] == 1
