"""Vehicles customers own: 1-3 per DMS customer, bought here or elsewhere over the years."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.sandbox.generator import vehicles as cat
from app.sandbox.generator.clock import DAY
from app.sandbox.generator.fmt import Obj
from app.sandbox.generator.rng import group_offsets, weighted

MILES_PER_DAY = 12_000 / 365.25


@dataclass
class Fleet:
    """One row per owned vehicle (column arrays)."""

    customer_row: np.ndarray  # row into the DMS customer table
    model: np.ndarray  # catalogue index
    year: np.ndarray
    trim: Obj
    trim_rank: np.ndarray
    color: Obj
    vin: Obj
    purchase_day: np.ndarray
    bought_here: np.ndarray
    new_at_purchase: np.ndarray
    in_service_day: np.ndarray
    miles_per_day: np.ndarray

    def __len__(self) -> int:
        return len(self.vin)

    def miles_at(self, rows: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Odometer of vehicles ``rows`` on ``day`` (linear use since it entered service)."""
        used = np.maximum(day - self.in_service_day[rows], 0)
        return (used * self.miles_per_day[rows]).astype(np.int64) + 8


def model_year_for(
    rng: np.random.Generator, purchase_day: np.ndarray, new: np.ndarray
) -> np.ndarray:
    """Model year of a vehicle bought on ``purchase_day``, new or used (1-10 years old)."""
    d = purchase_day.astype("datetime64[D]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    month = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    # Next model year goes on sale in late summer.
    next_my = (month >= 8) & (rng.random(len(year)) < 0.6)
    used_age = 1 + np.minimum(rng.geometric(0.28, len(year)) - 1, 12)
    out = np.where(new, year + next_my, year - used_age)
    return np.clip(out, int(cat.FIRST_YEAR.min()), int(cat.LAST_YEAR.max()))


def in_service(
    rng: np.random.Generator, year: np.ndarray, purchase_day: np.ndarray, new: np.ndarray
) -> np.ndarray:
    """Day the vehicle was first sold: purchase day if new, else around its model year."""
    start = (np.asarray(year - 1971, dtype=np.int64) * 365.25 + 273).astype(np.int64)  # Oct 1
    start = start + rng.integers(0, 270, len(year))
    return np.where(new, purchase_day, np.minimum(start, purchase_day))


def build_fleet(
    rng: np.random.Generator,
    created_sec: np.ndarray,
    business: np.ndarray,
    now_sec: int,
    serial_start: int,
) -> Fleet:
    """1-3 vehicles per customer (mean ~1.4); ~57% of them were bought at this dealer."""
    n_cust = len(created_sec)
    counts = 1 + weighted(rng, np.array([0.68, 0.24, 0.08]), n_cust)
    counts = np.where(business & (rng.random(n_cust) < 0.3), counts + 1, counts)
    cust, pos = group_offsets(counts)
    n = len(cust)
    now_day = now_sec // DAY
    created_day = created_sec[cust] // DAY
    # The first vehicle is usually what made them a customer; later ones came over time.
    bought_here = rng.random(n) < np.where(pos == 0, 0.62, 0.45)
    later = created_day + ((now_day - created_day) * rng.random(n)).astype(np.int64)
    before = created_day - (rng.random(n) * 4 * 365).astype(np.int64)
    purchase = np.where(
        bought_here,
        np.where(pos == 0, created_day, later),
        np.where(rng.random(n) < 0.5, before, later),
    )
    purchase = np.minimum(purchase, now_day - 1)
    new = rng.random(n) < np.where(bought_here, 0.45, 0.35)
    year = model_year_for(rng, purchase, new)
    model = cat.pick_models(rng, year)
    trim, rank = cat.pick_trims(rng, model)
    rate = MILES_PER_DAY * np.exp(rng.normal(-0.06, 0.35, n))
    return Fleet(
        customer_row=cust,
        model=model,
        year=year,
        trim=trim,
        trim_rank=rank,
        color=cat.COLORS[weighted(rng, cat.COLOR_WEIGHTS, n)],
        vin=cat.build_vins(rng, model, year, serial_start),
        purchase_day=purchase,
        bought_here=bought_here,
        new_at_purchase=new,
        in_service_day=in_service(rng, year, purchase, new),
        miles_per_day=rate,
    )


def append(fleet: Fleet, other: Fleet) -> Fleet:
    """Rows of ``fleet`` followed by rows of ``other``."""
    return Fleet(
        **{
            k: np.concatenate([getattr(fleet, k), getattr(other, k)])
            for k in fleet.__dataclass_fields__
        }
    )
