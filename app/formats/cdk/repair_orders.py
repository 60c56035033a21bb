"""Repair orders in the two CDK APIs that carry them.

- **Reads** come from Fortellis *Service Repair Orders* (``fortellis-repair-orders.yaml``,
  ``RepairOrder``): id, ``createdDateTime``, ``mileageIn``, ``advisor``, ``vehicle.vin``
  and ``serviceLines`` (with ``Prefer: return=representation``). That schema has no
  customer, status or last-modified time. ``op_codes``, ``total`` and
  ``declined_recommendations`` are worked out from the service lines, as our DMS layout
  (``app.formats.dms_layout.REPAIR_ORDERS``) names them.
- **Writes** go to CDK Drive *Repair Orders* (``drive-repair-orders-v1.yaml``):
  ``CreateRepairOrder``, ``UpdateRepairOrder`` (the header) and
  ``CreateUpdateServiceLine`` (one service line with its labor operations and parts). A
  Drive ``RepairOrder`` read back (for its ETag) flattens to the same row.

``service_lines`` is a JSON list of flat lines (``service_request``, ``dispatch_code``,
``estimated_duration``, ``labor_operations``: [{``op_code``, ``op_code_desc``,
``sold_hours``, ``sale_amount``, ``included_parts``: […]}]…); ``lines`` is the read API's
list (``service_line_id``, ``description``, ``op_code``, ``approval_state``, ``total``…).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from app.formats.cdk.common import Field, Hrefs, Json, Row, flatten, names, pick, unflatten

# -- Fortellis (read) ------------------------------------------------------------------
FORTELLIS_LINE = (
    Field("service_line_id", "serviceLineId"),
    Field("description", "description"),
    Field("inspection_id", "inspectionId"),
    Field("recommendation_type", "serviceRecommendationType"),
    Field("approval_state", "approvalState"),
    Field("op_code", "serviceOperationCode"),
    Field("flat_rate_hours", "flatRateHours", "number"),
    Field("total", "pricing.total", "number"),
    Field("currency", "pricing.currencyCode"),
)
FORTELLIS = (
    Field("ro_number", "repairOrderId"),
    Field("created_at", "createdDateTime"),
    Field("vin", "vehicle.vin"),
    Field("mileage_in", "mileageIn.value", "number"),
    Field("mileage_unit", "mileageIn.units"),
    Field("advisor_id", "advisor.advisorId"),
    Field("advisor", "advisor.name", "name"),
    Field("lines", "serviceLines", "rows", rows=FORTELLIS_LINE),
)
DERIVED = ("op_codes", "total", "declined_recommendations")

# -- CDK Drive (write) -----------------------------------------------------------------
PART = (
    Field("part_ref_id", "partRefId"),
    Field("part_number", "partNumber"),
    Field("part_number_description", "partNumberDescription"),
    Field("mfr_code", "mfrCode"),
    Field("part_qty", "partQty", "number"),
    Field("sale_amount", "saleAmount", "number"),
    Field("fixed_sale_flag", "fixedSaleFlag", "boolean"),
    Field("includes_core_flag", "includesCoreFlag", "boolean"),
)
OPERATION = (
    Field("labor_operation_id", "laborOperationId"),
    Field("op_code", "opCode"),
    Field("op_code_desc", "opCodeDesc"),
    Field("labor_type", "laborType"),
    Field("included_parts", "includedParts", "rows", rows=PART),
    Field("sale_amount", "saleAmount", "number"),
    Field("sale_override_flag", "saleOverrideFlag", "boolean"),
    Field("shop_charge", "shopCharge", "number"),
    Field("force_shop_charge_flag", "forceShopChargeFlag", "boolean"),
    Field("sold_hours", "soldHours", "number"),
)
SERVICE_LINE = (
    Field("service_line_id", "serviceLineId"),
    Field("service_request", "serviceRequest"),
    Field("cause", "cause"),
    Field("comeback_flag", "comebackFlag", "boolean"),
    Field("dispatch_code", "dispatchCode"),
    Field("estimated_duration", "estimatedDuration", "number"),
    Field("technician_id", "technicianId"),
    Field("labor_operations", "laborOperations", "rows", rows=OPERATION),
    Field("labor_type", "laborType"),
    Field("labor_estimate", "laborEstimate", "number"),
    Field("lube_estimate", "lubeEstimate", "number"),
    Field("misc_estimate", "miscEstimate", "number"),
    Field("parts_estimate", "partsEstimate", "number"),
    Field("service_estimate", "serviceEstimate", "number"),
    Field("sublet_estimate", "subletEstimate", "number"),
    Field("tax_estimate", "taxEstimate", "number"),
    Field("status", "status.code"),
)
# what a create/update of one line may carry (CreateUpdateServiceLine): no id, no status,
# and operations / parts without their ids (CreateUpdateLaborOperation / …PartRef)
LINE_WRITE = tuple(
    Field(
        f.name,
        f.path,
        f.kind,
        rows=tuple(
            Field(o.name, o.path, o.kind, rows=tuple(p for p in PART if p.name != "part_ref_id"))
            if o.kind == "rows"
            else o
            for o in OPERATION
            if o.name != "labor_operation_id"
        ),
    )
    if f.kind == "rows"
    else f
    for f in SERVICE_LINE
    if f.name not in ("service_line_id", "status")
)
_PLACE = ("at", "address", "city", "note", "phone", "van_number")
_PLACE_PATHS = ("dateTime", "address", "city", "note", "phone", "vanNumber")
DRIVE = (
    Field("ro_number", "repairOrderId"),
    Field("customer_id", "customerHref", "href", target="customer"),
    Field("customer_contact_info", "customerContactInfo"),
    Field("vehicle_id", "vehicleHref", "href", target="vehicle"),
    Field("dispatch_make_code", "dispatchMakeCode"),
    Field("mileage_in", "mileageIn.value", "number"),
    Field("mileage_unit", "mileageIn.units"),
    Field("tag_number", "tagNum"),
    Field("promise_at", "promiseDateTime"),
    Field("advisor_id", "serviceAdvisorId"),
    Field("status", "status.code"),
    Field("transport_type", "transportType"),
    Field("comments", "comments"),
    Field("remarks", "remarks"),
    Field("po_number", "poNumber"),
    Field("block_ivr", "blockIVRFlag", "boolean"),
    Field("appointment_id", "appointmentId"),
    Field("estimate_authorized", "estimate.authorized", "number"),
    Field("labor_total", "estimate.labor", "number"),
    Field("parts_total", "estimate.parts", "number"),
    Field("estimate_misc", "estimate.misc", "number"),
    Field("estimate_lube", "estimate.lube", "number"),
    Field("estimate_sublet", "estimate.sublet", "number"),
    Field("estimate_tax", "estimate.tax", "number"),
    *(Field(f"pick_up_{n}", f"pickUp.{p}") for n, p in zip(_PLACE, _PLACE_PATHS, strict=True)),
    *(Field(f"drop_off_{n}", f"dropOff.{p}") for n, p in zip(_PLACE, _PLACE_PATHS, strict=True)),
    Field("service_lines", "serviceLineItems", "rows", rows=SERVICE_LINE),
)
_HEADER_WRITE = tuple(
    n for n in names(DRIVE) if n not in ("ro_number", "status", "appointment_id", "service_lines")
)
UPDATE = pick(DRIVE, _HEADER_WRITE)  # UpdateRepairOrder
CREATE = (  # CreateRepairOrder: the header, the appointment and the lines
    *pick(DRIVE, (*_HEADER_WRITE, "appointment_id")),
    Field("service_lines", "serviceLineItems", "rows", rows=LINE_WRITE),
)
CREATE_REQUIRED = (  # CreateRepairOrder.required, as row columns
    "customer_id",
    "customer_contact_info",
    "vehicle_id",
    "mileage_in",
    "mileage_unit",
    "promise_at",
    "advisor_id",
    "service_lines",
    "tag_number",
)
UPDATE_REQUIRED = tuple(n for n in CREATE_REQUIRED if n != "service_lines")
LINE_REQUIRED = ("service_request", "labor_operations", "dispatch_code", "estimated_duration")
OPERATION_REQUIRED = (
    "force_shop_charge_flag",
    "op_code",
    "op_code_desc",
    "sale_override_flag",
    "sold_hours",
    "sale_amount",
)
PART_REQUIRED = (
    "part_number",
    "part_number_description",
    "mfr_code",
    "part_qty",
    "sale_amount",
    "fixed_sale_flag",
    "includes_core_flag",
)

# The stream's columns: the read's, what is worked out from its lines, then Drive's.
FIELDS: tuple[str, ...] = tuple(
    dict.fromkeys(
        (
            *names(FORTELLIS[:-1]),
            *DERIVED,
            "lines",
            *(n for n in names(DRIVE) if n not in names(FORTELLIS)),
        )
    )
)


# -- Fortellis -------------------------------------------------------------------------
def from_fortellis(item: Mapping[str, Any]) -> Row:
    """A Fortellis ``RepairOrder`` as a row (Drive-only columns are '')."""
    row = flatten(item, FORTELLIS)
    if not row["created_at"]:  # the spec's own example spells it createDateTime
        value = item.get("createDateTime")
        row["created_at"] = value if isinstance(value, str) else ""
    lines = [i for i in item.get("serviceLines") or [] if isinstance(i, Mapping)]
    row.update(summarise(lines))
    return {name: row.get(name, "") for name in FIELDS}


def summarise(lines: Sequence[Mapping[str, Any]]) -> Row:
    """``op_codes``, ``total`` and ``declined_recommendations`` from Fortellis lines."""
    codes = [str(i.get("serviceOperationCode") or "").strip() for i in lines]
    declined = [
        str(i.get("description") or "").strip()
        for i in lines
        if i.get("approvalState") == "DECLINED"
    ]
    total = Decimal(0)
    priced = False
    for line in lines:
        pricing = line.get("pricing")
        amount = pricing.get("total") if isinstance(pricing, Mapping) else None
        if line.get("approvalState") == "DECLINED" or isinstance(amount, bool):
            continue
        if isinstance(amount, int | float):
            try:
                total += Decimal(str(amount))
                priced = True
            except InvalidOperation:
                continue
    return {
        "op_codes": ";".join(dict.fromkeys(c for c in codes if c)),
        "total": f"{total:.2f}" if priced else "",
        "declined_recommendations": ";".join(d for d in declined if d),
    }


def to_fortellis(row: Mapping[str, Any]) -> Json:
    """A row as a Fortellis ``RepairOrder`` (what the sandbox serves)."""
    return unflatten(row, FORTELLIS)


# -- Drive -----------------------------------------------------------------------------
def from_drive(item: Mapping[str, Any]) -> Row:
    """A Drive ``RepairOrder`` as a row (read-only columns are '')."""
    row = flatten(item, DRIVE)
    return {name: row.get(name, "") for name in FIELDS}


def create_body(row: Mapping[str, Any], hrefs: Hrefs) -> Json:
    """``CreateRepairOrder`` from a row (ids and statuses in its lines are left out)."""
    data = dict(row)
    if isinstance(data.get("service_lines"), str) and data["service_lines"].strip():
        with contextlib.suppress(ValueError):  # unflatten then says what is wrong with it
            data["service_lines"] = [_writable(i) for i in parse_lines(data["service_lines"])]
    return unflatten(data, CREATE, hrefs)


def update_body(row: Mapping[str, Any], hrefs: Hrefs, blanks: Sequence[str] = ()) -> Json:
    """``UpdateRepairOrder`` (the whole header) from a row."""
    return unflatten(row, UPDATE, hrefs, blanks=blanks)


def drive_body(row: Mapping[str, Any], hrefs: Hrefs, blanks: Sequence[str] = ()) -> Json:
    """A Drive ``RepairOrder`` from a row (what the sandbox serves)."""
    return unflatten(row, DRIVE, hrefs, blanks=blanks)


_SERVER_KEYS = ("service_line_id", "status", "labor_operation_id", "part_ref_id")


def _writable(item: Mapping[str, Any]) -> dict[str, Any]:
    """A line (or operation, or part) without the ids and status the server gives."""
    return {
        k: [_writable(i) if isinstance(i, Mapping) else i for i in v] if isinstance(v, list) else v
        for k, v in item.items()
        if k not in _SERVER_KEYS
    }


def line_body(line: Mapping[str, Any]) -> Json:
    """``CreateUpdateServiceLine`` from one flat line (the server's ids and status are
    left out)."""
    return unflatten(_writable(line), LINE_WRITE)


def line_from_drive(item: Mapping[str, Any]) -> dict[str, Any]:
    """A Drive ``ServiceLine`` as one flat line (operations and parts as lists)."""
    text = flatten({"l": [item]}, (Field("l", "l", "rows", rows=SERVICE_LINE),))["l"]
    lines = parse_lines(text)
    return lines[0] if lines else {}


def line_to_drive(line: Mapping[str, Any]) -> Json:
    """One flat line as a Drive ``ServiceLine`` (with its id and status)."""
    return unflatten(line, SERVICE_LINE)


def parse_lines(text: str) -> list[dict[str, Any]]:
    """The ``service_lines`` / ``lines`` column as a list of flat lines."""
    if not text or not text.strip():
        return []
    items = json.loads(text)
    return [dict(i) for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


def missing(row: Mapping[str, Any], required: Sequence[str]) -> list[str]:
    """Required columns the row leaves empty."""
    return [n for n in required if not str(row.get(n) or "").strip()]


def missing_in_lines(text: str) -> list[str]:
    """What the service lines of a create lack, as ``service_lines[1].dispatch_code``."""
    problems: list[str] = []
    for i, line in enumerate(parse_lines(text), start=1):
        where = f"service_lines[{i}]"
        problems += [f"{where}.{n}" for n in LINE_REQUIRED if line.get(n) in (None, "", [])]
        for j, op in enumerate(line.get("labor_operations") or [], start=1):
            if not isinstance(op, Mapping):
                continue
            at = f"{where}.labor_operations[{j}]"
            problems += [f"{at}.{n}" for n in OPERATION_REQUIRED if op.get(n) in (None, "")]
            for k, part in enumerate(op.get("included_parts") or [], start=1):
                if isinstance(part, Mapping):
                    problems += [
                        f"{at}.included_parts[{k}].{n}"
                        for n in PART_REQUIRED
                        if part.get(n) in (None, "")
                    ]
    return problems
