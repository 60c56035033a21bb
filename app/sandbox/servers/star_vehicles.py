"""The STAR vehicle domains over the DMS: inventory vehicles (stock units, keyed by VIN;
condition and status mapped both ways) and service vehicles (customer vehicles).
"""

from __future__ import annotations

from collections.abc import Mapping

from app.formats import star
from app.sandbox.servers import validation as v
from app.sandbox.servers.dataset import Record
from app.sandbox.servers.dms_store import DmsStore
from app.sandbox.servers.star_adapter import (
    Adapter,
    copy_fields,
    inverse,
    mapped,
    model_year,
    whole_number,
)

CONDITION = {"NEW": "NEW", "USED": "USED", "CPO": "CERTIFIED_PREOWNED"}
INVENTORY_STATUS = {
    "AVAILABLE": "AVAILABLE",
    "PENDING": "RESERVED",
    "SOLD": "SOLD",
    "INCOMING": "RECEIVED",  # a trade-in taken in on a booked deal, not yet for sale
}
INVENTORY_STATUS_IN = {
    "RECEIVED": "INCOMING",
    "IN_TRANSIT": "INCOMING",
    "PREPARATION": "INCOMING",
    "AVAILABLE": "AVAILABLE",
    "STOCKED_IN": "AVAILABLE",
    "ON_DEALER_LOT": "AVAILABLE",
    "RESERVED": "PENDING",
    "PRE_SOLD": "PENDING",
    "ON_HOLD": "PENDING",
    "SALES_HOLD": "PENDING",
    "SOLD": "SOLD",
}


def inventory_adapter() -> Adapter:
    same = {
        n: n
        for n in (
            "vin", "stock_number", "year", "make", "model", "trim", "body_style",
            "exterior_color", "interior_color", "mileage", "msrp", "price", "special_price",
            "photo_urls", "date_in_stock", "days_in_stock", "description",
        )
    }  # fmt: skip

    def to_flat(r: Record) -> dict[str, str]:
        flat = {n: r.get(c, "") for n, c in same.items()}
        flat.update(
            inventory_vehicle_key=adapter.key_of(r["vin"]),
            inventory_vehicle_id=r["vin"],
            condition=CONDITION.get(r["condition"], r["condition"]),
            status=INVENTORY_STATUS.get(r["status"], "SOLD" if r["status"] else ""),
            dealer_code="",
            updated_at=r["updated_at"],
        )
        return flat

    def to_dms(flat: Mapping[str, str], current: Record | None) -> dict[str, str]:
        out = copy_fields(flat, same)
        if current is not None:
            out.pop("vin", None)  # the key of a stock unit does not change
        out.update(mapped(flat, current, "condition", "condition", CONDITION,
                           inverse(CONDITION)))  # fmt: skip
        out.update(mapped(flat, current, "status", "status", INVENTORY_STATUS,
                           INVENTORY_STATUS_IN))  # fmt: skip
        return out

    checks = {
        "vin": v.vin,
        "price": v.money,
        "special_price": v.money,
        "msrp": v.money,
        "date_in_stock": v.date,
        "year": model_year,
        "mileage": whole_number,
        "days_in_stock": whole_number,
    }
    adapter = Adapter("inventory_vehicles", "inventory", to_flat, to_dms, checks)
    return adapter


def service_vehicles_adapter() -> Adapter:
    same = {
        n: n
        for n in ("customer_id", "vin", "year", "make", "model", "color", "mileage",
                  "purchase_date")
    }  # fmt: skip

    def to_flat(r: Record) -> dict[str, str]:
        flat = dict.fromkeys(star.domain("service_vehicles").field_names, "")
        flat.update({n: r.get(c, "") for n, c in same.items()})
        flat.update(
            service_vehicle_key=adapter.key_of(r["vehicle_id"]),
            service_vehicle_id=r["vehicle_id"],
            updated_at=r["updated_at"],
        )
        return flat

    def to_dms(flat: Mapping[str, str], _current: Record | None) -> dict[str, str]:
        return copy_fields(flat, same)

    checks = {"vin": v.vin, "year": model_year, "mileage": whole_number, "purchase_date": v.date}
    adapter = Adapter("service_vehicles", "vehicles", to_flat, to_dms, checks)
    return adapter


def vehicle_by_vin(store: DmsStore, vin: str) -> Record:
    """The customer vehicle with this VIN (the first), or {}."""
    if not vin:
        return {}
    for row in store.tables["vehicles"].values():
        if row["vin"] == vin:
            return row
    return {}
