"""The built-in segments, vectorised over ``SegmentData``.

Each returns *hits*: one row per customer (``customer_id``, the ``vin`` the hit is about
when there is one, and that kind's detail columns), chosen as the customer's most telling
vehicle (largest equity, soonest lease end, most lapsed service…). Dates are day numbers
here; ``evaluate`` renders them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from app.segments.data import NO_DAY, SegmentData
from app.segments.errors import SegmentError
from app.segments.model import SegmentDef
from app.segments.valuation import ValuationSource

LIVE_DEALS = ("DELIVERED", "BOOKED")  # a PENDING deal is not a sale yet; UNWOUND undone
FIRST_SERVICE_WINDOW_MONTHS = 24


def lookup(keys: pd.Series | np.ndarray, queries: pd.Series | np.ndarray) -> np.ndarray:
    """Row of each query in ``keys`` (the first when repeated), -1 when absent."""
    index = pd.Index(keys)
    first = ~index.duplicated()
    rows = np.flatnonzero(first)
    found = index[first].get_indexer(pd.Index(queries))
    return np.where(found >= 0, rows[np.maximum(found, 0)], -1)


def months_before(day: int, months: float) -> int:
    """The calendar day ``months`` before ``day`` (whole months; day clipped to month end)."""
    d = np.datetime64(int(day), "D")
    month = d.astype("datetime64[M]")
    target = month - np.timedelta64(int(months), "M")
    dom = int((d - month.astype("datetime64[D]")).astype(np.int64))
    length = int(
        (
            (target + np.timedelta64(1, "M")).astype("datetime64[D]")
            - target.astype("datetime64[D]")
        ).astype(np.int64)
    )
    return int(
        (target.astype("datetime64[D]") + np.timedelta64(min(dom, length - 1), "D")).astype(
            np.int64
        )
    )


class Context:
    """Per-data helpers shared by the evaluators (built once per ``SegmentData``)."""

    def __init__(self, data: SegmentData, valuation: ValuationSource | None) -> None:
        self.data = data
        self.t = data.typed()
        self.today = data.today_day
        self.valuation = valuation
        index = pd.Index(self.t.vehicle_key)
        first = ~index.duplicated()
        self._vehicle_rows = np.flatnonzero(first)
        self._vehicle_index = index[first]
        self._ro_last: np.ndarray | None = None

    def owned_row(self, keys: np.ndarray) -> np.ndarray:
        """Row in vehicles of each (customer, VIN) key the customer still owns, else -1."""
        found = self._vehicle_index.get_indexer(keys)
        return np.where(found >= 0, self._vehicle_rows[np.maximum(found, 0)], -1)

    def vehicle_row_of(self, customer_id: pd.Series, vin: pd.Series) -> np.ndarray:
        """Row in vehicles of (customer number, VIN) texts (members' vehicles), else -1."""
        return self.owned_row(self.t.key(customer_id, vin))

    def ro_last(self) -> np.ndarray:
        """VIN code -> the latest repair order's open day (``NO_DAY`` when none)."""
        if self._ro_last is None:
            last = np.full(self.t.vins, NO_DAY, dtype=np.int64)
            np.maximum.at(last, self.t.ro_vin, self.t.ro_open)
            self._ro_last = last
        return self._ro_last


def _best(frame: pd.DataFrame, by: str, ascending: bool) -> pd.DataFrame:
    """One row per customer: the first by ``by``. ``_customer`` (the customer's code,
    one per customer number) is the customer here: integers hash faster than texts."""
    frame = frame.sort_values(by, ascending=ascending, kind="stable")  # ties: data order
    return frame.drop_duplicates("_customer", keep="first").reset_index(drop=True)


def equity_mining(ctx: Context, seg: SegmentDef) -> pd.DataFrame:
    if ctx.valuation is None:
        raise SegmentError(
            "Equity mining needs a valuation source: a price guide or depreciation table.",
            hint="Choose one in the segment settings; the app never invents a vehicle value.",
        )
    d, t = ctx.data.deals, ctx.t
    live = d["status"].isin(LIVE_DEALS).to_numpy() & (np.nan_to_num(t.deal_payoff) > 0)
    rows = np.flatnonzero(live)
    veh = ctx.owned_row(t.deal_key[rows])
    rows, veh = rows[veh >= 0], veh[veh >= 0]
    v = ctx.data.vehicles
    year = t.vehicle_year[veh]
    on_year = int(np.datetime64(ctx.today, "D").astype("datetime64[Y]").astype(np.int64)) + 1970
    value, source_row = ctx.valuation.values(
        year, v["make"].iloc[veh], v["model"].iloc[veh], v["trim"].iloc[veh], on_year
    )
    payoff = t.deal_payoff[rows]
    equity = value - payoff
    keep = ~np.isnan(equity) & (equity >= float(seg.param("min_equity")))
    hits = pd.DataFrame(
        {
            "customer_id": d["customer_id"].to_numpy()[rows][keep],
            "vin": d["vin"].to_numpy()[rows][keep],
            "equity": np.round(equity[keep], 2),
            "vehicle_value": value[keep],
            "payoff": payoff[keep],
            "_valuation_row": source_row[keep],
            "_vehicle_row": veh[keep],
            "_customer": t.vehicle_customer[veh[keep]],
            "_year": year[keep],
        }
    )
    return _best(hits, "equity", ascending=False)


def lease_maturity(ctx: Context, seg: SegmentDef) -> pd.DataFrame:
    d, t = ctx.data.deals, ctx.t
    end = t.deal_lease_end
    mask = (
        (d["deal_type"] == "LEASE").to_numpy()
        & d["status"].isin(LIVE_DEALS).to_numpy()
        & (end >= ctx.today)
        & (end <= ctx.today + int(seg.param("days")))
    )
    rows = np.flatnonzero(mask)
    veh = ctx.owned_row(t.deal_key[rows])
    rows, veh = rows[veh >= 0], veh[veh >= 0]
    hits = pd.DataFrame(
        {
            "customer_id": d["customer_id"].to_numpy()[rows],
            "vin": d["vin"].to_numpy()[rows],
            "lease_end_date": end[rows],
            "_vehicle_row": veh,
            "_customer": t.vehicle_customer[veh],
        }
    )
    return _best(hits, "lease_end_date", ascending=True)


def service_retention(ctx: Context, seg: SegmentDef) -> pd.DataFrame:
    v = ctx.data.vehicles
    last_day = ctx.ro_last()[ctx.t.vehicle_vin]
    cutoff = months_before(ctx.today, float(seg.param("months")))
    mask = (last_day != NO_DAY) & (last_day < cutoff) & (ctx.t.vehicle_owner_row >= 0)
    hits = pd.DataFrame(
        {
            "customer_id": v["customer_id"].to_numpy()[mask],
            "vin": v["vin"].to_numpy()[mask],
            "last_service_date": last_day[mask],
            "_vehicle_row": np.flatnonzero(mask),
            "_customer": ctx.t.vehicle_customer[mask],
        }
    )
    return _best(hits, "last_service_date", ascending=True)


def _joined(keys: np.ndarray, items: np.ndarray) -> pd.Series:
    """``items`` joined with '; ' per run of equal ``keys`` (grouped already), by key."""
    if not len(keys):
        return pd.Series([], dtype=str)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    text = ["; ".join(items[a:b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    return pd.Series(text, index=keys[starts], dtype=str)


def declined_work(ctx: Context, seg: SegmentDef) -> pd.DataFrame:
    r, opened = ctx.data.repair_orders, ctx.t.ro_open
    window = np.flatnonzero((opened >= ctx.today - int(seg.param("days"))) & (opened <= ctx.today))
    said = r["declined_recommendations"].to_numpy(dtype=object)[window]  # the few in the window
    rows = window[said != ""]
    hits = pd.DataFrame(
        {
            "customer_id": r["customer_id"].to_numpy()[rows],
            "vin": r["vin"].to_numpy()[rows],
            "declined_day": opened[rows],
            "declined": r["declined_recommendations"].to_numpy()[rows],
        }
    ).sort_values(["customer_id", "declined_day"], ascending=[True, False], kind="stable")
    if hits.empty:
        return hits.assign(declined_work="").drop(columns=["declined"])
    items = hits.assign(item=hits["declined"].str.split(";")).explode("item")
    items["item"] = items["item"].str.strip()
    items = items[items["item"] != ""].drop_duplicates(["customer_id", "item"])
    if items.empty:
        return hits.iloc[:0].assign(declined_work="").drop(columns=["declined"])
    work = _joined(items["customer_id"].to_numpy(), items["item"].to_numpy(dtype=object))
    best = hits.drop_duplicates("customer_id", keep="first").set_index("customer_id")
    best["declined_work"] = work
    return best.drop(columns=["declined"]).reset_index()


def warranty_ending(ctx: Context, seg: SegmentDef) -> pd.DataFrame:
    w, end = ctx.data.warranties, ctx.t.warranty_end
    coverage = str(seg.param("coverage") or "any")
    mask = (end >= ctx.today) & (end <= ctx.today + int(seg.param("days")))
    if coverage != "any":
        mask &= (w["coverage"].str.upper() == coverage.upper()).to_numpy()
    rows = np.flatnonzero(mask)
    veh = ctx.vehicle_row_of(w["customer_id"].iloc[rows], w["vin"].iloc[rows])
    rows, veh = rows[veh >= 0], veh[veh >= 0]
    hits = pd.DataFrame(
        {
            "_vehicle_row": veh,
            "_customer": ctx.t.vehicle_customer[veh],
            "customer_id": w["customer_id"].to_numpy()[rows],
            "vin": w["vin"].to_numpy()[rows],
            "warranty_end_date": end[rows],
            "warranty_coverage": w["coverage"].to_numpy()[rows],
        }
    )
    return _best(hits, "warranty_end_date", ascending=True)


def birthday_month(ctx: Context, seg: SegmentDef) -> pd.DataFrame:
    c, birth = ctx.data.customers, ctx.t.customer_birth
    today = np.datetime64(ctx.today, "D").astype("datetime64[M]").astype(np.int64)
    month = (today + int(seg.param("months_ahead"))) % 12 + 1
    known = birth != NO_DAY
    their = np.where(known, birth, 0).astype("datetime64[D]").astype("datetime64[M]")
    mask = known & (their.astype(np.int64) % 12 + 1 == month)
    mask &= (c["customer_type"] != "BUSINESS").to_numpy()
    hits = pd.DataFrame(
        {"customer_id": c["customer_id"].to_numpy()[mask], "_customer": np.flatnonzero(mask)}
    )
    hits["birthday_month"] = int(month)
    return hits.drop_duplicates("_customer").reset_index(drop=True)


def first_service_due(ctx: Context, seg: SegmentDef) -> pd.DataFrame:
    d, t = ctx.data.deals, ctx.t
    sold = t.deal_delivery
    since = months_before(ctx.today, FIRST_SERVICE_WINDOW_MONTHS)
    mask = (d["status"] == "DELIVERED").to_numpy() & (sold >= since) & (sold <= ctx.today)
    rows = np.flatnonzero(mask)
    veh = ctx.owned_row(t.deal_key[rows])
    rows, veh = rows[veh >= 0], veh[veh >= 0]
    last_day = ctx.ro_last()[t.deal_vin[rows]]  # no repair order on the VIN since the sale
    unserviced = last_day < sold[rows]
    by_time = sold[rows] <= months_before(ctx.today, float(seg.param("months")))
    # a new vehicle's stock number starts with N (no other letter upper-cases to N)
    new = d["stock_number"].iloc[rows].str.startswith(("N", "n")).to_numpy()
    miles = float(seg.param("miles"))
    by_miles = new & (miles > 0) & (np.nan_to_num(t.vehicle_mileage[veh]) >= miles)
    keep = unserviced & (by_time | by_miles)
    hits = pd.DataFrame(
        {
            "customer_id": d["customer_id"].to_numpy()[rows][keep],
            "vin": d["vin"].to_numpy()[rows][keep],
            "sale_date": sold[rows][keep],
            "_vehicle_row": veh[keep],
            "_customer": t.vehicle_customer[veh[keep]],
        }
    )
    return _best(hits, "sale_date", ascending=True)


EVALUATORS: dict[str, Callable[[Context, SegmentDef], pd.DataFrame]] = {
    "equity_mining": equity_mining,
    "lease_maturity": lease_maturity,
    "service_retention": service_retention,
    "declined_work": declined_work,
    "warranty_ending": warranty_ending,
    "birthday_month": birthday_month,
    "first_service_due": first_service_due,
}
