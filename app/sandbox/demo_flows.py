"""The demo dealership's flows and their mappings — also a worked example of how a real
rooftop's DMS <-> CRM <-> marketing flows are set up: each flow goes over the published
API that carries it (STAR REST, CDK Fortellis, Elead, Klaviyo), and what none publishes
over the generic REST kinds. The CRM is one system reached two ways: its Elead connection
and its generic one share records (``same_records_as``), so a service activity written
over the generic API lands on the customer created over Elead."""

from __future__ import annotations

from collections.abc import Mapping as Mapping_

from app.formats.klaviyo.consent import consent_step, opt_out_step
from app.mapping.model import Mapping, Step, rule
from app.sandbox.demo_inbox_flows import inbox_flows
from app.sandbox.demo_names import CRM, CRM_ELEAD, DMS, DMS_CDK, DMS_STAR, MARKETING, RETAILING
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

NOT = Step("boolean", {"negate": True})
CUSTOMERS = Mapping(  # a STAR customer -> an Elead customer
    (
        rule("customer_type", "customer_type"),
        rule("first_name", "first_name", steps=[TRIM, NAME]),
        rule("middle_name", "middle_name", steps=[TRIM, NAME]),
        rule("last_name", "last_name", steps=[TRIM, NAME]),
        rule("company_name", "company_name", steps=[TRIM]),
        rule("birth_date", "birth_date", steps=[Step("date")]),
        rule("email", "email", steps=[Step("email")]),
        rule("home_phone", "home_phone", steps=[Step("phone_e164")]),
        rule("work_phone", "work_phone", steps=[Step("phone_e164")]),
        rule("mobile_phone", "mobile_phone", steps=[Step("phone_e164")]),
        rule("address_line1", "address_line1", steps=[TRIM]),
        rule("address_line2", "address_line2", steps=[TRIM]),
        rule("city", "city", steps=[TRIM, Step("title")]),
        rule("state", "state", steps=[TRIM, Step("upper")]),
        rule("zip", "zip", steps=[Step("zip_plus4")]),
        rule("email_opt_out", "opt_in_email", steps=[NOT]),
        rule("sms_opt_out", "opt_in_sms", steps=[NOT]),
        rule("phone_opt_out", "opt_in_phone", steps=[NOT]),
    )
)

