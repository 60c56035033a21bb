"""Contact and vehicle transforms: phone, e-mail, ZIP, VIN."""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.domain import fastpaths, normalise
from app.mapping import phones_fast, zips_fast
from app.mapping.transforms_base import Transformed, checked, checked_fast


def phone_e164(s: pd.Series, region: str = "US") -> Transformed:
    return checked_fast(
        s,
        lambda values: phones_fast.e164(values, region),
        lambda v: fastpaths.phone_e164(v, region),
        "not a valid phone number",
    )


def _emails(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    found = fastpaths.emails(values.tolist())
    out = np.empty(len(found), dtype=object)
    out[:] = found
    return out, np.array([r is not None for r in found], dtype=bool)


def email(s: pd.Series) -> Transformed:
    return checked_fast(s, _emails, fastpaths.email, "not a valid e-mail address")


def zip5(s: pd.Series) -> Transformed:
    return checked_fast(s, zips_fast.zip5, normalise.zip5, "not a US ZIP code")


def zip_plus4(s: pd.Series) -> Transformed:
    return checked_fast(s, zips_fast.zip_plus4, normalise.zip_plus4, "not a US ZIP code")


def vin(s: pd.Series) -> Transformed:
    return checked(s, normalise.vin, "not a valid VIN (length, characters or check digit)")
