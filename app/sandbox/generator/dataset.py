"""Build the whole demo dealership: every table of ``schema.TABLES`` from one seed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from app.sandbox import schema
from app.sandbox.generator import vehicles as cat
from app.sandbox.generator.appointments import build_appointments
from app.sandbox.generator.clock import DAY, DEFAULT_NOW, business_seconds, epoch_seconds
from app.sandbox.generator.contacts import (
    CRM_ONLY_SHARE,
    build_crm_contacts,
    build_marketing_contacts,
)
from app.sandbox.generator.dms_customers import build_dms_customers, plan_people
from app.sandbox.generator.fleet import append, build_fleet
from app.sandbox.generator.fmt import Obj, code, date_str, int_str, ts_str, where
from app.sandbox.generator.inventory import build_inventory
from app.sandbox.generator.leads import build_leads
from app.sandbox.generator.lot_sales import lot_sales
from app.sandbox.generator.marketing_facts import build_valuation_guide, build_warranties
from app.sandbox.generator.people import build_people
from app.sandbox.generator.rng import stream
from app.sandbox.generator.sales import build_deals, history_sales, merge_sales
from app.sandbox.generator.service import build_service
from app.sandbox.generator.truth import marketing_segments, truth_table

StepCallback = Callable[[str, float], None]


@dataclass(frozen=True)
class Dataset:
    """All tables of the demo dealership (string columns, '' for unknown)."""

    tables: dict[str, pd.DataFrame]
    seed: int
    customers: int

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]


def _frame(name: str, cols: dict[str, Obj]) -> pd.DataFrame:
    order = schema.TABLES[name]
    missing = set(order) ^ set(cols)
    if missing:
        raise ValueError(f"{name}: columns do not match the schema: {sorted(missing)}")
    return pd.DataFrame({c: pd.Series(cols[c], dtype=object, copy=False) for c in order})


def _first_per_person(
    person_row: np.ndarray, values: np.ndarray, n_people: int, fill: object
) -> np.ndarray:
    """Value of each person's first row (rows are in creation order); ``fill`` if none."""
    out = np.full(n_people, fill, dtype=values.dtype)
    out[person_row[::-1]] = values[::-1]
    return out


