"""The six STAR domains as our streams see them: envelopes, ids, cursor, flat fields.

Each ``Field`` names one flat column and the STAR JSON path(s) it lives at (see
``paths`` for the selector syntax). The first path is the one written; the others are
read, in order, when the first is empty (other servers put the same value elsewhere).
``targets`` says which bodies carry the field: ``record`` (the resource as a server
returns it), ``create`` (the POST body) and ``update`` (the PUT/PATCH body), following
each spec's ``<X>Create`` / ``<X>Update`` schema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

RECORD, CREATE, UPDATE = "record", "create", "update"
ALL = frozenset({RECORD, CREATE, UPDATE})
RECORD_CREATE = frozenset({RECORD, CREATE})
READ_ONLY = frozenset({RECORD})

# Required request headers, as each spec's operations list them (``required: true``).
_BASE_HEADERS = (
    "Transaction-ID",
    "Standards-Version",
    "Country-Code",
    "Locale",
    "Correlation-ID",
    "Org-Version",
)


@dataclass(frozen=True)
class Field:
    name: str
    paths: tuple[str, ...]
    kind: str = "text"  # text|bool|yn|org|datetime|day|date|int|urls|items
    targets: frozenset[str] = ALL
    consts: tuple[tuple[str, Any], ...] = ()  # written beside the value
    target_paths: tuple[tuple[str, str], ...] = ()  # (target, path) overrides for writing
    note: str = ""

    def write_path(self, target: str) -> str:
        return dict(self.target_paths).get(target, self.paths[0])


@dataclass(frozen=True)
class Envelope:
    """Where a collection answer keeps its records and its paging facts."""

    records: str = "data"
    has_more: str = "has_more"
    total: str = "total_count"
    next_cursor: str = ""  # cursor paging only


@dataclass(frozen=True)
class Domain:
    name: str  # our stream name
    spec_file: str
    schema: str  # the record schema
    create_schema: str
    update_schema: str
    collection: str  # path under the server's base path
    key_field: str  # the flat field whose value goes in the URL (``/{key}``)
    id_field: str  # the system-assigned id
    cursor_field: str  # flat last-modified timestamp
    fields: tuple[Field, ...]
    required_create: tuple[str, ...]
    read_headers: tuple[str, ...]
    write_headers: tuple[str, ...]
    list_envelope: Envelope = Envelope()
    single_wrapper: str = ""  # the single-record answer wraps the record in this key
    paging: str = "offset"  # offset (limit/offset) | cursor (limit/cursor)
    limit_max: int = 100
    date_filter: str = "filter"  # filter (sdate/edate) | from_to
    patch_media_type: str = "application/merge-patch+json"
    finish: Callable[[dict[str, Any], Mapping[str, str], str], None] | None = None
    notes: tuple[str, ...] = ()

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def writable(self, target: str) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if target in f.targets)


# --- customers (customer.yaml, Customer / CustomerCreate / CustomerUpdate) ---------------
_P = "party_references[party_type=CUSTOMER;*]"
_ADDR = f"{_P}.address_references[address_types[]=HOME|RESIDENCE|MAILING|POSTAL|BUSINESS|WORK;*]"
_CC = f"{_P}.communication_channels"
_CONSENT = "authorization_levels[auth_codes[].code={code}].authorized_indicator"


def _finish_customer(body: dict[str, Any], row: Mapping[str, str], _target: str) -> None:
    """A business's address is its BUSINESS address, not HOME."""
    if str(row.get("customer_type", "")).strip().upper() != "BUSINESS":
        return
    for party in body.get("party_references", []):
        for address in party.get("address_references", []):
            if address.get("address_types") == ["HOME"]:
                address["address_types"] = ["BUSINESS"]


