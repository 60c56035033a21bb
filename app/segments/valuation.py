"""Vehicle values for equity mining, only from a source the dealer configures.

Two kinds of file, told apart by their columns:

- a **price guide** the dealer licenses (``year, make, model[, trim], trade_in_value
  [, as_of]``; ``value`` is accepted for ``trade_in_value``): a vehicle's value is the
  guide's row for its year/make/model/trim, else its year/make/model row with no trim;
- a **depreciation table** the dealer keeps (``make, model, new_value,
  yearly_depreciation_pct[, min_value]``): value = new_value × (1 − pct/100)^age, age in
  model years before the evaluation year, never below ``min_value``.

A vehicle neither covers has **no value** — never a guess — and so no equity. Each figure
says where it came from (``describe``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from app.segments.data import read_csv
from app.segments.errors import SegmentError

GUIDE = "price guide"
DEPRECIATION = "depreciation table"
_GUIDE_NEEDS = ("year", "make", "model")
_DEPRECIATION_NEEDS = ("make", "model", "new_value", "yearly_depreciation_pct")


def _norm(values: pd.Series) -> pd.Series:
    return values.astype(str).str.strip().str.upper()


def _distinct(*columns: np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A code per row for its combination of values (NaN a value too), and the first row
    of each code."""
    n = len(columns[0])
    combo = np.zeros(n, dtype=np.int64)
    for column in columns:
        code, uniques = pd.factorize(np.asarray(column), use_na_sentinel=False)
        combo, _ = pd.factorize(combo * len(uniques) + code)  # stays below n: no overflow
    combo = np.asarray(combo, dtype=np.int64)
    first = np.zeros(combo.max() + 1 if n else 0, dtype=np.int64)
    first[combo[::-1]] = np.arange(n - 1, -1, -1)
    return combo, first


