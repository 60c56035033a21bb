"""Service appointments: past visits (kept, missed, cancelled) and upcoming bookings."""

from __future__ import annotations

import numpy as np

from app.sandbox.generator.clock import DAY
from app.sandbox.generator.fmt import Obj, code, objects, ts_str, where
from app.sandbox.generator.names import ADVISORS
from app.sandbox.generator.rng import weighted

SERVICES: Obj = objects(
    ["Oil change", "Tire rotation", "Oil change and tire rotation", "Brake inspection",
     "Check engine light", "State inspection / multi-point", "Recall service",
     "Battery check", "Alignment", "A/C not blowing cold", "Noise when braking",
     "Scheduled maintenance 30k", "Scheduled maintenance 60k", "New tires"]
)  # fmt: skip
SERVICE_WEIGHTS = np.array([30, 8, 15, 6, 8, 4, 6, 3, 3, 2, 3, 4, 3, 5], dtype=np.float64)
SLOT = 15 * 60


def build_appointments(
    rng: np.random.Generator,
    n_customers: int,
    vehicle_customer: np.ndarray,
    vins: Obj,
    now_sec: int,
) -> tuple[dict[str, Obj], np.ndarray]:
    """~0.3 appointments per customer; returns (columns, customer row per appointment)."""
    n = round(0.3 * n_customers)
    veh = rng.integers(0, len(vins), n) if len(vins) else np.zeros(0, dtype=np.int64)
    n = len(veh)
    now_day = now_sec // DAY
    when = rng.random(n)
    future = when < 0.35
    today = (when >= 0.35) & (when < 0.40)
    offset = np.where(future, rng.integers(1, 46, n), np.where(today, 0, -rng.integers(1, 540, n)))
    day = now_day + offset
    # 7:00-16:45 local in 15-minute slots; the dealer is UTC-5.
    slot = rng.integers(0, 40, n)
    scheduled = day * DAY + 12 * 3600 + slot * SLOT
    u = rng.random(n)
    status = where(
        future,
        where(u < 0.92, "SCHEDULED", "CANCELLED"),
        where(
            today & (scheduled <= now_sec),
            where(u < 0.8, "ARRIVED", "NO_SHOW"),
            where(
                today,
                "SCHEDULED",
                where(u < 0.80, "COMPLETED", where(u < 0.88, "NO_SHOW", "CANCELLED")),
            ),
        ),
    )
    booked = scheduled - rng.integers(1, 21, n) * DAY - rng.integers(0, 8 * 3600, n)
    updated = np.where(
        status == "SCHEDULED", booked, scheduled + rng.integers(0, 6 * 3600, n)
    ).clip(max=now_sec)
    order = np.argsort(booked, kind="stable")
    cols: dict[str, Obj] = {
        "appointment_id": code("A", np.arange(1, n + 1), 7),
        "customer_id": np.full(n, "", dtype=object),  # set by the caller
        "vin": vins[veh][order],
        "scheduled_at": ts_str(scheduled[order]),
        "service_requested": SERVICES[weighted(rng, SERVICE_WEIGHTS, n)],
        "advisor": objects(list(ADVISORS))[rng.integers(0, len(ADVISORS), n)],
        "status": status[order],
        "source": objects(["DMS", "CRM", "WEB"])[weighted(rng, np.array([55, 15, 30.0]), n)],
        "updated_at": ts_str(updated[order]),
    }
    return cols, vehicle_customer[veh][order]
