"""Text transforms: spacing, case, names, regex, and the combiners that join sources."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import pandas as pd

from app.domain import normalise
from app.domain.columns import scan
from app.mapping.transforms_base import Transformed, by_unique, each, series, text_array, texts


def trim(s: pd.Series) -> Transformed:
    return each(s, str.strip)


def _collapse(value: str) -> str:
    return " ".join(value.split())


def _collapse_all(values: np.ndarray) -> np.ndarray:
    scanned = scan.fix_rows(values, _collapse)
    if scanned is not None:
        return scanned
    out = np.empty(len(values), dtype=object)
    out[:] = [  # inline, not a per-value function: this runs on ~100k distinct addresses;
        # the check first, as most values are clean and stay the same object
        " ".join(v.split()) if "  " in v or not v.isprintable() or v != v.strip() else v
        for v in values.tolist()
    ]
    return out


def collapse_spaces(s: pd.Series) -> Transformed:
    """Runs of spaces, tabs and line breaks become one space; ends are trimmed."""
    return Transformed(series(_collapse_all(text_array(s)), s))


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
# A source column may come as a Categorical (apply.py: a code per combination over that
# source's distinct values); its parts are then cleaned once per distinct value.
_STRIP = np.frompyfunc(str.strip, 1, 1)


def _strip_all(values: np.ndarray) -> np.ndarray:
    out: np.ndarray = _STRIP(values)
    return out


Part = tuple[np.ndarray, np.ndarray]  # (cleaned text per row, whether it is empty)


def _part(s: pd.Series, clean: Callable[[np.ndarray], np.ndarray]) -> Part:
    """The column cleaned by ``clean``, once per distinct value when it is a Categorical."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy()
        values = clean(s.cat.categories.to_numpy(dtype=object))
        return values[codes], (values == "")[codes]
    values = clean(text_array(s))
    return values, values == ""


def _join(parts: list[Part], separator: str) -> Part:
    """The non-empty parts of each row joined with ``separator``. Rows are grouped by
    which parts they have, so every row is built by one ``str.join`` (and a row with one
    part is that part's own string)."""
    n = len(parts[0][0])
    if len(parts) > 16:  # too many groups to list: join pairwise
        so_far = parts[0]
        for part in parts[1:]:
            so_far = _join([so_far, part], separator)
        return so_far
    has = np.zeros(n, dtype=np.int64)
    for i, (_, empty) in enumerate(parts):
        has |= (~empty).astype(np.int64) << i
    counts = np.bincount(has, minlength=1 << len(parts))
    out = np.empty(n, dtype=object)
    for group in np.flatnonzero(counts).tolist():
        whole = counts[group] == n
        rows = slice(None) if whole else np.flatnonzero(has == group)
        members = [text[rows] for i, (text, _) in enumerate(parts) if group >> i & 1]
        if not members:
            out[rows] = ""
        elif len(members) == 1:
            out[rows] = members[0]
        else:
            out[rows] = list(map(separator.join, zip(*(m.tolist() for m in members), strict=True)))
    return out, has == 0


def _concat(
    frame: pd.DataFrame, separator: str, clean: Callable[[np.ndarray], np.ndarray]
) -> Transformed:
    joined, _ = _join([_part(frame[c], clean) for c in frame.columns], separator)
    return Transformed(series(joined, frame.iloc[:, 0]))


def concat(frame: pd.DataFrame, separator: str = " ") -> Transformed:
    """Non-empty parts joined with ``separator`` (no doubled or dangling separators)."""
    return _concat(frame, separator, _strip_all)


def _collapse_safe(separator: str) -> bool:
    """Whether collapsing spaces after joining with ``separator`` is the same as collapsing
    each part before (its only spacing is single plain spaces)."""
    return "  " not in separator and all(ch == " " for ch in separator if ch.isspace())


def concat_collapsed(frame: pd.DataFrame, separator: str = " ") -> Transformed | None:
    """``concat`` then ``collapse_spaces`` in one go: the parts are collapsed (once per
    distinct value of a source) instead of the joined text. None when the separator's
    own spacing would change the answer."""
    if not _collapse_safe(separator):
        return None
    return _concat(frame, separator, _collapse_all)


def coalesce(frame: pd.DataFrame) -> Transformed:
    """The first non-empty source (e.g. home phone, else work phone), as written."""
    out = np.full(len(frame), "", dtype=object)
    chosen = np.zeros(len(frame), dtype=bool)
    for c in frame.columns:
        s = frame[c]
        if isinstance(s.dtype, pd.CategoricalDtype):  # decided once per distinct value
            codes = s.cat.codes.to_numpy()
            distinct = s.cat.categories.to_numpy(dtype=object)
            values, blank = distinct[codes], (_strip_all(distinct) == "")[codes]
        else:
            values = text_array(s)
            blank = _strip_all(values) == ""  # empty once stripped: passed over
        take = ~blank & ~chosen
        out[take] = values[take]
        chosen |= take
    return Transformed(series(out, frame.iloc[:, 0]))


def _join_name(
    frame: pd.DataFrame, style: str, clean: Callable[[np.ndarray], np.ndarray]
) -> Transformed:
    parts = [_part(frame[c], clean) for c in frame.columns]
    if style != "last, first" or len(parts) < 2:
        joined, _ = _join(parts, " ")
    else:
        joined, _ = _join([parts[-1], _join(parts[:-1], " ")], ", ")
    return Transformed(series(joined, frame.iloc[:, 0]))


def join_name(frame: pd.DataFrame, style: str = "first last") -> Transformed:
    """Name parts (first, middle, last[, suffix] in source order) as one full name.
    ``style`` 'last, first' puts the last part first with a comma."""
    return _join_name(frame, style, _strip_all)


def join_name_collapsed(frame: pd.DataFrame, style: str = "first last") -> Transformed:
    """``join_name`` then ``collapse_spaces`` in one go (see ``concat_collapsed``)."""
    return _join_name(frame, style, _collapse_all)
