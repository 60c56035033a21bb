"""The transform library. Each transform takes a pandas Series of strings (or, for the
combining ones, a DataFrame of the rule's sources) and returns a ``Transformed``: the new
values and, where some values are invalid, a mask and the reason. Invalid cells become ''.

Expensive per-value work (phone, e-mail, VIN, dates) runs once per distinct value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import pandas as pd

from app.domain import normalise


@dataclass
class Transformed:
    values: pd.Series
    invalid: pd.Series | None = None  # bool mask aligned with values
    reason: str = ""


Combiner = Callable[..., Transformed]
Transform = Callable[..., Transformed]


def _by_unique(series: pd.Series, fn: Callable[[str], str | None], reason: str) -> Transformed:
    """Apply ``fn`` once per distinct value; None from ``fn`` marks the value invalid."""
    uniques = pd.unique(series)
    table = {u: fn(u) if u else "" for u in uniques}
    mapped = series.map(table)
    invalid = mapped.isna() & series.ne("")
    return Transformed(mapped.fillna(""), invalid if invalid.any() else None, reason)


# --- text --------------------------------------------------------------------------
def trim(s: pd.Series) -> Transformed:
    return Transformed(s.str.strip())


def collapse_spaces(s: pd.Series) -> Transformed:
    return Transformed(s.str.replace(r"\s+", " ", regex=True).str.strip())


def upper(s: pd.Series) -> Transformed:
    return Transformed(s.str.upper())


def lower(s: pd.Series) -> Transformed:
    return Transformed(s.str.lower())


def title(s: pd.Series) -> Transformed:
    return Transformed(s.str.title())


def name_case(s: pd.Series) -> Transformed:
    """Person-name capitalisation: "o'brien" -> "O'Brien", 'MCDONALD' -> 'McDonald'."""
    return _by_unique(s, normalise.title_case, "")


def regex_replace(s: pd.Series, pattern: str, replacement: str = "") -> Transformed:
    return Transformed(s.str.replace(pattern, replacement, regex=True))


def truncate(s: pd.Series, length: int) -> Transformed:
    return Transformed(s.str.slice(0, int(length)))


# --- contact data ----------------------------------------------------------------
def phone_e164(s: pd.Series, region: str = "US") -> Transformed:
    return _by_unique(s, lambda v: normalise.phone_e164(v, region), "not a valid phone number")


def email(s: pd.Series) -> Transformed:
    return _by_unique(s, normalise.email, "not a valid e-mail address")


def zip5(s: pd.Series) -> Transformed:
    return _by_unique(s, normalise.zip5, "not a US ZIP code")


def zip_plus4(s: pd.Series) -> Transformed:
    return _by_unique(s, normalise.zip_plus4, "not a US ZIP code")


def vin(s: pd.Series) -> Transformed:
    return _by_unique(s, normalise.vin, "not a valid VIN (length, characters or check digit)")


def split_name(s: pd.Series, part: str = "first") -> Transformed:
    return _by_unique(s, lambda v: normalise.name_part(v, part), "")


# --- values ----------------------------------------------------------------------
def date(s: pd.Series, input_format: str = "", output: str = "date") -> Transformed:
    @cache
    def parse(v: str) -> str | None:
        try:
            d = datetime.strptime(v, input_format) if input_format else datetime.fromisoformat(v)
        except ValueError:
            return None
        return d.date().isoformat() if output == "date" else d.isoformat()

    fmt = input_format or "ISO 8601"
    return _by_unique(s, parse, f"not a date in the format {fmt}")


def number(s: pd.Series, decimals: int | None = None) -> Transformed:
    cleaned = s.str.replace(r"[\s$,]", "", regex=True).str.replace(
        r"^\((.*)\)$", r"-\1", regex=True
    )
    parsed = pd.to_numeric(cleaned.where(cleaned.ne("")), errors="coerce")
    invalid = parsed.isna() & cleaned.ne("")
    if decimals is not None:
        parsed = parsed.round(int(decimals))
    text = parsed.map(
        lambda x: (
            "" if pd.isna(x) else format(x, "g") if decimals is None else f"{x:.{int(decimals)}f}"
        )
    )
    return Transformed(text.astype(object), invalid if invalid.any() else None, "not a number")


_TRUE = {"y", "yes", "1", "true", "t", "on"}
_FALSE = {"n", "no", "0", "false", "f", "off"}


def boolean(s: pd.Series, negate: bool = False) -> Transformed:
    low = s.str.strip().str.lower()
    true, false = ("false", "true") if negate else ("true", "false")
    out = pd.Series("", index=s.index, dtype=object)
    out[low.isin(_TRUE)] = true
    out[low.isin(_FALSE)] = false
    invalid = low.ne("") & out.eq("")
    return Transformed(out, invalid if invalid.any() else None, "not a yes/no value (Y/N/1/0)")


def lookup(
    s: pd.Series, table: dict[str, str], default: str | None = None, case_sensitive: bool = False
) -> Transformed:
    """Translate codes (e.g. DMS sale types). Unmapped -> ``default``, or an error."""
    key = s if case_sensitive else s.str.upper()
    table_k = table if case_sensitive else {str(k).upper(): v for k, v in table.items()}
    mapped = key.map(table_k)
    if default is not None:
        return Transformed(mapped.fillna(default).where(s.ne(""), ""))
    invalid = mapped.isna() & s.ne("")
    return Transformed(
        mapped.fillna(""), invalid if invalid.any() else None, "no translation for this value"
    )


def default(s: pd.Series, value: str) -> Transformed:
    return Transformed(s.mask(s.str.strip().eq(""), str(value)))


def constant(s: pd.Series, value: str) -> Transformed:
    return Transformed(pd.Series(str(value), index=s.index, dtype=object))


# --- combiners (input: the rule's sources as a DataFrame) --------------------------
def concat(frame: pd.DataFrame, separator: str = " ") -> Transformed:
    parts = [frame[c].str.strip() for c in frame.columns]
    out = parts[0]
    for p in parts[1:]:
        out = out.str.cat(p, sep=separator)
    # drop separators around empty parts
    sep = re.escape(separator)
    if separator:
        out = out.str.replace(f"^(?:{sep})+|(?:{sep})+$", "", regex=True)
        out = out.str.replace(f"(?:{sep}){{2,}}", separator, regex=True)
    return Transformed(out)


def coalesce(frame: pd.DataFrame) -> Transformed:
    out = frame.iloc[:, 0].copy()
    for c in frame.columns[1:]:
        out = out.mask(out.eq(""), frame[c])
    return Transformed(out)


TRANSFORMS: dict[str, Transform] = {
    "trim": trim,
    "collapse_spaces": collapse_spaces,
    "upper": upper,
    "lower": lower,
    "title": title,
    "name_case": name_case,
    "regex_replace": regex_replace,
    "truncate": truncate,
    "phone_e164": phone_e164,
    "email": email,
    "zip5": zip5,
    "zip_plus4": zip_plus4,
    "vin": vin,
    "split_name": split_name,
    "date": date,
    "number": number,
    "boolean": boolean,
    "lookup": lookup,
    "default": default,
    "constant": constant,
}
COMBINERS: dict[str, Combiner] = {"concat": concat, "coalesce": coalesce}


def describe(name: str, params: dict[str, Any]) -> str:
    """A short readable label of a step, for logs and the editor."""
    if not params:
        return name
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in params.items())})"
