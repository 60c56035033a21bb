"""Text transforms: spacing, case, names, regex, and the combiners that join sources."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from app.domain import normalise
from app.mapping.transforms_base import Transformed, by_unique, each, series, text_array, texts


def trim(s: pd.Series) -> Transformed:
    return each(s, str.strip)


def collapse_spaces(s: pd.Series) -> Transformed:
    """Runs of spaces, tabs and line breaks become one space; ends are trimmed."""
    out = [  # inline, not a per-value function: this runs on ~100k distinct addresses
        " ".join(v.split()) if "  " in v or not v.isprintable() or v != v.strip() else v
        for v in texts(s)
    ]
    return Transformed(series(out, s))


def upper(s: pd.Series) -> Transformed:
    return each(s, str.upper)


def lower(s: pd.Series) -> Transformed:
    return each(s, str.lower)


def title(s: pd.Series) -> Transformed:
    return each(s, str.title)


def name_case(s: pd.Series) -> Transformed:
    """Person-name capitalisation: "o'brien" -> "O'Brien", 'MCDONALD' -> 'McDonald'."""
    return Transformed(series(normalise.title_cases(texts(s)), s))


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def regex_replace(s: pd.Series, pattern: str, replacement: str = "") -> Transformed:
    rx = compile_pattern(pattern)
    # '' stays '' only when the pattern cannot match it (e.g. '^' prefixes would add text)
    return Transformed(series([rx.sub(replacement, v) for v in texts(s)], s))


def truncate(s: pd.Series, length: int) -> Transformed:
    n = int(length)
    return each(s, lambda v: v[:n])


_NAME_PARTS = ("first", "middle", "last", "title", "suffix", "nickname")


def split_name(s: pd.Series, part: str = "first") -> Transformed:
    """One part of a full name ('Dr. Mary Ann O'Neil Jr.' -> first 'Mary', last "O'Neil")."""
    return by_unique(s, lambda v: normalise.name_part(v, part), "")


# --- combiners: input is the rule's sources as a DataFrame -------------------------
_STRIP = np.frompyfunc(str.strip, 1, 1)


def _stripped(s: pd.Series) -> list[str]:
    stripped: list[str] = _STRIP(text_array(s)).tolist()
    return stripped


def concat(frame: pd.DataFrame, separator: str = " ") -> Transformed:
    """Non-empty parts joined with ``separator`` (no doubled or dangling separators)."""
    cols = [_stripped(frame[c]) for c in frame.columns]
    out = cols[0]
    for col in cols[1:]:  # pairwise: no generator per row (this runs on ~100k values)
        out = [f"{x}{separator}{y}" if x and y else x or y for x, y in zip(out, col, strict=True)]
    return Transformed(series(out, frame.iloc[:, 0]))


def coalesce(frame: pd.DataFrame) -> Transformed:
    """The first non-empty source (e.g. home phone, else work phone)."""
    cols = [texts(frame[c]) for c in frame.columns]
    out = [next((x for x in row if x.strip()), "") for row in zip(*cols, strict=False)]
    return Transformed(series(out, frame.iloc[:, 0]))


def join_name(frame: pd.DataFrame, style: str = "first last") -> Transformed:
    """Name parts (first, middle, last[, suffix] in source order) as one full name.
    ``style`` 'last, first' puts the last part first with a comma."""
    cols = [_stripped(frame[c]) for c in frame.columns]
    if style != "last, first" or len(cols) < 2:
        out = cols[0]
        for col in cols[1:]:  # pairwise, as in concat: no generator per row
            out = [f"{x} {y}" if x and y else x or y for x, y in zip(out, col, strict=True)]
        return Transformed(series(out, frame.iloc[:, 0]))
    out = []
    for parts in zip(*cols, strict=True):
        rest = " ".join(p for p in parts[:-1] if p)
        last = parts[-1]
        out.append(f"{last}, {rest}" if last and rest else last or rest)
    return Transformed(series(out, frame.iloc[:, 0]))
