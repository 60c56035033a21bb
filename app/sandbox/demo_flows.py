"""The demo dealership's flows and their mappings — also a worked example of how a real
rooftop's DMS <-> CRM flows are set up."""

from __future__ import annotations

from collections.abc import Mapping as Mapping_

from app.mapping.model import Mapping, Step, rule
from app.sandbox.demo_inbox_flows import inbox_flows
from app.sandbox.demo_names import CRM, DMS, DMS_CDK, DMS_STAR, RETAILING
from app.sandbox.demo_retailing import retailing_flows
from app.services.flows import FlowDefinition

TRIM = Step("collapse_spaces")
NAME = Step("name_case")
DEAL_STATUS_DMS_TO_CRM = {
    "PENDING": "Pending",
    "BOOKED": "Booked",
    "DELIVERED": "Delivered",
    "UNWOUND": "Unwound",
}
DEAL_STATUS_CRM_TO_DMS = {v: k for k, v in DEAL_STATUS_DMS_TO_CRM.items()}
# STAR's invoice status words for the same deal states (vehicle_invoice.yaml)
DEAL_STATUS_STAR_TO_CRM = {
    "PENDING_APPROVAL": "Pending",
    "ISSUED": "Booked",
    "CLOSED": "Delivered",
    "VOIDED": "Unwound",
}
DEAL_STATUS_CRM_TO_STAR = {v: k for k, v in DEAL_STATUS_STAR_TO_CRM.items()}
APPOINTMENT_STATUS_CRM_TO_DMS = {
    "scheduled": "SCHEDULED",
    "confirmed": "SCHEDULED",
    "completed": "COMPLETED",
    "cancelled": "CANCELLED",
    "no_show": "NO_SHOW",
}

CUSTOMERS = Mapping(
    (
        rule("external_id", "customer_id", required=True),
        rule("first_name", "first_name", steps=[TRIM, NAME]),
        rule(
            "last_name",
            "last_name",
            "company_name",
            steps=[Step("coalesce"), TRIM, NAME],
            required=True,
        ),
        rule("email", "email", steps=[Step("email")]),
        rule("phone", "home_phone", "work_phone", steps=[Step("coalesce"), Step("phone_e164")]),
        rule("mobile", "mobile_phone", steps=[Step("phone_e164")]),
        rule(
            "street",
            "address_line1",
            "address_line2",
            steps=[Step("concat", {"separator": ", "}), Step("collapse_spaces")],
        ),
        rule("city", "city", steps=[TRIM, Step("title")]),
        rule("state", "state", steps=[TRIM, Step("upper")]),
        rule("postal_code", "zip", steps=[Step("zip_plus4")]),
        rule("email_opt_out", "opt_in_email", steps=[Step("boolean", {"negate": True})]),
        rule("sms_opt_out", "opt_in_sms", steps=[Step("boolean", {"negate": True})]),
    )
)

SERVICE_HISTORY = Mapping(  # a CDK Fortellis repair order -> a CRM service activity
    (
        rule(
            "external_id",
            "ro_number",
            steps=[Step("regex_replace", {"pattern": "^", "replacement": "RO-"})],
            required=True,
        ),
        rule("type", steps=[Step("constant", {"value": "service"})]),
        rule(
            "subject",
            "ro_number",
            "vin",
            "mileage_in",
            steps=[Step("concat", {"separator": " · "})],
        ),
        rule(
            "body",
            "advisor",
            "op_codes",
            "total",
            "declined_recommendations",
            steps=[Step("concat", {"separator": " | "})],
        ),
        rule("occurred_at", "created_at", steps=[Step("date", {"output": "datetime"})]),
    )
)

DEALS_TO_CRM = Mapping(  # a STAR vehicle invoice (the deal) -> the CRM deal's status
    (
        rule("external_id", "deal_number", required=True),
        rule("contact_external_id", "customer_id", required=True),
        rule("vin", "vin", steps=[Step("vin")]),
        rule("stock_number", "stock_number"),
        rule(
            "status",
            "status",
            steps=[Step("lookup", {"table": DEAL_STATUS_STAR_TO_CRM})],
            required=True,
        ),
        rule("sale_price", "sale_price", steps=[Step("number", {"decimals": 2})]),
        rule("deal_date", "deal_date"),
        rule("salesperson", "salesperson", steps=[TRIM]),
        rule(
            "vehicle_description",
            "year",
            "make",
            "model",
            steps=[Step("concat", {"separator": " "})],
        ),
        # a deal built online carries its structure's type and the trade-in appraisal
        rule("payment_method", "payment_method", steps=[Step("upper")]),
        rule("trade_vin", "trade_vin", steps=[Step("vin")]),
        rule(
            "trade_description",
            "trade_year",
            "trade_make",
            "trade_model",
            "trade_mileage",
            "trade_condition",
            steps=[Step("concat", {"separator": " "})],
        ),
        rule("trade_value", "trade_value", steps=[Step("number", {"decimals": 2})]),
        rule("trade_payoff", "trade_payoff", steps=[Step("number", {"decimals": 2})]),
    )
)

DEALS_TO_DMS = Mapping(  # the CRM deal's status -> a merge patch of the STAR vehicle invoice
    (
        rule("vehicle_invoice_key", "external_id", required=True),
        rule(
            "status",
            "status",
            steps=[Step("lookup", {"table": DEAL_STATUS_CRM_TO_STAR})],
            required=True,
        ),
        rule("salesperson", "salesperson", steps=[TRIM]),
    )
)

