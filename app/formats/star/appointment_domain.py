"""The STAR appointments domain (appointment.yaml 1.1.0: AppointmentView / Create / Update)
as flat fields, and the customer snapshot every appointment body needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.formats.star.domain_model import (
    CREATE,
    READ_ONLY,
    RECORD_CREATE,
    UPDATE,
    Domain,
    Envelope,
    Field,
)


# --- appointments (appointment.yaml 1.1.0, AppointmentView / Create / Update) -------------
def _finish_appointment(body: dict[str, Any], row: Mapping[str, str], target: str) -> None:
    """The customer snapshot needs ``name`` (first and last) and ``contact_method``."""
    customer = body.get("customer")
    if customer is None and target == CREATE:
        customer = body["customer"] = {}
    if isinstance(customer, dict):
        name = customer.setdefault("name", {})
        name.setdefault("first_name", "")
        name.setdefault("last_name", "")
        customer.setdefault("contact_method", [])
    audit = body.get("audit")
    if isinstance(audit, dict) and "created_at" not in audit and "updated_at" in audit:
        audit["created_at"] = audit["updated_at"]


_CUST = "customer"
APPOINTMENTS = Domain(
    name="appointments",
    spec_file="appointment.yaml",
    schema="AppointmentView",
    create_schema="AppointmentCreate",
    update_schema="AppointmentUpdate",
    collection="/appointments",
    key_field="appointment_key",
    id_field="appointment_id",
    cursor_field="updated_at",
    required_create=("dealer_id", "appointment_type", "scheduled_at", "last_name"),
    read_headers=(),
    write_headers=(),
    list_envelope=Envelope(next_cursor="next_cursor"),
    single_wrapper="data",
    paging="cursor",
    limit_max=200,
    date_filter="from_to",
    patch_media_type="application/json",
    finish=_finish_appointment,
    fields=(
        Field("appointment_key", ("appointment_key",), targets=READ_ONLY),
        Field("appointment_id", ("appointment_id",), targets=READ_ONLY),
        Field("dealer_id", ("dealer_id",), targets=RECORD_CREATE),
        Field("appointment_type", ("appointment_type",), targets=RECORD_CREATE,
              note="SERVICE | TESTDRIVE | DELIVERY | TRADE"),
        Field("status", ("appointment_status",), targets=READ_ONLY,
              note="HELD | BOOKED | MODIFIED | CANCELLED | COMPLETED | NO_SHOW; "
              "changed through /commands, not PATCH"),
        Field("scheduled_at", ("scheduled_start",), kind="datetime"),
        Field("scheduled_end", ("scheduled_end",), kind="datetime", targets=READ_ONLY),
        Field("duration_minutes", ("requested_duration_minutes",), kind="int",
              targets=frozenset({CREATE, UPDATE})),
        Field("service_requested", ("additional_comments",)),
        Field("customer_id", (f"{_CUST}.identifier[system=DMS;*].value",)),
        Field("first_name", (f"{_CUST}.name.first_name",)),
        Field("last_name", (f"{_CUST}.name.last_name",)),
        Field("email", (f"{_CUST}.contact_method[contact_type=EMAIL;contact_use:=HOME].value",)),
        Field("home_phone",
              (f"{_CUST}.contact_method[contact_type=PHONE;contact_use=HOME].value",)),
        Field("mobile_phone",
              (f"{_CUST}.contact_method[contact_type=PHONE|SMS;contact_use=MOBILE].value",)),
        Field("vin", ("vehicle.vin",), targets=RECORD_CREATE),
        Field("year", ("vehicle.model_year",), targets=RECORD_CREATE),
        Field("make", ("vehicle.make",), targets=RECORD_CREATE),
        Field("model", ("vehicle.model",), targets=RECORD_CREATE),
        Field("advisor", ("advisor.name", "advisor_id"),
              target_paths=((CREATE, "advisor_id"), (UPDATE, "advisor_id")),
              note="advisor.name in the read model; advisor_id in create/update bodies"),
        Field("source", ("audit.source_channel",), targets=READ_ONLY),
        Field("created_at", ("audit.created_at",), kind="datetime", targets=READ_ONLY),
        Field("updated_at", ("audit.updated_at",), kind="datetime", targets=READ_ONLY),
    ),
    notes=(
        "appointment.yaml differs from the other five: no servers, no security, no STAR "
        "headers; GET /appointments pages with limit (max 200) and an opaque cursor and "
        "filters with from/to date-times, not filter=sdate/edate with limit/offset",
        "single answers wrap the record in {\"data\": ...}; no error schema (ErrorDetail "
        "of the other specs is used)",
    ),
)  # fmt: skip