def build_dataset(
    customers: int,
    seed: int = 42,
    *,
    now: datetime | None = None,
    on_step: StepCallback | None = None,
) -> Dataset:
    """Generate the demo dealership with ``customers`` DMS customer records.

    Deterministic: the same (customers, seed, now) gives identical frames. ``now`` defaults
    to a fixed date (2026-11-01T12:00:00Z) so output never depends on the clock.
    ``on_step(step, seconds)`` is called after each generation step (for benchmarks).
    """
    if customers < 1:
        raise ValueError("customers must be at least 1")
    now_sec = epoch_seconds(now or DEFAULT_NOW)
    tick = time.perf_counter()

    def step(name: str) -> None:
        nonlocal tick
        if on_step is not None:
            t = time.perf_counter()
            on_step(name, t - tick)
            tick = t

    n_dms_people = plan_people(customers)[0]
    n_people = n_dms_people + round(CRM_ONLY_SHARE * n_dms_people)
    people = build_people(stream(seed, "people"), n_people, now_sec)
    step("people")
    dms = build_dms_customers(stream(seed, "dms_customers"), people, customers, now_sec)
    ids = dms.columns["customer_id"]
    ids_by_person = _first_per_person(dms.person_row, ids, n_people, "")
    created_by_person = _first_per_person(dms.person_row, dms.created_sec, n_people, 0)
    step("dms_customers")
    crm = build_crm_contacts(
        stream(seed, "crm"), people, n_dms_people, ids_by_person, created_by_person, now_sec
    )
    step("crm_contacts")

    inv = build_inventory(stream(seed, "inventory"), customers, now_sec, serial_start=0)
    n_inv = len(inv.model)
    owned = build_fleet(stream(seed, "fleet"), dms.created_sec, dms.business, now_sec, n_inv)
    sold_on_lot, delivered = lot_sales(stream(seed, "lot_sales"), inv, customers, now_sec)
    fleet = append(owned, delivered)
    step("inventory_and_vehicles")

    sales = merge_sales([history_sales(owned), sold_on_lot])
    deals = build_deals(stream(seed, "deals"), sales, now_sec)
    deals["customer_id"] = ids[sales.customer_row]
    title = int_str(sales.year) + " " + cat.MAKES[sales.model] + " " + cat.MODELS[sales.model]
    title = title + " " + sales.trim
    available = inv.status == "AVAILABLE"
    lot_title = (
        inv.columns["year"] + " " + inv.columns["make"] + " " + inv.columns["model"] + " "
        + inv.columns["trim"]
    )  # fmt: skip
    leads = build_leads(
        stream(seed, "leads"),
        crm,
        n_people,
        n_dms_people,
        deal_person=dms.person_row[sales.customer_row],
        deal_day=sales.day,
        deal_vin=sales.vin,
        deal_title=title,
        deal_salesperson=deals["salesperson"],
        lot_vin=inv.columns["vin"][available],
        lot_title=lot_title[available],
        now_sec=now_sec,
    )
    deals["crm_lead_id"][leads.sold_deal_rows] = leads.sold_lead_ids
    deals["lead_source"][leads.sold_deal_rows] = leads.sold_sources
    step("deals_and_leads")

    service = build_service(stream(seed, "service"), fleet, now_sec)
    service.orders["customer_id"] = ids[fleet.customer_row[service.vehicle_row]]
    step("repair_orders")
    appts, appt_customer = build_appointments(
        stream(seed, "appointments"), customers, fleet.customer_row, fleet.vin, now_sec
    )
    appts["customer_id"] = ids[appt_customer]

    # Last known odometer: the latest RO (or the purchase) sets it.
    last_day = fleet.purchase_day.copy()
    np.maximum.at(last_day, service.vehicle_row, service.open_day)
    visits = np.bincount(service.vehicle_row, minlength=len(fleet))
    vrng = stream(seed, "vehicles")
    vehicles = {
        "vehicle_id": code("V", np.arange(1, len(fleet) + 1), 7),
        "customer_id": ids[fleet.customer_row],
        "vin": fleet.vin,
        "year": int_str(fleet.year),
        "make": cat.MAKES[fleet.model],
        "model": cat.MODELS[fleet.model],
        "trim": fleet.trim,
        "color": fleet.color,
        "mileage": int_str(fleet.miles_at(np.arange(len(fleet)), last_day) + visits),
        "purchase_date": where(fleet.purchase_day >= 0, date_str(fleet.purchase_day), ""),
        "updated_at": ts_str(np.minimum(business_seconds(vrng, last_day), now_sec)),
    }
    step("appointments_and_vehicles")
    warranties = build_warranties(stream(seed, "warranties"), fleet, ids)
    guide = build_valuation_guide(stream(seed, "valuation_guide"), fleet, now_sec)
    step("warranties_and_valuations")

    marketing = build_marketing_contacts(
        stream(seed, "marketing"), people, np.arange(n_people), now_sec
    )
    marketing.columns["segments"] = marketing_segments(
        stream(seed, "segments"),
        marketing.person_row,
        n_people=n_people,
        n_dms_people=n_dms_people,
        person_of_customer=dms.person_row,
        ro_customer=fleet.customer_row[service.vehicle_row],
        deal_customer=sales.customer_row,
        deal_type=deals["deal_type"],
        deal_day=sales.day,
        truck_customer=fleet.customer_row[cat.BODIES[fleet.model] == "Pickup"],
        now_day=now_sec // DAY,
    )
    truth = truth_table(
        people.person_id,
        [
            ("dms", ids, dms.person_row),
            ("crm", crm.columns["contact_id"], crm.person_row),
            ("marketing", marketing.columns["subscriber_id"], marketing.person_row),
        ],
    )
    step("marketing_and_truth")

    raw = {
        "dms_customers": dms.columns,
        "dms_vehicles": vehicles,
        "dms_deals": deals,
        "dms_repair_orders": service.orders,
        "dms_repair_order_lines": service.lines,
        "dms_appointments": appts,
        "dms_inventory": inv.columns,
        "dms_warranties": warranties.columns,
        "valuation_guide": guide,
        "crm_contacts": crm.columns,
        "crm_leads": leads.columns,
        "marketing_contacts": marketing.columns,
        "truth": truth,
    }
    tables = {name: _frame(name, raw[name]) for name in schema.TABLES}
    step("frames")
    return Dataset(tables=tables, seed=seed, customers=customers)
