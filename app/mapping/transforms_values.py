"""Value transforms: dates, numbers, yes/no, code lookups, defaults and constants."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from app.domain.columns import dates
from app.mapping.transforms_base import Transformed, checked, checked_fast, series, texts


def _iso(d: datetime, output: str) -> str:
    if output == "date":
        return d.date().isoformat()
    if d.tzinfo is not None:
        d = d.astimezone(UTC).replace(tzinfo=None)
        return d.isoformat(timespec="seconds") + "Z"
    return d.isoformat(timespec="seconds")


def date(s: pd.Series, input_format: str = "", output: str = "date") -> Transformed:
    """Parse with an explicit ``input_format`` (strptime codes such as %m/%d/%Y), or ISO 8601
    when it is empty; write ISO 8601 (a date, or a date-time in UTC when a zone was given)."""

    def parse(v: str) -> str | None:
        text = v.strip()
        try:
            if input_format:
                d = datetime.strptime(text, input_format)
            else:
                d = datetime.fromisoformat(
                    text.replace("Z", "+00:00") if text[-1:] == "Z" else text
                )
        except ValueError:
            return None
        return _iso(d, output)

    fmt = input_format or "ISO 8601 (2024-03-15)"
    return checked_fast(
        s,
        lambda values: dates.parse(values, input_format, output),
        parse,
        f"not a date in the format {fmt}",
    )


def number(s: pd.Series, decimals: int | None = None) -> Transformed:
    """'$10,499.50' -> '10499.5'; '(12.00)' -> '-12'; with ``decimals`` a fixed point."""
    raw = texts(s)
    cleaned = [v.replace("$", "").replace(",", "").replace(" ", "").strip() for v in raw]
    cleaned = [f"-{v[1:-1]}" if v[:1] == "(" and v[-1:] == ")" else v for v in cleaned]
    parsed = pd.to_numeric(pd.Series([v or None for v in cleaned], dtype=object), errors="coerce")
    out: list[str] = []
    bad: list[bool] = []
    for text, x in zip(cleaned, parsed.tolist(), strict=True):
        if x != x or x is None:  # NaN
            out.append("")
            bad.append(text != "")
        elif decimals is None:
            out.append(format(x, ".15g"))
            bad.append(False)
        else:
            out.append(f"{round(x, int(decimals)):.{int(decimals)}f}")
            bad.append(False)
    invalid = pd.Series(bad, index=s.index, dtype=bool) if any(bad) else None
    return Transformed(series(out, s), invalid, "not a number")


_TRUE = {"y", "yes", "1", "true", "t", "on"}
_FALSE = {"n", "no", "0", "false", "f", "off"}


def boolean(s: pd.Series, negate: bool = False) -> Transformed:
    """Y/N, Yes/No, 1/0, True/False, On/Off -> 'true'/'false' (swapped with ``negate``)."""
    yes, no = ("false", "true") if negate else ("true", "false")

    def conv(v: str) -> str | None:
        low = v.strip().lower()
        if low in _TRUE:
            return yes
        if low in _FALSE:
            return no
        return "" if not low else None

    return checked(s, conv, "not a yes/no value (Y/N, 1/0, true/false)")


def lookup(
    s: pd.Series,
    table: dict[str, str],
    default: str | None = None,
    case_sensitive: bool = False,
) -> Transformed:
    """Translate codes (e.g. DMS sale types -> CRM values). An unmapped value becomes
    ``default`` when one is given, otherwise it is an error for that row."""
    if case_sensitive:
        table_k = {str(k): str(v) for k, v in table.items()}
    else:
        table_k = {str(k).strip().upper(): str(v) for k, v in table.items()}

    def conv(v: str) -> str | None:
        key = v if case_sensitive else v.strip().upper()
        hit = table_k.get(key)
        if hit is not None:
            return hit
        return default if default is not None else None

    return checked(s, conv, "no translation for this value")


def default(s: pd.Series, value: str) -> Transformed:
    """An empty (or blank) value becomes ``value``."""
    fill = str(value)
    return Transformed(series([v if v.strip() else fill for v in texts(s)], s))


def constant(s: pd.Series, value: str) -> Transformed:
    return Transformed(series([str(value)] * len(s), s))
