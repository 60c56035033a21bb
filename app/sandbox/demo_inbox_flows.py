"""The demo's lead-inbox flows: ADF leads e-mailed to the dealership's mailbox, read over
IMAP, into the CRM or into the DMS -- each after the pre-entry duplicate check, creating
or finding the customer, with the vehicle of interest and the trade-in (in the comments:
neither lead API has trade-in fields).

Both read one mailbox, and a run files the mail it read: one flow per mailbox folder.
The CRM flow is scheduled; the DMS flow runs by hand (a store without a CRM would
schedule it instead)."""

from __future__ import annotations

from collections.abc import Mapping as Mapping_

from app.mapping.model import Mapping, Step, rule
from app.sandbox.demo_names import CRM, DMS, LEAD_INBOX
from app.services.flows import FlowDefinition

TRIM = Step("collapse_spaces")
NAME = Step("name_case")
SOURCE = [TRIM, Step("default", {"value": "ADF lead"})]
NOTES = ("comments", "vehicle_comments", "trade_in_description")
PERSON = (  # the lead's customer, for either side
    rule("first_name", "first_name", steps=[TRIM, NAME]),
    rule(
        "last_name",
        "last_name",
        "company_name",
        steps=[Step("coalesce"), TRIM, NAME],
        required=True,
    ),
    rule("email", "email", steps=[Step("email")]),
)

INBOX_TO_CRM = Mapping(  # an ADF lead -> a CRM lead with its contact
    (
        rule("source", "provider_name", steps=SOURCE),
        rule("status", steps=[Step("constant", {"value": "New"})]),
        rule("vehicle_of_interest_vin", "vehicle_vin", steps=[Step("vin")]),
        rule("vehicle_of_interest", "vehicle_description", steps=[TRIM]),
        rule("comments", *NOTES, steps=[Step("concat", {"separator": " | "})]),
        *PERSON,
        rule("phone", "phone", "work_phone", steps=[Step("coalesce"), Step("phone_e164")]),
        rule("mobile", "mobile", steps=[Step("phone_e164")]),
        rule("street", "street", "apartment", steps=[Step("concat", {"separator": ", "}), TRIM]),
        rule("city", "city", steps=[TRIM, Step("title")]),
        rule("state", "state", steps=[TRIM, Step("upper")]),
        rule("postal_code", "postal_code", steps=[Step("zip_plus4")]),
    )
)

INBOX_TO_DMS = Mapping(  # an ADF lead -> a DMS sales lead (crmLeadId = the lead's key)
    (
        rule("source", "provider_name", steps=SOURCE),
        rule("status", steps=[Step("constant", {"value": "NEW"})]),
        rule("comments", *NOTES, steps=[Step("concat", {"separator": " | "})]),
        rule("vin", "vehicle_vin", steps=[Step("vin")]),
        rule("year", "vehicle_year"),
        rule("make", "vehicle_make", steps=[TRIM]),
        rule("model", "vehicle_model", steps=[TRIM]),
        rule("stock_number", "vehicle_stock", steps=[TRIM]),
        *PERSON,
        rule("mobile_phone", "mobile", steps=[Step("phone_e164")]),
        rule("home_phone", "phone", steps=[Step("phone_e164")]),
        rule("work_phone", "work_phone", steps=[Step("phone_e164")]),
        rule("address_line1", "street", steps=[TRIM]),
        rule("address_line2", "apartment", steps=[TRIM]),
        rule("city", "city", steps=[TRIM, Step("title")]),
        rule("state", "state", steps=[TRIM, Step("upper")]),
        rule("zip", "postal_code", steps=[Step("zip5")]),
    )
)


def inbox_flows(ids: Mapping_[str, int]) -> list[FlowDefinition]:
    """The two lead-inbox flows (none when the demo has no lead inbox connection)."""
    if LEAD_INBOX not in ids:
        return []
    inbox = ids[LEAD_INBOX]
    return [
        FlowDefinition(
            "leads-inbox-to-crm",
            "Web leads: inbox → CRM",
            inbox,
            "leads",
            ids[CRM],
            "leads",
            INBOX_TO_CRM,
            options={
                "pre_entry_check": {
                    "email_field": "email",
                    "phone_field": "mobile",
                    "set_field": "contact_id",
                }
            },
            schedule={"interval_s": 300},
            description="Leads from lead sites as ADF 1.0 over IMAP (the dealership's lead "
            "mailbox, read over TLS; read mail moves to Processed) into CRM leads (generic "
            "REST), after the pre-entry duplicate check; hostile or unusable mail is parked.",
        ),
        FlowDefinition(
            "leads-inbox-to-dms",
            "Web leads: inbox → DMS",
            inbox,
            "leads",
            ids[DMS],
            "leads",
            INBOX_TO_DMS,
            options={
                "pre_entry_check": {
                    "email_field": "email",
                    "phone_field": "mobile_phone",
                    "set_field": "customer_id",
                }
            },
            schedule={},  # by hand only: it reads the same mailbox as leads-inbox-to-crm
            description="Leads from lead sites as ADF 1.0 over IMAP into the DMS's sales "
            "leads (generic REST), after the pre-entry duplicate check: an existing "
            "customer is linked, a new one is created as a prospect. For a store without "
            "a CRM: it reads the same mailbox as the inbox → CRM flow and the first to run "
            "files the mail, so it has no schedule (the demo carries CRM leads on to the DMS "
            "with leads-crm-to-dms).",
        ),
    ]