@dataclass(frozen=True)
class ValuationSource:
    """A loaded valuation file: its kind, where it is, and its rows (normalised)."""

    kind: str
    path: str
    table: pd.DataFrame

    @property
    def label(self) -> str:
        return f"{self.kind} {Path(self.path).name}"

    def values(
        self, year: np.ndarray, make: pd.Series, model: pd.Series, trim: pd.Series, on_year: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """(value per vehicle, NaN where the source has none; the source row used, -1)."""
        # many vehicles share a year/make/model/trim: value each combination once
        combo, first = _distinct(year, make, model, trim)
        year, make, model, trim = year[first], make.iloc[first], model.iloc[first], trim.iloc[first]
        if self.kind == GUIDE:
            value, row = self._guide(year, make, model, trim)
        else:
            value, row = self._depreciation(year, make, model, on_year)
        return value[combo], row[combo]

    def _guide(
        self, year: np.ndarray, make: pd.Series, model: pd.Series, trim: pd.Series
    ) -> tuple[np.ndarray, np.ndarray]:
        t = self.table
        years = pd.Series(year).fillna(-1).astype(np.int64).astype(str).to_numpy()
        base = pd.Series(years) + "|" + _norm(make).to_numpy() + "|" + _norm(model).to_numpy()
        full = base + "|" + _norm(trim).to_numpy()
        keys = t["_key"]
        exact = pd.Index(keys).get_indexer(full)
        # a guide row with no trim covers every trim of its year/make/model
        blank = (t["trim"] == "").to_numpy()
        fallback = np.full(len(full), -1, dtype=np.int64)
        if blank.any():
            no_trim = pd.Index(keys[blank].str.rstrip("|")).get_indexer(base)
            fallback = np.where(no_trim >= 0, np.flatnonzero(blank)[np.maximum(no_trim, 0)], -1)
        row = np.where(exact >= 0, exact, fallback)
        value = np.where(row >= 0, t["_value"].to_numpy()[np.maximum(row, 0)], np.nan)
        return value, row

    def _depreciation(
        self, year: np.ndarray, make: pd.Series, model: pd.Series, on_year: int
    ) -> tuple[np.ndarray, np.ndarray]:
        t = self.table
        key = _norm(make).to_numpy() + "|" + _norm(model).to_numpy()
        row = pd.Index(t["_key"]).get_indexer(pd.Series(key))
        take = np.maximum(row, 0)
        age = np.clip(on_year - year, 0, 40)
        rate = t["_rate"].to_numpy()[take]
        value = t["_new"].to_numpy()[take] * (1 - rate / 100.0) ** age
        value = np.maximum(value, t["_min"].to_numpy()[take])
        value = np.where((row >= 0) & ~np.isnan(year), np.round(value, 2), np.nan)
        return value, np.where(np.isnan(value), -1, row)

    def describe(self, row: int, year: float, on_year: int) -> str:
        """Where one figure came from, in words."""
        if row < 0:
            return f"no value in the {self.label}"
        r = self.table.iloc[row]
        if self.kind == GUIDE:
            what = " ".join(x for x in (r["year"], r["make"], r["model"], r["trim"]) if x)
            as_of = f" (as of {r['as_of']})" if r.get("as_of") else ""
            return f"{self.label}{as_of}: {what}"
        age = int(max(0, min(40, on_year - int(year))))
        return (
            f"{self.label}: {r['make']} {r['model']} new ${r['_new']:,.0f}, "
            f"−{r['_rate']:g}%/yr × {age} yr"
        )


def load_valuation(path: Path | str) -> ValuationSource:
    """Read a price guide or a depreciation table (see the module doc). Rows whose value
    does not parse are left out — they value nothing — and the file must keep at least one."""
    path = Path(path)
    if not path.is_file():
        raise SegmentError(
            f"The valuation file {path} does not exist.",
            hint="Choose the price guide or depreciation table in the segment settings.",
        )
    frame = read_csv(path)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    cols = set(frame.columns)
    if "value" in cols and "trade_in_value" not in cols:
        frame = frame.rename(columns={"value": "trade_in_value"})
        cols = set(frame.columns)
    if set(_GUIDE_NEEDS) <= cols and "trade_in_value" in cols:
        table = _guide_table(frame)
        kind = GUIDE
    elif set(_DEPRECIATION_NEEDS) <= cols:
        table = _depreciation_table(frame)
        kind = DEPRECIATION
    else:
        raise SegmentError(
            f"{path.name} is neither a price guide (year, make, model, trim, trade_in_value) "
            "nor a depreciation table (make, model, new_value, yearly_depreciation_pct).",
            hint=f"Its columns: {', '.join(frame.columns)}.",
        )
    if table.empty:
        raise SegmentError(f"{path.name} has no row with a usable value.")
    return ValuationSource(kind, str(path), table.reset_index(drop=True))


def _guide_table(frame: pd.DataFrame) -> pd.DataFrame:
    t = frame.copy()
    for c in ("trim", "as_of"):
        if c not in t.columns:
            t[c] = ""
    t["_value"] = pd.to_numeric(
        t["trade_in_value"].str.replace(r"[$,\s]", "", regex=True), errors="coerce"
    )
    year = pd.to_numeric(t["year"], errors="coerce")
    t = t[t["_value"].notna() & (t["_value"] >= 0) & year.notna()].copy()
    t["year"] = year[t.index].astype(np.int64).astype(str)
    t["_key"] = (
        t["year"] + "|" + _norm(t["make"]) + "|" + _norm(t["model"]) + "|" + _norm(t["trim"])
    )
    return t.drop_duplicates("_key", keep="first")


def _depreciation_table(frame: pd.DataFrame) -> pd.DataFrame:
    t = frame.copy()
    t["_new"] = pd.to_numeric(
        t["new_value"].str.replace(r"[$,\s]", "", regex=True), errors="coerce"
    )
    t["_rate"] = pd.to_numeric(t["yearly_depreciation_pct"].str.rstrip("% "), errors="coerce")
    floor = t["min_value"] if "min_value" in t.columns else pd.Series("", index=t.index)
    t["_min"] = pd.to_numeric(floor.str.replace(r"[$,\s]", "", regex=True), errors="coerce").fillna(
        0.0
    )
    ok = t["_new"].notna() & (t["_new"] > 0) & t["_rate"].between(0, 100)
    t = t[ok].copy()
    t["_key"] = _norm(t["make"]) + "|" + _norm(t["model"])
    return t.drop_duplicates("_key", keep="first")
