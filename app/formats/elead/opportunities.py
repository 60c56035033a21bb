"""Sales opportunities of the *Elead Sales Opportunities* API
(``sales-opportunities.swagger.json``).

``Opportunity`` = ``id`` (a UUID), ``customer`` (``{id, links}``), ``dateIn``, ``source``
/ ``subSource``, ``status`` / ``subStatus``, ``upType`` (Unknown, Campaign, Internet,
Phone, Showroom), ``soughtVehicles``, ``tradeIns``, ``salesTeam`` and ``links``. It has no
comments and no "changed at" time (``searchDelta`` knows what changed; the record does
not say when). ``CreateOpportunityRequest`` takes ``customerId``, ``dateIn``, the sources,
statuses, ``upType``, ``comments`` (1,500 characters at most), vehicles sought and
trade-ins; afterwards only sub-operations change an opportunity: add a comment, add or
remove a trade-in or a vehicle sought, reassign the primary salesperson (or BDC agent),
add or remove a salesperson.

Row names follow the CRM's leads where the meaning is the same (``source``, ``status``,
``salesperson``, ``vehicle_of_interest_vin``, ``vehicle_of_interest``, ``comments``);
``customer_id`` is Elead's customer id. ``salesperson`` / ``salesperson_id`` are the
primary salesperson; ``sales_team``, ``vehicles_sought`` and ``trade_ins`` are JSON lists
of flat objects (``TEAM``, ``SOUGHT``, ``TRADE_IN``). ``vehicle_of_interest*`` describe
the primary vehicle sought ("2021 Toyota Tacoma", its VIN, new or not); a create may give
them instead of ``vehicles_sought``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from app.formats.elead.common import (
    EleadFormatError,
    Json,
    Prop,
    Row,
    dump_rows,
    elead_id,
    flag,
    instant,
    names,
    read,
    sub_rows,
    text,
    write,
)

UP_TYPES = ("Unknown", "Campaign", "Internet", "Phone", "Showroom")
COMMENT_MAX = 1500
SOUGHT = (
    Prop("vehicle_sought_id", "id"),
    Prop("is_new", "isNew", "boolean"),
    Prop("is_primary", "isPrimary", "boolean"),
    Prop("year_from", "yearFrom", "integer"),
    Prop("year_to", "yearTo", "integer"),
    Prop("make", "make"),
    Prop("model", "model"),
    Prop("trim", "trim"),
    Prop("vin", "vin"),
    Prop("price_from", "priceFrom", "number"),
    Prop("price_to", "priceTo", "number"),
    Prop("max_mileage", "maxMileage", "integer"),
    Prop("stock_number", "stockNumber"),
)
TRADE_IN = (
    Prop("trade_in_id", "id"),
    Prop("year", "year", "integer"),
    Prop("make", "make"),
    Prop("model", "model"),
    Prop("trim", "trim"),
    Prop("vin", "vin"),
    Prop("estimated_mileage", "estimatedMileage", "integer"),
    Prop("interior_color", "interiorColor"),
    Prop("exterior_color", "exteriorColor"),
)
TEAM = (
    Prop("salesperson_id", "id"),
    Prop("first_name", "firstName"),
    Prop("last_name", "lastName"),
    Prop("is_primary", "isPrimary", "boolean"),
    Prop("is_position_primary", "isPositionPrimary", "boolean"),
    Prop("position_name", "positionName"),
    Prop("position_code", "positionCode"),
)
SOUGHT_FIELDS = names(SOUGHT)
TRADE_IN_FIELDS = names(TRADE_IN)
FIELDS = (
    "opportunity_id", "customer_id", "date_in", "source", "sub_source", "status",
    "sub_status", "up_type", "salesperson", "salesperson_id", "sales_team",
    "vehicle_of_interest_vin", "vehicle_of_interest", "vehicle_of_interest_new",
    "vehicles_sought", "trade_ins", "comments",
)  # fmt: skip
CREATE = (
    "customer_id", "date_in", "source", "sub_source", "status", "sub_status", "up_type",
    "vehicle_of_interest_vin", "vehicle_of_interest", "vehicle_of_interest_new",
    "vehicles_sought", "trade_ins", "comments",
)  # fmt: skip
_NEW_PROPS = tuple(p for p in SOUGHT if p.name != "vehicle_sought_id")
_NEW_TRADE = tuple(p for p in TRADE_IN if p.name != "trade_in_id")
_YEAR_TEXT = re.compile(r"^\s*(\d{4})(?:\s*-\s*(\d{4}))?\s+(\S+)\s*(.*)$")


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [dict(x) for x in value if isinstance(x, Mapping)] if isinstance(value, list) else []


def _primary(items: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((i for i in items if i.get("isPrimary") is True), items[0] if items else None)


def describe_vehicle(vehicle: Mapping[str, Any]) -> str:
    """A vehicle sought in words: ``2019-2021 RAM 1500 Big Horn`` (years as a range when
    they differ)."""
    low, high = text(vehicle.get("yearFrom")), text(vehicle.get("yearTo"))
    years = low if not high or high == low else (f"{low}-{high}" if low else high)
    parts = [years, *(text(vehicle.get(k)) for k in ("make", "model", "trim"))]
    return " ".join(p for p in parts if p)


def from_elead(item: Mapping[str, Any]) -> Row:
    """An ``Opportunity`` as a row (``comments`` empty: Elead does not return them)."""
    customer = item.get("customer")
    team = _dicts(item.get("salesTeam"))
    sought = _dicts(item.get("soughtVehicles"))
    lead = next((p for p in team if p.get("isPrimary") is True), None)
    wanted = _primary(sought)
    row: Row = dict.fromkeys(FIELDS, "")
    row.update(
        {
            "opportunity_id": text(item.get("id")),
            "customer_id": text(customer.get("id")) if isinstance(customer, Mapping) else "",
            "date_in": text(item.get("dateIn")),
            "source": text(item.get("source")),
            "sub_source": text(item.get("subSource")),
            "status": text(item.get("status")),
            "sub_status": text(item.get("subStatus")),
            "up_type": text(item.get("upType")),
            "sales_team": dump_rows([read(p, TEAM) for p in team]),
            "vehicles_sought": dump_rows([read(v, SOUGHT) for v in sought]),
            "trade_ins": dump_rows([read(t, TRADE_IN) for t in _dicts(item.get("tradeIns"))]),
        }
    )
    if lead is not None:
        row["salesperson_id"] = text(lead.get("id"))
        first, last = text(lead.get("firstName")), text(lead.get("lastName"))
        row["salesperson"] = " ".join(p for p in (first, last) if p)
    if wanted is not None:
        row["vehicle_of_interest_vin"] = text(wanted.get("vin"))
        row["vehicle_of_interest"] = describe_vehicle(wanted)
        row["vehicle_of_interest_new"] = text(wanted.get("isNew"))
    return row


def trade_ins_from(item: Mapping[str, Any]) -> list[Row]:
    return [read(t, TRADE_IN) for t in _dicts(item.get("tradeIns"))]


def sought_from(item: Mapping[str, Any]) -> list[Row]:
    return [read(v, SOUGHT) for v in _dicts(item.get("soughtVehicles"))]


# -- writing ------------------------------------------------------------------------------
def _text(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def up_type(value: str) -> str:
    """``upType`` from a row ('' is Elead's own "Unknown")."""
    if not value:
        return "Unknown"
    for choice in UP_TYPES:
        if choice.casefold() == value.casefold():
            return choice
    raise EleadFormatError(f"up_type: '{value}' is not one of {', '.join(UP_TYPES)}")


def comment_text(value: str, name: str = "comments") -> str:
    if len(value) > COMMENT_MAX:
        raise EleadFormatError(
            f"{name}: Elead takes at most {COMMENT_MAX} characters, this has {len(value)}"
        )
    return value


def sought_body(item: Mapping[str, Any], name: str, *, primary: bool) -> Json:
    """One vehicle sought (``AddOpportunityVehicleSought``): ``is_new`` is required;
    ``is_primary`` defaults to ``primary``."""
    body = write(item, _NEW_PROPS, name)
    if "isNew" not in body:
        raise EleadFormatError(f"{name}: is_new is required (Elead: new or used, true/false)")
    body.setdefault("isPrimary", primary)
    return body


def _interest(row: Mapping[str, Any]) -> Json | None:
    """The vehicle of interest columns as one primary vehicle sought, if given."""
    vin, words = _text(row, "vehicle_of_interest_vin"), _text(row, "vehicle_of_interest")
    if not vin and not words:
        return None
    new = _text(row, "vehicle_of_interest_new")
    if not new:
        raise EleadFormatError(
            "vehicle_of_interest_new is required with a vehicle of interest (Elead needs "
            "to know whether the vehicle sought is new: true or false)"
        )
    vehicle: Json = {"isNew": flag(new, "vehicle_of_interest_new"), "isPrimary": True}
    if vin:
        vehicle["vin"] = vin
    match = _YEAR_TEXT.match(words)
    if match:
        low, high, make, model = match.groups()
        vehicle.update({"yearFrom": int(low), "yearTo": int(high or low), "make": make})
        if model.strip():
            vehicle["model"] = model.strip()
    elif words:
        first, _, rest = words.partition(" ")
        vehicle["make"] = first
        if rest.strip():
            vehicle["model"] = rest.strip()
    return vehicle


def create_body(row: Mapping[str, Any]) -> Json:
    """``CreateOpportunityRequest`` from a row. ``customer_id`` and ``source`` are
    required; an empty ``up_type`` is sent as "Unknown"."""
    extra = sorted(k for k in row if k not in FIELDS)
    if extra:
        raise EleadFormatError(f"not a column of an Elead opportunity: {', '.join(extra)}")
    body: Json = {"customerId": elead_id(row.get("customer_id"), "customer_id")}
    source = _text(row, "source")
    if not source:
        raise EleadFormatError("source is required (where the opportunity came from)")
    if _text(row, "date_in"):
        body["dateIn"] = instant(row["date_in"], "date_in")
    body["source"] = source
    for column, key in (("sub_source", "subSource"), ("status", "status"),
                        ("sub_status", "subStatus")):  # fmt: skip
        if _text(row, column):
            body[key] = _text(row, column)
    body["upType"] = up_type(_text(row, "up_type"))
    if _text(row, "comments"):
        body["comments"] = comment_text(_text(row, "comments"))
    sought = [
        sought_body(item, f"vehicles_sought item {n}", primary=n == 1)
        for n, item in enumerate(sub_rows(row.get("vehicles_sought"), "vehicles_sought"), 1)
    ]
    if not sought:
        interest = _interest(row)
        sought = [interest] if interest else []
    if sought:
        body["soughtVehicles"] = sought
    trades = [
        write(item, _NEW_TRADE, f"trade_ins item {n}")
        for n, item in enumerate(sub_rows(row.get("trade_ins"), "trade_ins"), 1)
    ]
    if trades:
        body["tradeIns"] = trades
    return body


def comment_body(opportunity_id: str, comment: str) -> Json:
    """``AddOpportunityCommentRequest``."""
    words = comment_text(comment.strip(), "comment")
    if not words:
        raise EleadFormatError("comment: there is no text to add")
    return {"opportunityId": elead_id(opportunity_id, "opportunity_id"), "comment": words}


def trade_in_body(row: Mapping[str, Any]) -> Json:
    """``AddOpportunityTradeInRequest`` from ``opportunity_id`` and trade-in columns."""
    ident = elead_id(row.get("opportunity_id"), "opportunity_id")
    rest = {k: v for k, v in row.items() if k not in ("opportunity_id", "trade_in_id")}
    return {"opportunityId": ident, **write(rest, _NEW_TRADE, "trade-in")}


def vehicle_sought_body(row: Mapping[str, Any]) -> Json:
    """``AddOpportunityVehicleSoughtRequest`` (``is_new`` required, ``is_primary``
    false unless given)."""
    ident = elead_id(row.get("opportunity_id"), "opportunity_id")
    rest = {k: v for k, v in row.items() if k not in ("opportunity_id", "vehicle_sought_id")}
    return {"opportunityId": ident, **sought_body(rest, "vehicle sought", primary=False)}


def reassign_body(opportunity_id: str, salesperson_id: str) -> Json:
    """``ReassignPrimarySalesPersonRequest``."""
    return {
        "opportunityId": elead_id(opportunity_id, "opportunity_id"),
        "salesPersonId": elead_id(salesperson_id, "salesperson_id"),
    }
