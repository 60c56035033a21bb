"""What the CDK Fortellis streams declare: fields (the codec's columns), keys, cursors."""

from __future__ import annotations

from app.connectors.rest_helpers import fields
from app.connectors.streams import FieldKind, StreamSpec
from app.formats.cdk import customers, repair_orders, vehicles

INT = FieldKind.INTEGER
NUM = FieldKind.NUMBER
DT = FieldKind.DATETIME

REPAIR_ORDERS = StreamSpec(
    name="repair_orders",
    entity="repair_order",
    fields=fields(
        repair_orders.FIELDS,
        required=("ro_number",),
        kinds={
            "created_at": DT,
            "promise_at": DT,
            "pick_up_at": DT,
            "drop_off_at": DT,
            "mileage_in": NUM,
            "total": NUM,
            "labor_total": NUM,
            "parts_total": NUM,
            **{n: NUM for n in repair_orders.FIELDS if n.startswith("estimate_")},
        },
        notes={
            "created_at": "When the RO was created (Fortellis createdDateTime). The read API "
            "has no last-modified time: this is the cursor.",
            "op_codes": "Op codes of the service lines, semicolon-separated (read).",
            "total": "Sum of the approved service lines' prices (read).",
            "declined_recommendations": "Declined service lines, semicolon-separated (read).",
            "lines": "JSON list of the read API's service lines (read only).",
            "service_lines": "JSON list of CDK Drive service lines to create or add: "
            "service_request, dispatch_code, estimated_duration, labor_operations [op_code, "
            "op_code_desc, sold_hours, sale_amount, sale_override_flag, "
            "force_shop_charge_flag, included_parts […]]; with service_line_id to update "
            "that line.",
            "customer_id": "Written as CDK Drive's customerHref (the customer API's link).",
            "vehicle_id": "Written as CDK Drive's vehicleHref (the service-vehicle API's link).",
        },
    ),
    primary_key="ro_number",
    cursor_field="created_at",
    writable=True,
    max_batch=50,
    description="Repair orders. Read from Fortellis Service Repair Orders by "
    "dateTimeInterval (from the cursor to now; a full read from 'Read repair orders "
    "from'), page by page. That API has no last-modified time, so the cursor is the "
    "newest createdDateTime read: every RO is created before it changes, so nothing "
    "changed later is skipped, and some are read again (the sync skips unchanged ones). "
    "Customer, vehicle, status and the Drive-only columns are empty on reads. Writing "
    "creates (CDK Drive createRepairOrder, never sent twice blindly) or, with a "
    "destination id, updates the header (If-Match) and adds or updates service lines.",
)
CUSTOMERS = StreamSpec(
    name="customers",
    entity="customer",
    fields=fields(customers.FIELDS, required=("customer_id",)),
    primary_key="customer_id",
    cursor_field=None,
    writable=True,
    max_batch=50,
    description="CDK Drive customers: re-sync by id, find by name, e-mail or phone, create "
    "(searched for by e-mail / phone before it is ever resent), update (If-Match). CDK "
    "has no 'changed since' read and no paging for customers, so this stream cannot be "
    "read as a whole: a flow that needs changed customers follows repair orders, CDK "
    "events or a DMS extract.",
)
SERVICE_VEHICLES = StreamSpec(
    name="service_vehicles",
    entity="vehicle",
    fields=fields(
        vehicles.FIELDS,
        required=("vehicle_id",),
        kinds={"year": INT, "mileage": NUM},
    ),
    primary_key="vehicle_id",
    cursor_field=None,
    writable=True,
    max_batch=50,
    description="CDK Drive service vehicles: re-sync by id, find by VIN, plate or owner, "
    "create (searched for by VIN before it is ever resent), update (If-Match). Like "
    "customers, CDK has no 'changed since' read for them: the stream cannot be read as "
    "a whole.",
)
