"""Facts marketing segments need that a DMS keeps beside the sale: warranty coverage per
vehicle, and the price guide a dealer licenses for trade-in values.

Both are seeded and are their own truth: ``dms_warranties`` says when each coverage ends
(factory terms per make from the in-service day; a CPO warranty from the sale of a
certified used vehicle), ``valuation_guide`` what the guide says a year/make/model/trim
is worth. The guide leaves some vehicles out on purpose (real guides do): the app must
then show "no value" rather than make one up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.sandbox.generator import vehicles as cat
from app.sandbox.generator.clock import DAY, add_months
from app.sandbox.generator.fleet import Fleet
from app.sandbox.generator.fmt import Obj, date_str, int_str, money

# make -> (basic months, basic miles, powertrain months, powertrain miles)
FACTORY_TERMS: dict[str, tuple[int, int, int, int]] = {
    "Hyundai": (60, 60_000, 120, 100_000),
    "Kia": (60, 60_000, 120, 100_000),
    "Toyota": (36, 36_000, 60, 60_000),
    "Honda": (36, 36_000, 60, 60_000),
    "Chevrolet": (36, 36_000, 60, 60_000),
    "Ford": (36, 36_000, 60, 60_000),
    "Nissan": (36, 36_000, 60, 60_000),
}
DEFAULT_TERMS = (36, 36_000, 60, 60_000)
CPO_SHARE = 0.35  # of used vehicles sold here, the ones sold certified
CPO_MONTHS = np.array([12, 24])
CPO_MILES = np.array([12_000, 24_000])
GUIDE_GAP = 0.06  # share of year/make/model/trim the guide has no value for
GUIDE_AS_OF_DAYS = 5  # the guide edition: a few days before "now"


@dataclass(frozen=True)
class Warranties:
    columns: dict[str, Obj]


def _terms(model: np.ndarray) -> np.ndarray:
    """(n, 4) factory terms of catalogue models."""
    table = np.array([FACTORY_TERMS.get(m, DEFAULT_TERMS) for m in cat.MAKES.tolist()])
    return table[model]


def build_warranties(rng: np.random.Generator, fleet: Fleet, customer_ids: Obj) -> Warranties:
    """Factory BASIC and POWERTRAIN coverage of every owned vehicle from its in-service
    day (ended ones too: a DMS keeps them), plus CPO for a share of used sales here."""
    n = len(fleet)
    rows = np.arange(n)
    terms = _terms(fleet.model)
    start = fleet.in_service_day
    parts: list[dict[str, Obj]] = []
    for coverage, months, miles in (
        ("BASIC", terms[:, 0], terms[:, 1]),
        ("POWERTRAIN", terms[:, 2], terms[:, 3]),
    ):
        parts.append(
            {
                "vin": fleet.vin,
                "customer_id": customer_ids[fleet.customer_row],
                "coverage": np.full(n, coverage, dtype=object),
                "start_date": date_str(start),
                "end_date": date_str(add_months(start, months)),
                "end_miles": int_str(miles),
            }
        )
    used_here = fleet.bought_here & ~fleet.new_at_purchase & (fleet.purchase_day >= 0)
    cpo = rows[used_here & (rng.random(n) < CPO_SHARE)]
    pick = rng.integers(0, len(CPO_MONTHS), len(cpo))
    cpo_start = fleet.purchase_day[cpo]
    at_sale = fleet.miles_at(cpo, cpo_start)
    parts.append(
        {
            "vin": fleet.vin[cpo],
            "customer_id": customer_ids[fleet.customer_row[cpo]],
            "coverage": np.full(len(cpo), "CPO", dtype=object),
            "start_date": date_str(cpo_start),
            "end_date": date_str(add_months(cpo_start, CPO_MONTHS[pick])),
            "end_miles": int_str(at_sale + CPO_MILES[pick]),
        }
    )
    columns = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.lexsort((columns["coverage"].astype(str), columns["vin"].astype(str)))
    return Warranties({k: v[order] for k, v in columns.items()})


def build_valuation_guide(rng: np.random.Generator, fleet: Fleet, now_sec: int) -> dict[str, Obj]:
    """One trade-in value per year/make/model/trim the fleet has, less ``GUIDE_GAP``:
    MSRP depreciated ~14%/year with noise, in whole $25."""
    key = (fleet.model.astype(np.int64) * 10_000 + fleet.year) * 100 + fleet.trim_rank
    _, first = np.unique(key, return_index=True)
    first = np.sort(first)
    keep = first[rng.random(len(first)) >= GUIDE_GAP]
    model, year, rank = fleet.model[keep], fleet.year[keep], fleet.trim_rank[keep]
    now_year = int((now_sec // DAY) / 365.2425) + 1970
    age = np.clip(now_year - year, 0, 30)
    msrp = cat.msrp_cents(model, rank, year)
    value = msrp * 0.86**age * rng.uniform(0.85, 1.05, len(keep))
    value = np.maximum((value // 2_500).astype(np.int64) * 2_500, 50_000)
    n = len(keep)
    as_of = date_str(np.full(n, now_sec // DAY - GUIDE_AS_OF_DAYS))
    order = np.lexsort(
        (
            fleet.trim[keep].astype(str),
            year,
            cat.MODELS[model].astype(str),
            cat.MAKES[model].astype(str),
        )
    )
    columns = {
        "year": int_str(year),
        "make": cat.MAKES[model],
        "model": cat.MODELS[model],
        "trim": fleet.trim[keep],
        "trade_in_value": money(value),
        "as_of": as_of,
    }
    return {k: v[order] for k, v in columns.items()}
