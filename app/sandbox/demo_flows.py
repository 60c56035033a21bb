"""The demo dealership's flows and their mappings — also a worked example of how a real
rooftop's DMS <-> CRM flows are set up."""

from __future__ import annotations

from app.mapping.model import Mapping, Step, rule
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

SERVICE_HISTORY = Mapping(
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
            "pay_type",
            "op_codes",
            "total",
            "declined_recommendations",
            steps=[Step("concat", {"separator": " | "})],
        ),
        rule("occurred_at", "service_date", steps=[Step("date", {"output": "datetime"})]),
    )
)

DEALS_TO_CRM = Mapping(
    (
        rule("external_id", "deal_number", required=True),
        rule("contact_external_id", "customer_id", required=True),
        rule("vin", "vin", steps=[Step("vin")]),
        rule("stock_number", "stock_number"),
        rule(
            "status",
            "status",
            steps=[Step("lookup", {"table": DEAL_STATUS_DMS_TO_CRM})],
            required=True,
        ),
        rule("sale_price", "sale_price", steps=[Step("number", {"decimals": 2})]),
        rule("deal_date", "deal_date"),
        rule("salesperson", "salesperson", steps=[TRIM]),
        rule(
            "vehicle_description",
            "deal_type",
            "lead_source",
            steps=[Step("concat", {"separator": " · "})],
        ),
    )
)

DEALS_TO_DMS = Mapping(
    (
        rule("deal_number", "external_id", required=True),
        rule(
            "status",
            "status",
            steps=[Step("lookup", {"table": DEAL_STATUS_CRM_TO_DMS})],
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


def demo_flows(dms_id: int, crm_id: int) -> list[FlowDefinition]:
    """The six demo flows between the demo DMS and CRM profiles."""
    customer_ref = {"entity": "customer", "hint": "customers-dms-to-crm"}
    return [
        FlowDefinition(
            "customers-dms-to-crm",
            "Customers: DMS → CRM",
            dms_id,
            "customers",
            crm_id,
            "contacts",
            CUSTOMERS,
            schedule={"cron": "0 2 * * *"},
        ),
        FlowDefinition(
            "service-history-dms-to-crm",
            "Service history: DMS → CRM",
            dms_id,
            "repair_orders",
            crm_id,
            "activities",
            SERVICE_HISTORY,
            options={"references": {"contact_id": {"from": "customer_id", **customer_ref}}},
            schedule={"cron": "30 2 * * *"},
        ),
        FlowDefinition(
            "leads-crm-to-dms",
            "New leads: CRM → DMS",
            crm_id,
            "leads",
            dms_id,
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
        ),
        FlowDefinition(
            "deal-status-dms-to-crm",
            "Deal status: DMS → CRM",
            dms_id,
            "deals",
            crm_id,
            "deal_status",
            DEALS_TO_CRM,
            ownership={"salesperson": "destination"},
            schedule={"interval_s": 900},
        ),
        FlowDefinition(
            "deal-status-crm-to-dms",
            "Deal status: CRM → DMS",
            crm_id,
            "deal_status",
            dms_id,
            "deal_status",
            DEALS_TO_DMS,
            schedule={"interval_s": 900},
        ),
        FlowDefinition(
            "appointments-crm-to-dms",
            "Service appointments: CRM → DMS",
            crm_id,
            "appointments",
            dms_id,
            "appointments",
            APPOINTMENTS_TO_DMS,
            mode="realtime",
            options={"references": {"customer_id": {"from": "contact_id", **customer_ref}}},
            schedule={"interval_s": 60},
        ),
    ]
