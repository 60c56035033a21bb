"""Vectorised phone -> E.164 for US/Canadian numbers typed in the everyday shapes, exact
to ``fastpaths.phone_e164`` (itself tested against phonenumbers).

A value written exactly as one of ``TEMPLATES`` (area code not starting 0 or 1) is
read as its 10 digits; validity comes from ``fastpaths.nanp_valid``, asked once per
distinct leading-digits prefix that decides it. Every other value is left to the
per-value path.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

import numpy as np
import pandas as pd

from app.domain import fastpaths
from app.mapping import charcodes

TEMPLATES = (
    "(###) ###-####", "(###)###-####", "(###) ### ####", "(###) ###.####", "###-###-####",
    "###.###.####", "### ### ####", "###-#######", "##########", "1##########",
    "+1##########", "+1 ###-###-####", "+1 (###) ###-####", "+1 ### ### ####",
    "1-###-###-####", "+1-###-###-####", "1 (###) ###-####", "1 ###-###-####",
    "1.###.###.####", "+1.###.###.####", "+1 ###.###.####",
)  # fmt: skip


@cache
def _by_width() -> dict[int, list[tuple[str, list[int]]]]:
    """Templates grouped by length, each with the columns of its last 10 digits."""
    out: dict[int, list[tuple[str, list[int]]]] = defaultdict(list)
    for t in TEMPLATES:
        cols = [i for i, ch in enumerate(t) if ch == charcodes.DIGIT][-10:]
        out[len(t)].append((t, cols))
    return dict(out)


# Main-rule answer per deciding prefix, kept across calls: a dealership's home, work and
# mobile numbers share area codes and exchanges.
_PREFIX_OK: dict[int, bool] = {}


def _valid(digits: np.ndarray) -> np.ndarray:
    """``nanp_valid`` per row of an (n, 10) matrix of digit code points: the main
    country's rule once per deciding prefix, then all rules for the few it rejects."""
    ok = np.zeros(len(digits), dtype=bool)
    main = fastpaths.nanp_main_rule()
    if main is not None:
        pattern, k = main
        inverse, keys = pd.factorize(charcodes.number(digits, 0, k))
        pad = "0" * (10 - k)
        if len(_PREFIX_OK) > 1_000_000:  # bounded: k digits make at most 10**k keys
            _PREFIX_OK.clear()
        hit = []
        for p in keys.tolist():
            if (answer := _PREFIX_OK.get(p)) is None:
                answer = _PREFIX_OK[p] = pattern.match(f"{p:0{k}d}{pad}") is not None
            hit.append(answer)
        ok = np.array(hit, dtype=bool)[inverse]
    rest = np.flatnonzero(~ok)
    if len(rest):
        texts = charcodes.texts(digits[rest]).tolist()
        ok[rest] = [fastpaths.nanp_valid(t) for t in texts]
    return ok


def e164(values: np.ndarray, region: str) -> tuple[np.ndarray, np.ndarray]:
    """'+1NXXNXXXXXX' per value (object array of str) and the mask decided here (valid
    numbers only: anything else goes to the per-value path for its answer)."""
    out = np.empty(len(values), dtype=object)
    decided = np.zeros(len(values), dtype=bool)
    if region not in ("US", "CA") or not len(values):
        return out, decided
    lengths = charcodes.lengths(values)
    rows_all: list[np.ndarray] = []
    digit_mats: list[np.ndarray] = []
    for width, templates in _by_width().items():
        rows = np.flatnonzero(lengths == width)
        if not len(rows):
            continue
        mat = charcodes.matrix(values[rows], width)
        for template, cols in templates:
            fit = charcodes.fits(mat, template) & (mat[:, cols[0]] >= ord("2"))
            if fit.any():
                rows_all.append(rows[fit])
                digit_mats.append(mat[fit][:, cols])
    if not rows_all:
        return out, decided
    rows = np.concatenate(rows_all)
    digits = np.concatenate(digit_mats)
    ok = _valid(digits)
    plus1 = np.broadcast_to(np.array([ord("+"), ord("1")], dtype=np.uint32), (int(ok.sum()), 2))
    out[rows[ok]] = charcodes.texts(np.concatenate([plus1, digits[ok]], axis=1))
    decided[rows[ok]] = True
    return out, decided
