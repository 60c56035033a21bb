"""The DMS's in-memory records and the writes the CRM side may make.

Every record carries an ``etag`` (hash of its content); a write that changes something
bumps ``updated_at`` and the etag, a write that changes nothing leaves both alone.
Status changes of inventory and deals are reported through ``on_event``; a deal that
moves to PENDING/BOOKED/DELIVERED/UNWOUND moves its stock unit (same VIN) to
PENDING/SOLD/DELIVERED/AVAILABLE, as a real DMS does when a deal is worked.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Callable, Mapping
from typing import Any

from app.sandbox.schema import TABLES
from app.sandbox.servers.clock import Clock
from app.sandbox.servers.dataset import DatasetLike, Record, table_records
from app.sandbox.servers.errors import ApiError
from app.sandbox.servers.paging import ordered
from app.sandbox.servers.records import IdAllocator, check_if_match, etag_of

# entity -> (schema table, key column)
ENTITIES: dict[str, tuple[str, str]] = {
    "customers": ("dms_customers", "customer_id"),
    "vehicles": ("dms_vehicles", "vehicle_id"),
    "deals": ("dms_deals", "deal_number"),
    "repair_orders": ("dms_repair_orders", "ro_number"),
    "appointments": ("dms_appointments", "appointment_id"),
    "inventory": ("dms_inventory", "vin"),
    "leads": ("", "lead_id"),
}
LEAD_COLUMNS = (
    "lead_id",
    "customer_id",
    "source",
    "status",
    "vin",
    "year",
    "make",
    "model",
    "stock_number",
    "comments",
    "salesperson",
    "crm_lead_id",
    "created_at",
    "updated_at",
)
DEAL_TO_INVENTORY = {
    "PENDING": "PENDING",
    "BOOKED": "SOLD",
    "DELIVERED": "DELIVERED",
    "UNWOUND": "AVAILABLE",
}
EventSink = Callable[[str, dict[str, Any]], None]


class DmsStore:
    """All DMS records, keyed by id, guarded by one lock."""

    def __init__(self, on_event: EventSink) -> None:
        self._on_event = on_event
        self.lock = threading.RLock()
        self.clock = Clock()
        self.tables: dict[str, dict[str, Record]] = {}
        self.ro_lines: dict[str, list[Record]] = {}
        self._writes = 0
        self._order_cache: dict[str, tuple[tuple[int, int], list[Record], list[str]]] = {}

    def load(self, dataset: DatasetLike) -> None:
        tables: dict[str, dict[str, Record]] = {}
        newest = ""
        for entity, (table, key) in ENTITIES.items():
            rows = table_records(dataset, table) if table else []
            for row in rows:
                row["etag"] = etag_of(row)
                if row.get("updated_at", "")[:1].isdigit():
                    newest = max(newest, row["updated_at"])
            tables[entity] = {row[key]: row for row in rows}
        lines: dict[str, list[Record]] = {}
        for line in table_records(dataset, "dms_repair_order_lines"):
            lines.setdefault(line["ro_number"], []).append(line)
        for group in lines.values():
            group.sort(key=lambda r: int(r["line_number"]) if r["line_number"].isdigit() else 0)
        with self.lock:
            self.tables = tables
            self.ro_lines = lines
            self._order_cache = {}
            self.clock = Clock(newest)
            self._ids = {
                "customers": IdAllocator(tables["customers"], "C"),
                "appointments": IdAllocator(tables["appointments"], "A"),
                "leads": IdAllocator(tables["leads"], "L"),
                "vehicles": IdAllocator(tables["vehicles"], "V"),
                "deals": IdAllocator(tables["deals"], "D"),
            }

    # -- reads --------------------------------------------------------------------
    def query(
        self, entity: str, since: str = "", filters: Mapping[str, str] | None = None
    ) -> list[Record]:
        """Matching records in (updated_at, id) order: the stored records themselves, so
        read them under ``self.lock`` (a page copies only its own rows)."""
        with self.lock:
            rows, stamps = self._ordered(entity)
            if since:
                rows = rows[bisect_left(stamps, since) :]
            if filters:
                rows = [r for r in rows if all(r.get(c) == v for c, v in filters.items())]
            return rows

    def _ordered(self, entity: str) -> tuple[list[Record], list[str]]:
        """The entity's records sorted once per change, not once per page: re-sorting and
        copying 100,000 customers for each 500-row page made paging quadratic."""
        state = (len(self.tables[entity]), self._writes)
        cached = self._order_cache.get(entity)
        if cached is None or cached[0] != state:
            rows = ordered(self.tables[entity].values(), ENTITIES[entity][1])
            cached = (state, rows, [r.get("updated_at", "") for r in rows])
            self._order_cache[entity] = cached
        return cached[1], cached[2]

    def all(self, entity: str) -> list[Record]:
        with self.lock:
            return [dict(r) for r in self.tables[entity].values()]

    def count(self, entity: str) -> int:
        with self.lock:
            return len(self.tables[entity])

    def count_lines(self) -> int:
        with self.lock:
            return sum(len(group) for group in self.ro_lines.values())

    def all_lines(self) -> list[Record]:
        with self.lock:
            return [dict(line) for group in self.ro_lines.values() for line in group]

    def get(self, entity: str, key: str) -> Record:
        with self.lock:
            return dict(self._get(entity, key))

    def lines(self, ro_number: str) -> list[Record]:
        with self.lock:
            return [dict(line) for line in self.ro_lines.get(ro_number, [])]

    def _get(self, entity: str, key: str) -> Record:
        record = self.tables[entity].get(key)
        if record is None:
            label = entity.rstrip("s").replace("_", " ")
            raise ApiError(404, f"no {label} with id '{key}'")
        return record

    def _touch(self, record: Record) -> None:
        self._writes += 1  # the order may change: see _ordered
        record["updated_at"] = self.clock.now()
        record["etag"] = etag_of(record)

    # -- writes -------------------------------------------------------------------
    def update(
        self, entity: str, key: str, changes: Mapping[str, str], if_match: str | None
    ) -> Record:
        with self.lock:
            record = self._get(entity, key)
            check_if_match(record["etag"], if_match)
            if entity == "appointments" and "customer_id" in changes:
                self._get("customers", changes["customer_id"])
            changed = {k: v for k, v in changes.items() if record.get(k) != v}
            if not changed:
                return dict(record)
            before = dict(record)
            record.update(changed)
            self._touch(record)
            if entity == "inventory" and before["status"] != record["status"]:
                self._inventory_event(record, before["status"], "updated")
            if entity == "deals" and before["status"] != record["status"]:
                self._deal_changed(record, before["status"])
            return dict(record)

    def _inventory_event(self, unit: Record, previous: str, reason: str) -> None:
        self._on_event(
            "inventory.status.changed",
            {
                "vin": unit["vin"],
                "stockNumber": unit["stock_number"],
                "previousStatus": previous,
                "status": unit["status"],
                "price": unit["price"],
                "updatedAt": unit["updated_at"],
                "reason": reason,
            },
        )

    def _deal_changed(self, deal: Record, previous: str) -> None:
        self._on_event(
            "deal.status.changed",
            {
                "dealNumber": deal["deal_number"],
                "customerId": deal["customer_id"],
                "vin": deal["vin"],
                "stockNumber": deal["stock_number"],
                "previousStatus": previous,
                "status": deal["status"],
                "updatedAt": deal["updated_at"],
            },
        )
        unit = self.tables["inventory"].get(deal["vin"])
        target = DEAL_TO_INVENTORY.get(deal["status"])
        if unit is not None and target and unit["status"] != target:
            old = unit["status"]
            unit["status"] = target
            self._touch(unit)
            self._inventory_event(unit, old, f"deal {deal['deal_number']} {deal['status']}")

    def set_inventory_status(self, vin: str, status: str) -> Record:
        """Change a unit's status as a DMS user would (no ETag needed; for demos/tests)."""
        with self.lock:
            etag = self._get("inventory", vin)["etag"]
        return self.update("inventory", vin, {"status": status}, etag)

    def create_appointment(self, fields: Mapping[str, str]) -> Record:
        with self.lock:
            self._get("customers", fields["customer_id"])
            now = self.clock.now()
            record: Record = {
                "appointment_id": self._ids["appointments"].next(),
                "customer_id": fields["customer_id"],
                "vin": fields.get("vin", ""),
                "scheduled_at": fields["scheduled_at"],
                "service_requested": fields.get("service_requested", ""),
                "advisor": fields.get("advisor", ""),
                "status": fields.get("status") or "SCHEDULED",
                "source": fields.get("source") or "CRM",
                "updated_at": now,
            }
            record["etag"] = etag_of(record)
            self.tables["appointments"][record["appointment_id"]] = record
            return dict(record)

    def create_customer(self, fields: Mapping[str, str]) -> Record:
        """A new customer (the DMS assigns the number)."""
        with self.lock:
            return dict(self.tables["customers"][self._new_customer(fields)])

    def create(self, entity: str, fields: Mapping[str, str]) -> Record:
        """A new vehicle, deal or stock unit from ``fields`` (schema columns).

        Vehicles and deals get the next id; a stock unit is keyed by its VIN (409 when the
        VIN is already in stock). A deal's customer must exist (422).
        """
        table, key = ENTITIES[entity]
        with self.lock:
            record: Record = dict.fromkeys(TABLES[table], "")
            record.update({k: v for k, v in fields.items() if k in record})
            if entity == "inventory":
                if not record["vin"]:
                    raise ApiError(422, "vin: required", field="vin")
                if record["vin"] in self.tables["inventory"]:
                    raise ApiError(409, f"VIN {record['vin']} is already in stock", field="vin")
                record["status"] = record["status"] or "AVAILABLE"
            else:
                record[key] = self._ids[entity].next()
            if entity == "deals":
                self._get("customers", record["customer_id"])
                record["status"] = record["status"] or "PENDING"
            record["updated_at"] = self.clock.now()
            self._writes += 1
            record["etag"] = etag_of(record)
            self.tables[entity][record[key]] = record
            return dict(record)

    def create_lead(
        self, lead: Mapping[str, str], customer: Mapping[str, str]
    ) -> tuple[Record, bool, bool]:
        """A sales lead for an existing, e-mail-matched or new customer.

        Returns (lead, lead_created, customer_created). A lead whose ``crm_lead_id`` is
        already known is returned as is: the CRM's id makes the call idempotent.
        """
        with self.lock:
            crm_id = lead.get("crm_lead_id", "")
            if crm_id:
                for existing in self.tables["leads"].values():
                    if existing["crm_lead_id"] == crm_id:
                        return dict(existing), False, False
            customer_id = lead.get("customer_id", "")
            created_customer = False
            if customer_id:
                if customer_id not in self.tables["customers"]:
                    raise ApiError(
                        422, f"customerId: no customer '{customer_id}'", field="customerId"
                    )
            else:
                customer_id = self._match_email(customer.get("email", ""))
                if not customer_id:
                    customer_id = self._new_customer(customer)
                    created_customer = True
            now = self.clock.now()
            record: Record = {c: lead.get(c, "") for c in LEAD_COLUMNS}
            record.update(
                lead_id=self._ids["leads"].next(),
                customer_id=customer_id,
                status=lead.get("status") or "NEW",
                created_at=now,
                updated_at=now,
            )
            record["etag"] = etag_of(record)
            self.tables["leads"][record["lead_id"]] = record
            return dict(record), True, created_customer

    def _match_email(self, email: str) -> str:
        wanted = email.strip().lower()
        if not wanted:
            return ""
        for key, row in self.tables["customers"].items():
            if row["email"].strip().lower() == wanted:
                return key
        return ""

    def _new_customer(self, fields: Mapping[str, str]) -> str:
        record: Record = dict.fromkeys(TABLES["dms_customers"], "")
        record.update(fields)
        now = self.clock.now()
        is_business = bool(fields.get("company_name")) and not fields.get("last_name")
        record.update(
            customer_id=self._ids["customers"].next(),
            customer_type=fields.get("customer_type")
            or ("BUSINESS" if is_business else "INDIVIDUAL"),
            created_at=now,
            updated_at=now,
        )
        record["etag"] = etag_of(record)
        self.tables["customers"][record["customer_id"]] = record
        return record["customer_id"]

    # -- creates for the other API dialects (CDK Drive) ----------------------------
    def insert(self, entity: str, fields: Mapping[str, str], id_prefix: str = "") -> Record:
        """A new record of ``entity`` from ``fields`` (schema columns only), with the next
        id in the style of the existing ones, stamped now."""
        table, key = ENTITIES[entity]
        with self.lock:
            record: Record = dict.fromkeys(TABLES[table], "")
            record.update({k: v for k, v in fields.items() if k in record})
            allocator = self._ids.get(entity)
            if allocator is None:
                allocator = self._ids[entity] = IdAllocator(self.tables[entity], id_prefix)
            record[key] = allocator.next()
            now = self.clock.now()
            for stamp in ("created_at", "updated_at"):
                if stamp in record:
                    record[stamp] = now
            record["etag"] = etag_of(record)
            self.tables[entity][record[key]] = record
            self._writes += 1
            return dict(record)

    def replace_lines(self, ro_number: str, lines: list[Record]) -> None:
        """Set a repair order's lines (its totals are the caller's to update)."""
        with self.lock:
            self.ro_lines[ro_number] = [dict(line) for line in lines]
