"""The DMS's records as CDK shows them, and CDK's writes as changes to those records.

The CDK routes serve the same records as the DMS's own routes. Where CDK has a value the
DMS tables have no column for (a customer's pager, a vehicle's plate, a repair order's
tag number, promise time, service-line details…), it is kept in ``Extras`` beside the
record and shown again on the next read; a reload of the data set clears them.

Mappings: a customer's ``primaryPhone`` is the DMS ``work_phone`` and its street the
address lines joined; a vehicle's ``makeCode``/``modelCode`` default to the make's first
three letters and the model's first six (TOY, TUNDRA, as in CDK's examples); a repair
order is created when it was opened (``open_date``, midnight UTC) and its Fortellis
service lines are its DMS lines grouped by op code (LABOR + PARTS), numbered by the first
line's number, plus one DECLINED line per declined recommendation.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from app.formats.cdk.repair_orders import parse_lines
from app.sandbox.generator.names import ADVISORS
from app.sandbox.servers.dataset import Record
from app.sandbox.servers.dms_store import DmsStore
from app.sandbox.servers.records import etag_of

Row = dict[str, Any]


class Extras:
    """CDK-only values per (entity, id); forgotten when the store loads new tables."""

    def __init__(self, store: DmsStore) -> None:
        self.store = store
        self._tables: object = None
        self._data: dict[tuple[str, str], dict[str, Any]] = {}

    def of(self, entity: str, key: str) -> dict[str, Any]:
        if self._tables is not self.store.tables:
            self._data.clear()
            self._tables = self.store.tables
        return self._data.setdefault((entity, key), {})


def etag(record: Record, extras: Mapping[str, Any]) -> str:
    """The CDK ETag: the record's content and its CDK-only values."""
    return etag_of(
        {"etag": "", "record": record["etag"], "extras": json.dumps(extras, sort_keys=True)}
    )


def quoted(tag: str) -> dict[str, str]:
    return {"ETag": f'"{tag}"'}


