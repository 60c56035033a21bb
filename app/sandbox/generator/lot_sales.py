"""Recent sales of units still on the lot (PENDING / SOLD / DELIVERED inventory)."""

from __future__ import annotations

import numpy as np

from app.sandbox.generator.clock import DAY
from app.sandbox.generator.fleet import MILES_PER_DAY, Fleet
from app.sandbox.generator.inventory import Inventory
from app.sandbox.generator.sales import Sales

_DEAL_STATUS = {"PENDING": "PENDING", "SOLD": "BOOKED", "DELIVERED": "DELIVERED"}


def lot_sales(
    rng: np.random.Generator, inv: Inventory, n_customers: int, now_sec: int
) -> tuple[Sales, Fleet]:
    """Deals for sold lot units (to recent customers) and the delivered ones as owned cars."""
    rows = np.flatnonzero(inv.status != "AVAILABLE")
    n = len(rows)
    now_day = now_sec // DAY
    # Buyers are among the newest customer records (DMS rows are in creation order).
    recent = max(1, min(n_customers, max(50, n_customers // 20)))
    customer = n_customers - 1 - rng.integers(0, recent, n)
    status = inv.status[rows]
    back = np.where(status == "DELIVERED", rng.integers(1, 10, n), rng.integers(0, 4, n))
    day = np.maximum(now_day - back, inv.date_in_stock[rows])
    new = inv.condition[rows] == "NEW"
    vin = inv.columns["vin"][rows]
    sales = Sales(
        customer_row=customer,
        vin=vin,
        stock=inv.columns["stock_number"][rows],
        new=new,
        day=day,
        model=inv.model[rows],
        year=inv.year[rows],
        trim=inv.trim[rows],
        trim_rank=inv.trim_rank[rows],
        status=np.array([_DEAL_STATUS[s] for s in status], dtype=object),
    )
    d = status == "DELIVERED"
    mileage = inv.columns["mileage"][rows].astype(np.int64)
    rate = MILES_PER_DAY * np.exp(rng.normal(-0.06, 0.35, n))
    owned = Fleet(
        customer_row=customer[d],
        model=sales.model[d],
        year=sales.year[d],
        trim=sales.trim[d],
        trim_rank=sales.trim_rank[d],
        color=inv.color[rows][d],
        vin=vin[d],
        purchase_day=day[d],
        bought_here=np.zeros(int(d.sum()), dtype=bool),  # its deal is the lot deal above
        new_at_purchase=new[d],
        # Back-date the in-service day so the odometer reads the lot mileage on delivery.
        in_service_day=day[d] - (mileage[d] / rate[d]).astype(np.int64),
        miles_per_day=rate[d],
    )
    return sales, owned