LEADS_TO_DMS = Mapping(
    (
        rule("crm_lead_id", "lead_id", required=True),
        rule("source", "source", steps=[TRIM, Step("default", {"value": "CRM"})]),
        rule(
            "status",
            "status",
            steps=[
                Step(
                    "lookup",
                    {
                        "table": {
                            "New": "NEW",
                            "Contacted": "WORKING",
                            "Appointment": "WORKING",
                            "Sold": "SOLD",
                            "Lost": "LOST",
                        },
                        "default": "NEW",
                    },
                )
            ],
        ),
        rule("salesperson", "salesperson", steps=[TRIM]),
        rule(
            "comments",
            "comments",
            "vehicle_of_interest",
            steps=[Step("concat", {"separator": " — "})],
        ),
        rule("vin", "vehicle_of_interest_vin", steps=[Step("vin")]),
        rule("first_name", "first_name", steps=[TRIM, NAME]),
        rule("last_name", "last_name", steps=[TRIM, NAME]),
        rule("email", "email", steps=[Step("email")]),
        rule("mobile_phone", "mobile", "phone", steps=[Step("coalesce"), Step("phone_e164")]),
    )
)

APPOINTMENTS_TO_DMS = Mapping(
    (
        rule("scheduled_at", "scheduled_at", required=True),
        rule("service_requested", "service_requested", steps=[TRIM]),
        rule("vin", "vin", steps=[Step("vin")]),
        rule(
            "status",
            "status",
            steps=[
                Step("lookup", {"table": APPOINTMENT_STATUS_CRM_TO_DMS, "default": "SCHEDULED"})
            ],
        ),
        rule("source", steps=[Step("constant", {"value": "CRM"})]),
    )
)


def demo_flows(ids: Mapping_[str, int]) -> list[FlowDefinition]:
    """The six demo flows between the demo DMS (over STAR REST, CDK Fortellis or the
    generic REST kind, whichever publishes the data) and the demo CRM; ``ids`` are the
    connections' ids by name."""
    star, cdk, generic, crm = ids[DMS_STAR], ids[DMS_CDK], ids[DMS], ids[CRM]
    customer_ref = {"entity": "customer", "hint": "customers-dms-to-crm"}
    return [
        FlowDefinition(
            "customers-dms-to-crm",
            "Customers: DMS → CRM",
            star,
            "customers",
            crm,
            "contacts",
            CUSTOMERS,
            schedule={"cron": "0 2 * * *"},
            description="DMS customers over the STAR standard's REST API (GET /customers, "
            "filter=sdate:…) into CRM contacts (generic REST batch upsert).",
        ),
        FlowDefinition(
            "service-history-dms-to-crm",
            "Service history: DMS → CRM",
            cdk,
            "repair_orders",
            crm,
            "activities",
            SERVICE_HISTORY,
            options={"references": {"contact_id": {"from": "customer_id", **customer_ref}}},
            schedule={"cron": "30 2 * * *"},
            description="Repair orders over CDK Fortellis (changed in a dateTimeInterval; "
            "each RO's customer found by its VIN through CDK Drive vehicles) into CRM "
            "service activities (generic REST), linked to the customer's CRM contact.",
        ),
        FlowDefinition(
            "leads-crm-to-dms",
            "New leads: CRM → DMS",
            crm,
            "leads",
            generic,
            "leads",
            LEADS_TO_DMS,
            mode="realtime",
            options={
                "references": {
                    "customer_id": {"from": "contact_id", **customer_ref, "required": False}
                },
                "pre_entry_check": {
                    "email_field": "email",
                    "phone_field": "mobile_phone",
                    "set_field": "customer_id",
                },
            },
            schedule={"interval_s": 60},
            description="CRM leads (generic REST) into the DMS's sales leads (generic REST: "
            "neither STAR nor CDK publishes a lead API here), after the pre-entry duplicate "
            "check.",
        ),
        FlowDefinition(
            "deal-status-dms-to-crm",
            "Deal status: DMS → CRM",
            star,
            "vehicle_invoices",
            crm,
            "deal_status",
            DEALS_TO_CRM,
            ownership={"salesperson": "destination"},
            schedule={"interval_s": 900},
            description="Deals as STAR vehicle invoices (GET /vehicle-invoices) into the "
            "CRM's deal status (generic REST).",
        ),
        FlowDefinition(
            "deal-status-crm-to-dms",
            "Deal status: CRM → DMS",
            crm,
            "deal_status",
            star,
            "vehicle_invoices",
            DEALS_TO_DMS,
            schedule={"interval_s": 900},
            description="The CRM's deal status (generic REST) back to the DMS as a STAR merge "
            "patch of the vehicle invoice (PATCH /vehicle-invoices/{key}).",
        ),
        FlowDefinition(
            "appointments-crm-to-dms",
            "Service appointments: CRM → DMS",
            crm,
            "appointments",
            generic,
            "appointments",
            APPOINTMENTS_TO_DMS,
            mode="realtime",
            options={"references": {"customer_id": {"from": "contact_id", **customer_ref}}},
            schedule={"interval_s": 60},
            description="CRM appointments (generic REST) into the DMS scheduler (generic "
            "REST): STAR's AppointmentCreate needs the customer's name, which a CRM "
            "appointment does not carry.",
        ),
        *inbox_flows(ids),
        *(retailing_flows(ids) if RETAILING in ids else []),
    ]
