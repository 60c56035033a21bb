"""The STAR deal domains: vehicle invoices (vehicle_invoice.yaml, VehicleInvoice: the deal,
its structure and trade-in) and credit authorizations (credit_authorization.yaml) as flat
fields.
"""

from __future__ import annotations

from typing import Any

from app.formats.star.domain_model import BASE_HEADERS, RECORD_CREATE, Domain, Field

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
    read_headers=(*BASE_HEADERS, "Preference-Applied", "Source-System"),
    write_headers=(*BASE_HEADERS, "Source-System"),
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
    read_headers=(*BASE_HEADERS, "Preference-Applied", "Source-System"),
    write_headers=(*BASE_HEADERS, "Source-System"),
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