CUSTOMERS = Domain(
    name="customers",
    spec_file="customer.yaml",
    schema="Customer",
    create_schema="CustomerCreate",
    update_schema="CustomerUpdate",
    collection="/customers",
    key_field="customer_key",
    id_field="customer_id",
    cursor_field="updated_at",
    required_create=("customer_key",),
    read_headers=(*_BASE_HEADERS, "Preference-Applied", "Source-System"),
    write_headers=(*_BASE_HEADERS, "Source-System"),
    finish=_finish_customer,
    fields=(
        Field("customer_id", ("customer_id",), targets=RECORD_CREATE),
        Field("customer_key", ("customer_key",), targets=RECORD_CREATE),
        Field(
            "customer_type",
            (f"{_P}.org_indicator",),
            kind="org",
            note="INDIVIDUAL | BUSINESS (org_indicator false | true)",
        ),
        Field("first_name", (f"{_P}.individual_name.given_name",)),
        Field("middle_name", (f"{_P}.individual_name.middle_name",)),
        Field("last_name", (f"{_P}.individual_name.family_name",)),
        Field("company_name", (f"{_P}.party_name",)),
        Field("address_line1", (f"{_ADDR}.address_line1",)),
        Field("address_line2", (f"{_ADDR}.address_line2",)),
        Field("city", (f"{_ADDR}.city",)),
        Field("state", (f"{_ADDR}.state_province",)),
        Field("zip", (f"{_ADDR}.postal_code",)),
        Field("country", (f"{_ADDR}.country_code",)),
        Field(
            "home_phone",
            (
                f"{_CC}[communication_channel_type=PHONE|VOICE;label=Home|residence|personal].value",
                f"{_CC}[communication_channel_type=PHONE|VOICE;label!].value",
            ),
        ),
        Field(
            "work_phone",
            (f"{_CC}[communication_channel_type=PHONE|VOICE;label=Work|business|office].value",),
        ),
        Field(
            "mobile_phone",
            (
                f"{_CC}[communication_channel_type=CELL].value",
                f"{_CC}[communication_channel_type=SMS].value",
                f"{_CC}[communication_channel_type=PHONE|VOICE;label=Mobile|cell|cellular].value",
            ),
        ),
        Field(
            "email",
            (
                f"{_CC}[communication_channel_type=EMAIL;preferred_indicator=true].value",
                f"{_CC}[communication_channel_type=EMAIL].value",
            ),
            target_paths=tuple(
                (t, f"{_CC}[communication_channel_type=EMAIL].value") for t in sorted(ALL)
            ),
            note="the preferred EMAIL channel, else the first",
        ),
        Field(
            "birth_date",
            ("identifiers[identifier_type=DATE_OF_BIRTH].value",),
            note="our convention: the spec has no birth date field",
        ),
        Field("opt_in_email", (_CONSENT.format(code="EMAIL"),), kind="yn"),
        Field("opt_in_sms", (_CONSENT.format(code="SMS"),), kind="yn"),
        Field("opt_in_phone", (_CONSENT.format(code="PHONE"),), kind="yn"),
        Field("preferred_language", ("preferred_language_code",)),
        Field(
            "updated_at",
            (f"{_P}.occurrence_date_time",),
            kind="datetime",
            note="the spec has no last-modified field; the customer party's occurrence time",
        ),
    ),
)  # fmt: skip

# --- inventory vehicles (inventory_vehicle.yaml, InventoryVehicle) ------------------------
_PRICE = "vehicle_price_summaries[price.price_types[]={t}].price.amount.amount.amount"
_SNAPSHOT = "vehicle_snapshots[snapshot_type=RECORD_UPDATE;*].occurrence_date_time"

INVENTORY_VEHICLES = Domain(
    name="inventory_vehicles",
    spec_file="inventory_vehicle.yaml",
    schema="InventoryVehicle",
    create_schema="InventoryVehicleCreate",
    update_schema="InventoryVehicleUpdate",
    collection="/inventory-vehicles",
    key_field="inventory_vehicle_key",
    id_field="inventory_vehicle_id",
    cursor_field="updated_at",
    required_create=("inventory_vehicle_key",),
    read_headers=(*_BASE_HEADERS, "Preference-Applied"),
    write_headers=_BASE_HEADERS,
    fields=(
        Field("inventory_vehicle_key", ("inventory_vehicle_key",), targets=RECORD_CREATE),
        Field("inventory_vehicle_id", ("inventory_vehicle_id",), targets=RECORD_CREATE),
        Field("vin", ("vehicle_identifier.vin", "vehicle_reference.vin")),
        Field("stock_number",
              ("vehicle_identifier.stock_number", "vehicle_reference.stock_number")),
        Field("condition", ("condition",), note="ConditionTypes: NEW, USED, CERTIFIED_PREOWNED..."),
        Field("year", ("vehicle_identifier.model_year", "vehicle_reference.model_year")),
        Field("make", ("vehicle_identifier.primary_make", "vehicle_reference.make")),
        Field("model", ("vehicle_identifier.primary_model", "vehicle_reference.model")),
        Field("trim", ("vehicle_specification.trim", "vehicle_reference.trim")),
        Field("body_style", ("vehicle_specification.body_style", "vehicle_reference.body_style")),
        Field(
            "exterior_color",
            ("vehicle_specification.exterior_color.dealer_color",
             "vehicle_specification.exterior_color.desc_color"),
        ),
        Field(
            "interior_color",
            ("vehicle_specification.interior_color.dealer_color",
             "vehicle_specification.interior_color.desc_color"),
        ),
        Field("mileage", ("odometer.value",), consts=(("odometer.uom", "MILES"),)),
        Field("msrp", (_PRICE.format(t="MSRP"),)),
        Field("price", (_PRICE.format(t="RETAIL"),)),
        Field("special_price", (_PRICE.format(t="INTERNET"),)),
        Field("photo_urls", ("vehicle_medias",), kind="urls", note="space-separated media_href"),
        Field("status", ("inventory_status_types[]",), note="the first InventoryStatusTypes value"),
        Field("date_in_stock", ("stock_date_time",), kind="day"),
        Field("days_in_stock", ("inventory_days",)),
        Field("description", ("vehicle_notes",)),
        Field("dealer_code", ("dealer_code",)),
        Field(
            "updated_at",
            (_SNAPSHOT,),
            kind="datetime",
            note="the spec has no last-modified field; a RECORD_UPDATE vehicle snapshot",
        ),
    ),
)  # fmt: skip

