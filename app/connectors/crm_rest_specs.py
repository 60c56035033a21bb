"""What the Generic REST CRM's streams declare: fields, keys, cursor, writability, and
the dialect the kind speaks when a profile sets none (the simulated CRM's own: snake_case
JSON, ``limit`` with ``cursor``/``next_cursor``/``has_more``, ``data``,
``updated_since``).

Read columns are the CRM's own snake_case fields. ``*_WRITABLE`` are the fields a write
may send; the spec's other fields are read-only (ids, timestamps) and dropped from
payloads.
"""

from __future__ import annotations

from app.connectors.generic_rest import DialectDefaults
from app.connectors.rest_helpers import fields
from app.connectors.streams import FieldKind, StreamSpec

# The CRM's own layouts (mirrors ``app.sandbox.schema``; a test keeps them equal).
CONTACT_COLUMNS = (
    "contact_id", "external_id", "first_name", "last_name", "email", "phone", "mobile",
    "street", "city", "state", "postal_code", "email_opt_out", "sms_opt_out", "created_at",
    "updated_at",
)  # fmt: skip
LEAD_COLUMNS = (
    "lead_id", "contact_id", "source", "status", "salesperson", "vehicle_of_interest_vin",
    "vehicle_of_interest", "comments", "created_at", "updated_at",
)  # fmt: skip
CONTACT_WRITABLE = tuple(
    c for c in CONTACT_COLUMNS if c not in ("contact_id", "created_at", "updated_at")
)
LEAD_WRITABLE = (
    "contact_id",
    "source",
    "status",
    "salesperson",
    "vehicle_of_interest_vin",
    "vehicle_of_interest",
    "comments",
)
LEAD_PATCHABLE = ("status", "salesperson", "comments")
# Contact fields a new lead may carry, to find (by email) or create its contact.
LEAD_CONTACT = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "street",
    "city",
    "state",
    "postal_code",
    "contact_external_id",
)
ACTIVITY_COLUMNS = (
    "activity_id", "contact_id", "type", "subject", "body", "occurred_at", "external_id",
    "created_at", "updated_at",
)  # fmt: skip
ACTIVITY_WRITABLE = ("contact_id", "type", "subject", "body", "occurred_at", "external_id")
DEAL_COLUMNS = (
    "deal_id", "external_id", "contact_id", "vin", "stock_number", "status", "sale_price",
    "deal_date", "salesperson", "vehicle_description", "payment_method", "trade_vin",
    "trade_description", "trade_value", "trade_payoff", "created_at", "updated_at",
)  # fmt: skip
DEAL_WRITABLE = (
    *(c for c in DEAL_COLUMNS if c not in ("deal_id", "created_at", "updated_at")),
    "contact_external_id",
)
APPOINTMENT_COLUMNS = (
    "appointment_id", "contact_id", "external_id", "scheduled_at", "service_requested", "vin",
    "status", "created_at", "updated_at",
)  # fmt: skip
APPOINTMENT_WRITABLE = (
    "contact_id",
    "external_id",
    "scheduled_at",
    "service_requested",
    "vin",
    "status",
)

CONTACTS = StreamSpec(
    name="contacts",
    entity="customer",
    fields=fields(
        CONTACT_COLUMNS,
        required=("contact_id", "updated_at"),
        kinds={"email_opt_out": FieldKind.BOOLEAN, "sms_opt_out": FieldKind.BOOLEAN},
        notes={"external_id": "Our key for the contact (the DMS customer number)."},
    ),
    primary_key="contact_id",
    cursor_field="updated_at",
    writable=True,
    max_batch=100,
    concurrent_writes=4,  # batches are independent upserts; the API takes them in parallel
    description="CRM contacts. Writing is a batch upsert on external_id (the record key), "
    "or on the CRM contact id when it is already known.",
)
LEADS = StreamSpec(
    name="leads",
    entity="lead",
    fields=fields(
        (*LEAD_COLUMNS, *LEAD_CONTACT),
        required=("lead_id", "updated_at"),
        notes={
            c: "Write-only: the new lead's contact when contact_id is empty." for c in LEAD_CONTACT
        },
    ),
    primary_key="lead_id",
    cursor_field="updated_at",
    writable=True,
    max_batch=50,
    description="CRM sales leads. Writing creates a lead (idempotent), or updates status, "
    "salesperson and comments when the CRM lead id is known.",
)
ACTIVITIES = StreamSpec(
    name="activities",
    entity="activity",
    fields=fields(ACTIVITY_COLUMNS, required=("activity_id", "updated_at")),
    primary_key="activity_id",
    cursor_field="updated_at",
    writable=True,
    max_batch=100,
    description="Timeline activities (calls, visits, service, sales). Writing creates them "
    "in batches of up to 100, one per record key (external_id), never twice.",
)
DEAL_STATUS = StreamSpec(
    name="deal_status",
    entity="deal",
    fields=fields(
        (*DEAL_COLUMNS, "contact_external_id"),
        required=("deal_id", "updated_at"),
        kinds={"sale_price": FieldKind.NUMBER},
        notes={
            "external_id": "The DMS deal number (the record key by default).",
            "contact_external_id": "Write-only: the contact by its external id (DMS "
            "customer number) instead of contact_id.",
        },
    ),
    primary_key="deal_id",
    cursor_field="updated_at",
    writable=True,
    max_batch=100,
    description="Deals and their status in the CRM, upserted on the DMS deal number.",
)
APPOINTMENTS = StreamSpec(
    name="appointments",
    entity="appointment",
    fields=fields(APPOINTMENT_COLUMNS, required=("appointment_id", "updated_at")),
    primary_key="appointment_id",
    cursor_field="updated_at",
    writable=True,
    max_batch=50,
    description="Service appointments booked in the CRM (read them to book in the DMS). "
    "Writing creates one per record key (external_id).",
)

ALL = (CONTACTS, LEADS, ACTIVITIES, DEAL_STATUS, APPOINTMENTS)
BY_NAME = {spec.name: spec for spec in ALL}
DIALECT = DialectDefaults(
    paths={
        "contacts": "/contacts",
        "leads": "/leads",
        "activities": "/activities",
        "deal_status": "/deals",
        "appointments": "/appointments",
    },
    paging="cursor",
    page_size_param="limit",
    cursor_param="cursor",
    cursor_at="next_cursor",
    has_more_at="has_more",
    records_at="data",
    since_param="updated_since",
    naming="as_is",
)
