"""Vectorised date parsing for values written in a fixed shape, exact to
``datetime.strptime`` / ``datetime.fromisoformat`` (the per-value path of the mapping's
date transform; the matching's birth dates read ``ymd``).

A shape is a template such as '####-##-##T##:##:##Z'. A value that fits it and whose
fields make a real date and time is converted here; every other value is left to the
per-value path (None), so odd input never gets a different answer, only a slower one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from app.domain.columns import packed

_WIDTH = {"Y": 4, "m": 2, "d": 2, "H": 2, "M": 2, "S": 2}
_DAYS = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


@dataclass(frozen=True)
class Shape:
    template: str
    fields: dict[str, int]  # strptime letter -> first column
    utc: bool = False  # ends in 'Z' (ISO input only)


_ISO = (
    Shape("####-##-##", {"Y": 0, "m": 5, "d": 8}),
    Shape("####-##-##T##:##:##", {"Y": 0, "m": 5, "d": 8, "H": 11, "M": 14, "S": 17}),
    Shape("####-##-## ##:##:##", {"Y": 0, "m": 5, "d": 8, "H": 11, "M": 14, "S": 17}),
    Shape("####-##-##T##:##:##Z", {"Y": 0, "m": 5, "d": 8, "H": 11, "M": 14, "S": 17}, True),
)
_TOKEN = re.compile(r"%(.)|([^%])")
_ISO_AT = {"Y": 0, "m": 5, "d": 8, "H": 11, "M": 14, "S": 17}  # each field's ISO column


@cache
def strptime_shape(fmt: str) -> Shape | None:
    """The fixed shape of ``fmt`` when it is made of %Y %m %d [%H %M %S] with a separator
    between every two fields (no spaces: strptime reads one as any run of whitespace)."""
    template, fields = "", {}
    last_was_field = False
    for m in _TOKEN.finditer(fmt):
        letter, literal = m.groups()
        if letter is not None:
            if letter not in _WIDTH or letter in fields or last_was_field:
                return None
            fields[letter] = len(template)
            template += packed.DIGIT * _WIDTH[letter]
            last_was_field = True
        else:
            if (literal.isalnum() and literal != "T") or literal.isspace() or literal == "#":
                return None
            template += literal
            last_was_field = False
    if not {"Y", "m", "d"} <= fields.keys() or fmt.count("%") != len(fields):
        return None
    return Shape(template, fields)


def _valid(mat: np.ndarray, shape: Shape) -> np.ndarray:
    f = shape.fields
    year = packed.number(mat, f["Y"], f["Y"] + 4)
    month = packed.number(mat, f["m"], f["m"] + 2)
    day = packed.number(mat, f["d"], f["d"] + 2)
    ok = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
    ok &= day <= _DAYS[np.clip(month, 0, 12)]  # 29 February: leap years only, below
    feb29 = np.flatnonzero((month == 2) & (day == 29))
    if len(feb29):
        y = year[feb29]
        ok[feb29] &= (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    for letter, top in (("H", 24), ("M", 60), ("S", 60)):
        if letter in f:
            ok &= packed.number(mat, f[letter], f[letter] + 2) < top
    return ok


def _iso_text(mat: np.ndarray, shape: Shape, output: str, given: np.ndarray) -> np.ndarray:
    """ISO 8601 of each row: 'YYYY-MM-DD', or 'YYYY-MM-DDTHH:MM:SS' (+ 'Z' when UTC).
    ``given`` holds the rows' own texts: where the input is already written that way they
    are the answer, so no new string is made (100,000 fresh strings cost ~30 ms)."""
    f = shape.fields
    n = len(mat)
    in_place = all(_ISO_AT[letter] == at for letter, at in f.items())  # not %Y-%d-%m
    iso_date = in_place and shape.template.startswith("####-##-##")
    if output == "date":
        if in_place and shape.template == "####-##-##":
            return given
        if iso_date:  # a date-time: few distinct days, so make one string per day
            keys = (
                packed.number(mat, 0, 4) * 10_000
                + packed.number(mat, 5, 7) * 100
                + packed.number(mat, 8, 10)
            )
            inverse, days = pd.factorize(keys)
            first = np.empty(len(days), dtype=np.intp)
            first[inverse[::-1]] = np.arange(n, dtype=np.intp)[::-1]
            texts = np.empty(len(days), dtype=object)
            texts[:] = packed.texts(mat[first, :10])
            return texts[inverse]
    elif in_place and shape.template in ("####-##-##T##:##:##", "####-##-##T##:##:##Z"):
        return given

    def cols(letter: str) -> list[np.ndarray]:
        if letter not in f:
            return [np.full(n, ord("0"), dtype=np.uint32)] * 2
        return [mat[:, i] for i in range(f[letter], f[letter] + _WIDTH[letter])]

    def lit(ch: str) -> list[np.ndarray]:
        return [np.full(n, ord(ch), dtype=np.uint32)]

    parts = cols("Y") + lit("-") + cols("m") + lit("-") + cols("d")
    if output != "date":
        parts += lit("T") + cols("H") + lit(":") + cols("M") + lit(":") + cols("S")
        if shape.utc:
            parts += lit("Z")
    return packed.texts(np.stack(parts, axis=1))


def parse(values: np.ndarray, input_format: str, output: str) -> tuple[np.ndarray, np.ndarray]:
    """ISO text per value (object array of str) and the mask of values decided here; the
    per-value path decides the rest."""
    out = np.empty(len(values), dtype=object)
    decided = np.zeros(len(values), dtype=bool)
    shapes = (strptime_shape(input_format),) if input_format else _ISO
    column = packed.Packed(values)
    for shape in shapes:
        if shape is None:
            continue
        rows = np.flatnonzero(column.lengths == len(shape.template))
        if not len(rows):
            continue
        whole = len(rows) == len(values)  # the usual case: no copy of every value first
        given = values if whole else values[rows]
        mat = column.matrix(rows, len(shape.template))
        good = packed.fits(mat, shape.template)
        good[good] = _valid(mat if good.all() else mat[good], shape)
        if good.all():
            if whole:
                out = _iso_text(mat, shape, output, given)
                if out.dtype != object:  # numpy strings from a stack: objects wanted
                    out = out.astype(object)
                return out, np.ones(len(values), dtype=bool)
            out[rows] = _iso_text(mat, shape, output, given)
            decided[rows] = True
        else:
            out[rows[good]] = _iso_text(mat[good], shape, output, given[good])
            decided[rows[good]] = True
    return out, decided


def ymd(values: np.ndarray, input_format: str) -> tuple[np.ndarray, np.ndarray]:
    """Year * 10,000 + month * 100 + day (int64; 0 where not decided) of each value that
    ``datetime.strptime(value, input_format)`` reads from the format's fixed shape, and
    the mask of those; the rest are left to the per-value path."""
    n = len(values)
    key = np.zeros(n, dtype=np.int64)
    decided = np.zeros(n, dtype=bool)
    shape = strptime_shape(input_format)
    if shape is None or not n:
        return key, decided
    width = len(shape.template)
    packed_values = packed.Packed(values)
    rows = np.flatnonzero(packed_values.lengths == width)
    if not len(rows):
        return key, decided
    mat = packed_values.matrix(rows, width)
    good = packed.fits(mat, shape.template)
    good[good] = _valid(mat[good], shape)
    rows, mat = rows[good], mat[good]
    f = shape.fields
    key[rows] = (
        packed.number(mat, f["Y"], f["Y"] + 4) * 10_000
        + packed.number(mat, f["m"], f["m"] + 2) * 100
        + packed.number(mat, f["d"], f["d"] + 2)
    )
    decided[rows] = True
    return key, decided
