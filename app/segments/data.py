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


def empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS[name]})


def conform(name: str, frame: pd.DataFrame | None) -> pd.DataFrame:
    """``frame`` with exactly the layout's columns (missing ones ''), strings only."""
    if frame is None or frame.empty:
        return empty(name)
    out = {}
    for column in COLUMNS[name]:
        if column in frame.columns:
            out[column] = frame[column].astype(object).where(frame[column].notna(), "").astype(str)
        else:
            out[column] = pd.Series("", index=frame.index, dtype=object)
    return pd.DataFrame(out).reset_index(drop=True)


def days(values: pd.Series) -> np.ndarray:
    """ISO dates (or timestamps) as day numbers since 1970; '' and junk as ``NO_DAY``."""
    parsed = pd.to_datetime(values.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    out = parsed.to_numpy(dtype="datetime64[D]").astype(np.int64)
    out[parsed.isna().to_numpy()] = NO_DAY
    return out


def numbers(values: pd.Series) -> np.ndarray:
    """Decimal text as floats; '' and junk as NaN."""
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)


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
    # (customer_id, vin) of every owned vehicle, for "still owned" checks
    owned_keys: pd.Index


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
        c, v, d, r, w = self.customers, self.vehicles, self.deals, self.repair_orders, self.warranties
        row_of = pd.Index(c["customer_id"]).get_indexer(v["customer_id"])
        owned = pd.Index(pd.MultiIndex.from_arrays([v["customer_id"], v["vin"].str.upper()]))
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
            vehicle_owner_row=row_of,
            owned_keys=owned,
        )


def read_csv(path: Path) -> pd.DataFrame:
    """A CSV as strings ('' for blanks); UTF-8 with or without BOM, else cp1252."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="cp1252")
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
        frames[name] = conform(name, read_csv(path))
        sources[name] = str(path)
    return SegmentData(**frames, today=today or date.today(), sources=sources)
