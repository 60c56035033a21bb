"""What segments are evaluated over: the DMS's customers, vehicles, deals and repair
orders (and, when the dealer has them, warranty coverage and the CRM's opt-outs), as
string frames in the DMS layout, and the typed arrays the rules compare.

``SegmentData`` holds the frames as read (every value a string, '' unknown);
``typed()`` parses dates to day numbers and money to floats once, vectorised, and keeps
the result, so every segment evaluated afterwards costs only its own comparisons.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from app.formats import dms_layout as layout
from app.segments.errors import SegmentError
from app.segments.keys import CustomerCodes, VinCodes

WARRANTY_COLUMNS = ("vin", "customer_id", "coverage", "start_date", "end_date", "end_miles")
CRM_COLUMNS = ("contact_id", "external_id", "email", "mobile", "email_opt_out", "sms_opt_out")
# the demo dealership's CSV names (``app.sandbox.schema``) of each frame
FILES = {
    "customers": "dms_customers.csv",
    "vehicles": "dms_vehicles.csv",
    "deals": "dms_deals.csv",
    "repair_orders": "dms_repair_orders.csv",
    "warranties": "dms_warranties.csv",
    "crm": "crm_contacts.csv",
}
COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": layout.CUSTOMERS,
    "vehicles": layout.VEHICLES,
    "deals": layout.DEALS,
    "repair_orders": layout.REPAIR_ORDERS,
    "warranties": WARRANTY_COLUMNS,
    "crm": CRM_COLUMNS,
}
NO_DAY = np.iinfo(np.int64).min // 4  # "no date": before any window
# the columns segments read (others stay '' when a frame is read from a file)
USED: dict[str, tuple[str, ...]] = {
    "customers": (
        "customer_id",
        "customer_type",
        "first_name",
        "last_name",
        "city",
        "state",
        "zip",
        "mobile_phone",
        "email",
        "birth_date",
        "opt_in_email",
        "opt_in_sms",
        "created_at",
    ),
    "vehicles": ("customer_id", "vin", "year", "make", "model", "trim", "mileage", "purchase_date"),
    "deals": (
        "customer_id",
        "vin",
        "stock_number",
        "deal_type",
        "status",
        "deal_date",
        "delivery_date",
        "sale_price",
        "fi_products",
        "lender",
        "payoff_amount",
        "term_months",
        "apr",
        "lease_maturity_date",
    ),
    "repair_orders": ("customer_id", "vin", "open_date", "declined_recommendations"),
    # not start_date, end_miles: no rule reads them, and unread columns of 600,000
    # warranty rows are memory for nothing
    "warranties": ("vin", "customer_id", "coverage", "end_date"),
    "crm": CRM_COLUMNS,
}


def empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS[name]})


def conform(name: str, frame: pd.DataFrame | None) -> pd.DataFrame:
    """``frame`` with exactly the layout's columns (missing ones ''), strings only."""
    if frame is None or frame.empty:
        return empty(name)
    out = {}
    for column in COLUMNS[name]:
        if column in frame.columns:
            col = frame[column]
            out[column] = (col.fillna("") if col.isna().any() else col).astype(str)
        else:
            out[column] = pd.Series("", index=frame.index, dtype=object)
    return pd.DataFrame(out).reset_index(drop=True)


def days(values: pd.Series) -> np.ndarray:
    """ISO dates (or timestamps) as day numbers since 1970; '' and junk as ``NO_DAY``.
    Each distinct text is parsed once (a DMS has far fewer dates than rows)."""
    codes, uniques = pd.factorize(values, sort=False)
    parsed = pd.to_datetime(
        pd.Series(uniques, dtype=object).astype(str).str.slice(0, 10),
        format="%Y-%m-%d",
        errors="coerce",
    )
    table = parsed.to_numpy(dtype="datetime64[D]").astype(np.int64)
    table[parsed.isna().to_numpy()] = NO_DAY
    out = table[np.maximum(codes, 0)] if len(table) else np.full(len(codes), NO_DAY)
    out[codes < 0] = NO_DAY
    return np.asarray(out, dtype=np.int64)


def numbers(values: pd.Series) -> np.ndarray:
    """Decimal text as floats; '' and junk as NaN (each distinct text parsed once)."""
    codes, uniques = pd.factorize(values, sort=False)
    table = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce").to_numpy(
        dtype=np.float64
    )
    out = table[np.maximum(codes, 0)] if len(table) else np.full(len(codes), np.nan)
    out[codes < 0] = np.nan
    return np.asarray(out, dtype=np.float64)


