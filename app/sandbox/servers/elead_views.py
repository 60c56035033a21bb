"""The simulated CRM's records as Elead sees them, and back: contacts as Elead
``Customer`` s, leads as ``Opportunity`` s, the contact's deals as its owned vehicles.

Ids: the CRM's contacts and leads are keyed by UUIDs (``app.sandbox.ids``), and those are
Elead's ids too: a customer's ``id`` is its contact id, an opportunity's its lead id.
What Elead names and the CRM keeps no id for gets a stable derived UUID (``uuid5``): a
salesperson's name, an owned vehicle's VIN, a lead's vehicle of interest. What Elead
keeps and the CRM has no column for (titles, middle names, a second e-mail, a work
phone, trade-ins, sub-statuses, the vehicles sought beyond the first…) lives in
``EleadExtras``, by CRM id; the CRM's columns always win for what they say (names,
e-mail, phones, address, consent, status, source, salesperson, vehicle of interest), so
changes made through the CRM's own routes show in Elead's answers and the other way
round.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.sandbox.servers.dataset import Record
from app.sandbox.servers.errors import ApiError

NAMESPACE = uuid.UUID("7b0e9a52-3f7d-4c1e-9a55-e1ead0c0ffee")
CUSTOMERS = "/elead-sales-customers"
OPPORTUNITIES = "/elead-sales-opportunities"
TITLES = (
    "Unspecified", "Mr", "Mrs", "Ms", "Dr", "Sir", "Miss", "Rev", "MrAndMrs", "Admr",
    "Capt", "Cdr", "Chief", "Col", "Gen", "Judge", "Lt", "Sgt",
)  # fmt: skip
EMAIL_TYPES = ("Unknown", "Personal", "Work", "Pager", "Alternate")
PHONE_TYPES = ("Unknown", "Home", "Cellular", "Work")
CONTACT_TIMES = ("Unspecified", "Day", "Evening")
UP_TYPES = ("Unknown", "Campaign", "Internet", "Phone", "Showroom")
# the CRM's lead sources as Elead up types
UP_TYPE_OF_SOURCE = {
    "Website": "Internet",
    "Cars.com": "Internet",
    "AutoTrader": "Internet",
    "Facebook": "Internet",
    "Phone": "Phone",
    "Walk-in": "Showroom",
}
_YEARS = re.compile(r"^\s*(\d{4})(?:\s*-\s*(\d{4}))?\s+(\S+)\s*(.*)$")


def elead_id(kind: str, key: str) -> str:
    """The stable Elead id (a UUID) of something the CRM keeps no id for (a salesperson's
    name, a VIN, a lead's vehicle of interest)."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def bad_request(message: str, field_name: str = "") -> ApiError:
    return ApiError(400, message, field=field_name)


# -- checking bodies ------------------------------------------------------------------------
def text_of(body: Mapping[str, Any], key: str, where: str = "") -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise bad_request(f"{where}{key}: expected a string", f"{where}{key}")
    return value.strip()


def flag_of(body: Mapping[str, Any], key: str, where: str = "") -> bool | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise bad_request(f"{where}{key}: expected true or false", f"{where}{key}")
    return value


def int_of(body: Mapping[str, Any], key: str, where: str = "") -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"{where}{key}: expected a whole number", f"{where}{key}")
    return value


def choice_of(body: Mapping[str, Any], key: str, allowed: tuple[str, ...], where: str = "") -> str:
    value = text_of(body, key, where)
    if value and value not in allowed:
        raise bad_request(
            f"{where}{key}: '{value}' is not one of {', '.join(allowed)}", f"{where}{key}"
        )
    return value


def uuid_of(body: Mapping[str, Any], key: str, *, required: bool = True) -> str:
    value = text_of(body, key)
    if not value:
        if required:
            raise bad_request(f"{key} is required", key)
        return ""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise bad_request(f"{key}: '{value}' is not a UUID", key) from None


def date_time_of(body: Mapping[str, Any], key: str) -> str:
    """An RFC 3339 date-time property as the CRM stores times ('' when absent)."""
    from app.sandbox.servers.clock import format_ts, parse_ts

    value = text_of(body, key)
    if not value:
        return ""
    moment = parse_ts(value) if "T" in value else None
    if moment is None:
        raise bad_request(f"{key}: '{value}' is not an RFC 3339 date-time", key)
    return format_ts(moment)


def _list(body: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(i, dict) for i in value):
        raise bad_request(f"{key}: expected a list of objects", key)
    return [dict(i) for i in value]