# A DMS customer -> a contact of the CRM's generic REST API (an upsert on external_id): the
# demo's customers flow before it went to Elead; tests and benches of a generic CRM use it.
GENERIC_CUSTOMERS = Mapping(
    (
        rule("external_id", "customer_id", required=True),
        rule("first_name", "first_name", steps=[Step("collapse_spaces"), Step("name_case")]),
        rule(
            "last_name",
            "last_name",
            "company_name",
            steps=[Step("coalesce"), Step("collapse_spaces"), Step("name_case")],
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
        rule("city", "city", steps=[Step("collapse_spaces"), Step("title")]),
        rule("state", "state", steps=[Step("collapse_spaces"), Step("upper")]),
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

LEADS_TO_DMS = Mapping(  # an Elead opportunity (with its customer) -> a DMS sales lead
    (
        rule("crm_lead_id", "opportunity_id", required=True),
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
        rule("comments", "vehicle_of_interest", steps=[TRIM]),
        rule("vin", "vehicle_of_interest_vin", steps=[Step("vin")]),
        rule("first_name", "customer_first_name", steps=[TRIM, NAME]),
        rule(
            "last_name",
            "customer_last_name",
            "customer_company_name",
            steps=[Step("coalesce"), TRIM, NAME],
        ),
        rule("email", "customer_email", steps=[Step("email")]),
        rule(
            "mobile_phone",
            "customer_mobile_phone",
            "customer_home_phone",
            steps=[Step("coalesce"), Step("phone_e164")],
        ),
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


TO_MARKETING = Mapping(  # a STAR customer -> a Klaviyo profile, opt-ins as consent
    (
        rule("external_id", "customer_id", required=True),
        rule("email", "email", steps=[Step("email")]),
        rule("phone_number", "mobile_phone", steps=[Step("phone_e164")]),
        rule("first_name", "first_name", steps=[TRIM, NAME]),
        rule("last_name", "last_name", "company_name", steps=[Step("coalesce"), TRIM, NAME]),
        rule("address1", "address_line1", steps=[TRIM]),
        rule("address2", "address_line2", steps=[TRIM]),
        rule("city", "city", steps=[TRIM, Step("title")]),
        rule("region", "state", steps=[TRIM, Step("upper")]),
        rule("zip", "zip", steps=[Step("zip5")]),
        rule("email_consent", "opt_in_email", steps=[consent_step()]),
        rule("sms_consent", "opt_in_sms", steps=[consent_step()]),
    )
)
# Klaviyo's consent back, only ever lowering it: an opt-out gives N (DMS) or true (CRM),
# anything else a blank that the flow does not send (options omit_blank, update_only)
CONSENT_TO_DMS = Mapping(
    (
        rule("opt_in_email", "email_consent", steps=[opt_out_step("N")]),
        rule("opt_in_sms", "sms_consent", steps=[opt_out_step("N")]),
    )
)
CONSENT_TO_CRM = Mapping(
    (
        rule("email_opt_out", "email_consent", steps=[opt_out_step("true")]),
        rule("sms_opt_out", "sms_consent", steps=[opt_out_step("true")]),
    )
)
ONLY_LOWER = {"update_only": True}


def demo_flows(ids: Mapping_[str, int]) -> list[FlowDefinition]:
    """The demo flows between the demo DMS (over STAR REST, CDK Fortellis or the generic
    REST kind, whichever publishes the data), the demo CRM (over Elead, or its generic
    REST API for what Elead's cannot carry), the demo marketing platform (Klaviyo), the
    lead inbox and the digital-retailing tool; ``ids`` are the connections' ids by name."""
    retailing = retailing_flows(ids) if RETAILING in ids else []
    return crm_flows(ids) + marketing_flows(ids) + inbox_flows(ids) + retailing


def crm_flows(ids: Mapping_[str, int]) -> list[FlowDefinition]:
    """The six DMS <-> CRM flows."""
    star, cdk, generic = ids[DMS_STAR], ids[DMS_CDK], ids[DMS]
    elead, crm = ids[CRM_ELEAD], ids[CRM]
    customer_ref = {"entity": "customer", "hint": "customers-dms-to-crm"}
    return [
        FlowDefinition(
            "customers-dms-to-crm",
            "Customers: DMS → CRM",
            star,
            "customers",
            elead,
            "customers",
            CUSTOMERS,
            schedule={"cron": "0 2 * * *"},
            description="DMS customers over the STAR standard's REST API (GET /customers, "
            "filter=sdate:…) into Elead customers (Customers_CreateCustomer, one per "
            "customer; Customers_UpdateCustomer once linked), opt-ins as do-not-email, "
            "-text and -call.",
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
            "service activities over the CRM's generic REST API (Elead's has no "
            "activities), on the customer's Elead record: one CRM, one set of ids.",
        ),
        FlowDefinition(
            "leads-crm-to-dms",
            "New leads: CRM → DMS",
            elead,
            "opportunities",
            generic,
            "leads",
            LEADS_TO_DMS,
            mode="realtime",
            options={
                "references": {
                    "customer_id": {"from": "customer_id", **customer_ref, "required": False}
                },
                "pre_entry_check": {
                    "email_field": "email",
                    "phone_field": "mobile_phone",
                    "set_field": "customer_id",
                },
            },
            schedule={"interval_s": 60},
            description="Elead opportunities (Opportunities_SearchDelta by dateFrom, each "
            "with its customer from Customers_GetCustomer) into the DMS's sales leads "
            "(generic REST: neither STAR nor CDK publishes a lead API here), after the "
            "pre-entry duplicate check.",
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
            options={"references": {"contact_id": {"from": "customer_id", **customer_ref}}},
            schedule={"interval_s": 900},
            description="Deals as STAR vehicle invoices (GET /vehicle-invoices) into the "
            "CRM's deal status over its generic REST API (Elead's has no deals), on the "
            "buyer's Elead record.",
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
            description="CRM appointments (generic REST: Elead's API has none) into the DMS "
            "scheduler (generic REST): STAR's AppointmentCreate needs the customer's name, "
            "which a CRM appointment does not carry.",
        ),
    ]


def marketing_flows(ids: Mapping_[str, int]) -> list[FlowDefinition]:
    """Customers to Klaviyo, and Klaviyo's opt-outs back to the DMS and the CRM."""
    star, elead, klaviyo = ids[DMS_STAR], ids[CRM_ELEAD], ids[MARKETING]
    return [
        FlowDefinition(
            "customers-dms-to-marketing",
            "Customers: DMS → marketing",
            star,
            "customers",
            klaviyo,
            "profiles",
            TO_MARKETING,
            schedule={"cron": "0 3 * * *"},
            description="DMS customers over STAR REST (GET /customers) into Klaviyo "
            "profiles (bulk profile import jobs); a DMS opt-in subscribes only someone "
            "Klaviyo reports never subscribed (subscription jobs), an opt-out is always "
            "sent, and nobody who unsubscribed is subscribed again.",
        ),
        FlowDefinition(
            "consent-marketing-to-dms",
            "Opt-outs: marketing → DMS",
            klaviyo,
            "profiles",
            star,
            "customers",
            CONSENT_TO_DMS,
            options={"omit_blank": ["opt_in_email", "opt_in_sms"], **ONLY_LOWER},
            schedule={"interval_s": 900},
            description="Klaviyo profiles changed since the last run (GET /api/profiles, "
            "filter=greater-than(updated,…), with subscriptions) back to the DMS customer "
            "as a STAR merge patch (PATCH /customers/{key}): an unsubscribe or suppression "
            "sets the e-mail or SMS opt-in to N; nothing else is sent, so an opt-in given "
            "at the desk stays.",
        ),
        FlowDefinition(
            "consent-marketing-to-crm",
            "Opt-outs: marketing → CRM",
            klaviyo,
            "profiles",
            elead,
            "customers",
            CONSENT_TO_CRM,
            options={"omit_blank": ["email_opt_out", "sms_opt_out"], **ONLY_LOWER},
            schedule={"interval_s": 900},
            description="Klaviyo profiles changed since the last run (GET /api/profiles "
            "with subscriptions) back to the Elead customer (Customers_UpdateCustomer): an "
            "unsubscribe or suppression sets do-not-email or do-not-text; nothing else is "
            "sent.",
        ),
    ]
