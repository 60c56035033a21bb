"""Vehicle sales (DMS deals): cash, finance and lease, F&I products, trade payoffs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.sandbox.generator import vehicles as cat
from app.sandbox.generator.clock import DAY, add_months, business_seconds
from app.sandbox.generator.fleet import Fleet
from app.sandbox.generator.fmt import (
    Obj,
    date_str,
    int_str,
    join_flags,
    money,
    objects,
    ts_str,
    where,
    zpad,
)
from app.sandbox.generator.names import SALESPEOPLE
from app.sandbox.generator.rng import weighted

BANKS: Obj = objects(
    ["Ally Financial", "Chase Auto", "Capital One Auto Finance", "Wells Fargo Auto",
     "Bank of America", "Huntington Bank", "Santander Consumer USA", "Flagstar Bank",
     "Lake Trust Credit Union", "DFCU Financial", "Genisys Credit Union",
     "Michigan Schools and Government Credit Union"]
)  # fmt: skip
BANK_WEIGHTS = np.array([18, 14, 14, 8, 6, 8, 6, 4, 5, 6, 5, 3], dtype=np.float64)
CAPTIVES: dict[str, str] = {
    "Ford": "Ford Credit",
    "Toyota": "Toyota Financial Services",
    "Honda": "American Honda Finance",
    "Chevrolet": "GM Financial",
    "Hyundai": "Hyundai Motor Finance",
    "Nissan": "Nissan Motor Acceptance",
}
FI_PRODUCTS: tuple[tuple[str, float, float], ...] = (  # name, P(financed/leased), P(cash)
    ("GAP", 0.35, 0.0),
    ("Service Contract", 0.30, 0.15),
    ("Tire & Wheel", 0.15, 0.05),
    ("Paint Protection", 0.12, 0.05),
    ("Key Replacement", 0.08, 0.02),
    ("Maintenance Plan", 0.10, 0.05),
    ("Theft Protection", 0.05, 0.01),
)
WALK_IN_SOURCES: Obj = objects(
    ["Walk-in", "Repeat Customer", "Referral", "Phone", "Service Drive", "Website"]
)
WALK_IN_WEIGHTS = np.array([40, 25, 12, 10, 8, 5], dtype=np.float64)


@dataclass(frozen=True)
class Sales:
    """What was sold to whom and when: one row per deal, sorted by day."""

    customer_row: np.ndarray
    vin: Obj
    stock: Obj
    new: np.ndarray
    day: np.ndarray
    model: np.ndarray
    year: np.ndarray
    trim: Obj
    trim_rank: np.ndarray
    status: Obj


def history_sales(fleet: Fleet) -> Sales:
    """Deals for owned vehicles bought at this dealer (historic stock numbers)."""
    rows = np.flatnonzero(fleet.bought_here)
    day = fleet.purchase_day[rows]
    yy = zpad(
        (day.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970) % 100, 2
    )
    new = fleet.new_at_purchase[rows]
    # 8-character historic stock numbers never collide with the 7-character lot numbers.
    stock = where(new, "N", "U") + yy + zpad(np.arange(len(rows)) % 100_000, 5)
    return Sales(
        fleet.customer_row[rows],
        fleet.vin[rows],
        stock,
        new,
        day,
        fleet.model[rows],
        fleet.year[rows],
        fleet.trim[rows],
        fleet.trim_rank[rows],
        np.full(len(rows), "", dtype=object),
    )


def merge_sales(parts: list[Sales]) -> Sales:
    """Concatenate and sort by deal day."""
    cat_ = {k: np.concatenate([getattr(p, k) for p in parts]) for k in Sales.__dataclass_fields__}
    order = np.argsort(cat_["day"], kind="stable")
    return Sales(**{k: v[order] for k, v in cat_.items()})


def build_deals(rng: np.random.Generator, sales: Sales, now_sec: int) -> dict[str, Obj]:
    """The dms_deals table (lead columns empty; the lead step fills them)."""
    n = len(sales.day)
    now_day = now_sec // DAY
    msrp = cat.msrp_cents(sales.model, sales.trim_rank, sales.year)
    sale_year = sales.day.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    age = np.maximum(sale_year - sales.year, 0)
    price = np.where(
        sales.new,
        msrp * (1 - rng.uniform(0.0, 0.07, n)),
        msrp * 0.88**age * rng.uniform(0.88, 1.08, n),
    )
    price = ((price // 10_000) * 10_000 - 100).astype(np.int64)  # $23,499.00
    price = np.maximum(price, 150_000)
    # New: 18% cash / 49% finance / 33% lease; used: 31% / 69% / 0 -> ~25/60/15 overall.
    u = rng.random(n)
    deal_type = np.where(
        sales.new,
        np.where(u < 0.18, 0, np.where(u < 0.67, 1, 2)),
        np.where(u < 0.31, 0, 1),
    )
    cash, fin, lease = deal_type == 0, deal_type == 1, deal_type == 2
    captive = objects([CAPTIVES.get(m, "") for m in cat.MAKES.tolist()])[sales.model]
    bank = BANKS[weighted(rng, BANK_WEIGHTS, n)]
    use_captive = (captive != "") & (lease | (sales.new & (rng.random(n) < 0.45)))
    lender = where(cash, "", where(use_captive, captive, where(lease, "Ally Financial", bank)))
    lender = where(lease & (captive == ""), "Ally Financial", lender)
    financed = (price * rng.uniform(0.55, 0.97, n) // 100 * 100).astype(np.int64)
    finance_terms = np.array([36, 48, 60, 72, 75, 84])
    lease_terms = np.array([24, 36, 39])
    term = np.where(
        lease,
        lease_terms[weighted(rng, np.array([15, 70, 15.0]), n)],
        finance_terms[weighted(rng, np.array([5, 15, 30, 35, 5, 10.0]), n)],
    )
    promo = use_captive & sales.new & (rng.random(n) < 0.35)
    apr_bp = np.where(
        promo,
        objects(["0", "190", "290", "390"]).astype(np.int64)[rng.integers(0, 4, n)],
        np.clip(rng.gamma(4.0, 160.0, n) + 250, 250, 1499).astype(np.int64),
    )
    maturity = add_months(sales.day, term)
    payoff = rng.random(n) < 0.28
    payoff_cents = rng.integers(20, 320, n) * 10_000 + rng.integers(0, 100, n) * 100

    fi_flags = []
    for name, p_fin, p_cash in FI_PRODUCTS:
        p = np.where(cash, p_cash, p_fin)
        if name == "GAP":
            p = np.where(fin, p_fin, 0.0)
        fi_flags.append(rng.random(n) < p)
    fi = join_flags([name for name, _, _ in FI_PRODUCTS], fi_flags)

    recent = sales.day >= now_day - 5
    status = where(
        recent, where(rng.random(n) < 0.5, "PENDING", "BOOKED"),
        where(rng.random(n) < 0.015, "UNWOUND", "DELIVERED"),
    )  # fmt: skip
    fixed = sales.status != ""
    status[fixed] = sales.status[fixed]
    delivered = (status == "DELIVERED") | (status == "UNWOUND")
    delivery = np.minimum(sales.day + weighted(rng, np.array([70, 20, 5, 3, 2.0]), n), now_day)
    created = business_seconds(rng, sales.day)
    updated = np.minimum(
        np.where(delivered, business_seconds(rng, delivery), created + 3600)
        + (rng.random(n) < 0.1) * (rng.random(n) * 60 * DAY).astype(np.int64),
        now_sec,
    )
    not_cash = ~cash
    return {
        "deal_number": int_str(20_001 + np.arange(n)),
        "customer_id": np.full(n, "", dtype=object),  # set by the caller (ids live there)
        "vin": sales.vin,
        "stock_number": sales.stock,
        "deal_type": objects(["CASH", "FINANCE", "LEASE"])[deal_type],
        "status": status,
        "deal_date": date_str(sales.day),
        "delivery_date": where(delivered, date_str(delivery), ""),
        "salesperson": objects(list(SALESPEOPLE))[rng.integers(0, len(SALESPEOPLE), n)],
        "lead_source": WALK_IN_SOURCES[weighted(rng, WALK_IN_WEIGHTS, n)],
        "sale_price": money(price),
        "fi_products": fi,
        "lender": lender,
        "amount_financed": where(not_cash, money(financed), ""),
        "payoff_amount": where(payoff, money(payoff_cents), ""),
        "term_months": where(not_cash, int_str(term), ""),
        "apr": where(not_cash, money(apr_bp), ""),
        "lease_maturity_date": where(lease, date_str(maturity), ""),
        "crm_lead_id": np.full(n, "", dtype=object),
        "updated_at": ts_str(updated),
    }