def check_customer(body: Mapping[str, Any]) -> None:
    """The rules of ``CustomerRequest`` a real Elead would enforce (400 otherwise)."""
    for key in ("businessName", "businessContact", "firstName", "middleName", "lastName",
                "nickname"):  # fmt: skip
        text_of(body, key)
    flag_of(body, "isBusiness")
    choice_of(body, "title", TITLES)
    date_time_of(body, "birthday")
    for n, email in enumerate(_list(body, "emails")):
        where = f"emails.{n}."
        if not text_of(email, "address", where) or not email.get("emailType"):
            raise bad_request(f"{where}address and emailType are required", f"{where}address")
        choice_of(email, "emailType", EMAIL_TYPES, where)
        flag_of(email, "doNotEmail", where)
        flag_of(email, "isPreferred", where)
    for n, phone in enumerate(_list(body, "phones")):
        where = f"phones.{n}."
        if not all(phone.get(k) for k in ("number", "phoneType", "preferredTimeToContact")):
            raise bad_request(
                f"{where}number, phoneType and preferredTimeToContact are required",
                f"{where}number",
            )
        text_of(phone, "number", where)
        choice_of(phone, "phoneType", PHONE_TYPES, where)
        choice_of(phone, "preferredTimeToContact", CONTACT_TIMES, where)
        for key in ("doNotCall", "doNotText", "preferCall", "preferText"):
            flag_of(phone, key, where)
    address = body.get("address")
    if address is not None:
        if not isinstance(address, dict):
            raise bad_request("address: expected an object", "address")
        if "zip" not in address:
            raise bad_request("address.zip is required", "address.zip")
        for key in ("addressLine1", "addressLine2", "city", "state", "zip", "county", "country"):
            text_of(address, key, "address.")
        flag_of(address, "doNotMail", "address.")


# -- extras --------------------------------------------------------------------------------
@dataclass
class LeadExtras:
    sub_source: str = ""
    sub_status: str = ""
    up_type: str = ""
    primary: dict[str, Any] = field(
        default_factory=dict
    )  # the first vehicle sought, beyond the CRM
    sought: list[dict[str, Any]] = field(default_factory=list)  # the others
    trade_ins: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class EleadExtras:
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)  # contact id -> request
    leads: dict[str, LeadExtras] = field(default_factory=dict)

    def lead(self, lead_id: str) -> LeadExtras:
        return self.leads.setdefault(lead_id, LeadExtras())


def link(href: str, rel: str, method: str, title: str) -> dict[str, str]:
    return {"href": href, "rel": rel, "method": method, "title": title}


# -- customers ------------------------------------------------------------------------------
def _preferred(items: list[dict[str, Any]]) -> int | None:
    if not items:
        return None
    return next((n for n, i in enumerate(items) if i.get("isPreferred") is True), 0)


def _set_number(phones: list[dict[str, Any]], kind: str, number: str) -> None:
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


def customer_view(contact: Record, stored: Mapping[str, Any], base: str) -> dict[str, Any]:
    """A CRM contact as an Elead ``Customer``: what Elead was last sent, with the CRM's
    columns over it."""
    body = copy.deepcopy(dict(stored))
    ident = contact["contact_id"]
    body["id"] = ident
    body.setdefault("isBusiness", False)
    body["firstName"] = contact["first_name"]
    last = contact["last_name"]
    if not text_of(stored, "lastName") and last == text_of(stored, "businessName"):
        last = ""  # the CRM's surname column holds a business's name; Elead answers as sent
    body["lastName"] = last
    emails = [dict(e) for e in body.get("emails") or []]
    index = _preferred(emails)
    if contact["email"]:
        if index is None:
            emails.append(
                {"address": contact["email"], "emailType": "Personal", "isPreferred": True}
            )
        else:
            emails[index]["address"] = contact["email"]
    elif index is not None:
        emails.pop(index)
    for email in emails:
        email["doNotEmail"] = contact["email_opt_out"] == "true"
    phones = [dict(p) for p in body.get("phones") or []]
    home = "Home" if any(p.get("phoneType") == "Home" for p in phones) or not any(
        p.get("phoneType") == "Work" for p in phones
    ) else "Work"  # fmt: skip
    _set_number(phones, home, contact["phone"])
    _set_number(phones, "Cellular", contact["mobile"])
    for phone in phones:
        phone["doNotText"] = contact["sms_opt_out"] == "true"
    body["emails"], body["phones"] = emails, phones
    address = dict(body.get("address") or {})
    for key, column in (("addressLine1", "street"), ("city", "city"), ("state", "state"),
                        ("zip", "postal_code")):  # fmt: skip
        address[key] = contact[column]
    if any(str(v) for k, v in address.items() if k != "doNotMail"):
        body["address"] = address
    else:
        body.pop("address", None)
    body["links"] = [
        link(f"{base}{CUSTOMERS}/{ident}", "self", "GET", "Fetch Customer"),
        link(f"{base}{CUSTOMERS}/{ident}", "update", "POST", "Update Customer"),
        link(f"{base}{CUSTOMERS}", "create", "POST", "Create Customer"),
    ]
    return body


