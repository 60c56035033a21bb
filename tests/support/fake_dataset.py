"""A tiny, deterministic dealership data set for the simulated servers.

It has the exact schema columns (``app.sandbox.schema.TABLES``) and a few rows per table,
so tests that need running servers neither wait for nor depend on the generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from app.sandbox.ids import sequence_uuid
from app.sandbox.schema import TABLES

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
            "contact_id": sequence_uuid(f"K{i + 1:06d}"),
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
            "lead_id": sequence_uuid(f"L{i + 1:07d}"),
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
