"""ZIP codes written '#####', '#####-####' or '#########' read vectorised, exact to
``normalise.zip5`` / ``normalise.zip_plus4``; any other shape is left to them."""

from __future__ import annotations

import numpy as np

from app.domain import normalise
from app.domain.columns import packed
from app.domain.columns.distinct import completed

_SHAPES = ("#####", "#####-####", "#########")


def _read(values: np.ndarray, plus4: bool) -> tuple[np.ndarray, np.ndarray]:
    out = np.empty(len(values), dtype=object)
    decided = np.zeros(len(values), dtype=bool)
    column = packed.Packed(values)
    for shape in _SHAPES:
        rows = np.flatnonzero(column.lengths == len(shape))
        if not len(rows):
            continue
        mat = column.matrix(rows, len(shape))
        fit = packed.fits(mat, shape)
        rows, mat = rows[fit], mat[fit]
        if len(shape) == 5 or (plus4 and shape == "#####-####"):
            out[rows] = values[rows]
        elif not plus4:
            out[rows] = packed.texts(mat[:, :5])
        else:
            dash = np.full((len(mat), 1), ord("-"), dtype=np.uint32)
            out[rows] = packed.texts(np.concatenate([mat[:, :5], dash, mat[:, 5:]], axis=1))
        decided[rows] = True
    return out, decided


def zip5(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _read(values, plus4=False)


def zip_plus4(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _read(values, plus4=True)


def normalised5(values: np.ndarray) -> np.ndarray:
    """``normalise.zip5`` of every value (object array of str; None: not a ZIP code)."""
    return completed(zip5(values), values, normalise.zip5)
