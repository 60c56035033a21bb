"""The lot: new units of the franchise makes, used and certified pre-owned vehicles."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.sandbox.generator import vehicles as cat
from app.sandbox.generator.clock import DAY, business_seconds
from app.sandbox.generator.fmt import Obj, date_str, int_str, money, objects, ts_str, where, zpad
from app.sandbox.generator.rng import weighted

PHOTO_HOST = "https://photos.demo-dealer.example"
STATUSES: Obj = objects(["AVAILABLE", "PENDING", "SOLD", "DELIVERED"])
STATUS_WEIGHTS = np.array([0.80, 0.06, 0.06, 0.08])
_HIGHLIGHTS: Obj = objects(
    ["One owner, clean history report.", "Non-smoker, garage kept.",
     "Fresh oil change and new wipers.", "Heated seats, remote start, backup camera.",
     "Apple CarPlay and Android Auto.", "Tow package, bed liner.",
     "Sunroof, leather, navigation.", "Dealer maintained, all records available."]
)  # fmt: skip


@dataclass(frozen=True)
class Inventory:
    """The rendered table plus arrays later steps need."""

    columns: dict[str, Obj]
    model: np.ndarray
    year: np.ndarray
    trim: Obj
    trim_rank: np.ndarray
    color: Obj
    condition: Obj
    status: Obj
    price_cents: np.ndarray
    date_in_stock: np.ndarray


def inventory_size(customers: int) -> int:
    """About one unit on the lot per 150 customers, between 40 and 3,000."""
    return int(np.clip(customers // 150, 40, 3000))


def build_inventory(
    rng: np.random.Generator, customers: int, now_sec: int, serial_start: int
) -> Inventory:
    """Units on the lot with prices, photos and reconditioning state as of ``now``."""
    n = inventory_size(customers)
    now_day = now_sec // DAY
    now_year = int(np.datetime64(now_day, "D").astype("datetime64[Y]").astype(np.int64)) + 1970
    cond_idx = weighted(rng, np.array([0.55, 0.35, 0.10]), n)  # NEW, USED, CPO
    condition = objects(["NEW", "USED", "CPO"])[cond_idx]
    new, used, cpo = cond_idx == 0, cond_idx == 1, cond_idx == 2
    age = np.where(new, 0, np.where(used, rng.integers(1, 13, n), rng.integers(1, 7, n)))
    year = np.where(new, now_year + (rng.random(n) < 0.35), now_year - age)
    franchise = objects(list(cat.FRANCHISE_MAKES))[rng.integers(0, len(cat.FRANCHISE_MAKES), n)]
    model = cat.pick_models(rng, year)
    branded = new | cpo
    model[branded] = cat.pick_models(rng, year[branded], franchise[branded])
    trim, rank = cat.pick_trims(rng, model)
    msrp = cat.msrp_cents(model, rank, np.where(new, year, year))
    miles_per_year = 12_000 * np.exp(rng.normal(-0.05, 0.3, n))
    mileage = np.where(
        new,
        rng.integers(3, 60, n),
        (np.maximum(age, 0.5) * miles_per_year).astype(np.int64),
    )
    mileage = np.where(cpo, np.minimum(mileage, 79_000), mileage)
    depreciation = 0.88**age * rng.uniform(0.9, 1.1, n) * np.where(cpo, 1.05, 1.0)
    price_dollars = np.where(
        new,
        msrp / 100 * (1 - rng.uniform(0.0, 0.08, n)),
        msrp / 100 * depreciation,
    )
    price = ((price_dollars // 100) * 100 - 1).astype(np.int64) * 100  # 23499.00
    price = np.where(new, np.minimum(price, msrp), price)
    special = rng.random(n) < 0.15
    # Specials knock $500-$3,000 off, never more than ~10% of the price.
    discount = np.minimum(rng.integers(5, 31, n) * 100, price // 100 // 10 // 100 * 100 + 100)
    special_price = price - discount * 100
    in_stock = now_day - np.where(
        new, (rng.random(n) ** 1.5 * 150), (rng.random(n) ** 1.5 * 90)
    ).astype(np.int64)
    days = now_day - in_stock
    status = STATUSES[weighted(rng, STATUS_WEIGHTS, n)]
    recon = where(days < 3, "NOT_STARTED", where(days < 10, "IN_PROGRESS", "COMPLETE"))
    recon[new] = ""
    vins = cat.build_vins(rng, model, year, serial_start)
    prefix = where(new, "N", "U")
    yy = zpad(
        (in_stock.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970) % 100, 2
    )
    stock = prefix + yy + zpad(np.arange(n), 4)
    color = cat.COLORS[weighted(rng, cat.COLOR_WEIGHTS, n)]
    interior = cat.INTERIOR_COLORS[rng.integers(0, len(cat.INTERIOR_COLORS), n)]
    n_photos = np.where(status == "AVAILABLE", rng.integers(3, 13, n), rng.integers(3, 6, n))
    photos = objects(
        [
            " ".join(f"{PHOTO_HOST}/{v}/{k}.jpg" for k in range(1, c + 1))
            for v, c in zip(vins, n_photos.tolist(), strict=True)
        ]
    )
    make, mdl = cat.MAKES[model], cat.MODELS[model]
    title = int_str(year) + " " + make + " " + mdl + " " + trim
    highlight = _HIGHLIGHTS[rng.integers(0, len(_HIGHLIGHTS), n)]
    miles_txt = objects([f"{m:,}" for m in mileage.tolist()])
    description = where(
        new,
        "Brand new " + title + " in " + color + ". " + highlight,
        where(cpo, "Certified Pre-Owned ", "")
        + title
        + " in "
        + color
        + " with "
        + miles_txt
        + " miles. "
        + highlight,
    )
    updated = np.maximum(
        business_seconds(rng, in_stock), now_sec - (rng.random(n) * 5 * DAY).astype(np.int64)
    )
    updated = np.minimum(updated, now_sec)
    columns: dict[str, Obj] = {
        "stock_number": stock,
        "vin": vins,
        "condition": condition,
        "year": int_str(year),
        "make": make,
        "model": mdl,
        "trim": trim,
        "body_style": cat.BODIES[model],
        "exterior_color": color,
        "interior_color": interior,
        "mileage": int_str(mileage),
        "msrp": money(msrp),
        "price": money(price),
        "special_price": where(special, money(special_price), ""),
        "photo_urls": photos,
        "status": status,
        "date_in_stock": date_str(in_stock),
        "days_in_stock": int_str(days),
        "recon_status": recon,
        "description": description,
        "updated_at": ts_str(updated),
    }
    return Inventory(columns, model, year, trim, rank, color, condition, status, price, in_stock)
