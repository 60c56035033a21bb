"""The DMS's record layouts: one tuple of snake_case columns per entity.

This is our canonical per-system layout for DMS data, shared by the REST connector and
the CSV extract codec. It mirrors the demo dealership (``app.sandbox.schema``), which a
test keeps equal; it is copied rather than imported because connectors and codecs sit
below the sandbox in the layer order.
"""

from __future__ import annotations

CUSTOMERS = (
    "customer_id", "customer_type", "first_name", "middle_name", "last_name", "company_name",
    "address_line1", "address_line2", "city", "state", "zip", "home_phone", "work_phone",
    "mobile_phone", "email", "birth_date", "opt_in_email", "opt_in_sms", "opt_in_phone",
    "created_at", "updated_at",
)  # fmt: skip
VEHICLES = (
    "vehicle_id", "customer_id", "vin", "year", "make", "model", "trim", "color", "mileage",
    "purchase_date", "updated_at",
)  # fmt: skip
DEALS = (
    "deal_number", "customer_id", "vin", "stock_number", "deal_type", "status", "deal_date",
    "delivery_date", "salesperson", "lead_source", "sale_price", "fi_products", "lender",
    "amount_financed", "payoff_amount", "term_months", "apr", "lease_maturity_date",
    "crm_lead_id", "updated_at",
)  # fmt: skip
REPAIR_ORDERS = (
    "ro_number", "customer_id", "vin", "open_date", "close_date", "mileage_in", "status",
    "advisor", "pay_type", "op_codes", "labor_total", "parts_total", "total",
    "declined_recommendations", "updated_at",
)  # fmt: skip
APPOINTMENTS = (
    "appointment_id", "customer_id", "vin", "scheduled_at", "service_requested", "advisor",
    "status", "source", "updated_at",
)  # fmt: skip
INVENTORY = (
    "stock_number", "vin", "condition", "year", "make", "model", "trim", "body_style",
    "exterior_color", "interior_color", "mileage", "msrp", "price", "special_price",
    "photo_urls", "status", "date_in_stock", "days_in_stock", "recon_status", "description",
    "updated_at",
)  # fmt: skip

# entity -> (columns, primary key); the entity names of ``StreamSpec.entity``
ENTITIES: dict[str, tuple[tuple[str, ...], str]] = {
    "customer": (CUSTOMERS, "customer_id"),
    "vehicle": (VEHICLES, "vehicle_id"),
    "deal": (DEALS, "deal_number"),
    "repair_order": (REPAIR_ORDERS, "ro_number"),
    "appointment": (APPOINTMENTS, "appointment_id"),
    "inventory": (INVENTORY, "vin"),
}