@dataclass
class Typed:
    """Parsed columns, aligned with the frames' rows (day numbers, floats)."""

    customer_birth: np.ndarray
    vehicle_purchase: np.ndarray
    vehicle_mileage: np.ndarray
    vehicle_year: np.ndarray
    deal_date: np.ndarray
    deal_delivery: np.ndarray
    deal_payoff: np.ndarray
    deal_lease_end: np.ndarray
    ro_open: np.ndarray
    warranty_end: np.ndarray
    # row of each vehicle's owner in customers (-1: not a known customer)
    vehicle_owner_row: np.ndarray
    # each vehicle's customer code (``CustomerCodes``: their row in customers if there)
    vehicle_customer: np.ndarray
    # (customer, VIN) as one integer per row of each table, equal where the text is
    vehicle_key: np.ndarray
    deal_key: np.ndarray
    # VIN codes (upper case) of vehicles, deals and repair orders; how many distinct
    vehicle_vin: np.ndarray
    deal_vin: np.ndarray
    ro_vin: np.ndarray
    vins: int
    customer_codes: CustomerCodes
    vin_codes: VinCodes

    def key(self, customer_id: pd.Series, vin: pd.Series) -> np.ndarray:
        """The (customer, VIN) key of texts from any table; -1 where no vehicle, deal or
        repair order has that customer number or VIN (so it matches none)."""
        cust = self.customer_codes.of(customer_id)
        code = self.vin_codes.of(vin)
        return np.where((cust >= 0) & (code >= 0), cust * self.vins + code, -1)


@dataclass
class SegmentData:
    """The frames a segment reads, and the day it is evaluated on."""

    customers: pd.DataFrame
    vehicles: pd.DataFrame
    deals: pd.DataFrame
    repair_orders: pd.DataFrame
    warranties: pd.DataFrame = field(default_factory=lambda: empty("warranties"))
    crm: pd.DataFrame = field(default_factory=lambda: empty("crm"))
    today: date = field(default_factory=date.today)
    sources: dict[str, str] = field(default_factory=dict)  # frame -> where it came from
    _typed: Typed | None = field(default=None, repr=False)

    @property
    def today_day(self) -> int:
        return int(np.datetime64(self.today, "D").astype(np.int64))

    def typed(self) -> Typed:
        if self._typed is None:
            self._typed = self._parse()
        return self._typed

    def _parse(self) -> Typed:
        c, v, d, r, w = (
            self.customers,
            self.vehicles,
            self.deals,
            self.repair_orders,
            self.warranties,
        )
        # warranties are many and a rule keeps few of them: their keys are looked up
        # for those rows only (``Typed.key``)
        vin_codes = VinCodes(v["vin"], d["vin"], r["vin"])
        v_vin, d_vin, r_vin = vin_codes.per_column
        customer_codes = CustomerCodes(c["customer_id"], v["customer_id"], d["customer_id"])
        v_c, d_c = customer_codes.per_column
        n_vin = vin_codes.count
        return Typed(
            customer_birth=days(c["birth_date"]),
            vehicle_purchase=days(v["purchase_date"]),
            vehicle_mileage=numbers(v["mileage"]),
            vehicle_year=numbers(v["year"]),
            deal_date=days(d["deal_date"]),
            deal_delivery=days(d["delivery_date"]),
            deal_payoff=numbers(d["payoff_amount"]),
            deal_lease_end=days(d["lease_maturity_date"]),
            ro_open=days(r["open_date"]),
            warranty_end=days(w["end_date"]),
            vehicle_owner_row=np.where(v_c < len(customer_codes.index), v_c, -1),
            vehicle_customer=v_c,
            vehicle_key=v_c.astype(np.int64) * n_vin + v_vin,
            deal_key=d_c.astype(np.int64) * n_vin + d_vin,
            vehicle_vin=v_vin,
            deal_vin=d_vin,
            ro_vin=r_vin,
            vins=n_vin,
            customer_codes=customer_codes,
            vin_codes=vin_codes,
        )


def read_csv(path: Path, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """A CSV as strings ('' for blanks); UTF-8 with or without BOM, else cp1252. With
    ``columns``, only those of them the file has are read."""
    use = None if columns is None else (lambda c: str(c).strip() in columns)
    try:
        return pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", usecols=use
        )
    except UnicodeDecodeError:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="cp1252", usecols=use)
    except (OSError, pd.errors.ParserError) as exc:
        raise SegmentError(f"Could not read {path}: {exc}") from None


def from_folder(
    folder: Path, *, today: date | None = None, optional: Iterable[str] = ("warranties", "crm")
) -> SegmentData:
    """The frames from a folder of CSVs named as the demo dealership writes them
    (``dms_customers.csv``…); warranties and CRM contacts may be missing."""
    folder = Path(folder)
    frames: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    for name, file in FILES.items():
        path = folder / file
        if not path.is_file():
            if name in optional:
                frames[name] = empty(name)
                continue
            raise SegmentError(f"{path} is missing.", hint="Point at the DMS extract folder.")
        frames[name] = conform(name, read_csv(path, USED[name]))
        sources[name] = str(path)
    return SegmentData(
        customers=frames["customers"],
        vehicles=frames["vehicles"],
        deals=frames["deals"],
        repair_orders=frames["repair_orders"],
        warranties=frames["warranties"],
        crm=frames["crm"],
        today=today or date.today(),
        sources=sources,
    )
