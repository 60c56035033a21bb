"""The STAR vehicle domains: inventory vehicles (inventory_vehicle.yaml, InventoryVehicle)
and service vehicles (service_vehicle.yaml, ServiceVehicle) as flat fields.
"""

from __future__ import annotations

from app.formats.star.domain_model import BASE_HEADERS, RECORD_CREATE, Domain, Field

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
    read_headers=(*BASE_HEADERS, "Preference-Applied"),
    write_headers=BASE_HEADERS,
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
    read_headers=(*BASE_HEADERS, "Preference-Applied", "Source-System"),
    write_headers=(*BASE_HEADERS, "Source-System"),
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