def search_view(customer: Mapping[str, Any]) -> dict[str, Any]:
    """A ``Customer`` as a ``SearchCustomer``."""
    out = {k: customer[k] for k in ("id", "firstName", "lastName", "emails", "phones")}
    if "address" in customer:
        out["address"] = customer["address"]
    out["rank"] = 1.0
    out["links"] = [customer["links"][0]]
    return out


def contact_fields(body: Mapping[str, Any]) -> dict[str, str]:
    """The CRM columns a ``CustomerRequest`` says (the rest is kept as extras)."""
    emails = _list(body, "emails")
    index = _preferred(emails)
    phones = _list(body, "phones")

    def number(*kinds: str) -> str:
        for kind in kinds:
            for phone in phones:
                if phone.get("phoneType") == kind:
                    return str(phone.get("number") or "")
        return ""

    address = body.get("address") if isinstance(body.get("address"), dict) else {}
    assert isinstance(address, dict)
    last = text_of(body, "lastName") or text_of(body, "businessName")
    return {
        "first_name": text_of(body, "firstName"),
        "last_name": last,
        "email": str(emails[index]["address"]).strip() if index is not None else "",
        "email_opt_out": "true" if any(e.get("doNotEmail") is True for e in emails) else "false",
        "phone": number("Home", "Work", "Unknown"),
        "mobile": number("Cellular"),
        "sms_opt_out": "true" if any(p.get("doNotText") is True for p in phones) else "false",
        "street": str(address.get("addressLine1") or ""),
        "city": str(address.get("city") or ""),
        "state": str(address.get("state") or ""),
        "postal_code": str(address.get("zip") or ""),
    }


def matches(customer: Mapping[str, Any], criteria: Mapping[str, str]) -> bool:
    """``SearchCustomersRequest``: every given string is found (case-insensitively; phones
    by their digits) in the customer."""

    def has(value: Any, wanted: str) -> bool:
        return wanted.casefold() in str(value or "").casefold()

    for key, wanted in criteria.items():
        if not wanted:
            continue
        if key == "firstName" and not has(customer.get("firstName"), wanted):
            return False
        if key == "lastName" and not has(customer.get("lastName"), wanted):
            return False
        if key == "emailAddress" and not any(
            has(e.get("address"), wanted) for e in customer.get("emails") or []
        ):
            return False
        if key == "phoneNumber":
            digits = re.sub(r"\D", "", wanted)[-10:]
            if not digits or not any(
                digits in re.sub(r"\D", "", str(p.get("number") or ""))
                for p in customer.get("phones") or []
            ):
                return False
    return True


def owned_vehicles(deals: Iterable[Record], customer_id: str) -> dict[str, Any]:
    """``CustomerVehicleCollection`` from the contact's deals with a VIN. The spec's schema
    is one vehicle: the answer is the latest one, with every vehicle in ``items`` too."""
    vehicles = []
    for deal in sorted(deals, key=lambda d: (d.get("deal_date", ""), d["deal_id"])):
        if not deal.get("vin"):
            continue
        vehicle: dict[str, Any] = {"id": elead_id("vehicle", deal["vin"]), "vin": deal["vin"]}
        vehicle.update(parse_vehicle(deal.get("vehicle_description", ""), years=False))
        vehicle["vehicleOwner"] = {
            "isActive": True,
            "customerId": customer_id,
            "vehicleId": vehicle["id"],
        }
        vehicles.append(vehicle)
    latest = dict(vehicles[-1]) if vehicles else {}
    return {**latest, "items": vehicles}


