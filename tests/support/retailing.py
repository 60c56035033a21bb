"""The digital-retailing demo as tests drive it: the simulated tool's controls, the DMS
as a STAR client sees it, and waiting for the listener."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from contextlib import closing
from typing import Any

import httpx

from app.formats import star
from app.sandbox.servers import SandboxServers
from app.scheduling.retailing_listener import RetailingListener
from tests.support.sandbox import export
from tests.support.sandbox_api import client, dms_token


class Tool:
    """The simulated digital-retailing tool's test controls."""

    def __init__(self, sandbox: SandboxServers) -> None:
        self.http = client(timeout=60)
        self.http.base_url = httpx.URL(sandbox.servers["retailing"].url)
        self.api_key = sandbox.servers["retailing"].credentials["api_key"]

    def send(self, count: int, **params: Any) -> list[str]:
        r = self.http.post("/_sandbox/send-deals", params={"count": count, **params})
        assert r.status_code == 200, r.text
        keys: list[str] = r.json()["deals"]
        return keys

    def post(self, path: str, **kwargs: Any) -> dict[str, Any]:
        r = self.http.post(path, **kwargs)
        assert r.status_code == 200, r.text
        data: dict[str, Any] = r.json()
        return data

    def deals(self) -> dict[str, dict[str, Any]]:
        return {d["deal_key"]: d for d in self.http.get("/_sandbox/export/deals").json()}

    def jackets(self) -> list[dict[str, Any]]:
        """Every version the tool sent, as it sent them (sensitive data and all)."""
        out: list[dict[str, Any]] = []
        after = 0
        while True:
            page = self.http.get(
                "/deal-jackets", params={"after": after}, headers={"X-API-Key": self.api_key}
            ).json()
            out += page["data"]
            after = int(page["next_after"])
            if not page["has_more"]:
                return out


class Dms:
    """The DMS as a STAR client sees it."""

    def __init__(self, sandbox: SandboxServers) -> None:
        info = sandbox.servers["dms"]
        self.sandbox = sandbox
        self.base = info.url + info.credentials["star_base_path"]
        self.token = dms_token(info.url, info.credentials)

    def _headers(self, **extra: str) -> dict[str, str]:
        ids = {"transaction_id": str(uuid.uuid4()), "correlation_id": str(uuid.uuid4())}
        return {"Authorization": f"Bearer {self.token}", **star.star_headers(**ids), **extra}

    def deal(self, key: str) -> dict[str, str] | None:
        with closing(client()) as c:
            r = c.get(f"{self.base}/vehicle-invoices/{key}", headers=self._headers())
        if r.status_code == 404:
            return None
        assert r.status_code == 200, r.text
        return star.flatten("vehicle_invoices", r.json())

    def credit(self, key: str) -> dict[str, str] | None:
        with closing(client()) as c:
            r = c.get(f"{self.base}/credit-authorizations/{key}", headers=self._headers())
        return star.flatten("credit_authorizations", r.json()) if r.status_code == 200 else None

    def book(self, key: str) -> None:
        with closing(client()) as c:
            r = c.patch(
                f"{self.base}/vehicle-invoices/{key}",
                json={"invoice_status_type": "ISSUED"},
                headers=self._headers(**{"Content-Type": "application/merge-patch+json"}),
            )
        assert r.status_code == 200, r.text

    def export(self, entity: str) -> list[dict[str, Any]]:
        return export(self.sandbox, "dms", entity)

    def export_from(self, server: str, entity: str) -> list[dict[str, Any]]:
        """Another simulated server's records (the CRM's deals, say)."""
        return export(self.sandbox, server, entity)


def wait_for(check: Callable[[], Any], timeout: float = 60.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(0.1)


def settled(listener: RetailingListener, runs: int) -> Callable[[], bool]:
    """True once the listener has made at least ``runs`` runs and is idle."""

    def check() -> bool:
        return len(listener.runs) >= runs and not listener._wake.is_set()

    return check