# --- service vehicles (service_vehicle.yaml, ServiceVehicle) ------------------------------
_OWNER = "vehicle_ledger_reference.parties[party_type=CUSTOMER;party_relationship_types[]:=OWNER;*]"

SERVICE_VEHICLES = Domain(
    name="service_vehicles",
    spec_file="service_vehicle.yaml",
    schema="ServiceVehicle",
    create_schema="ServiceVehicleCreate",
    update_schema="ServiceVehicleUpdate",
    collection="/service-vehicles",
    key_field="service_vehicle_key",
    id_field="service_vehicle_id",
    cursor_field="updated_at",
    required_create=("service_vehicle_key",),
    read_headers=(*_BASE_HEADERS, "Preference-Applied", "Source-System"),
    write_headers=(*_BASE_HEADERS, "Source-System"),
    fields=(
        Field("service_vehicle_key", ("service_vehicle_key",), targets=RECORD_CREATE),
        Field("service_vehicle_id", ("service_vehicle_id",), targets=RECORD_CREATE),
        Field("customer_id", (f"{_OWNER}.party_key",), note="the owner (a CUSTOMER party)"),
        Field("vin", ("vehicle_identifier.vin",)),
        Field("year", ("vehicle_identifier.model_year",)),
        Field("make", ("vehicle_identifier.primary_make",)),
        Field("model", ("vehicle_identifier.primary_model",)),
        Field("color", ("vehicle_identifier.vehicle_summary.colors[].dealer_color",
                        "vehicle_identifier.vehicle_summary.colors[].desc_color")),
        Field("body_style", ("vehicle_identifier.vehicle_summary.body_style",)),
        Field("license_plate", ("vehicle_identifier.license.plate_number",)),
        Field("mileage", ("odometer.value",), consts=(("odometer.uom", "MILES"),)),
        Field("mileage_date", ("odometer_capture_date",), kind="date"),
        Field("purchase_date", ("vehicle_ledger_reference.ownership_period.start_date_time",),
              kind="day"),
        Field("condition", ("condition_type",)),
        Field("dealer_code", ("dealer_code",)),
        Field(
            "updated_at",
            (_SNAPSHOT,),
            kind="datetime",
            note="the spec has no last-modified field; a RECORD_UPDATE vehicle snapshot",
        ),
    ),
    notes=(
        "no trim: the spec carries it only in VehicleReference, which service_vehicle.yaml "
        "defines as a $ref to itself",
    ),
)  # fmt: skip


# --- appointments (appointment.yaml 1.1.0, AppointmentView / Create / Update) -------------
def _finish_appointment(body: dict[str, Any], row: Mapping[str, str], target: str) -> None:
    """The customer snapshot needs ``name`` (first and last) and ``contact_method``."""
    customer = body.get("customer")
    if customer is None and target == CREATE:
        customer = body["customer"] = {}
    if isinstance(customer, dict):
        name = customer.setdefault("name", {})
        name.setdefault("first_name", "")
        name.setdefault("last_name", "")
        customer.setdefault("contact_method", [])
    audit = body.get("audit")
    if isinstance(audit, dict) and "created_at" not in audit and "updated_at" in audit:
        audit["created_at"] = audit["updated_at"]


