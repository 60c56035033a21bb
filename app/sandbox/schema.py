"""Column layout of the demo dealership's data set: one table per entity and system.

The generator writes exactly these columns (in this order) and the simulated servers
serve them. Dates are ISO 8601 strings (``YYYY-MM-DD``), timestamps ISO 8601 UTC
(``YYYY-MM-DDTHH:MM:SSZ``); money is a decimal number in dollars; empty means unknown.
Each system keeps its own ids: the DMS numbers customers ``C100001``..., the CRM uses its
own contact ids, the marketing platform its own. ``truth`` says which records are the
same person.
"""

from __future__ import annotations

TABLES: dict[str, tuple[str, ...]] = {
    # --- DMS (dealer management system) ---------------------------------------------
    "dms_customers": (
        "customer_id",  # DMS customer number, e.g. C100001
        "customer_type",  # INDIVIDUAL | BUSINESS
        "first_name",
        "middle_name",
        "last_name",
        "company_name",  # BUSINESS only
        "address_line1",
        "address_line2",
        "city",
        "state",  # 2-letter
        "zip",  # ZIP5 or ZIP+4 (12345-6789)
        "home_phone",
        "work_phone",
        "mobile_phone",
        "email",
        "birth_date",
        "opt_in_email",  # Y | N
        "opt_in_sms",  # Y | N
        "opt_in_phone",  # Y | N
        "created_at",
        "updated_at",
    ),
    "dms_vehicles": (  # vehicles customers own (service history hangs off these)
        "vehicle_id",
        "customer_id",
        "vin",
        "year",
        "make",
        "model",
        "trim",
        "color",
        "mileage",
        "purchase_date",
        "updated_at",
    ),
    "dms_deals": (
        "deal_number",
        "customer_id",
        "vin",
        "stock_number",
        "deal_type",  # CASH | FINANCE | LEASE
        "status",  # PENDING | BOOKED | DELIVERED | UNWOUND
        "deal_date",
        "delivery_date",
        "salesperson",
        "lead_source",
        "sale_price",
        "fi_products",  # semicolon-separated: GAP;Service Contract;Tire & Wheel
        "lender",
        "amount_financed",
        "payoff_amount",
        "term_months",
        "apr",
        "lease_maturity_date",
        "crm_lead_id",  # the CRM lead the sale came from, when known
        "updated_at",
    ),
    "dms_repair_orders": (
        "ro_number",
        "customer_id",
        "vin",
        "open_date",
        "close_date",
        "mileage_in",
        "status",  # OPEN | CLOSED
        "advisor",
        "pay_type",  # CUSTOMER | WARRANTY | INTERNAL
        "op_codes",  # semicolon-separated
        "labor_total",
        "parts_total",
        "total",
        "declined_recommendations",  # semicolon-separated descriptions
        "updated_at",
    ),
    "dms_repair_order_lines": (
        "ro_number",
        "line_number",
        "op_code",
        "description",
        "line_type",  # LABOR | PARTS
        "pay_type",
        "amount",
    ),
    "dms_appointments": (
        "appointment_id",
        "customer_id",
        "vin",
        "scheduled_at",
        "service_requested",
        "advisor",
        "status",  # SCHEDULED | ARRIVED | COMPLETED | NO_SHOW | CANCELLED
        "source",  # DMS | CRM | WEB
        "updated_at",
    ),
    "dms_inventory": (
        "stock_number",
        "vin",
        "condition",  # NEW | USED | CPO
        "year",
        "make",
        "model",
        "trim",
        "body_style",
        "exterior_color",
        "interior_color",
        "mileage",
        "msrp",
        "price",
        "special_price",  # empty when no special
        "photo_urls",  # space-separated URLs
        "status",  # AVAILABLE | PENDING | SOLD | DELIVERED
        "date_in_stock",
        "days_in_stock",
        "recon_status",  # NOT_STARTED | IN_PROGRESS | COMPLETE
        "description",
        "updated_at",
    ),
    "dms_warranties": (  # coverage per owned vehicle, as the DMS's service side keeps it
        "vin",
        "customer_id",
        "coverage",  # BASIC | POWERTRAIN | CPO
        "start_date",
        "end_date",
        "end_miles",  # odometer reading at which it ends
    ),
    # --- The dealer's licensed price guide (trade-in values) --------------------------
    "valuation_guide": (
        "year",
        "make",
        "model",
        "trim",
        "trade_in_value",  # dollars
        "as_of",  # the guide's edition date
    ),
    # --- CRM --------------------------------------------------------------------------
    "crm_contacts": (
        "contact_id",  # CRM's own id, a UUID (app.sandbox.ids)
        "external_id",  # DMS customer number when the CRM already knows it, else empty
        "first_name",
        "last_name",
        "email",
        "phone",
        "mobile",
        "street",
        "city",
        "state",
        "postal_code",
        "email_opt_out",  # true | false
        "sms_opt_out",
        "created_at",
        "updated_at",
    ),
    "crm_leads": (
        "lead_id",
        "contact_id",
        "source",  # Website | Cars.com | AutoTrader | Walk-in | Phone | Facebook | Referral
        "status",  # New | Contacted | Appointment | Sold | Lost
        "salesperson",
        "vehicle_of_interest_vin",
        "vehicle_of_interest",  # "2024 Toyota RAV4 XLE"
        "comments",
        "created_at",
        "updated_at",
    ),
    # --- Marketing platform -----------------------------------------------------------
    "marketing_contacts": (
        "subscriber_id",
        "email",
        "first_name",
        "last_name",
        "phone",
        "zip",
        "email_consent",  # subscribed | unsubscribed
        "sms_consent",
        "segments",  # semicolon-separated segment names
        "updated_at",
    ),
    # --- Ground truth for matching --------------------------------------------------
    "truth": (
        "record_id",  # the record's id in its own system (customer_id, contact_id, ...)
        "system",  # dms | crm | marketing
        "person_id",  # same person_id = same real person (or business)
    ),
}

# DMS nightly extract: the DMS-style header each canonical customer column is written under.
DMS_EXTRACT_CUSTOMER_HEADERS: dict[str, str] = {
    "customer_id": "CUST_NO",
    "customer_type": "CUST_TYPE",
    "first_name": "FIRST_NAME",
    "middle_name": "MIDDLE_NAME",
    "last_name": "LAST_NAME",
    "company_name": "COMPANY_NAME",
    "address_line1": "ADDR1",
    "address_line2": "ADDR2",
    "city": "CITY",
    "state": "STATE",
    "zip": "ZIP",
    "home_phone": "HOME_PH",
    "work_phone": "BUS_PH",
    "mobile_phone": "CELL_PH",
    "email": "EMAIL_ADDR",
    "birth_date": "BIRTH_DT",
    "opt_in_email": "EMAIL_OPT_IN",
    "opt_in_sms": "SMS_OPT_IN",
    "opt_in_phone": "PHONE_OPT_IN",
    "created_at": "CREATE_DT",
    "updated_at": "LAST_UPD_DT",
}
