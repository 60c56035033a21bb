"""ZIP codes written '#####', '#####-####' or '#########' read vectorised, exact to
``normalise.zip5`` / ``normalise.zip_plus4``; any other shape is left to them."""

from __future__ import annotations

import numpy as np

from app.mapping import charcodes

_SHAPES = ("#####", "#####-####", "#########")


def _read(values: np.ndarray, plus4: bool) -> tuple[np.ndarray, np.ndarray]:
    out = np.empty(len(values), dtype=object)
    decided = np.zeros(len(values), dtype=bool)
    packed = charcodes.Packed(values)
    for shape in _SHAPES:
        rows = np.flatnonzero(packed.lengths == len(shape))
        if not len(rows):
            continue
        mat = packed.matrix(rows, len(shape))
        fit = charcodes.fits(mat, shape)
        rows, mat = rows[fit], mat[fit]
        if len(shape) == 5 or (plus4 and shape == "#####-####"):
            out[rows] = values[rows]
        elif not plus4:
            out[rows] = charcodes.texts(mat[:, :5])
        else:
            dash = np.full((len(mat), 1), ord("-"), dtype=np.uint32)
            out[rows] = charcodes.texts(np.concatenate([mat[:, :5], dash, mat[:, 5:]], axis=1))
        decided[rows] = True
    return out, decided


def zip5(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _read(values, plus4=False)


def zip_plus4(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _read(values, plus4=True)