def parse_vehicle(words: str, *, years: bool = True) -> dict[str, Any]:
    """``2021 Toyota Tacoma`` (or ``2019-2021 …``) as year(s), make and model."""
    match = _YEARS.match(words or "")
    if not match:
        return {}
    low, high, make, model = match.groups()
    out: dict[str, Any] = (
        {"yearFrom": int(low), "yearTo": int(high or low)} if years else {"year": int(low)}
    )
    out["make"] = make
    if model.strip():
        out["model"] = model.strip()
    return out


def describe_vehicle(vehicle: Mapping[str, Any]) -> str:
    low, high = vehicle.get("yearFrom"), vehicle.get("yearTo")
    years = "" if low is None else (str(low) if high in (None, low) else f"{low}-{high}")
    if not years and high is not None:
        years = str(high)
    parts = [years, *(str(vehicle.get(k) or "") for k in ("make", "model"))]
    return " ".join(p for p in parts if p)


# -- opportunities ----------------------------------------------------------------------------
def salesperson_view(name: str) -> dict[str, Any]:
    first, _, last = name.partition(" ")
    return {
        "id": elead_id("salesperson", name),
        "firstName": first,
        "lastName": last,
        "isPrimary": True,
        "isPositionPrimary": True,
        "positionName": "Sales Consultant",
        "positionCode": "S",
    }


def sought_view(lead: Record, extras: LeadExtras) -> list[dict[str, Any]]:
    out = []
    if lead["vehicle_of_interest_vin"] or lead["vehicle_of_interest"]:
        primary: dict[str, Any] = {"isNew": False, **extras.primary}
        for key in ("yearFrom", "yearTo", "make", "model", "vin"):
            primary.pop(key, None)
        primary.update(parse_vehicle(lead["vehicle_of_interest"]))
        if lead["vehicle_of_interest_vin"]:
            primary["vin"] = lead["vehicle_of_interest_vin"]
        primary["id"] = primary.get("id") or elead_id("sought", lead["lead_id"])
        primary["isPrimary"] = True
        out.append(primary)
    out += [{**s, "isPrimary": False} for s in extras.sought]
    return out


def opportunity_view(lead: Record, extras: LeadExtras, base: str) -> dict[str, Any]:
    customer = lead["contact_id"]
    ident = lead["lead_id"]
    body: dict[str, Any] = {
        "id": ident,
        "customer": {
            "id": customer,
            "links": [link(f"{base}{CUSTOMERS}/{customer}", "self", "GET", "Get Customer")],
        },
        "source": lead["source"],
        "status": lead["status"],
        "upType": extras.up_type or UP_TYPE_OF_SOURCE.get(lead["source"], "Unknown"),
    }
    if lead["created_at"]:
        body["dateIn"] = lead["created_at"]
    if extras.sub_source:
        body["subSource"] = extras.sub_source
    if extras.sub_status:
        body["subStatus"] = extras.sub_status
    body["soughtVehicles"] = sought_view(lead, extras)
    body["tradeIns"] = [dict(t) for t in extras.trade_ins]
    body["salesTeam"] = [salesperson_view(lead["salesperson"])] if lead["salesperson"] else []
    body["links"] = [
        link(f"{base}{OPPORTUNITIES}/comment", "comment", "POST", "Add Comment"),
        link(f"{base}{OPPORTUNITIES}/tradein", "tradein", "POST", "Add Trade-In"),
    ]
    return body


def sought_fields(vehicle: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A vehicle sought from a request, checked (``isNew``, ``isPrimary`` required)."""
    out: dict[str, Any] = {}
    for key in ("isNew", "isPrimary"):
        value = flag_of(vehicle, key, where)
        if value is None:
            raise bad_request(f"{where}{key} is required", f"{where}{key}")
        out[key] = value
    for key in ("yearFrom", "yearTo", "maxMileage"):
        if int_of(vehicle, key, where) is not None:
            out[key] = vehicle[key]
    for key in ("priceFrom", "priceTo"):
        value = vehicle.get(key)
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise bad_request(f"{where}{key}: expected a number", f"{where}{key}")
            out[key] = value
    for key in ("make", "model", "trim", "vin", "stockNumber"):
        if text_of(vehicle, key, where):
            out[key] = vehicle[key].strip()
    return out


def trade_in_fields(trade: Mapping[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("year", "estimatedMileage"):
        if int_of(trade, key, where) is not None:
            out[key] = trade[key]
    for key in ("make", "model", "trim", "vin", "interiorColor", "exteriorColor"):
        if text_of(trade, key, where):
            out[key] = trade[key].strip()
    return out
