"""Service vehicles of the CDK Drive Service Vehicles API
(``drive-service-vehicles.swagger.json``).

``Vehicle`` = ``identification`` (vin, licensePlateNum), ``specification`` (makeCode,
make, modelCode, model, modelYear), ``exteriorColor``, ``mileage`` (value + MI/KM),
``status`` (NEW/USED/CERTIFIED), ``dates`` (delivered, inService, warrantyExpiration),
``ownerHref`` and ``primaryDriverHref`` (links to customers). Creates and updates send
``CreateVehicle``: the same minus ``vehicleId`` and ``links``; it requires
identification, specification (makeCode, modelCode, modelYear), status and dates
(delivered, inService).

Row names follow the DMS vehicle layout where the meaning is the same (``vin``, ``make``,
``model``, ``year``, ``color``, ``mileage``, ``customer_id`` for the owner,
``purchase_date`` for the delivery date to the current owner).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.formats.cdk.common import Field, Hrefs, Json, Row, flatten, names, unflatten

ALL = (
    Field("vehicle_id", "vehicleId"),
    Field("vin", "identification.vin"),
    Field("license_plate", "identification.licensePlateNum"),
    Field("make_code", "specification.makeCode"),
    Field("make", "specification.make"),
    Field("model_code", "specification.modelCode"),
    Field("model", "specification.model"),
    Field("year", "specification.modelYear", "integer"),
    Field("color", "exteriorColor"),
    Field("mileage", "mileage.value", "number"),
    Field("mileage_unit", "mileage.units"),
    Field("status", "status"),
    Field("purchase_date", "dates.delivered"),
    Field("in_service_date", "dates.inService"),
    Field("warranty_expiration_date", "dates.warrantyExpiration"),
    Field("customer_id", "ownerHref", "href", target="customer"),
    Field("primary_driver_id", "primaryDriverHref", "href", target="customer"),
)
FIELDS = names(ALL)
WRITE = tuple(f for f in ALL if f.name != "vehicle_id")  # CreateVehicle
WRITABLE = names(WRITE)
CREATE_REQUIRED = (
    "make_code",
    "model_code",
    "year",
    "status",
    "purchase_date",
    "in_service_date",
)
STATUSES = ("NEW", "USED", "CERTIFIED")


def from_cdk(item: Mapping[str, Any]) -> Row:
    return flatten(item, ALL)


def to_cdk(row: Mapping[str, Any], hrefs: Hrefs, blanks: Sequence[str] = ()) -> Json:
    """A row as a ``Vehicle`` (what the sandbox serves)."""
    return unflatten(row, ALL, hrefs, blanks=blanks)


def write_body(row: Mapping[str, Any], hrefs: Hrefs, blanks: Sequence[str] = ()) -> Json:
    """``CreateVehicle`` from a row (create, or the whole record for an update)."""
    body = unflatten(row, WRITE, hrefs, blanks=blanks)
    body.setdefault("identification", {})
    return body


def missing_for_create(row: Mapping[str, Any]) -> list[str]:
    """What ``CreateVehicle`` requires and the row leaves empty (a VIN or a plate counts
    as the identification)."""
    gaps = [n for n in CREATE_REQUIRED if not str(row.get(n) or "").strip()]
    if not any(str(row.get(n) or "").strip() for n in ("vin", "license_plate")):
        gaps.insert(0, "vin or license_plate")
    return gaps
