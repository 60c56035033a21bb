"""Customers of the CDK Drive Customer API (``drive-customers.swagger.json``).

``Customer`` = ``name`` (``Name``: first, middle, last, prefix, suffix, companyName),
``contactMethods`` (primary/home/mobile phone, pager, faxes, up to six e-mails each with a
HOME/WORK/OTHER description, the preferred method, and ``block{Phone,Email,Mail}Flag``),
``postalAddress`` (street, city, county, state, postalCode, country) and
``preferredContact``. Creates and updates send ``CreateCustomer``: the same minus
``customerId``, ``links``, ``preferredContact`` and ``name.companyName``.

Our row names follow the DMS layout where the meaning is the same (``first_name``,
``address_line1`` for the street, ``zip``, ``home_phone``, ``mobile_phone``, ``email``,
``opt_in_email``…); CDK's block flags become our ``opt_in_*`` Y/N, inverted. CDK has no
work phone and no "changed at" time: the row has neither.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.formats.cdk.common import Field, Json, Row, flatten, names, unflatten

_EMAILS = tuple(
    f
    for n in range(2, 7)
    for f in (
        Field(f"email_{n}", f"contactMethods.email{n}"),
        Field(f"email_{n}_type", f"contactMethods.emailDesc{n}"),
    )
)
ALL = (
    Field("customer_id", "customerId"),
    Field("first_name", "name.first"),
    Field("middle_name", "name.middle"),
    Field("last_name", "name.last"),
    Field("name_prefix", "name.prefix"),
    Field("name_suffix", "name.suffix"),
    Field("company_name", "name.companyName"),
    Field("address_line1", "postalAddress.street"),
    Field("city", "postalAddress.city"),
    Field("county", "postalAddress.county"),
    Field("state", "postalAddress.state"),
    Field("zip", "postalAddress.postalCode"),
    Field("country", "postalAddress.country"),
    Field("primary_phone", "contactMethods.primaryPhone"),
    Field("home_phone", "contactMethods.homePhone"),
    Field("mobile_phone", "contactMethods.mobilePhone"),
    Field("pager", "contactMethods.pager"),
    Field("pager_access_code", "contactMethods.pagerAccessCode"),
    Field("home_fax", "contactMethods.homeFax"),
    Field("work_fax", "contactMethods.workFax"),
    Field("email", "contactMethods.email1"),
    Field("email_type", "contactMethods.emailDesc1"),
    *_EMAILS,
    Field("preferred_method", "contactMethods.preferredMethod"),
    Field("opt_in_phone", "contactMethods.blockPhoneFlag", "optin"),
    Field("opt_in_email", "contactMethods.blockEmailFlag", "optin"),
    Field("opt_in_mail", "contactMethods.blockMailFlag", "optin"),
    Field("preferred_contact", "preferredContact"),
)
FIELDS = names(ALL)
READ_ONLY = ("customer_id", "company_name", "preferred_contact")
WRITE = tuple(f for f in ALL if f.name not in READ_ONLY)  # CreateCustomer
WRITABLE = names(WRITE)
PHONES = ("primary_phone", "mobile_phone", "home_phone")
EMAIL_TYPES = ("HOME", "WORK", "OTHER")


def from_cdk(item: Mapping[str, Any]) -> Row:
    return flatten(item, ALL)


def to_cdk(row: Mapping[str, Any]) -> Json:
    """A row as a ``Customer`` (what the sandbox serves): the objects the schema
    requires are always there, ``name.first``/``last`` as "" when unknown."""
    body = unflatten(row, ALL)
    _required_shape(body)
    return body


def write_body(row: Mapping[str, Any], blanks: Sequence[str] = ()) -> Json:
    """``CreateCustomer`` from a row (create, or the whole record for an update).

    ``CreateUpdateName`` has no company name: a business with no last name goes in
    ``name.last`` (the only name field CDK lets us write)."""
    data = dict(row)
    if not str(data.get("last_name") or "").strip() and str(data.get("company_name") or ""):
        data["last_name"] = data["company_name"]
    body = unflatten(data, WRITE, blanks=blanks)
    _required_shape(body)
    return body


def _required_shape(body: Json) -> None:
    name = body.setdefault("name", {})
    name.setdefault("first", "")
    name.setdefault("last", "")
    body.setdefault("contactMethods", {})
    body.setdefault("postalAddress", {})