_CUST = "customer"
APPOINTMENTS = Domain(
    name="appointments",
    spec_file="appointment.yaml",
    schema="AppointmentView",
    create_schema="AppointmentCreate",
    update_schema="AppointmentUpdate",
    collection="/appointments",
    key_field="appointment_key",
    id_field="appointment_id",
    cursor_field="updated_at",
    required_create=("dealer_id", "appointment_type", "scheduled_at", "last_name"),
    read_headers=(),
    write_headers=(),
    list_envelope=Envelope(next_cursor="next_cursor"),
    single_wrapper="data",
    paging="cursor",
    limit_max=200,
    date_filter="from_to",
    patch_media_type="application/json",
    finish=_finish_appointment,
    fields=(
        Field("appointment_key", ("appointment_key",), targets=READ_ONLY),
        Field("appointment_id", ("appointment_id",), targets=READ_ONLY),
        Field("dealer_id", ("dealer_id",), targets=RECORD_CREATE),
        Field("appointment_type", ("appointment_type",), targets=RECORD_CREATE,
              note="SERVICE | TESTDRIVE | DELIVERY | TRADE"),
        Field("status", ("appointment_status",), targets=READ_ONLY,
              note="HELD | BOOKED | MODIFIED | CANCELLED | COMPLETED | NO_SHOW; "
              "changed through /commands, not PATCH"),
        Field("scheduled_at", ("scheduled_start",), kind="datetime"),
        Field("scheduled_end", ("scheduled_end",), kind="datetime", targets=READ_ONLY),
        Field("duration_minutes", ("requested_duration_minutes",), kind="int",
              targets=frozenset({CREATE, UPDATE})),
        Field("service_requested", ("additional_comments",)),
        Field("customer_id", (f"{_CUST}.identifier[system=DMS;*].value",)),
        Field("first_name", (f"{_CUST}.name.first_name",)),
        Field("last_name", (f"{_CUST}.name.last_name",)),
        Field("email", (f"{_CUST}.contact_method[contact_type=EMAIL;contact_use:=HOME].value",)),
        Field("home_phone",
              (f"{_CUST}.contact_method[contact_type=PHONE;contact_use=HOME].value",)),
        Field("mobile_phone",
              (f"{_CUST}.contact_method[contact_type=PHONE|SMS;contact_use=MOBILE].value",)),
        Field("vin", ("vehicle.vin",), targets=RECORD_CREATE),
        Field("year", ("vehicle.model_year",), targets=RECORD_CREATE),
        Field("make", ("vehicle.make",), targets=RECORD_CREATE),
        Field("model", ("vehicle.model",), targets=RECORD_CREATE),
        Field("advisor", ("advisor.name", "advisor_id"),
              target_paths=((CREATE, "advisor_id"), (UPDATE, "advisor_id")),
              note="advisor.name in the read model; advisor_id in create/update bodies"),
        Field("source", ("audit.source_channel",), targets=READ_ONLY),
        Field("created_at", ("audit.created_at",), kind="datetime", targets=READ_ONLY),
        Field("updated_at", ("audit.updated_at",), kind="datetime", targets=READ_ONLY),
    ),
    notes=(
        "appointment.yaml differs from the other five: no servers, no security, no STAR "
        "headers; GET /appointments pages with limit (max 200) and an opaque cursor and "
        "filters with from/to date-times, not filter=sdate/edate with limit/offset",
        "single answers wrap the record in {\"data\": ...}; no error schema (ErrorDetail "
        "of the other specs is used)",
    ),
)  # fmt: skip

# --- vehicle invoices = deals (vehicle_invoice.yaml, VehicleInvoice) ----------------------
# The vehicle sold is the reference without tags; a trade-in is tagged TRADE_IN. The lender
# is the FINANCE party with no relationship; the trade's lienholder is a LIEN_HOLDER one.
_VREF = "vehicle_references[tags[].code!]"
_TRADE = "vehicle_references[tags[].code=TRADE_IN]"
_PRICES = "price_summary.prices"
_AMOUNT = "amount.amount.amount"  # Price -> Money -> GeneralAmount -> the decimal string
_DOWN = "financial_events[deposit_type=DOWN_PAYMENT]"
_PAYMENT = f"{_PRICES}[price_description=MONTHLY_PAYMENT]"


def _price(description: str, price_type: str) -> tuple[str, tuple[tuple[str, Any], ...]]:
    """A deal figure kept as a described Price: its amount path and its price type."""
    at = f"{_PRICES}[price_description={description}]"
    return f"{at}.{_AMOUNT}", ((f"{at}.price_types", [price_type]),)


