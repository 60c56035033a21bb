"""What the Generic REST DMS streams declare: fields, keys, cursor, writability, and the
dialect the kind speaks when a profile sets none (the simulated DMS's own: camelCase
JSON, ``pageSize`` with ``links.nextPage.href``, ``items``, ``totalItems``,
``updatedSince``).

Read columns are the DMS layouts of ``app.formats.dms_layout`` (our canonical
per-system layout); write-only streams list the fields a payload may carry.
"""

from __future__ import annotations

from app.connectors.generic_rest import DialectDefaults
from app.connectors.rest_helpers import fields
from app.connectors.streams import FieldKind, StreamSpec
from app.formats import dms_layout as layout

INT = FieldKind.INTEGER
NUM = FieldKind.NUMBER

CUSTOMER_WRITABLE = tuple(
    c for c in layout.CUSTOMERS if c not in ("customer_id", "created_at", "updated_at")
)
LEAD_FIELDS = ("customer_id", "crm_lead_id", "source", "status", "salesperson", "comments")
LEAD_VEHICLE_FIELDS = ("vin", "year", "make", "model", "stock_number")
APPOINTMENT_CREATE = (
    "customer_id",
    "scheduled_at",
    "service_requested",
    "advisor",
    "vin",
    "status",
    "source",
)
APPOINTMENT_PATCH = ("scheduled_at", "status", "service_requested", "advisor", "vin")
DEAL_PATCH = ("status", "salesperson", "crm_lead_id")

CUSTOMERS = StreamSpec(
    name="customers",
    entity="customer",
    fields=fields(layout.CUSTOMERS, required=("customer_id", "updated_at")),
    primary_key="customer_id",
    cursor_field="updated_at",
    writable=True,
    max_batch=50,
    description="DMS customers. Writing updates an existing customer (PATCH with If-Match); "
    "new customers reach the DMS as leads.",
)
VEHICLES = StreamSpec(
    name="vehicles",
    entity="vehicle",
    fields=fields(
        layout.VEHICLES,
        required=("vehicle_id", "vin", "updated_at"),
        kinds={"year": INT, "mileage": INT},
    ),
    primary_key="vehicle_id",
    cursor_field="updated_at",
    description="Vehicles customers own (service history hangs off these).",
)
DEALS = StreamSpec(
    name="deals",
    entity="deal",
    fields=fields(
        layout.DEALS,
        required=("deal_number", "customer_id", "status", "updated_at"),
        kinds={
            "sale_price": NUM,
            "amount_financed": NUM,
            "payoff_amount": NUM,
            "term_months": INT,
            "apr": NUM,
        },
    ),
    primary_key="deal_number",
    cursor_field="updated_at",
    description="Sales deals (cash, finance, lease) with F&I products and payoff.",
)
DEAL_STATUS = StreamSpec(
    name="deal_status",
    entity="deal",
    fields=fields(("deal_number", *DEAL_PATCH), required=("deal_number",)),
    primary_key="deal_number",
    readable=False,
    writable=True,
    max_batch=50,
    description="Update a deal's status / salesperson / CRM lead id (PATCH with If-Match). "
    "The deal is the record's destination id, else its deal_number.",
)
REPAIR_ORDERS = StreamSpec(
    name="repair_orders",
    entity="repair_order",
    fields=fields(
        (*layout.REPAIR_ORDERS, "service_date", "lines"),
        required=("ro_number", "customer_id", "updated_at"),
        kinds={"mileage_in": INT, "labor_total": NUM, "parts_total": NUM, "total": NUM},
        notes={
            "service_date": "Close date, or the open date while the RO is open: the "
            "vehicle's service date for 'last service' fields.",
            "declined_recommendations": "Declined work, semicolon-separated.",
            "lines": "JSON list of RO lines; filled only when 'Include RO lines' is on.",
        },
    ),
    primary_key="ro_number",
    cursor_field="updated_at",
    description="Service repair orders with mileage, op codes and declined work.",
)
APPOINTMENTS = StreamSpec(
    name="appointments",
    entity="appointment",
    fields=fields(
        layout.APPOINTMENTS,
        required=("appointment_id", "customer_id", "scheduled_at", "updated_at"),
    ),
    primary_key="appointment_id",
    cursor_field="updated_at",
    writable=True,
    max_batch=50,
    description="Service appointments. Writing books a new one (POST, idempotent) or, "
    "when the destination id is known, reschedules it (PATCH with If-Match).",
)
INVENTORY = StreamSpec(
    name="inventory",
    entity="inventory",
    fields=fields(
        layout.INVENTORY,
        required=("vin", "stock_number", "updated_at"),
        kinds={
            "year": INT,
            "mileage": INT,
            "msrp": NUM,
            "price": NUM,
            "special_price": NUM,
            "days_in_stock": INT,
        },
    ),
    primary_key="vin",
    cursor_field="updated_at",
    description="Vehicles in stock (new, used, CPO) with prices and photos.",
)
LEADS = StreamSpec(
    name="leads",
    entity="lead",
    fields=fields(
        ("lead_id", *LEAD_FIELDS, *LEAD_VEHICLE_FIELDS, *CUSTOMER_WRITABLE),
        notes={
            "crm_lead_id": "The CRM's lead id; defaults to the record key and makes the "
            "create idempotent.",
            "customer_id": "An existing DMS customer; leave empty to match by email or "
            "create a prospect from the customer fields.",
        },
        kinds={"year": INT},
    ),
    primary_key="lead_id",
    readable=False,
    writable=True,
    max_batch=50,
    description="Create sales leads in the DMS (POST /leads); creates the prospect "
    "customer when no customer matches.",
)

ALL = (CUSTOMERS, VEHICLES, DEALS, DEAL_STATUS, REPAIR_ORDERS, APPOINTMENTS, INVENTORY, LEADS)
BY_NAME = {spec.name: spec for spec in ALL}
DIALECT = DialectDefaults(
    paths={
        "customers": "/customers",
        "vehicles": "/vehicles",
        "deals": "/deals",
        "deal_status": "/deals",
        "repair_orders": "/repair-orders",
        "appointments": "/appointments",
        "inventory": "/inventory",
        "leads": "/leads",
    },
    paging="next_link",
    page_size_param="pageSize",
    next_link_at="links.nextPage.href",
    records_at="items",
    total_at="totalItems",
    since_param="updatedSince",
    naming="camel",
)
