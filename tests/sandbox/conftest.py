"""Fixtures for the simulated-server tests: a small fake data set and running servers.

The fake data set has the exact schema columns (``app.sandbox.schema.TABLES``) and a few
rows per table, so the server tests neither wait for nor depend on the generator.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pandas as pd
import pytest

from app.sandbox.schema import TABLES
from app.sandbox.servers import SandboxServers

VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"


def fake_vin(n: int) -> str:
    tail = ""
    for _ in range(6):
        n, r = divmod(n, len(VIN_CHARS))
        tail = VIN_CHARS[r] + tail
    return f"1HGCM8263{'A' if n % 2 else 'B'}A{tail}"


def _ts(day: int, hour: int = 0) -> str:
    return f"2024-03-{day:02d}T{hour:02d}:00:00Z"


def _frame(table: str, rows: list[dict[str, str]]) -> pd.DataFrame:
    columns = list(TABLES[table])
    return pd.DataFrame([{c: r.get(c, "") for c in columns} for r in rows], columns=columns)


@dataclass
class FakeDataset:
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]


def build_fake_dataset(customers: int = 25) -> FakeDataset:
    """A tiny, deterministic dealership; several rows share an ``updated_at`` on purpose."""
    cust = [
        {
            "customer_id": f"C{100001 + i}",
            "customer_type": "INDIVIDUAL",
            "first_name": f"First{i}",
            "last_name": f"Last{i}",
            "email": f"person{i}@example.com",
            "mobile_phone": f"555-010-{i:04d}",
            "state": "TX",
            "zip": "75001",
            "opt_in_email": "Y",
            "created_at": _ts(1),
            "updated_at": _ts(1 + i % 9, i % 3),
        }
        for i in range(customers)
    ]
    inventory = [
        {
            "stock_number": f"S{500 + i}",
            "vin": fake_vin(i),
            "condition": "USED" if i % 3 else "NEW",
            "year": str(2018 + i % 6),
            "make": "Toyota",
            "model": "RAV4",
            "price": str(20000 + 500 * i),
            "status": "AVAILABLE",
            "updated_at": _ts(2 + i % 5),
        }
        for i in range(12)
    ]
    deals = [
        {
            "deal_number": f"D{7000 + i}",
            "customer_id": cust[i % customers]["customer_id"],
            "vin": inventory[i]["vin"],
            "stock_number": inventory[i]["stock_number"],
            "deal_type": "CASH",
            "status": "PENDING",
            "sale_price": inventory[i]["price"],
            "updated_at": _ts(3 + i),
        }
        for i in range(4)
    ]
    ros = [
        {
            "ro_number": f"R{9000 + i}",
            "customer_id": cust[i % customers]["customer_id"],
            "vin": fake_vin(100 + i),
            "status": "CLOSED",
            "total": "199.95",
            "updated_at": _ts(4 + i % 3),
        }
        for i in range(6)
    ]
    lines = [
        {
            "ro_number": ro["ro_number"],
            "line_number": str(n),
            "op_code": f"OP{n}",
            "amount": "99.95",
        }
        for ro in ros
        for n in (2, 1)
    ]
    appts = [
        {
            "appointment_id": f"A{300 + i}",
            "customer_id": cust[i % customers]["customer_id"],
            "scheduled_at": _ts(20 + i, 9),
            "status": "SCHEDULED",
            "source": "DMS",
            "updated_at": _ts(5),
        }
        for i in range(3)
    ]
    vehicles = [
        {
            "vehicle_id": f"V{i}",
            "customer_id": cust[i % customers]["customer_id"],
            "vin": fake_vin(200 + i),
            "updated_at": _ts(6),
        }
        for i in range(8)
    ]
    contacts = [
        {
            "contact_id": f"K{i + 1:06d}",
            "external_id": cust[i]["customer_id"] if i < 5 else "",
            "first_name": f"First{i}",
            "last_name": f"Last{i}",
            "email": f"person{i}@example.com",
            "email_opt_out": "false",
            "sms_opt_out": "false",
            "created_at": _ts(1),
            "updated_at": _ts(1 + i % 7, i % 2),
        }
        for i in range(15)
    ]
    leads = [
        {
            "lead_id": f"LD{i + 1:06d}",
            "contact_id": contacts[i]["contact_id"],
            "source": "Website",
            "status": "New",
            "created_at": _ts(2),
            "updated_at": _ts(2 + i),
        }
        for i in range(5)
    ]
    subscribers = [
        {
            "subscriber_id": f"S{i + 1:06d}",
            "email": f"person{i}@example.com",
            "last_name": f"Last{i}",
            "email_consent": "unsubscribed" if i == 0 else "subscribed",
            "sms_consent": "",
            "segments": "service;lease-end" if i % 2 else "service",
            "updated_at": _ts(1 + i % 5),
        }
        for i in range(10)
    ]
    tables = {
        "dms_customers": _frame("dms_customers", cust),
        "dms_vehicles": _frame("dms_vehicles", vehicles),
        "dms_deals": _frame("dms_deals", deals),
        "dms_repair_orders": _frame("dms_repair_orders", ros),
        "dms_repair_order_lines": _frame("dms_repair_order_lines", lines),
        "dms_appointments": _frame("dms_appointments", appts),
        "dms_inventory": _frame("dms_inventory", inventory),
        "crm_contacts": _frame("crm_contacts", contacts),
        "crm_leads": _frame("crm_leads", leads),
        "marketing_contacts": _frame("marketing_contacts", subscribers),
        "truth": _frame("truth", []),
    }
    return FakeDataset(tables)


@pytest.fixture(scope="session")
def dataset() -> FakeDataset:
    return build_fake_dataset()


@pytest.fixture
def servers(dataset: FakeDataset) -> Iterator[SandboxServers]:
    """Fresh servers per test (state is mutated), short webhook back-off."""
    with SandboxServers(dataset, seed=7, faults="webhook_backoff_s=0.05") as running:
        yield running


def client(timeout: float = 5.0) -> httpx.Client:
    # Everything is plain http on loopback; verify=False just skips loading CA certs (slow).
    return httpx.Client(timeout=timeout, trust_env=False, verify=False)


def dms_token(url: str, creds: dict[str, str]) -> str:
    with client() as c:
        r = c.post(
            f"{url}/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": creds["client_id"],
                "client_secret": creds["client_secret"],
            },
        )
    r.raise_for_status()
    return str(r.json()["access_token"])


def dms_headers(servers: SandboxServers, request_id: str = "req-1") -> dict[str, str]:
    info = servers.servers["dms"]
    return {
        "Authorization": f"Bearer {dms_token(info.url, info.credentials)}",
        "Subscription-Id": info.credentials["subscription_id"],
        "Request-Id": request_id,
    }


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    """A tiny HTTP server on 127.0.0.1 that records POSTs and answers scripted statuses."""

    def __init__(self, statuses: list[int] | None = None, default: int = 202) -> None:
        self.statuses = list(statuses or [])
        self.default = default
        self.delay_s = 0.0
        self.received: list[Received] = []
        self.event = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with outer.event:
                    outer.received.append(Received(dict(self.headers.items()), body))
                    status = outer.statuses.pop(0) if outer.statuses else outer.default
                    outer.event.notify_all()
                time.sleep(outer.delay_s)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        with self.event:
            self.event.wait_for(lambda: len(self.received) >= count, timeout=timeout)
            return list(self.received)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    r = WebhookReceiver()
    yield r
    r.close()


def hmac_ok(secret: str, body: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)