# -- advisors ----------------------------------------------------------------------
def advisor_id(name: str) -> str:
    """``Steve Dombrowski`` -> ``SDOMBROWSKI`` (ASCII, upper case)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    first, _, last = plain.strip().partition(" ")
    return re.sub(r"[^A-Z0-9]", "", (first[:1] + last).upper()) if plain.strip() else ""


def advisors(names: Iterable[str]) -> dict[str, str]:
    """Advisor id -> name for the known advisors and ``names``."""
    return {advisor_id(n): n for n in (*ADVISORS, *names) if n}


# -- customers ---------------------------------------------------------------------
_CUSTOMER_COLUMNS = {  # CDK row column -> DMS column, where the DMS has one
    "first_name": "first_name",
    "middle_name": "middle_name",
    "last_name": "last_name",
    "city": "city",
    "state": "state",
    "zip": "zip",
    "primary_phone": "work_phone",
    "home_phone": "home_phone",
    "mobile_phone": "mobile_phone",
    "email": "email",
    "opt_in_email": "opt_in_email",
    "opt_in_phone": "opt_in_phone",
}


def street(record: Record) -> str:
    return ", ".join(p for p in (record["address_line1"], record["address_line2"]) if p)


def customer_row(record: Record, extras: Mapping[str, Any]) -> Row:
    row: Row = {cdk: record.get(dms, "") for cdk, dms in _CUSTOMER_COLUMNS.items()}
    row.update(
        customer_id=record["customer_id"],
        address_line1=street(record),
        country="US" if record["city"] else "",
        email_type="HOME" if record["email"] else "",
    )
    if record["customer_type"] == "BUSINESS":
        row["company_name"] = record["company_name"]
    row.update(extras)
    return row


def customer_changes(row: Mapping[str, str], record: Record | None) -> tuple[Record, Row]:
    """(DMS column changes, CDK-only values) of a CDK customer row."""
    changes: Record = {dms: row.get(cdk, "") for cdk, dms in _CUSTOMER_COLUMNS.items()}
    if record is None or row.get("address_line1", "") != street(record):
        changes["address_line1"] = row.get("address_line1", "")
        changes["address_line2"] = ""
    kept = {k: v for k, v in row.items() if k not in _CUSTOMER_COLUMNS and v}
    for k in ("customer_id", "address_line1", "company_name", "email_type"):
        kept.pop(k, None)
    if row.get("email_type") not in ("", "HOME"):
        kept["email_type"] = row["email_type"]
    if row.get("country") == "US":
        kept.pop("country", None)
    return changes, kept


# -- vehicles ----------------------------------------------------------------------
def make_code(make: str) -> str:
    return re.sub(r"[^A-Z]", "", make.upper())[:3]


def model_code(model: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", model.upper())[:6]


def vehicle_row(record: Record, extras: Mapping[str, Any]) -> Row:
    row: Row = {
        "vehicle_id": record["vehicle_id"],
        "vin": record["vin"],
        "make_code": make_code(record["make"]),
        "make": record["make"],
        "model_code": model_code(record["model"]),
        "model": record["model"],
        "year": record["year"],
        "color": record["color"],
        "mileage": record["mileage"],
        "mileage_unit": "MI" if record["mileage"] else "",
        "status": "USED",
        "purchase_date": record["purchase_date"],
        "in_service_date": record["purchase_date"],
        "customer_id": record["customer_id"],
    }
    row.update(extras)
    return row


def vehicle_changes(row: Mapping[str, str]) -> tuple[Record, Row]:
    changes: Record = {
        "vin": row.get("vin", "").upper(),
        "year": row.get("year", ""),
        "make": row.get("make") or row.get("make_code", ""),
        "model": row.get("model") or row.get("model_code", ""),
        "color": row.get("color", ""),
        "mileage": row.get("mileage", ""),
        "purchase_date": row.get("purchase_date", ""),
        "customer_id": row.get("customer_id", ""),
    }
    derived = vehicle_row({**dict.fromkeys(_VEHICLE_KEYS, ""), **changes}, {})
    kept = {
        k: v
        for k, v in row.items()
        if v and k not in changes and k != "vehicle_id" and derived.get(k) != v
    }
    return changes, kept


_VEHICLE_KEYS = (
    "vehicle_id", "vin", "make", "model", "year", "color", "mileage", "purchase_date",
    "customer_id",
)  # fmt: skip


# -- repair orders -------------------------------------------------------------------
def created_at(record: Record, extras: Mapping[str, Any]) -> str:
    return str(
        extras.get("created_at")
        or (f"{record['open_date']}T00:00:00Z" if record["open_date"] else "")
    )


def groups(lines: list[Record], extras: Mapping[str, Any]) -> list[tuple[str, list[Record]]]:
    """(service line id, its DMS lines) in line order: the lines a service line written
    through Drive made, then the DMS's own lines by op code; the id is the number of the
    group's first line."""
    members: dict[str, list[str]] = extras.get("members") or {}
    claimed = {n: ident for ident, numbers in members.items() for n in numbers}
    found: dict[tuple[str, str], list[Record]] = {}  # ("drive", id) | ("dms", op code)
    for line in lines:
        ident = claimed.get(line["line_number"])
        key = ("drive", ident) if ident else ("dms", line["op_code"] or line["line_number"])
        found.setdefault(key, []).append(line)
    return [(k[1] if k[0] == "drive" else g[0]["line_number"], g) for k, g in found.items()]


def fortellis_row(record: Record, lines: list[Record], extras: Mapping[str, Any]) -> Row:
    items: list[dict[str, Any]] = []
    written: dict[str, Row] = extras.get("lines") or {}
    for ident, group in groups(lines, extras):
        labor = next((g for g in group if g["line_type"] == "LABOR"), group[0])
        total = sum(_num(g["amount"]) for g in group)
        items.append(
            {
                "service_line_id": ident,
                "description": written.get(ident, {}).get("service_request")
                or labor["description"]
                or labor["op_code"],
                "recommendation_type": "DEALER",
                "approval_state": "APPROVED",
                "op_code": labor["op_code"],
                "total": f"{total:.2f}",
                "currency": "USD",
            }
        )
    declined = [d for d in record["declined_recommendations"].split(";") if d.strip()]
    for i, text in enumerate(declined, start=1):
        items.append(
            {
                "service_line_id": f"D{i}",
                "description": text.strip(),
                "recommendation_type": "DEALER",
                "approval_state": "DECLINED",
            }
        )
    return {
        "ro_number": record["ro_number"],
        "created_at": created_at(record, extras),
        "vin": record["vin"],
        "mileage_in": record["mileage_in"],
        "mileage_unit": "MI" if record["mileage_in"] else "",
        "advisor_id": advisor_id(record["advisor"]),
        "advisor": record["advisor"],
        "lines": items,
    }


