"""Customers of the *Elead Sales Customers* API (``customer-sales.swagger.json``).

``Customer`` = ``id`` (a UUID), ``isBusiness`` / ``businessName`` / ``businessContact``,
``title`` (Mr, Mrs… from a fixed list), first / middle / last name, ``nickname``,
``birthday`` (a date-time), ``emails`` (``address``, ``emailType``, ``doNotEmail``,
``isPreferred``), ``phones`` (``number``, ``phoneType`` Home / Cellular / Work / Unknown,
``preferredTimeToContact``, ``doNotCall``, ``doNotText``, ``preferCall``,
``preferText``) and one ``address`` (lines 1–2, city, state, zip, county, country,
``doNotMail``). Creates and updates send ``CustomerRequest``: the same without ``id`` and
``links``. Searches answer ``SearchCustomer`` (names, e-mails, phones, address, rank).

Row names are our layouts' where the meaning is the same (``first_name``,
``address_line1``, ``zip``, ``home_phone``, ``mobile_phone``, ``work_phone``, ``email``,
``birth_date``, ``company_name``, ``customer_type`` INDIVIDUAL / BUSINESS from the DMS;
``email_opt_out``, ``sms_opt_out`` from the CRM). Elead keeps consent per address and per
number; a row has one flag per channel: ``email_opt_out`` is true when any e-mail is
"do not email", ``phone_opt_out`` / ``sms_opt_out`` when any phone is "do not call" /
"do not text", ``mail_opt_out`` is the address's "do not mail"; writing a flag sets it
on every e-mail (or phone). ``email`` is the preferred e-mail (else the first),
``email_2`` the next one. Elead has no "changed at" time for customers.

``owned_vehicles`` (read only) is a JSON list of the customer's vehicles from
``GET /{customerId}/ownedVehicles`` (see ``vehicles_from_elead``).

An update starts from the customer as Elead has it and changes only the columns given
(``update_body``), so what a row cannot say (a third e-mail, preferred contact times)
is sent back as it was.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from app.formats.elead.common import (
    EleadFormatError,
    Json,
    Prop,
    Row,
    date_of,
    dump_rows,
    flag,
    read,
    text,
)

TITLES = (
    "Unspecified", "Mr", "Mrs", "Ms", "Dr", "Sir", "Miss", "Rev", "MrAndMrs", "Admr",
    "Capt", "Cdr", "Chief", "Col", "Gen", "Judge", "Lt", "Sgt",
)  # fmt: skip
EMAIL_TYPES = ("Unknown", "Personal", "Work", "Pager", "Alternate")
PHONE_TYPES = {  # row column -> phoneType
    "home_phone": "Home",
    "mobile_phone": "Cellular",
    "work_phone": "Work",
    "other_phone": "Unknown",
}
PHONES = tuple(PHONE_TYPES)
ADDRESS = (
    Prop("address_line1", "addressLine1"),
    Prop("address_line2", "addressLine2"),
    Prop("city", "city"),
    Prop("state", "state"),
    Prop("zip", "zip"),
    Prop("county", "county"),
    Prop("country", "country"),
)
NAMES = (
    Prop("company_name", "businessName"),
    Prop("business_contact", "businessContact"),
    Prop("first_name", "firstName"),
    Prop("middle_name", "middleName"),
    Prop("last_name", "lastName"),
    Prop("nickname", "nickname"),
)
VEHICLE = (
    Prop("vehicle_id", "id"),
    Prop("vin", "vin"),
    Prop("year", "year", "integer"),
    Prop("make", "make"),
    Prop("model", "model"),
    Prop("trim", "trim"),
    Prop("exterior_color", "exteriorColor"),
    Prop("interior_color", "interiorColor"),
    Prop("mileage", "mileage", "integer"),
)
FIELDS = (
    "customer_id", "customer_type", "company_name", "business_contact", "name_prefix",
    "first_name", "middle_name", "last_name", "nickname", "birth_date",
    "email", "email_type", "email_2", "email_2_type", "email_opt_out",
    "mobile_phone", "home_phone", "work_phone", "other_phone", "phone_opt_out", "sms_opt_out",
    "address_line1", "address_line2", "city", "state", "zip", "county", "country",
    "mail_opt_out", "owned_vehicles",
)  # fmt: skip
READ_ONLY = ("customer_id", "owned_vehicles")
WRITABLE = tuple(f for f in FIELDS if f not in READ_ONLY)
# row column -> SearchCustomersRequest property
SEARCHES = {
    "first_name": "firstName",
    "last_name": "lastName",
    "email": "emailAddress",
    "phone": "phoneNumber",
}
_TYPES = {"INDIVIDUAL": False, "BUSINESS": True}


# -- reading ----------------------------------------------------------------------------
def _dicts(value: Any) -> list[dict[str, Any]]:
    return [dict(x) for x in value if isinstance(x, Mapping)] if isinstance(value, list) else []


def _email_order(emails: list[dict[str, Any]]) -> list[int]:
    """Indexes of the e-mails: the preferred one first, then the rest as listed."""
    first = next((n for n, e in enumerate(emails) if e.get("isPreferred") is True), 0)
    return [first, *(n for n in range(len(emails)) if n != first)] if emails else []


def _any(items: list[dict[str, Any]], key: str) -> str:
    if not items:
        return ""
    return "true" if any(i.get(key) is True for i in items) else "false"


def from_elead(item: Mapping[str, Any]) -> Row:
    """A ``Customer`` or ``SearchCustomer`` as a row (``owned_vehicles`` left empty)."""
    row: Row = dict.fromkeys(FIELDS, "")
    row["customer_id"] = text(item.get("id"))
    business = item.get("isBusiness")
    if isinstance(business, bool):
        row["customer_type"] = "BUSINESS" if business else "INDIVIDUAL"
    row.update(read(item, NAMES))
    row["name_prefix"] = "" if item.get("title") == "Unspecified" else text(item.get("title"))
    row["birth_date"] = date_of(item.get("birthday"))
    emails = _dicts(item.get("emails"))
    order = _email_order(emails)
    for slot, column in zip(order, ("email", "email_2"), strict=False):
        row[column] = text(emails[slot].get("address"))
        row[f"{column}_type"] = text(emails[slot].get("emailType"))
    row["email_opt_out"] = _any(emails, "doNotEmail")
    phones = _dicts(item.get("phones"))
    for column, kind in PHONE_TYPES.items():
        numbers = (text(p.get("number")) for p in phones if p.get("phoneType") == kind)
        row[column] = next(numbers, "")
    row["phone_opt_out"] = _any(phones, "doNotCall")
    row["sms_opt_out"] = _any(phones, "doNotText")
    address = item.get("address")
    if isinstance(address, Mapping):
        row.update(read(address, ADDRESS))
        row["mail_opt_out"] = text(address.get("doNotMail"))
    return row


def vehicles_from_elead(body: Any) -> list[Row]:
    """Owned vehicles from ``GET /{customerId}/ownedVehicles``. The spec's answer,
    ``CustomerVehicleCollection``, is one vehicle object despite its name: a bare list, an
    ``items`` list, or one vehicle are all read (an empty object is no vehicle)."""
    if isinstance(body, Mapping) and isinstance(body.get("items"), list):
        items = _dicts(body["items"])
    elif isinstance(body, list):
        items = _dicts(body)
    elif isinstance(body, Mapping) and (body.get("vin") or body.get("id")):
        items = [dict(body)]
    else:
        items = []
    return [read(i, VEHICLE) for i in items]


def owned_vehicles_text(body: Any) -> str:
    return dump_rows(vehicles_from_elead(body))


# -- writing ------------------------------------------------------------------------------
def _title(value: str) -> str:
    wanted = value.replace(".", "").replace(" ", "").replace("&", "And").casefold()
    for title in TITLES:
        if title.casefold() == wanted:
            return title
    raise EleadFormatError(
        f"name_prefix: Elead has no title '{value}' (it knows {', '.join(TITLES[1:])})"
    )


def _one_of(value: str, allowed: tuple[str, ...], name: str) -> str:
    for choice in allowed:
        if choice.casefold() == value.strip().casefold():
            return choice
    raise EleadFormatError(f"{name}: '{value}' is not one of {', '.join(allowed)}")


def _set_text(body: Json, key: str, value: str) -> None:
    """'' clears a property Elead has (sends ""), and adds nothing when it has none."""
    if value != "":
        body[key] = value
    elif key in body:
        body[key] = ""


def request_of(customer: Mapping[str, Any]) -> Json:
    """A ``Customer`` as Elead has it, as the ``CustomerRequest`` that sends it back
    unchanged (no id, links or search rank; a title and a birthday in the spec's form)."""
    body = copy.deepcopy(dict(customer))
    for key in ("id", "links", "rank"):
        body.pop(key, None)
    # what Elead gave, in the form its spec asks for (its own examples write "Mrs." and
    # a bare date)
    if isinstance(body.get("title"), str):
        try:
            body["title"] = _title(body["title"])
        except EleadFormatError:
            body.pop("title")
    if "birthday" in body:
        day = date_of(body["birthday"])
        if day and len(text(body["birthday"])) == 10:
            body["birthday"] = f"{day}T00:00:00Z"
    return body


def create_body(row: Mapping[str, Any]) -> Json:
    """``CustomerRequest`` for a new customer from a row ('' columns left out)."""
    return update_body({}, {k: v for k, v in row.items() if v not in ("", None)})


def update_body(current: Mapping[str, Any], changes: Mapping[str, Any]) -> Json:
    """The ``CustomerRequest`` of ``current`` (a ``Customer``, or {}) with ``changes``
    (row columns; '' clears) applied. Raises ``EleadFormatError`` for a value Elead
    cannot take (an unknown title, a bad date, a column that is not writable)."""
    unknown = sorted(k for k in changes if k not in WRITABLE)
    if unknown:
        raise EleadFormatError(f"not writable to an Elead customer: {', '.join(unknown)}")
    body = request_of(current)
    values = {k: "" if v is None else str(v).strip() for k, v in changes.items()}
    if "customer_type" in values:
        kind = values["customer_type"].upper()
        if kind and kind not in _TYPES:
            raise EleadFormatError(f"customer_type: '{kind}' is not INDIVIDUAL or BUSINESS")
        if kind:
            body["isBusiness"] = _TYPES[kind]
        else:
            body.pop("isBusiness", None)
    for prop in NAMES:
        if prop.name in values:
            _set_text(body, prop.key, values[prop.name])
    if "name_prefix" in values:
        if values["name_prefix"]:
            body["title"] = _title(values["name_prefix"])
        else:
            body.pop("title", None)
    if "birth_date" in values:
        birth = values["birth_date"]
        if birth:
            day = date_of(birth)
            if not day or birth[10:] not in ("", "T00:00:00Z", "T00:00:00"):
                raise EleadFormatError(f"birth_date: '{birth}' is not a date like 1951-07-21")
            body["birthday"] = f"{day}T00:00:00Z"
        else:
            body.pop("birthday", None)
    _apply_emails(body, values)
    _apply_phones(body, values)
    _apply_address(body, values)
    return body


def _apply_emails(body: Json, values: Mapping[str, str]) -> None:
    emails = _dicts(body.get("emails"))
    for slot, column in enumerate(("email", "email_2")):
        order = _email_order(emails)
        index = order[slot] if slot < len(order) else None
        kind = values.get(f"{column}_type", "")
        if kind:
            kind = _one_of(kind, EMAIL_TYPES, f"{column}_type")
        if column in values:
            address = values[column]
            if not address:
                if index is not None:
                    emails.pop(index)
                continue
            if index is None:
                emails.append(
                    {
                        "address": address,
                        "emailType": kind or ("Personal" if slot == 0 else "Alternate"),
                        "doNotEmail": False,
                        "isPreferred": slot == 0 and not emails,
                    }
                )
                continue
            emails[index]["address"] = address
        if kind and index is not None:
            emails[index]["emailType"] = kind
    if values.get("email_opt_out", "") != "":
        stop = flag(values["email_opt_out"], "email_opt_out")
        for email in emails:
            email["doNotEmail"] = stop
    if emails or "emails" in body:
        body["emails"] = emails


def _apply_phones(body: Json, values: Mapping[str, str]) -> None:
    phones = _dicts(body.get("phones"))
    for column, kind in PHONE_TYPES.items():
        if column not in values:
            continue
        number = values[column]
        index = next((n for n, p in enumerate(phones) if p.get("phoneType") == kind), None)
        if not number:
            if index is not None:
                phones.pop(index)
        elif index is None:
            phones.append(
                {
                    "number": number,
                    "phoneType": kind,
                    "preferredTimeToContact": "Unspecified",
                    "doNotCall": False,
                    "doNotText": False,
                }
            )
        else:
            phones[index]["number"] = number
    for column, key in (("phone_opt_out", "doNotCall"), ("sms_opt_out", "doNotText")):
        if values.get(column, "") != "":
            stop = flag(values[column], column)
            for phone in phones:
                phone[key] = stop
    if phones or "phones" in body:
        body["phones"] = phones


def _apply_address(body: Json, values: Mapping[str, str]) -> None:
    given = {p.name for p in ADDRESS} | {"mail_opt_out"}
    if not given & set(values):
        return
    address = dict(body.get("address") or {})
    for prop in ADDRESS:
        if prop.name in values:
            _set_text(address, prop.key, values[prop.name])
    if values.get("mail_opt_out", "") != "":
        address["doNotMail"] = flag(values["mail_opt_out"], "mail_opt_out")
    if not any(v not in ("", None) for k, v in address.items() if k != "doNotMail"):
        body.pop("address", None)  # nothing left of it
        return
    address.setdefault("zip", "")  # the one property the spec requires
    body["address"] = address


def search_body(criteria: Mapping[str, str]) -> Json:
    """``SearchCustomersRequest`` from row-named criteria (see ``SEARCHES``)."""
    unknown = sorted(k for k in criteria if k not in SEARCHES)
    if unknown:
        raise EleadFormatError(
            f"Elead searches customers by {', '.join(SEARCHES)}, not by {', '.join(unknown)}"
        )
    return {SEARCHES[k]: v for k, v in criteria.items() if v}