_APR, _APR_TYPE = _price("APR", "PERCENT")
_MF, _MF_TYPE = _price("MONEY_FACTOR", "CUSTOM")
_FINANCED, _FINANCED_TYPE = _price("AMOUNT_FINANCED", "MONEY")
_MONTHLY_TYPE = ((f"{_PAYMENT}.price_types", ["STANDARD"]),)

VEHICLE_INVOICES = Domain(
    name="vehicle_invoices",
    spec_file="vehicle_invoice.yaml",
    schema="VehicleInvoice",
    create_schema="VehicleInvoiceCreate",
    update_schema="VehicleInvoiceUpdate",
    collection="/vehicle-invoices",
    key_field="vehicle_invoice_key",
    id_field="vehicle_invoice_id",
    cursor_field="updated_at",
    required_create=("vehicle_invoice_key",),
    read_headers=(*_BASE_HEADERS, "Preference-Applied", "Source-System"),
    write_headers=(*_BASE_HEADERS, "Source-System"),
    fields=(
        Field("vehicle_invoice_key", ("vehicle_invoice_key",), targets=RECORD_CREATE),
        Field("vehicle_invoice_id", ("vehicle_invoice_id",), targets=RECORD_CREATE),
        Field("deal_number", ("invoice_number",)),
        Field("invoice_type", ("invoice_type",), note="InvoiceTypes: VEHICLE_SALE, LEASE..."),
        Field("status", ("invoice_status_type",), note="InvoiceStatusTypes"),
        Field("payment_status", ("payment_status_type",), note="PaymentStatusTypes"),
        Field("customer_id", ("customer_reference.party_key",),
              consts=(("customer_reference.party_type", "CUSTOMER"),)),
        Field("vin", (f"{_VREF}.vin",)),
        Field("stock_number", (f"{_VREF}.stock_number",)),
        Field("year", (f"{_VREF}.model_year",)),
        Field("make", (f"{_VREF}.make",)),
        Field("model", (f"{_VREF}.model",)),
        Field("salesperson",
              ("party_references[party_type=EMPLOYEE;primary_role_name:=SALESPERSON].party_name",)),
        Field("lender", ("party_references[party_type=FINANCE;party_relationship_types[]!]"
                         ".party_name",)),
        Field("deal_date", ("invoice_date_time",), kind="day"),
        Field("delivery_date", ("fulfillment_profile.fulfillment_period.complete_date_time",),
              kind="day"),
        Field("sale_price", (f"{_PRICES}[price_types[]=RETAIL].{_AMOUNT}",)),
        Field("currency_code", ("currency_code",)),
        # the deal's structure, as a digital-retailing tool builds it
        Field("version", ("vehicle_invoice_version",),
              note="the deal's revision: a higher one is newer"),
        Field("payment_method",
              ("financial_events[financial_event_type=INVOICE_CREATED].payment_method_type",),
              note="PaymentMethodTypes: CASH, FINANCE or LEASE (the deal type)"),
        Field("down_payment", (f"{_DOWN}.amount.amount",),
              consts=((f"{_DOWN}.financial_event_type", "DEPOSIT_RECEIVED"),)),
        Field("amount_financed", (_FINANCED,), consts=_FINANCED_TYPE),
        Field("term_months", (f"{_PAYMENT}.duration.recur_count",),
              consts=((f"{_PAYMENT}.duration.recur_uom_type", "MONTHS"), *_MONTHLY_TYPE),
              note="payments: a monthly price that recurs this many times"),
        Field("monthly_payment", (f"{_PAYMENT}.{_AMOUNT}",), consts=_MONTHLY_TYPE),
        Field("apr", (_APR,), consts=_APR_TYPE, note="finance rate, percent"),
        Field("money_factor", (_MF,), consts=_MF_TYPE, note="lease rate"),
        Field("residual", (f"{_PRICES}[price_types[]=RESIDUAL_VALUE].{_AMOUNT}",),
              note="lease residual value"),
        Field("products", ("vehicle_invoice_items",), kind="items",
              note="F&I products: 'name=price; name=price'"),
        # the trade-in, appraised: a tagged vehicle reference and its TRADE prices
        Field("trade_vin", (f"{_TRADE}.vin",)),
        Field("trade_year", (f"{_TRADE}.model_year",)),
        Field("trade_make", (f"{_TRADE}.make",)),
        Field("trade_model", (f"{_TRADE}.model",)),
        Field("trade_mileage", (f"{_TRADE}.identifiers[identifier_type=ODOMETER].value",)),
        Field("trade_condition", (f"{_TRADE}.identifiers[identifier_type=CONDITION].value",),
              note="the appraiser's grade: EXCELLENT, GOOD, FAIR, POOR"),
        Field("trade_value", (f"{_PRICES}[price_types[]=TRADE;price_description=APPRAISAL]"
                              f".{_AMOUNT}",), note="the appraisal"),
        Field("trade_payoff", (f"{_PRICES}[price_types[]=TRADE;price_description=PAYOFF]"
                               f".{_AMOUNT}",), note="what is still owed on the trade"),
        Field("trade_lienholder",
              ("party_references[party_type=FINANCE;party_relationship_types[]=LIEN_HOLDER]"
               ".party_name",)),
        Field("updated_at", ("process_date_time",), kind="datetime",
              note="the spec has no last-modified field; process_date_time"),
    ),
    notes=(
        "VehicleInvoice describes an OEM-to-dealer invoice; we carry the dealership's retail "
        "deal in it (invoice_number = deal number, customer_reference = the buyer)",
        "a deal's structure has no fields of its own: the rate, payment, financed amount "
        "and money factor are Prices told apart by price_description, the term is the "
        "monthly payment's recur_count, the down payment a DOWN_PAYMENT financial event, "
        "F&I products vehicle_invoice_items, and the trade-in a vehicle reference tagged "
        "TRADE_IN with TRADE prices (APPRAISAL, PAYOFF) and a LIEN_HOLDER party",
    ),
)  # fmt: skip

