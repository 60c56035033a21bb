"""The ``reject_rate`` fault on the simulated CRM: a share of the records in each batch
write is refused with a per-record validation error, as a real CRM's validation rules
refuse some records and take the rest. Which records is decided by a seeded hash of each
record's key (``FaultInjector.rejects``), so a refused record is refused again on replay
until the rate is lowered: tests of "failures add up and stay" are stable."""

from __future__ import annotations

from typing import Any

from app.sandbox.servers.errors import ApiError
from app.sandbox.servers.faults import FaultInjector
from app.sandbox.servers.table import Record, Validator

REASON = "validation failed: refused by a CRM validation rule (sandbox fault reject_rate)"


def refusing(faults: FaultInjector, id_field: str, validate: Validator) -> Validator:
    """``validate``, refusing first the records whose key the fault picks: the external id
    when the record has one (the same whichever field the batch matches on), else the
    batch's match field."""

    def check(fields: Record, current: Record | None) -> str:
        now = current or {}
        key = (
            fields.get("external_id")
            or now.get("external_id")
            or fields.get(id_field)
            or now.get(id_field)
            or ""
        )
        if faults.rejects(str(key)):
            return REASON
        return validate(fields, current)

    return check


def refuse_record(faults: FaultInjector, raw: Any, id_field: str = "external_id") -> None:
    """Raise the validation error for a record written on its own (or in a loop)."""
    key = raw.get(id_field) if isinstance(raw, dict) else None
    if key and faults.rejects(str(key)):
        raise ApiError(422, REASON)


def refuse_merge(faults: FaultInjector, winner: str) -> None:
    """A merge into ``winner`` the fault picks is refused, as a CRM refuses a merge that
    breaks one of its rules."""
    if faults.rejects(f"merge:{winner}"):
        raise ApiError(422, f"merge {REASON}", field="winnerId")


def customer_key(fields: Record) -> str:
    """The key a customer written without an external id (Elead's customers) is picked
    by: its e-mail, else its phone, else its name, so a resend of the same DMS customer
    is refused again whichever Elead id it has by then."""
    for name in ("email", "phone"):
        if fields.get(name):
            return f"{name}:{str(fields[name]).strip().lower()}"
    first, last = fields.get("first_name") or "", fields.get("last_name") or ""
    return f"name:{first} {last}".strip().lower() if (first or last) else ""
