"""The STAR customers domain (customer.yaml: Customer / CustomerCreate / CustomerUpdate):
the customer party's name, address, phones, e-mail and consent as flat fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.formats.star.domain_model import ALL, BASE_HEADERS, RECORD_CREATE, Domain, Field

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
    read_headers=(*BASE_HEADERS, "Preference-Applied", "Source-System"),
    write_headers=(*BASE_HEADERS, "Source-System"),
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
