"""The runner: start/stop, port file, credentials file, serve_forever, inspection routes."""

from __future__ import annotations

import json
import logging
import socket
import stat
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from app.sandbox.servers import SandboxServers, serve_forever, write_port_file
from tests.support.fake_dataset import FakeDataset
from tests.support.sandbox_api import client, dms_headers

NAMES = {"dms", "crm", "website", "marketing", "retailing", "crm_smtp", "lead_mailbox"}


def _port(url: str) -> int:
    port = urlsplit(url).port
    assert port
    return port


def _refused(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_start_payload_and_clean_stop(
    dataset: FakeDataset, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    s = SandboxServers(dataset, seed=5, state_dir=tmp_path / "state")
    infos = s.start()
    assert s.start() == infos  # idempotent while running
    assert set(infos) == NAMES
    for info in infos.values():
        assert urlsplit(info.url).hostname == "127.0.0.1"
    payload = s.port_file_payload()
    assert set(payload["servers"]) == NAMES
    assert payload["servers"]["dms"] == {
        "url": infos["dms"].url,
        "credentials": infos["dms"].credentials,
    }
    assert payload["servers"]["crm_smtp"]["url"].startswith("smtp://127.0.0.1:")
    creds_file = tmp_path / "state" / "credentials.json"
    assert json.loads(creds_file.read_text())["dms"] == infos["dms"].credentials
    assert stat.S_IMODE(creds_file.stat().st_mode) == 0o600
    # same seed, same demo credentials; another seed, others
    assert SandboxServers(dataset, seed=5)._credentials["dms"] == infos["dms"].credentials
    assert SandboxServers(dataset, seed=6)._credentials["dms"] != infos["dms"].credentials
    with client() as c:
        for name in ("dms", "crm", "website", "marketing", "retailing"):
            stats = c.get(f"{infos[name].url}/_sandbox/stats").json()
            assert stats["server"] == name
    ports = [_port(info.url) for info in infos.values()]
    ports.append(_port(payload["servers"]["lead_mailbox"]["imap_url"]))
    s.stop()
    s.stop()  # idempotent
    assert s.servers == {}
    assert all(_refused(p) for p in ports)
    with socket.socket() as again:  # the port can be bound again
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", ports[0]))
    secrets = [v for info in infos.values() for k, v in info.credentials.items() if "secret" in k]
    secrets += [
        infos[n].credentials["api_key"] for n in ("crm", "website", "marketing", "retailing")
    ]
    secrets.append(infos["lead_mailbox"].credentials["password"])
    assert not any(secret in caplog.text for secret in secrets)


def test_write_port_file_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "run" / "sandbox.json"
    write_port_file(target, {"servers": {"a": 1}})
    write_port_file(target, {"servers": {"b": 2}})
    assert json.loads(target.read_text()) == {"servers": {"b": 2}}
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["sandbox.json"]
    with pytest.raises(TypeError):
        write_port_file(target, {"servers": {object()}})
    assert json.loads(target.read_text()) == {"servers": {"b": 2}}
    assert [p.name for p in target.parent.iterdir()] == ["sandbox.json"]


def test_serve_forever_until_stopped(dataset: FakeDataset, tmp_path: Path) -> None:
    port_file = tmp_path / "ports.json"
    ready: list[dict[str, Any]] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=serve_forever,
        args=(dataset, "crm:error_rate=1", 3, port_file, None, ready.append),
        kwargs={"stop_event": stop},
        daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not ready and time.monotonic() < deadline:
        time.sleep(0.02)
    assert ready, "on_ready was not called"
    assert json.loads(port_file.read_text()) == ready[0]
    crm = ready[0]["servers"]["crm"]
    with client() as c:
        r = c.get(f"{crm['url']}/contacts", headers={"X-API-Key": crm["credentials"]["api_key"]})
        assert r.status_code >= 500  # the fault spec reached the servers
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert not port_file.exists()
    assert _refused(_port(crm["url"]))


def test_app_accessors_and_export(servers: SandboxServers) -> None:
    assert servers.app("crm").name == "crm"
    assert servers.app("crm_smtp").port == _port(servers.servers["crm_smtp"].url)
    with pytest.raises(KeyError):
        servers.app("pos")
    dms = servers.servers["dms"]
    headers = dms_headers(servers)
    with client() as c:
        c.get(f"{dms.url}/customers/C100001", headers=headers)
        c.get(f"{dms.url}/customers/C100002", headers=headers)
        c.get(f"{dms.url}/customers/NOPE", headers=headers)
        stats = c.get(f"{dms.url}/_sandbox/stats").json()
        exported = c.get(f"{dms.url}/_sandbox/export/customers").json()
        lines = c.get(f"{dms.url}/_sandbox/export/repair_order_lines").json()
    assert stats["requests"]["by_route"]["GET /customers/{customerId}"] == {"200": 2, "404": 1}
    assert stats["counts"]["customers"] == len(exported) == 25
    assert stats["counts"]["repair_order_lines"] == len(lines) == 12
    assert {"customer_id", "first_name", "etag"} <= set(exported[0])


def test_with_the_real_generator() -> None:
    generator = pytest.importorskip("app.sandbox.generator")
    ds = generator.build_dataset(customers=60, seed=42)
    with SandboxServers(ds, seed=42) as s:
        url = s.servers["dms"].url
        headers = dms_headers(s)
        with client() as c:
            body = c.get(f"{url}/customers", params={"pageSize": 1000}, headers=headers).json()
            crm = s.servers["crm"]
            contacts = c.get(
                f"{crm.url}/contacts", headers={"X-API-Key": crm.credentials["api_key"]}
            ).json()
    assert body["totalItems"] == len(ds.tables["dms_customers"])
    assert contacts["data"] or len(ds.tables["crm_contacts"]) == 0