def drive_lines(record: Record, lines: list[Record], extras: Mapping[str, Any]) -> list[Row]:
    """The service lines as Drive shows them: what was written through Drive as it was
    written, the DMS's own lines as one service line per op code."""
    written: dict[str, Row] = extras.get("lines") or {}
    status = record["status"]
    out: list[Row] = []
    for ident, group in groups(lines, extras):
        if ident in written:
            out.append({**written[ident], "service_line_id": ident, "status": status})
            continue
        labor = next((g for g in group if g["line_type"] == "LABOR"), group[0])
        parts = [g for g in group if g["line_type"] == "PARTS"]
        operation: Row = {
            "labor_operation_id": labor["line_number"],
            "op_code": labor["op_code"],
            "op_code_desc": labor["description"] or labor["op_code"],
            "sold_hours": "1",
            "sale_amount": labor["amount"] or "0",
            "sale_override_flag": "false",
            "force_shop_charge_flag": "false",
        }
        if parts:
            operation["included_parts"] = [
                {
                    "part_ref_id": p["line_number"],
                    "part_number": f"{p['op_code']}-KIT",
                    "part_number_description": f"{p['description']} parts",
                    "mfr_code": "OEM",
                    "part_qty": "1",
                    "sale_amount": p["amount"] or "0",
                    "fixed_sale_flag": "false",
                    "includes_core_flag": "false",
                }
                for p in parts
            ]
        out.append(
            {
                "service_line_id": ident,
                "service_request": labor["description"] or labor["op_code"],
                "dispatch_code": labor["op_code"],
                "estimated_duration": "1",
                "labor_operations": [operation],
                "status": status,
            }
        )
    return out


def dms_lines(
    ro_number: str, first_number: int, line: Mapping[str, Any], pay_type: str
) -> list[Record]:
    """One Drive service line as DMS lines: per operation a LABOR line and, with parts,
    a PARTS line."""
    out: list[Record] = []
    number = first_number
    for op in line.get("labor_operations") or []:
        if not isinstance(op, Mapping):
            continue
        parts = [p for p in op.get("included_parts") or [] if isinstance(p, Mapping)]
        entries = [("LABOR", _money(op.get("sale_amount")))]
        if parts:
            amount = sum(_num(p.get("sale_amount")) * (_num(p.get("part_qty")) or 1) for p in parts)
            entries.append(("PARTS", f"{amount:.2f}"))
        for kind, amount_text in entries:
            out.append(
                {
                    "ro_number": ro_number,
                    "line_number": str(number),
                    "op_code": str(op.get("op_code") or ""),
                    "description": str(op.get("op_code_desc") or line.get("service_request") or ""),
                    "line_type": kind,
                    "pay_type": pay_type,
                    "amount": amount_text,
                }
            )
            number += 1
    return out


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _money(value: Any) -> str:
    return f"{_num(value):.2f}"


def totals(lines: list[Record]) -> Record:
    """The RO columns its lines decide."""
    labor = sum(_num(line["amount"]) for line in lines if line["line_type"] == "LABOR")
    parts = sum(_num(line["amount"]) for line in lines if line["line_type"] == "PARTS")
    codes = dict.fromkeys(line["op_code"] for line in lines if line["op_code"])
    return {
        "op_codes": ";".join(codes),
        "labor_total": f"{labor:.2f}",
        "parts_total": f"{parts:.2f}",
        "total": f"{labor + parts:.2f}",
    }


def line_etag(line: Mapping[str, Any]) -> str:
    return etag_of({"line": json.dumps(line, sort_keys=True)})


def lines_of(text: str) -> list[Row]:
    return parse_lines(text)
