"""A received ADF prospect as a record of the ADF inbox's ``leads`` stream: the stream's
fields (customer, vehicle of interest, trade-in, where the message came from) and
``lead_record``, which fills them from one parsed prospect (all values text)."""

from __future__ import annotations

from app.connectors.adf_lead import CUSTOMER_FIELDS, TRADE_FIELDS, VEHICLE_FIELDS, VEHICLE_PARTS
from app.connectors.rest_helpers import fields
from app.connectors.streams import StreamSpec
from app.formats.adf import AdfLead, AdfVehicle, resend_key

TRADE_INTERESTS = ("trade-in", "sell")
TRADE_PARTS = ("year", "make", "model", "vin", "odometer")
MESSAGE_FIELDS = ("channel", "message_id", "mail_from", "subject", "source_ref")
LEAD_FIELDS = (
    "lead_key", "received_at", "request_date", "status", "provider_id", "provider_name",
    "provider_service", "vendor_name", *CUSTOMER_FIELDS, *VEHICLE_FIELDS,
    "vehicle_description", *TRADE_FIELDS, "trade_in_description", "vehicle_count",
    *MESSAGE_FIELDS,
)  # fmt: skip

LEADS = StreamSpec(
    name="leads",
    entity="lead",
    fields=fields(
        LEAD_FIELDS,
        required=("lead_key",),
        notes={
            "lead_key": "The same for a resent copy: provider id + request date + contact.",
            "received_at": "When the message (or POST) arrived.",
            "status": "new or resend, as the provider marked it.",
            "provider_id": "The provider's lead id, as source:id.",
            "vehicle_description": "Year, make, model and trim of the vehicle of interest.",
            "trade_in_description": "'Trade-in: ' and its year, make, model, VIN, mileage.",
            "vehicle_count": "How many vehicles the lead listed.",
            "channel": "e-mail or http.",
            "source_ref": "Where the lead was read: folder and UID, or spool file.",
        },
    ),
    primary_key="lead_key",
    cursor_field=None,
    readable=True,
    writable=False,
    description="ADF 1.0 leads received by e-mail (IMAP) or HTTP POST, newest first.",
)


def _join(*parts: str, sep: str = " ") -> str:
    return sep.join(p for p in parts if p)


def lead_record(lead: AdfLead, message: dict[str, str]) -> dict[str, str]:
    """One ADF prospect as a ``leads`` record (all values text)."""
    wanted = lead.vehicle
    trade = next((v for v in lead.vehicles if v.interest in TRADE_INTERESTS), None)
    if wanted is trade:
        wanted = None
    vehicle, traded = wanted or AdfVehicle(interest="", status=""), trade or AdfVehicle()
    provider_id = next((f"{s}:{v}" if s else v for s, v in lead.ids), "")
    record = {name: "" for name in LEAD_FIELDS}
    record.update(
        lead_key=resend_key(lead),
        request_date=lead.request_date,
        status=lead.status,
        provider_id=provider_id,
        provider_name=lead.provider_name,
        provider_service=lead.provider_service,
        vendor_name=lead.vendor_name,
        first_name=lead.first_name,
        middle_name=lead.middle_name,
        last_name=lead.last_name,
        company_name=lead.company_name,
        email=lead.email,
        phone=lead.phone,
        mobile=lead.mobile,
        work_phone=lead.work_phone,
        street=lead.street,
        apartment=lead.apartment,
        city=lead.city,
        state=lead.region,
        postal_code=lead.postal_code,
        country=lead.country,
        comments=lead.comments,
        vehicle_interest=vehicle.interest,
        vehicle_status=vehicle.status,
        vehicle_comments=vehicle.comments,
        vehicle_description=_join(vehicle.year, vehicle.make, vehicle.model, vehicle.trim),
        vehicle_count=str(len(lead.vehicles)),
        **{f"vehicle_{p}": getattr(vehicle, p) for p in VEHICLE_PARTS},
    )
    if trade is not None:
        record.update({f"trade_in_{p}": getattr(traded, p) for p in TRADE_PARTS})
        miles = f"{traded.odometer} miles" if traded.odometer else ""
        vin = f"VIN {traded.vin}" if traded.vin else ""
        described = _join(_join(traded.year, traded.make, traded.model), vin, miles, sep=", ")
        record["trade_in_description"] = f"Trade-in: {described}" if described else ""
    record.update({k: v for k, v in message.items() if k in record})
    return record
