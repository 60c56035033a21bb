"""What the Elead CRM streams declare: fields (the codec's columns), keys, cursors."""

from __future__ import annotations

from app.connectors.rest_helpers import fields
from app.connectors.streams import FieldKind, StreamSpec
from app.formats.elead import customers, opportunities

BOOL = FieldKind.BOOLEAN
INT = FieldKind.INTEGER
NUM = FieldKind.NUMBER
DT = FieldKind.DATETIME
SYNC_CURSOR = "sync_cursor"
# opportunity column -> the customer's column, filled when 'Read customers with
# opportunities' is on (a flow to the DMS finds or creates the customer by them)
CUSTOMER_DETAILS = {
    f"customer_{c}": c
    for c in (
        "first_name", "last_name", "company_name", "email", "home_phone", "mobile_phone",
        "work_phone", "address_line1", "city", "state", "zip",
    )
}  # fmt: skip

CUSTOMERS = StreamSpec(
    name="customers",
    entity="customer",
    fields=fields(
        customers.FIELDS,
        required=("customer_id",),
        kinds={
            "email_opt_out": BOOL,
            "phone_opt_out": BOOL,
            "sms_opt_out": BOOL,
            "mail_opt_out": BOOL,
        },
        notes={
            "customer_id": "Elead's customer id (a UUID).",
            "customer_type": "INDIVIDUAL or BUSINESS (Elead's isBusiness).",
            "name_prefix": "Elead's title: Mr, Mrs, Ms, Dr… (a fixed list).",
            "email": "The preferred e-mail (else the first); email_2 is the next one.",
            "email_opt_out": "true when any of the customer's e-mails is 'do not email'; "
            "writing it sets every e-mail.",
            "phone_opt_out": "true when any phone is 'do not call'; writing sets every phone.",
            "sms_opt_out": "true when any phone is 'do not text'; writing sets every phone.",
            "other_phone": "A phone whose type Elead does not know (Unknown).",
            "owned_vehicles": "Read only: JSON list of the customer's vehicles (vin, year, "
            "make, model, trim, colours, mileage) from Elead's owned-vehicles call, one "
            "extra request per customer: filled on fetch by id, and on reads when 'Read "
            "owned vehicles with customers' is on.",
        },
    ),
    primary_key="customer_id",
    cursor_field=None,
    writable=True,
    max_batch=50,
    held_with={
        "email_opt_out": ("email", "email_2"),
        "phone_opt_out": customers.PHONES,
        "sms_opt_out": customers.PHONES,
    },
    description="Elead customers. Read page by page with Elead's customer search (no "
    "criteria: every customer); Elead has no 'changed since' for customers, so the "
    "stream has no cursor: every read is a whole read (the sync skips unchanged ones) "
    "and it cannot be previewed from a time. Fetch by id, search by name, e-mail or "
    "phone. Writing creates (never resent blindly: after an unclear answer the "
    "customer is searched for by last name with the e-mail, then each phone) or, with "
    "the Elead id, updates the columns given, keeping the rest as Elead has it.",
)
OPPORTUNITIES = StreamSpec(
    name="opportunities",
    entity="lead",
    fields=fields(
        (*opportunities.FIELDS, *CUSTOMER_DETAILS, SYNC_CURSOR),
        required=("opportunity_id",),
        kinds={"date_in": DT, "vehicle_of_interest_new": BOOL, SYNC_CURSOR: DT},
        notes={
            **{
                c: "Read only: the customer's, when 'Read customers with opportunities' "
                "is on (one more request per customer a read meets)."
                for c in CUSTOMER_DETAILS
            },
            "opportunity_id": "Elead's opportunity id (a UUID).",
            "customer_id": "Elead's customer id (a UUID); required to create.",
            "up_type": "Unknown, Campaign, Internet, Phone or Showroom (empty: Unknown).",
            "salesperson": "The primary salesperson's name (read).",
            "salesperson_id": "The primary salesperson's Elead id: writing it reassigns "
            "the primary salesperson (on create and on update).",
            "sales_team": "Read only: JSON list of salesperson_id, first_name, last_name, "
            "is_primary, is_position_primary, position_name, position_code.",
            "vehicle_of_interest": "The primary vehicle sought in words ('2021 Toyota "
            "Tacoma'); on create, with vehicle_of_interest_vin and vehicle_of_interest_new, "
            "the vehicle sought when vehicles_sought is empty.",
            "vehicles_sought": "JSON list of is_new, is_primary, year_from, year_to, make, "
            "model, trim, vin, price_from, price_to, max_mileage, stock_number "
            "(+ vehicle_sought_id on reads); sent on create only.",
            "trade_ins": "JSON list of year, make, model, trim, vin, estimated_mileage, "
            "interior_color, exterior_color (+ trade_in_id on reads); sent on create only.",
            "comments": "Write only, on create (1,500 characters at most): Elead does not "
            "return comments. Add comments later through opportunity_comments.",
            SYNC_CURSOR: "Not Elead's: Elead opportunities carry no last-modified time. "
            "The time up to which the read had seen every change when it gave this record "
            "(the stream's cursor).",
        },
    ),
    primary_key="opportunity_id",
    cursor_field=SYNC_CURSOR,
    writable=True,
    max_batch=50,
    description="Elead sales opportunities. Read by what changed: searchDelta(dateFrom) "
    "when the cursor is within Elead's 7 days, else the date-range search in windows of "
    "7 days up to then, followed by searchDelta (a full read starts at 'Read "
    "opportunities from'). Elead cannot read one opportunity by id. Writing creates "
    "(with the Elead customer id; never resent blindly: after an unclear answer the "
    "customer's opportunity is looked for among those changed since) and then reassigns "
    "the primary salesperson when salesperson_id is given. Elead has no call that "
    "changes an opportunity's status, source or other fields after it is created: an "
    "update only reassigns the salesperson; comments, trade-ins and vehicles sought are "
    "added through their own streams.",
)
TRADE_INS = StreamSpec(
    name="opportunity_trade_ins",
    entity="opportunity_trade_in",
    fields=fields(
        ("trade_in_id", "opportunity_id", *opportunities.TRADE_IN_FIELDS[1:]),
        required=("opportunity_id",),
        kinds={"year": INT, "estimated_mileage": INT},
        notes={"trade_in_id": "Elead's id of the trade-in (it changes when one is replaced)."},
    ),
    primary_key="trade_in_id",
    readable=False,
    writable=True,
    max_batch=50,
    description="Trade-ins added to Elead opportunities (write only: trade-ins are read "
    "with their opportunity). A new record adds one (never twice: after an unclear answer "
    "the opportunity's trade-ins are looked at first); a changed one is removed and "
    "added again, since Elead cannot change a trade-in.",
)
VEHICLES_SOUGHT = StreamSpec(
    name="opportunity_vehicles_sought",
    entity="opportunity_vehicle_sought",
    fields=fields(
        ("vehicle_sought_id", "opportunity_id", *opportunities.SOUGHT_FIELDS[1:]),
        required=("opportunity_id", "is_new"),
        kinds={
            "is_new": BOOL,
            "is_primary": BOOL,
            "year_from": INT,
            "year_to": INT,
            "price_from": NUM,
            "price_to": NUM,
            "max_mileage": INT,
        },
        notes={"vehicle_sought_id": "Elead's id of the vehicle sought."},
    ),
    primary_key="vehicle_sought_id",
    readable=False,
    writable=True,
    max_batch=50,
    description="Vehicles sought added to Elead opportunities (write only), like trade-ins: "
    "added once, replaced (removed and added) when they change.",
)
COMMENTS = StreamSpec(
    name="opportunity_comments",
    entity="opportunity_comment",
    fields=fields(
        ("comment_id", "opportunity_id", "comment"),
        required=("opportunity_id", "comment"),
        notes={
            "comment_id": "Always empty: Elead gives comments no id.",
            "comment": "At most 1,500 characters.",
        },
    ),
    primary_key="comment_id",
    readable=False,
    writable=True,
    max_batch=50,
    description="Comments added to Elead opportunities (write only). Elead keeps comments "
    "as a log and gives them no id: a changed comment is added as a new one. Elead "
    "cannot show its comments, so a comment whose answer was lost is not sent again "
    "blindly: it is parked, to check in Elead and replay.",
)
