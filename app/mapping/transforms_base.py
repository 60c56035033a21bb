"""What every transform returns, and the helpers that keep transforms fast.

``apply_mapping`` calls transforms on the *distinct* values of a column (see apply.py), so
a transform is a plain per-value function lifted over a Series; one C loop (frompyfunc, a
list comprehension) over Python strings is several times faster than pandas' ``.str``
accessor on object data. A transform whose per-value function is slow (a library parse)
puts a vectorised fast path in front of it with ``checked_fast``: the fast path answers
the values written in everyday shapes, exactly as the library would, and leaves the rest.
On 100,000 scattered string objects every pass costs ~10 ms, so helpers avoid extra ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd

from app.domain.columns.distinct import as_text


@dataclass
class Transformed:
    values: pd.Series
    invalid: pd.Series | None = None  # bool mask aligned with values
    reason: str = ""


Combiner = Callable[..., Transformed]
Transform = Callable[..., Transformed]


def texts(s: pd.Series) -> list[str]:
    """The Series' values as Python strings ('' for missing)."""
    return text_array(s).tolist()


# Marks a Series whose values are all str (transform output, apply's distinct values), so
# the next step skips the type check: on 100,000 scattered objects a check is a full pass.
_ALL_TEXT = "rooftop_sync.all_text"
PandasT = TypeVar("PandasT", pd.Series, pd.DataFrame)


def mark_text(data: PandasT) -> PandasT:
    """``data`` (every value a str), marked so that ``text_array`` trusts it."""
    data.attrs[_ALL_TEXT] = True
    return data


def text_array(s: pd.Series) -> np.ndarray:
    """The Series' values as an object array of str ('' for missing)."""
    arr = s.to_numpy(dtype=object)
    return arr if s.attrs.get(_ALL_TEXT) else as_text(arr)


def series(values: Iterable[str], like: pd.Series) -> pd.Series:
    """Values (all str) as an object Series with ``like``'s index (pandas 3 would infer
    ``str``)."""
    if isinstance(values, np.ndarray) and values.dtype == object and values.ndim == 1:
        arr = values
    else:
        arr = np.empty(len(like), dtype=object)
        arr[:] = values if isinstance(values, list) else list(values)
    return mark_text(pd.Series(arr, index=like.index, dtype=object, copy=False))


def each(s: pd.Series, fn: Callable[[str], str]) -> Transformed:
    """A total per-value function (never invalid) over a Series; '' stays ''."""
    if fn("") != "":
        fn = _keep_empty(fn)
    # frompyfunc: one C loop into an object array, no list in between
    return Transformed(series(np.frompyfunc(fn, 1, 1)(text_array(s)), s))


def _keep_empty(fn: Callable[[str], str]) -> Callable[[str], str]:
    return lambda v: fn(v) if v else v


def checked(s: pd.Series, fn: Callable[[str], str | None], reason: str) -> Transformed:
    """A partial per-value function: None marks a non-empty value invalid (it becomes '')."""
    out: list[str] = []
    bad: list[bool] = []
    for v in texts(s):
        r = fn(v) if v else ""
        out.append(r or "")
        bad.append(r is None)
    if not any(bad):
        return Transformed(series(out, s))
    return Transformed(series(out, s), pd.Series(bad, index=s.index, dtype=bool), reason)


def by_unique(s: pd.Series, fn: Callable[[str], str | None], reason: str) -> Transformed:
    """Like ``checked`` but computes once per distinct value (for callers with repeats)."""
    values = texts(s)
    table = {u: fn(u) if u else "" for u in set(values)}
    out = [table[v] for v in values]
    bad = [r is None for r in out]
    clean = [r or "" for r in out]
    if not any(bad):
        return Transformed(series(clean, s))
    return Transformed(series(clean, s), pd.Series(bad, index=s.index, dtype=bool), reason)


def checked_fast(
    s: pd.Series,
    fast: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    fn: Callable[[str], str | None],
    reason: str,
) -> Transformed:
    """Like ``checked``, but ``fast`` first answers what it can for all values at once
    (results, and a mask of the values it decided) and ``fn`` runs only on the rest; the
    two must give the same answer wherever both answer."""
    arr = text_array(s)
    out, decided = fast(arr)
    rest = np.flatnonzero(~decided)
    if not len(rest):
        return Transformed(series(out, s))
    slow = [fn(v) if v else "" for v in arr[rest].tolist()]
    bad = [r is None for r in slow]
    out[rest] = [r or "" for r in slow]
    if not any(bad):
        return Transformed(series(out, s))
    invalid = np.zeros(len(arr), dtype=bool)
    invalid[rest[np.array(bad, dtype=bool)]] = True
    return Transformed(
        series(out, s),
        pd.Series(invalid, index=s.index, dtype=bool),
        reason,
    )
