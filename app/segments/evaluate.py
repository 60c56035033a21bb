"""Evaluate a segment: its hits (``builtin`` / ``fields``) joined with the customer and
the vehicle into one row per member, with the fields a campaign needs."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from app.segments.builtin import EVALUATORS, Context
from app.segments.data import NO_DAY, SegmentData
from app.segments.errors import SegmentError
from app.segments.fields import custom
from app.segments.model import CUSTOM, SegmentDef
from app.segments.valuation import GUIDE, ValuationSource

MEMBER_COLUMNS = (
    "customer_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "vin",
    "vehicle_year",
    "vehicle_make",
    "vehicle_model",
    "lease_end_date",
    "equity",
    "equity_source",
    "declined_work",
    "warranty_end_date",
    "warranty_coverage",
    "last_service_date",
    "sale_date",
    "birthday_month",
)
DATE_COLUMNS = ("lease_end_date", "warranty_end_date", "last_service_date", "sale_date")
# consent inputs carried with each member (not exported)
CONSENT_COLUMNS = ("opt_in_email", "opt_in_sms")


@dataclass
class Evaluation:
    segment: SegmentDef
    members: pd.DataFrame  # MEMBER_COLUMNS + CONSENT_COLUMNS, one row per customer
    notes: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.members)


def _date_text(values: pd.Series) -> pd.Series:
    arr = values.to_numpy(dtype=np.int64)
    text = pd.Series(arr.astype("datetime64[D]").astype(str), index=values.index, dtype=object)
    return text.where(arr != NO_DAY, "")


def _equity_sources(hits: pd.DataFrame, source: ValuationSource, on_year: int) -> pd.Series:
    t = source.table
    row = hits["_valuation_row"].to_numpy(dtype=np.int64)
    if source.kind == GUIDE:
        part = t.iloc[row]
        what = part["year"] + " " + part["make"] + " " + part["model"] + " " + part["trim"]
        as_of = (" (as of " + part["as_of"] + ")").where(part["as_of"] != "", "")
        text = source.label + as_of.astype(str) + ": " + what.str.strip()
        return pd.Series(text.to_numpy(), index=hits.index)
    return pd.Series(
        [
            source.describe(int(r), float(y), on_year)
            for r, y in zip(row, hits["_year"], strict=True)
        ],
        index=hits.index,
    )


def members_of(
    hits: pd.DataFrame, data: SegmentData, valuation: ValuationSource | None, ctx: Context
) -> pd.DataFrame:
    c, v = data.customers, data.vehicles
    out = pd.DataFrame(index=hits.index)
    codes = ctx.t.customer_codes
    if "_customer" in hits.columns:  # the evaluator knows the customer's code
        code = hits["_customer"].to_numpy(dtype=np.int64)
        crow = np.where(code < len(codes.index), code, -1)
    else:
        crow = codes.rows(hits["customer_id"])
    hits = hits[crow >= 0]
    out = out.loc[hits.index]
    crow = crow[crow >= 0]
    out["customer_id"] = hits["customer_id"].to_numpy()
    for dst, src in (
        ("first_name", "first_name"),
        ("last_name", "last_name"),
        ("email", "email"),
        ("phone", "mobile_phone"),
        ("opt_in_email", "opt_in_email"),
        ("opt_in_sms", "opt_in_sms"),
    ):
        out[dst] = c[src].to_numpy(dtype=object)[crow]
    vin = hits["vin"] if "vin" in hits.columns else pd.Series("", index=hits.index)
    out["vin"] = vin.fillna("").to_numpy(dtype=object)
    if "_vehicle_row" in hits.columns:  # the evaluator knows it
        vrow = hits["_vehicle_row"].to_numpy(dtype=np.int64)
    else:
        vrow = ctx.vehicle_row_of(out["customer_id"], out["vin"])
    got = vrow >= 0
    for dst, src in (
        ("vehicle_year", "year"),
        ("vehicle_make", "make"),
        ("vehicle_model", "model"),
    ):
        out[dst] = np.where(got, v[src].to_numpy(dtype=object)[np.maximum(vrow, 0)], "")
    for col in DATE_COLUMNS:
        out[col] = _date_text(hits[col]) if col in hits.columns else ""
    if "equity" in hits.columns and valuation is not None:
        out["equity"] = hits["equity"].map("{:.2f}".format)
        on_year = data.today.year
        out["equity_source"] = _equity_sources(hits, valuation, on_year)
    else:
        out["equity"], out["equity_source"] = "", ""
    for col in ("declined_work", "warranty_coverage"):
        out[col] = hits[col].fillna("") if col in hits.columns else ""
    out["birthday_month"] = hits["birthday_month"].astype(str) if "birthday_month" in hits else ""
    out = out[[*MEMBER_COLUMNS, *CONSENT_COLUMNS]]
    if codes.index.is_monotonic_increasing:  # customers listed by number: sort their rows
        return out.iloc[np.argsort(crow, kind="stable")].reset_index(drop=True)
    return out.sort_values("customer_id", kind="stable").reset_index(drop=True)


def evaluate(
    segment: SegmentDef,
    data: SegmentData,
    valuation: ValuationSource | None = None,
    context: Context | None = None,
) -> Evaluation:
    """The segment's members on ``data.today``. Raises ``SegmentError`` when the segment
    cannot be evaluated (no valuation source for equity, a bad custom condition)."""
    ctx = context or Context(data, valuation)
    if segment.kind == CUSTOM:
        hits = custom(ctx, segment.conditions)
    elif segment.kind in EVALUATORS:
        hits = EVALUATORS[segment.kind](ctx, segment)
    else:
        raise SegmentError(f"Unknown segment kind '{segment.kind}'.")
    notes = []
    if segment.kind == "warranty_ending" and data.warranties.empty:
        notes.append("No warranty data: choose the DMS warranty extract in the settings.")
    return Evaluation(segment, members_of(hits, data, valuation, ctx), notes)
