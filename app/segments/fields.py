"""Custom rules: the fields a condition may name, the operators each type has, and their
vectorised evaluation over one row per owned vehicle (customers without a vehicle keep one
row of their own), joined with the vehicle's latest deal and its service history.

A condition whose value does not parse (a number field compared with "abc") is a
``SegmentError`` naming the field — the editor shows it next to the row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.segments.builtin import Context, lookup
from app.segments.data import NO_DAY, days, numbers
from app.segments.errors import SegmentError
from app.segments.model import Condition

TEXT, NUMBER, DATE = "text", "number", "date"


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    type: str
    group: str


FIELDS: dict[str, Field] = {
    f.key: f
    for f in (
        Field("customer_type", "Customer type", TEXT, "Customer"),
        Field("first_name", "First name", TEXT, "Customer"),
        Field("last_name", "Last name", TEXT, "Customer"),
        Field("city", "City", TEXT, "Customer"),
        Field("state", "State", TEXT, "Customer"),
        Field("zip", "ZIP code", TEXT, "Customer"),
        Field("email", "E-mail", TEXT, "Customer"),
        Field("birth_date", "Birth date", DATE, "Customer"),
        Field("customer_since", "Customer since", DATE, "Customer"),
        Field("year", "Vehicle year", NUMBER, "Vehicle"),
        Field("make", "Make", TEXT, "Vehicle"),
        Field("model", "Model", TEXT, "Vehicle"),
        Field("trim", "Trim", TEXT, "Vehicle"),
        Field("mileage", "Mileage", NUMBER, "Vehicle"),
        Field("purchase_date", "Purchase date", DATE, "Vehicle"),
        Field("deal_type", "Deal type", TEXT, "Deal"),
        Field("deal_date", "Deal date", DATE, "Deal"),
        Field("sale_price", "Sale price", NUMBER, "Deal"),
        Field("lender", "Lender", TEXT, "Deal"),
        Field("payoff_amount", "Payoff", NUMBER, "Deal"),
        Field("term_months", "Term (months)", NUMBER, "Deal"),
        Field("apr", "APR", NUMBER, "Deal"),
        Field("lease_maturity_date", "Lease ends", DATE, "Deal"),
        Field("fi_products", "F&I products", TEXT, "Deal"),
        Field("last_service_date", "Last service", DATE, "Service"),
        Field("ro_count", "Repair orders", NUMBER, "Service"),
        Field("declined_work", "Declined work (ever)", TEXT, "Service"),
    )
}
OPERATORS: dict[str, tuple[tuple[str, str], ...]] = {  # type -> (op, words)
    TEXT: (
        ("eq", "is"),
        ("ne", "is not"),
        ("contains", "contains"),
        ("in", "is one of (comma-separated)"),
        ("empty", "is empty"),
        ("not_empty", "is not empty"),
    ),
    NUMBER: (
        ("eq", "="),
        ("ne", "≠"),
        ("gt", ">"),
        ("ge", "≥"),
        ("lt", "<"),
        ("le", "≤"),
        ("empty", "is empty"),
        ("not_empty", "is not empty"),
    ),
    DATE: (
        ("next_days", "within the next N days"),
        ("last_days", "within the last N days"),
        ("older_days", "more than N days ago"),
        ("before", "before (YYYY-MM-DD)"),
        ("after", "after (YYYY-MM-DD)"),
        ("month", "in month (1-12)"),
        ("empty", "is empty"),
        ("not_empty", "is not empty"),
    ),
}
NO_VALUE = ("empty", "not_empty")


def operator_words(field_key: str, op: str) -> str:
    return dict(OPERATORS[FIELDS[field_key].type]).get(op, op)


def describe(c: Condition) -> str:
    f = FIELDS.get(c.field)
    if f is None:
        return f"{c.field} {c.op} {c.value}"
    words = operator_words(c.field, c.op).replace(" (comma-separated)", "")
    words = words.replace(" (YYYY-MM-DD)", "").replace(" (1-12)", "")
    if c.op in NO_VALUE:
        return f"{f.label} {words}"
    if "N days" in words:
        return f"{f.label} {words.replace('N', c.value)}"
    return f"{f.label} {words} {c.value}"


def check(c: Condition) -> str:
    """'' when the condition can be evaluated, else what is wrong (for the editor)."""
    f = FIELDS.get(c.field)
    if f is None:
        return f"Unknown field '{c.field}'."
    if c.op not in dict(OPERATORS[f.type]):
        return f"{f.label}: choose an operator."
    if c.op in NO_VALUE:
        return ""
    value = c.value.strip()
    if not value:
        return f"{f.label}: enter a value."
    if f.type == NUMBER or c.op in ("next_days", "last_days", "older_days", "month"):
        try:
            number = float(value.replace(",", "").replace("$", ""))
        except ValueError:
            return f"{f.label}: '{value}' is not a number."
        if c.op == "month" and not (1 <= number <= 12):
            return f"{f.label}: a month is 1 to 12."
    if c.op in ("before", "after") and days(pd.Series([value]))[0] == NO_DAY:
        return f"{f.label}: '{value}' is not a date (YYYY-MM-DD)."
    return ""


def wide_frame(ctx: Context) -> pd.DataFrame:
    """One row per owned vehicle (plus one per customer with none), with every field."""
    data, t = ctx.data, ctx.t
    c, v, d = data.customers, data.vehicles, data.deals
    owners = t.vehicle_owner_row
    has = owners >= 0
    veh_rows = np.flatnonzero(has)
    lonely = np.setdiff1d(np.arange(len(c)), owners[has])
    cust_rows = np.concatenate([owners[veh_rows], lonely])
    n = len(cust_rows)
    frame = pd.DataFrame(
        {
            k: c[k].to_numpy()[cust_rows]
            for k in (
                "customer_id",
                "customer_type",
                "first_name",
                "last_name",
                "city",
                "state",
                "zip",
                "email",
            )
        }
    )
    frame["birth_date"] = t.customer_birth[cust_rows]
    frame["customer_since"] = days(c["created_at"])[cust_rows]
    pad = n - len(veh_rows)

    def vcol(values: np.ndarray, fill: object) -> np.ndarray:
        return np.concatenate([values[veh_rows], np.full(pad, fill, dtype=values.dtype)])

    for k in ("vin", "make", "model", "trim"):
        frame[k] = vcol(v[k].to_numpy(dtype=object), "")
    frame["year"] = vcol(t.vehicle_year, np.nan)
    frame["mileage"] = vcol(t.vehicle_mileage, np.nan)
    frame["purchase_date"] = vcol(t.vehicle_purchase, NO_DAY)
    # the latest deal of this customer on this vehicle
    order = np.argsort(t.deal_date, kind="stable")[::-1]
    vkeys = np.concatenate([t.vehicle_key[veh_rows], np.full(pad, -1, dtype=np.int64)])
    row = lookup(t.deal_key[order], vkeys)
    row = np.where(row >= 0, order[np.maximum(row, 0)], -1)
    got = row >= 0
    take = np.maximum(row, 0)
    for k in ("deal_type", "lender", "fi_products"):
        frame[k] = np.where(got, d[k].to_numpy(dtype=object)[take], "")
    for k, arr in (("deal_date", t.deal_date), ("lease_maturity_date", t.deal_lease_end)):
        frame[k] = np.where(got, arr[take], NO_DAY)
    for k in ("sale_price", "term_months", "apr"):
        frame[k] = np.where(got, numbers(d[k])[take], np.nan)
    frame["payoff_amount"] = np.where(got, t.deal_payoff[take], np.nan)
    # service history per VIN
    r = data.repair_orders
    vins = r["vin"].str.upper()
    counts = vins.value_counts()
    said = r.loc[r["declined_recommendations"] != "", "declined_recommendations"]
    declined: pd.Series = said.groupby(vins[said.index]).agg("; ".join)
    key = frame["vin"].str.upper()
    vin_code = np.concatenate([t.vehicle_vin[veh_rows], np.full(pad, -1, dtype=np.int64)])
    last = ctx.ro_last()
    frame["last_service_date"] = np.where(vin_code >= 0, last[np.maximum(vin_code, 0)], NO_DAY)
    frame["ro_count"] = key.map(counts).fillna(0).to_numpy(dtype=np.float64)
    # object first: with no repair orders the series is float, and fillna("") on floats is
    # deprecated (pandas says it will raise)
    frame["declined_work"] = key.map(declined).astype(object).fillna("").to_numpy(dtype=object)
    return frame


def _number(text: str) -> float:
    return float(text.strip().replace(",", "").replace("$", ""))


def condition_mask(frame: pd.DataFrame, c: Condition, today: int) -> np.ndarray:
    problem = check(c)
    if problem:
        raise SegmentError(problem)
    f = FIELDS[c.field]
    col = frame[c.field]
    if f.type == TEXT:
        s = col.astype(str).str.strip().str.upper()
        value = c.value.strip().upper()
        ops = {
            "eq": lambda: s == value,
            "ne": lambda: s != value,
            "contains": lambda: s.str.contains(value, regex=False),
            "in": lambda: s.isin([x.strip() for x in value.split(",") if x.strip()]),
            "empty": lambda: s == "",
            "not_empty": lambda: s != "",
        }
        return np.asarray(ops[c.op](), dtype=bool)
    arr = col.to_numpy()
    if f.type == NUMBER:
        if c.op in NO_VALUE:
            return np.isnan(arr) if c.op == "empty" else ~np.isnan(arr)
        x = _number(c.value)
        with np.errstate(invalid="ignore"):
            ops_n = {
                "eq": arr == x,
                "ne": arr != x,
                "gt": arr > x,
                "ge": arr >= x,
                "lt": arr < x,
                "le": arr <= x,
            }
        return ops_n[c.op] & ~np.isnan(arr)
    known = arr != NO_DAY
    if c.op in NO_VALUE:
        return ~known if c.op == "empty" else known
    if c.op == "month":
        month = np.where(known, arr, 0).astype("datetime64[D]").astype("datetime64[M]")
        return known & (month.astype(np.int64) % 12 + 1 == int(_number(c.value)))
    if c.op in ("before", "after"):
        day = int(days(pd.Series([c.value.strip()]))[0])
        return known & ((arr < day) if c.op == "before" else (arr > day))
    n = int(_number(c.value))
    if c.op == "next_days":
        return known & (arr >= today) & (arr <= today + n)
    if c.op == "last_days":
        return known & (arr >= today - n) & (arr <= today)
    return known & (arr < today - n)  # older_days


def custom(ctx: Context, conditions: tuple[Condition, ...]) -> pd.DataFrame:
    """Customers with a row where every condition holds (hits: customer_id, vin)."""
    if not conditions:
        raise SegmentError("A custom segment needs at least one condition.")
    frame = wide_frame(ctx)
    mask = np.ones(len(frame), dtype=bool)
    for c in conditions:
        mask &= condition_mask(frame, c, ctx.today)
    hits = frame.loc[mask, ["customer_id", "vin"]]
    return hits.drop_duplicates("customer_id").reset_index(drop=True)
