"""The STAR appointments domain over the DMS's appointments: the customer's name, e-mail
and phones and the vehicle of the same VIN rendered in; ``from``/``to`` on the scheduled
start.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from app.sandbox.servers import validation as v
from app.sandbox.servers.clock import format_ts, parse_ts
from app.sandbox.servers.dataset import Record
from app.sandbox.servers.dms_store import DmsStore
from app.sandbox.servers.errors import ApiError
from app.sandbox.servers.star_adapter import Adapter, copy_fields
from app.sandbox.servers.star_vehicles import vehicle_by_vin

DEALER_ID = "ROOFTOP-DEMO"
APPOINTMENT_MINUTES = 60
APPOINTMENT_STATUS = {
    "SCHEDULED": "BOOKED",
    "ARRIVED": "BOOKED",
    "COMPLETED": "COMPLETED",
    "NO_SHOW": "NO_SHOW",
    "CANCELLED": "CANCELLED",
}


def appointments_adapter(store: DmsStore) -> Adapter:
    def to_flat(r: Record) -> dict[str, str]:
        customer = store.tables["customers"].get(r["customer_id"], {})
        vehicle = vehicle_by_vin(store, r["vin"])
        start = parse_ts(r["scheduled_at"])
        end = format_ts(start + timedelta(minutes=APPOINTMENT_MINUTES)) if start else ""
        return {
            "appointment_key": adapter.key_of(r["appointment_id"]),
            "appointment_id": r["appointment_id"],
            "dealer_id": DEALER_ID,
            "appointment_type": "SERVICE",
            "status": APPOINTMENT_STATUS.get(r["status"], "BOOKED"),
            "scheduled_at": r["scheduled_at"],
            "scheduled_end": end,
            "duration_minutes": "",
            "service_requested": r["service_requested"],
            "customer_id": r["customer_id"],
            "first_name": customer.get("first_name", ""),
            "last_name": customer.get("last_name") or customer.get("company_name", ""),
            "email": customer.get("email", ""),
            "home_phone": customer.get("home_phone", ""),
            "mobile_phone": customer.get("mobile_phone", ""),
            "vin": r["vin"],
            "year": vehicle.get("year", ""),
            "make": vehicle.get("make", ""),
            "model": vehicle.get("model", ""),
            "advisor": r["advisor"],
            "source": r["source"],
            "created_at": r["updated_at"],  # the DMS keeps no creation time
            "updated_at": r["updated_at"],
        }

    def to_dms(flat: Mapping[str, str], current: Record | None) -> dict[str, str]:
        out = copy_fields(flat, {c: c for c in ("scheduled_at", "service_requested", "advisor")})
        if current is None:
            out.update(copy_fields(flat, {"customer_id": "customer_id", "vin": "vin"}))
        return out

    checks = {"scheduled_at": v.timestamp, "vin": v.vin}
    adapter = Adapter("appointments", "appointments", to_flat, to_dms, checks)
    return adapter


def scheduled_between(rows: list[Record], params: Mapping[str, str]) -> list[Record]:
    """Appointments' ``from``/``to`` (date-times, inclusive) on the scheduled start."""
    out = rows
    for name, keep in (("from", lambda a, b: a >= b), ("to", lambda a, b: a <= b)):
        raw = params.get(name, "")
        if raw:
            moment = parse_ts(raw)
            if moment is None:
                raise ApiError(400, f"{name} must be an ISO 8601 date-time", field=name)
            bound = format_ts(moment)
            out = [r for r in out if r["scheduled_at"] and keep(r["scheduled_at"], bound)]
    return out