# --- credit authorizations (credit_authorization.yaml, CreditAuthorization) --------------
CREDIT_AUTHORIZATIONS = Domain(
    name="credit_authorizations",
    spec_file="credit_authorization.yaml",
    schema="CreditAuthorization",
    create_schema="CreditAuthorizationCreate",
    update_schema="CreditAuthorizationUpdate",
    collection="/credit-authorizations",
    key_field="credit_authorization_key",
    id_field="credit_authorization_id",
    cursor_field="updated_at",
    required_create=("credit_authorization_key",),
    read_headers=(*_BASE_HEADERS, "Preference-Applied", "Source-System"),
    write_headers=(*_BASE_HEADERS, "Source-System"),
    fields=(
        Field("credit_authorization_key", ("credit_authorization_key",), targets=RECORD_CREATE),
        Field("credit_authorization_id", ("credit_authorization_id",), targets=RECORD_CREATE),
        Field("status", ("credit_authorization_status_type",),
              note="CreditAuthorizationStatusTypes: AUTHORIZED, DECLINED..."),
        Field("auth_type", ("credit_authorization_type",), note="STANDARD_AUTH | PRE_AUTH..."),
        Field("customer_id", ("party_references[party_type=CUSTOMER].party_key",)),
        Field("customer_name", ("party_references[party_type=CUSTOMER].party_name",)),
        Field("lender", ("party_references[party_type=FINANCE].party_name",)),
        Field("deal_number", ("source_key",), targets=RECORD_CREATE,
              note="the deal the authorization belongs to (not in the update schema)"),
        Field("purchase_order_number", ("purchase_order_num",)),
        Field("amount", ("auth_amount.amount.amount",)),
        Field("currency_code", ("auth_amount.currency_code",)),
        Field("auth_number", ("auth_number",)),
        Field("auth_code", ("auth_code",)),
        Field("pre_auth_number", ("pre_auth_num",)),
        Field("transaction_number", ("transaction_number",)),
        Field("authorized_at", ("auth_date_time",), kind="datetime"),
        Field("program_code", ("program.program_code",)),
        Field("program_name", ("program.program_name",)),
        Field("address_verification", ("address_verification",)),
        Field("updated_at", ("event_message.event_date_time",), kind="datetime",
              note="the spec has no last-modified field; the last event message's time"),
    ),
)  # fmt: skip

DOMAINS: dict[str, Domain] = {
    d.name: d
    for d in (
        CUSTOMERS,
        INVENTORY_VEHICLES,
        SERVICE_VEHICLES,
        APPOINTMENTS,
        VEHICLE_INVOICES,
        CREDIT_AUTHORIZATIONS,
    )
}
# The servers URL path part of customer, inventory_vehicle, service_vehicle, vehicle_invoice
# and credit_authorization.yaml (https://api.starstandard.org/v1/v1_0_0); appointment.yaml
# names no server and is served under the same base.
BASE_PATH = "/v1/v1_0_0"
